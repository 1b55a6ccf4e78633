"""postgres_backup_info on a folder laid out as postgres_backup and people leave it: manifests,
a hand-made plain dump, a directory archive, temporary files of a backup in progress, damage.
Real backups are listed in tests/integration/db_playbooks (list_backups.yml)."""
from __future__ import annotations

import os

import pytest

from ansible_collections.lacrei.rollback.plugins.module_utils.pg_archive import checksum, manifest_path, write_json
from ansible_collections.lacrei.rollback.plugins.modules import postgres_backup_info as mod

DB = "consultas_medicas"


def make_backup(folder, name: str, created_at: str, content: bytes = b"PGDMP fake archive", **extra) -> str:
    path = folder / name
    path.write_bytes(content)
    size, sha = checksum(str(path))
    write_json(manifest_path(str(path)), dict(database=DB, format="custom", size=size, sha256=sha,
                                              created_at=created_at, **extra))
    return str(path)


def touch(path, content: bytes, epoch: int):
    path.write_bytes(content)
    os.utime(path, (epoch, epoch))
    return str(path)


@pytest.fixture
def folder(tmp_path):
    old = make_backup(tmp_path, f"backup_{DB}_20260209_120000.dump", "2026-02-09T12:00:00+00:00",
                      image="repo:66ddcf31", migrations={"professionals": ["0001_initial", "0005_index"]})
    new = make_backup(tmp_path, f"backup_{DB}_20260210_090000.dump", "2026-02-10T09:00:00+00:00")
    plain = touch(tmp_path / "backup_20260209_150000.sql", b"-- dump\n-- PostgreSQL database dump complete\n",
                  1770649200)  # 2026-02-09 15:00 UTC
    (tmp_path / "other_20260208.dir").mkdir()
    touch(tmp_path / "other_20260208.dir" / "toc.dat", b"PGDMP", 1770552000)
    os.utime(tmp_path / "other_20260208.dir", (1770552000, 1770552000))
    (tmp_path / f".backup_{DB}_20260211_000000.dump.partial-4242").write_bytes(b"PGDMP half")
    (tmp_path / "notes.txt").write_text("not a backup")
    return dict(path=tmp_path, old=old, new=new, plain=plain)


def test_backups_newest_first_with_their_manifests(run_module, folder):
    result = run_module(mod, dict(backup_dir=str(folder["path"])))

    assert result["changed"] is False
    listed = result["backups"]
    assert [os.path.basename(b["backup_path"]) for b in listed] == [
        f"backup_{DB}_20260210_090000.dump", "backup_20260209_150000.sql", f"backup_{DB}_20260209_120000.dump",
        "other_20260208.dir"]
    old = listed[2]
    assert old["manifest_path"] == folder["old"] + ".manifest.json" and old["image"] == "repo:66ddcf31"
    assert old["migrations"] == {"professionals": ["0001_initial", "0005_index"]} and old["verified"] is None
    plain = listed[1]
    assert plain["manifest"] is None and plain["format"] == "plain" and plain["database"] is None
    assert plain["created_at"] == "2026-02-09T15:00:00+00:00" and plain["size"] == os.path.getsize(folder["plain"])
    assert listed[3]["format"] == "directory" and listed[3]["size"] == 5


def test_database_filter_uses_manifest_or_name(run_module, folder):
    result = run_module(mod, dict(backup_dir=str(folder["path"]), database=DB))

    assert [b["backup_path"] for b in result["backups"]] == [folder["new"], folder["old"]]


def test_verify_flags_damaged_backups(run_module, folder):
    with open(folder["old"], "ab") as handle:
        handle.write(b"bit rot")
    (folder["path"] / "backup_x_20260101_000000.dump.manifest.json").write_text("{not json")
    (folder["path"] / "backup_x_20260101_000000.dump").write_bytes(b"PGDMP")

    result = run_module(mod, dict(backup_dir=str(folder["path"]), verify=True))

    by_path = {b["backup_path"]: b for b in result["backups"]}
    assert by_path[folder["new"]]["verified"] is True and by_path[folder["new"]]["problem"] is None
    assert by_path[folder["old"]]["verified"] is False and "does not match its manifest" in by_path[folder["old"]]["problem"]
    broken = by_path[str(folder["path"] / "backup_x_20260101_000000.dump")]
    assert broken["manifest"] is None and broken["problem"].startswith("Cannot read manifest")
    assert broken["database"] == "x"


def test_missing_folder_is_reported(run_module, tmp_path):
    result = run_module(mod, dict(backup_dir=str(tmp_path / "nope")))

    assert result["failed"] and result["msg"] == f"backup_dir {tmp_path / 'nope'} does not exist or is not a folder"


def test_empty_folder_lists_nothing(run_module, tmp_path):
    assert run_module(mod, dict(backup_dir=str(tmp_path)))["backups"] == []

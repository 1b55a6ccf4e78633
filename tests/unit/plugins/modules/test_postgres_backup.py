"""postgres_backup's building blocks without a server: names, pg_dump argv, checksums, formats.
Real dumps are tested in tests/integration/db/test_postgres_backup.py."""
from __future__ import annotations

import hashlib
import subprocess

import pytest

from ansible_collections.lacrei.rollback.plugins.module_utils import pg_archive
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed
from ansible_collections.lacrei.rollback.plugins.module_utils.pg_backup import (
    BackupRequest,
    backup_path,
    check_backup_dir,
    dump_args,
    remove_stale_partials,
)
from ansible_collections.lacrei.rollback.plugins.modules import postgres_backup as mod
from sandbox import procs

NOON = 1770638400.0  # 2026-02-09 12:00:00 UTC


def test_backup_name_follows_the_runbook_and_avoids_collisions(tmp_path):
    request = BackupRequest(database="consultas_medicas", backup_dir=str(tmp_path))
    first = backup_path(request, NOON)
    (tmp_path / "backup_consultas_medicas_20260209_120000.dump").write_text("x")

    assert first == str(tmp_path / "backup_consultas_medicas_20260209_120000.dump")
    assert backup_path(request, NOON) == str(tmp_path / "backup_consultas_medicas_20260209_120000_2.dump")


@pytest.mark.parametrize("fmt, compress, jobs, expected", [
    ("custom", 1, 4, ["-F", "c", "-f", "T", "-Z", "1"]),
    ("directory", 3, 4, ["-F", "d", "-f", "T", "-Z", "3", "-j", "4"]),
    ("plain", 9, 4, ["-F", "p", "-f", "T"]),
])
def test_dump_args(fmt, compress, jobs, expected):
    args = dump_args(BackupRequest("db", "/b", format=fmt, compress=compress, jobs=jobs), "T")

    assert args == ["--no-password", *expected, "-d", "db"]


def test_file_checksum_is_plain_sha256(tmp_path):
    path = tmp_path / "a.dump"
    path.write_bytes(b"PGDMP" + bytes(range(256)) * 10)

    assert pg_archive.checksum(str(path)) == (2565, hashlib.sha256(path.read_bytes()).hexdigest())
    assert pg_archive.detect_format(str(path)) == "custom"


def test_directory_checksum_is_sha256_of_sorted_sha256sum_listing(tmp_path):
    folder = tmp_path / "x.dir"
    folder.mkdir()
    for name, data in {"toc.dat": b"toc", "3001.dat.gz": b"a" * 100, "3000.dat.gz": b"b"}.items():
        (folder / name).write_bytes(data)
    listing = subprocess.run("LC_ALL=C ls | LC_ALL=C sort | xargs sha256sum", shell=True, cwd=folder,
                             check=True, capture_output=True).stdout

    assert pg_archive.checksum(str(folder)) == (104, hashlib.sha256(listing).hexdigest())
    assert pg_archive.detect_format(str(folder)) == "directory"


def test_plain_detection_and_trailer(tmp_path):
    good, bad = tmp_path / "good.sql", tmp_path / "bad.sql"
    good.write_text("SET x = 1;\n--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict abc\n")
    bad.write_text("SET x = 1;\nCOPY t FROM stdin;\n1\n")

    assert pg_archive.detect_format(str(good)) == "plain"
    pg_archive.check_plain_complete(str(good))
    with pytest.raises(ActionFailed, match="truncated or incomplete"):
        pg_archive.check_plain_complete(str(bad))


def test_folder_without_toc_is_not_an_archive(tmp_path):
    with pytest.raises(ActionFailed, match="without toc.dat"):
        pg_archive.detect_format(str(tmp_path))


def test_backup_dir_checks(tmp_path):
    check_backup_dir(str(tmp_path))
    with pytest.raises(ActionFailed, match="does not exist"):
        check_backup_dir(str(tmp_path / "nope"))


def test_stale_partials_of_dead_runs_are_removed(tmp_path):
    dead_pid = 9_999_999  # above Linux's pid_max (4,194,304): never a live process
    stale = tmp_path / f".backup_db_20260209_120000.dump.partial-{dead_pid}"
    live = tmp_path / f".backup_db_20260209_120001.dump.partial-{procs.os.getpid()}"
    stale_manifest = tmp_path / f".backup_db_20260209_120000.dump.partial-{dead_pid}.manifest.json"
    live_manifest = tmp_path / f".backup_db_20260209_120001.dump.partial-{procs.os.getpid()}.manifest.json"
    other = tmp_path / f".backup_otherdb_20260209_120000.dump.partial-{dead_pid}"
    for path in (stale, live, stale_manifest, live_manifest, other):
        path.write_text("x")

    remove_stale_partials(BackupRequest("db", str(tmp_path)))

    assert not stale.exists() and not stale_manifest.exists()
    assert live.exists() and live_manifest.exists() and other.exists()


def test_check_mode_fails_clearly_without_server(run_module, tmp_path):
    result = run_module(mod, dict(database="db", backup_dir=str(tmp_path), login_host="127.0.0.1",
                                  login_port=procs.free_port(), login_password="pw-xyz"), check_mode=True)

    assert result["failed"] and "Failed to connect to PostgreSQL" in result["msg"]
    assert "pw-xyz" not in str(result)

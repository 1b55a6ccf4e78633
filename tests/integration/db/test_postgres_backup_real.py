"""postgres_backup against the real server: archive + manifest, verification, failures, check mode."""
from __future__ import annotations

import contextlib
import json
import os
import subprocess

import pytest

from sandbox import procs

MODULE = "postgres_backup"


def backup(run_module, login, database, backup_dir, check_mode=False, **options):
    return run_module(MODULE, dict(login, database=database, backup_dir=str(backup_dir), **options),
                      check_mode=check_mode)


def sha256sum_listing(folder) -> str:
    """The documented shell recipe for a directory archive's checksum."""
    script = "cd \"$1\" && find . -type f | sed 's|^\\./||' | LC_ALL=C sort | xargs sha256sum | sha256sum"
    out = subprocess.run(["sh", "-c", script, "sh", str(folder)], check=True, capture_output=True, text=True)
    return out.stdout.split()[0]


def test_custom_backup_has_verified_manifest_and_no_secret(run_module, login, sample_db, tmp_path, app_server):
    result = backup(run_module, login, sample_db, tmp_path, image="3f2a9c1")

    assert result["changed"] and not result.get("failed"), result
    path = result["backup_path"]
    assert os.path.basename(path).startswith(f"backup_{sample_db}_") and path.endswith(".dump")
    manifest = json.loads(open(result["manifest_path"]).read())
    assert manifest["database"] == sample_db and manifest["format"] == "custom" and manifest["image"] == "3f2a9c1"
    assert manifest["server_version"].startswith("15") and manifest["pg_dump_version"].startswith("15")
    sha = subprocess.run(["sha256sum", path], check=True, capture_output=True, text=True).stdout.split()[0]
    assert (manifest["sha256"], manifest["size"]) == (sha, os.path.getsize(path)) == (result["sha256"], result["size"])
    listing = subprocess.run(["pg_restore", "--list", path], check=True, capture_output=True, text=True).stdout
    assert "TABLE DATA public appointment" in listing
    assert sorted(os.listdir(tmp_path)) == sorted([os.path.basename(path), os.path.basename(result["manifest_path"])])
    assert app_server.password not in json.dumps(result)


def test_directory_backup_checksum_matches_documented_recipe(run_module, login, sample_db, tmp_path):
    result = backup(run_module, login, sample_db, tmp_path, format="directory", jobs=2)

    assert result["changed"], result
    assert result["backup_path"].endswith(".dir") and os.path.isfile(os.path.join(result["backup_path"], "toc.dat"))
    assert result["sha256"] == sha256sum_listing(result["backup_path"])
    assert result["size"] == sum(os.path.getsize(os.path.join(result["backup_path"], name))
                                 for name in os.listdir(result["backup_path"]))


def test_two_backups_in_the_same_second_get_distinct_names(run_module, login, sample_db, tmp_path):
    first = backup(run_module, login, sample_db, tmp_path, format="plain")
    second = backup(run_module, login, sample_db, tmp_path, format="plain")

    assert first["backup_path"] != second["backup_path"]
    assert "PostgreSQL database dump complete" in open(second["backup_path"]).read()


def test_manifest_records_applied_migrations(run_module, login, miniproj, fresh_db, tmp_path):
    migrated = run_module("django_migrations", dict(miniproj, app="clinic", target="0002"))
    assert migrated["changed"], migrated

    result = backup(run_module, login, fresh_db, tmp_path, django=miniproj)

    assert result["manifest"]["migrations"] == {"clinic": ["0001_initial", "0002_seed_patients"], "notes": []}
    assert miniproj["environment"]["DATABASE_URL"] not in json.dumps(result)


def test_check_mode_reports_path_and_writes_nothing(run_module, login, sample_db, tmp_path):
    result = backup(run_module, login, sample_db, tmp_path, check_mode=True)

    assert result["changed"] and result["backup_path"].startswith(str(tmp_path / f"backup_{sample_db}_"))
    assert os.listdir(tmp_path) == []


def test_unreachable_server_is_a_clear_error_and_leaves_nothing(run_module, login, tmp_path):
    result = backup(run_module, dict(login, login_port=procs.free_port()), "whatever", tmp_path)

    assert result["failed"] and "Failed to connect to PostgreSQL" in result["msg"], result
    assert "Connection refused" in result["msg"]
    assert os.listdir(tmp_path) == []


def test_missing_backup_dir_is_refused(run_module, login, sample_db, tmp_path):
    result = backup(run_module, login, sample_db, tmp_path / "nope")

    assert result["failed"] and "does not exist" in result["msg"]


def test_unknown_database_fails_without_files(run_module, login, tmp_path):
    result = backup(run_module, login, "no_such_db", tmp_path)

    assert result["failed"] and 'database "no_such_db" does not exist' in result["msg"], result
    assert os.listdir(tmp_path) == []


@contextlib.contextmanager
def immutable(folder):
    """A folder nobody, not even root, can create files in (chattr +i)."""
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i not available here")
    try:
        yield folder
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_permission_denied_is_a_clear_error(run_module, login, sample_db, tmp_path):
    with immutable(tmp_path):
        result = backup(run_module, login, sample_db, tmp_path)

    assert result["failed"] and "is not writable (permission denied)" in result["msg"], result
    assert os.listdir(tmp_path) == []


@contextlib.contextmanager
def tiny_filesystem(folder, size="64k"):
    folder.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_disk_full_removes_the_partial_file(run_module, login, sample_db, tmp_path):
    with tiny_filesystem(tmp_path / "full") as folder:
        result = backup(run_module, login, sample_db, folder, compress=0)
        left = os.listdir(folder)

    assert result["failed"] and "No space left on device" in result["msg"], result
    assert left == []

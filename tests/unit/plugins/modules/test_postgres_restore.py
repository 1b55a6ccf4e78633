"""postgres_restore refuses bad backups BEFORE connecting anywhere (the server here is a closed port).
Real restores are tested in tests/integration/db/test_postgres_restore.py and test_restore_kill.py."""
from __future__ import annotations

import json

import pytest

from ansible_collections.lacrei.rollback.plugins.modules import postgres_restore as mod
from sandbox import procs


@pytest.fixture
def nowhere() -> dict:
    return dict(login_host="127.0.0.1", login_port=procs.free_port(), login_password="pw-xyz")


def archive_with_manifest(tmp_path, data: bytes, manifest: dict):
    path = tmp_path / "backup_db_20260209_120000.dump"
    path.write_bytes(data)
    (tmp_path / (path.name + ".manifest.json")).write_text(json.dumps(manifest))
    return path


def test_missing_backup_is_refused(run_module, nowhere, tmp_path):
    result = run_module(mod, dict(nowhere, database="db", backup_file=str(tmp_path / "nope.dump")))

    assert result["failed"] and "does not exist. Nothing was changed." in result["msg"]


def test_checksum_mismatch_is_refused_before_any_connection(run_module, nowhere, tmp_path):
    path = archive_with_manifest(tmp_path, b"PGDMPxxxx", {"format": "custom", "size": 9, "sha256": "0" * 64})

    result = run_module(mod, dict(nowhere, database="db", backup_file=str(path)))

    assert result["failed"] and "does not match its manifest" in result["msg"], result
    assert "pw-xyz" not in json.dumps(result)


def test_format_mismatch_is_refused(run_module, nowhere, tmp_path):
    path = archive_with_manifest(tmp_path, b"SELECT 1;\n", {"format": "custom", "size": 10, "sha256": "0" * 64})

    result = run_module(mod, dict(nowhere, database="db", backup_file=str(path)))

    assert result["failed"] and "is plain but its manifest says custom" in result["msg"]


def test_archive_without_manifest_is_refused(run_module, nowhere, tmp_path):
    path = tmp_path / "hand.dump"
    path.write_bytes(b"PGDMP....")

    result = run_module(mod, dict(nowhere, database="db", backup_file=str(path)))

    assert result["failed"] and "has no manifest" in result["msg"]


def test_timer_records_phase_even_on_failure():
    timer = mod.Timer()

    with pytest.raises(ZeroDivisionError):
        timer.run("restore", lambda: 1 / 0)

    assert set(timer.durations) == {"restore"} and timer.durations["restore"] >= 0

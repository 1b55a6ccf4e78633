"""postgres_restore against the real server: round trips, refusals, sessions, leftovers, check mode."""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from db_helpers import digest, query

MODULE = "postgres_restore"


@pytest.fixture
def backup_of(run_module, login, tmp_path):
    def _backup(database, **options):
        result = run_module("postgres_backup", dict(login, database=database, backup_dir=str(tmp_path), **options))
        assert result["changed"] and not result.get("failed"), result
        return result["backup_path"]

    return _backup


def restore(run_module, login, database, backup_file, check_mode=False, **options):
    return run_module(MODULE, dict(login, database=database, backup_file=str(backup_file), **options),
                      check_mode=check_mode)


def damage(server, database):
    conn = server.connect(database)
    with conn.cursor() as cur:
        cur.execute("DELETE FROM appointment WHERE id % 3 = 0; UPDATE professional SET name = 'x' WHERE id < 10;"
                    "DROP VIEW busy")
    conn.close()


def databases(server, prefix) -> list:
    return sorted(row[0] for row in query(server, "SELECT datname FROM pg_database WHERE datname LIKE %s",
                                          (prefix + "%",)))


@pytest.mark.parametrize("fmt", ["custom", "directory", "plain"])
def test_round_trip_restores_exact_content(run_module, login, app_server, sample_db, backup_of, fmt):
    original = digest(app_server, sample_db)
    archive = backup_of(sample_db, format=fmt)
    damage(app_server, sample_db)
    assert digest(app_server, sample_db) != original

    result = restore(run_module, login, sample_db, archive)

    assert result["changed"] and not result.get("failed"), result
    assert digest(app_server, sample_db) == original
    assert query(app_server, "SELECT count(*) FROM busy", dbname=sample_db)[0][0] == 50
    assert result["format"] == fmt and result["checksum_verified"] is True
    previous = result["previous_database_name"]
    assert previous.startswith(sample_db + "_pre_restore_") and databases(app_server, sample_db) == [sample_db, previous]
    assert digest(app_server, previous)["appointment"][0] == 2000  # the damaged copy, kept
    assert set(result["durations"]) == {"verify", "safety_backup", "restore", "swap"}
    assert os.path.exists(result["safety_backup"]["manifest_path"])
    assert app_server.password not in json.dumps(result)


def test_hand_made_plain_sql_restores_without_manifest(run_module, login, pg_server, app_server, sample_db, tmp_path):
    original = digest(app_server, sample_db)
    dump = tmp_path / "backup_20260209_120000.sql"
    with open(dump, "wb") as out:  # the runbook's: pg_dump -h localhost -U postgres db > backup.sql
        subprocess.run(["pg_dump", "-h", pg_server.host, "-p", str(pg_server.port), "-U", "postgres", sample_db],
                       stdout=out, check=True)
    damage(app_server, sample_db)

    result = restore(run_module, login, sample_db, dump, safety_backup=False, keep_previous=False)

    assert result["changed"] and result["checksum_verified"] is False, result
    assert "has no manifest: its size and checksum were not verified" in json.dumps(result["warnings"])
    assert digest(app_server, sample_db) == original
    assert databases(app_server, sample_db) == [sample_db] and result["previous_database_name"] is None


def corrupt(path, how):
    if how == "flipped byte":
        with open(path, "r+b") as handle:
            handle.seek(os.path.getsize(path) // 2)
            byte = handle.read(1)
            handle.seek(-1, os.SEEK_CUR)
            handle.write(bytes([byte[0] ^ 0xFF]))
    else:
        os.truncate(path, os.path.getsize(path) - 100)


@pytest.mark.parametrize("how", ["flipped byte", "truncated"])
def test_corrupt_backup_is_refused_and_nothing_changes(run_module, login, app_server, sample_db, backup_of, how):
    archive = backup_of(sample_db)
    damage(app_server, sample_db)
    before = digest(app_server, sample_db)
    corrupt(archive, how)
    files_before = sorted(os.listdir(os.path.dirname(archive)))

    result = restore(run_module, login, sample_db, archive)

    assert result["failed"] and "does not match its manifest" in result["msg"], result
    assert digest(app_server, sample_db) == before
    assert databases(app_server, sample_db) == [sample_db]
    assert sorted(os.listdir(os.path.dirname(archive))) == files_before  # no safety backup either


def test_truncated_plain_sql_without_manifest_is_refused(run_module, login, app_server, sample_db, backup_of):
    archive = backup_of(sample_db, format="plain")
    os.unlink(archive + ".manifest.json")
    corrupt(archive, "truncated")

    result = restore(run_module, login, sample_db, archive)

    assert result["failed"] and "truncated or incomplete" in result["msg"], result
    assert databases(app_server, sample_db) == [sample_db]


def test_archive_without_manifest_needs_allow_missing_manifest(run_module, login, app_server, sample_db, backup_of):
    archive = backup_of(sample_db)
    os.unlink(archive + ".manifest.json")

    refused = restore(run_module, login, sample_db, archive)
    allowed = restore(run_module, login, sample_db, archive, allow_missing_manifest=True, safety_backup=False)

    assert refused["failed"] and "has no manifest" in refused["msg"]
    assert allowed["changed"] and allowed["checksum_verified"] is False, allowed


def test_failing_sql_leaves_original_in_place(run_module, login, app_server, sample_db, tmp_path):
    before = digest(app_server, sample_db)
    bad = tmp_path / "bad.sql"
    bad.write_text("CREATE TABLE fine (id int);\nINSERT INTO missing_table VALUES (1);\n"
                   "--\n-- PostgreSQL database dump complete\n--\n")

    result = restore(run_module, login, sample_db, bad, safety_backup=False)

    assert result["failed"] and 'relation "missing_table" does not exist' in result["msg"], result
    assert "was not changed" in result["msg"]
    assert digest(app_server, sample_db) == before and databases(app_server, sample_db) == [sample_db]


def test_open_sessions_are_listed_or_terminated(run_module, login, app_server, sample_db, backup_of):
    archive = backup_of(sample_db)
    session = app_server.connect(sample_db, application_name="gunicorn-worker")
    pid = session.get_backend_pid()
    try:
        refused = restore(run_module, login, sample_db, archive)
        assert refused["failed"] and f"pid {pid}" in refused["msg"] and "gunicorn-worker" in refused["msg"], refused
        assert databases(app_server, sample_db) == [sample_db]

        done = restore(run_module, login, sample_db, archive, terminate_sessions=True)
    finally:
        session.close()

    assert done["changed"] and not done.get("failed"), done
    assert [s["pid"] for s in done["terminated_sessions"]] == [pid]
    assert query(app_server, "SELECT bool_and(datallowconn) FROM pg_database WHERE datname LIKE %s",
                 (sample_db + "%",))[0][0] is True


def test_check_mode_verifies_and_changes_nothing(run_module, login, app_server, sample_db, backup_of):
    archive = backup_of(sample_db)
    damage(app_server, sample_db)
    before = digest(app_server, sample_db)
    files = sorted(os.listdir(os.path.dirname(archive)))

    result = restore(run_module, login, sample_db, archive, check_mode=True)

    assert result["changed"] and result["checksum_verified"] and result["previous_database_name"], result
    assert digest(app_server, sample_db) == before and databases(app_server, sample_db) == [sample_db]
    assert sorted(os.listdir(os.path.dirname(archive))) == files


def test_leftover_scratch_database_is_dropped(run_module, login, app_server, sample_db, backup_of):
    from sandbox import postgres

    archive = backup_of(sample_db)
    leftover = f"{sample_db}_restore_20000101_000000"
    postgres.create_database(app_server, leftover)

    planned = restore(run_module, login, sample_db, archive, check_mode=True)
    assert planned["leftovers_dropped"] == [leftover] and leftover in databases(app_server, sample_db)

    result = restore(run_module, login, sample_db, archive, safety_backup=False, keep_previous=False)

    assert result["leftovers_dropped"] == [leftover], result
    assert databases(app_server, sample_db) == [sample_db]


def test_restore_into_a_new_database(run_module, login, app_server, sample_db, backup_of):
    archive = backup_of(sample_db)
    target = sample_db + "_copy"

    result = restore(run_module, login, target, archive)

    assert result["changed"] and result["previous_database_name"] is None and "safety_backup" not in result, result
    assert digest(app_server, target) == digest(app_server, sample_db)


def test_directory_archive_with_extra_file_is_refused(run_module, login, sample_db, backup_of):
    archive = backup_of(sample_db, format="directory")
    shutil.copy(os.path.join(archive, "toc.dat"), os.path.join(archive, "extra.dat"))

    result = restore(run_module, login, sample_db, archive)

    assert result["failed"] and "does not match its manifest" in result["msg"]


def failing_pg_dump(folder) -> str:
    """A pg_bindir whose pg_dump answers --version and then fails after a while (other tools: PATH)."""
    real = shutil.which("pg_dump")
    os.makedirs(folder, exist_ok=True)
    script = os.path.join(folder, "pg_dump")
    with open(script, "w") as handle:
        handle.write(f'#!/bin/sh\n[ "$1" = --version ] && exec {real} --version\nsleep 0.3\n'
                     'echo "pg_dump: error: simulated failure of the safety backup" >&2\nexit 1\n')
    os.chmod(script, 0o755)
    return folder


def test_failed_safety_backup_drops_the_restored_copy(run_module, login, app_server, sample_db, backup_of, tmp_path):
    archive = backup_of(sample_db)
    damage(app_server, sample_db)
    before = digest(app_server, sample_db)

    result = restore(run_module, login, sample_db, archive, pg_bindir=failing_pg_dump(str(tmp_path / "bin")))

    assert result["failed"] and "simulated failure of the safety backup" in result["msg"], result
    assert "was not changed" in result["msg"] and "was dropped" in result["msg"], result
    assert digest(app_server, sample_db) == before and databases(app_server, sample_db) == [sample_db]
    assert not [name for name in os.listdir(tmp_path) if ".partial-" in name]


def test_failed_load_keeps_the_original_and_a_complete_safety_backup(run_module, login, app_server, sample_db,
                                                                      tmp_path):
    before = digest(app_server, sample_db)
    bad = tmp_path / "bad.sql"
    bad.write_text("CREATE TABLE fine (id int);\nINSERT INTO missing_table VALUES (1);\n"
                   "--\n-- PostgreSQL database dump complete\n--\n")
    safety_dir = tmp_path / "safety"
    safety_dir.mkdir()

    result = restore(run_module, login, sample_db, bad, safety_backup_dir=str(safety_dir))

    assert result["failed"] and 'relation "missing_table" does not exist' in result["msg"], result
    assert digest(app_server, sample_db) == before and databases(app_server, sample_db) == [sample_db]
    files = sorted(os.listdir(safety_dir))
    assert len(files) == 2 and files[1] == files[0] + ".manifest.json", files  # ended, verified, published

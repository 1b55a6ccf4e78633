"""SIGKILL a running postgres_restore (its whole process group, as a crash would) at several
points: the database must be the untouched original or the fully restored copy, never a mix,
and a rerun must succeed and clean up after the killed run."""
from __future__ import annotations

import glob
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from db_helpers import digest, query

RUNNER = Path(__file__).resolve().parent / "module_runner.py"
TIMEOUT = 30


def start(module: str, args: dict, tmp_path: Path) -> subprocess.Popen:
    args_file = tmp_path / f"args-{time.monotonic_ns()}.json"
    args_file.write_text(json.dumps(args))
    return subprocess.Popen([sys.executable, str(RUNNER), module, str(args_file)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)


def kill_when(proc: subprocess.Popen, condition) -> bool:
    """SIGKILL the process group as soon as ``condition()``; False when the run ended first."""
    deadline = time.monotonic() + TIMEOUT
    while proc.poll() is None and time.monotonic() < deadline:
        if condition():
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.002)
    proc.communicate(timeout=TIMEOUT)
    return False


def scratch_exists(server, database):
    return lambda: bool(query(server, "SELECT 1 FROM pg_database WHERE datname LIKE %s", (database + "_restore_%",)))


def scratch_has_rows(server, database):
    def _check():
        names = query(server, "SELECT datname FROM pg_database WHERE datname LIKE %s", (database + "_restore_%",))
        try:
            return bool(names) and bool(query(server, "SELECT 1 FROM pg_class WHERE relname = 'appointment_at_idx'",
                                              dbname=names[0][0]))
        except Exception:  # noqa: BLE001 - the scratch database is still being created
            return False
    return _check


def partial_backup(folder):
    return lambda: bool(glob.glob(os.path.join(folder, ".backup_*.partial-*")))


def after(seconds):
    started = time.monotonic()
    return lambda: time.monotonic() - started >= seconds


def swapped(server, database):
    return lambda: bool(query(server, "SELECT 1 FROM pg_database WHERE datname LIKE %s",
                              (database + "_pre_restore_%",)))


# point -> (condition factory, whether the run must really be killed there)
POINTS = {
    "during the safety backup": (lambda server, db, folder: partial_backup(folder), True),
    "right after creating the scratch database": (lambda server, db, folder: scratch_exists(server, db), True),
    "while loading the scratch database": (lambda server, db, folder: scratch_has_rows(server, db), True),
    "right after the swap": (lambda server, db, folder: swapped(server, db), False),
    "after 0.5 s": (lambda server, db, folder: after(0.5), False),
    "after 1 s": (lambda server, db, folder: after(1.0), False),
}


@pytest.mark.parametrize("point", list(POINTS))
def test_killed_restore_leaves_original_or_restored_and_rerun_succeeds(
        run_module, login, app_server, pg_server, sample_db, tmp_path, point):
    backup = run_module("postgres_backup", dict(login, database=sample_db, backup_dir=str(tmp_path), format="plain"))
    wanted = digest(app_server, sample_db)
    conn = app_server.connect(sample_db)
    with conn.cursor() as cur:
        cur.execute("DELETE FROM appointment WHERE id % 2 = 0")
    conn.close()
    original = digest(app_server, sample_db)
    args = dict(login, database=sample_db, backup_file=backup["backup_path"], terminate_sessions=True)

    proc = start("postgres_restore", args, tmp_path)
    condition, must_kill = POINTS[point]
    killed = kill_when(proc, condition(pg_server, sample_db, str(tmp_path)))

    assert killed or not must_kill
    assert digest(app_server, sample_db) in (original, wanted)
    rerun = run_module("postgres_restore", args)
    assert not rerun.get("failed") and rerun["changed"], rerun
    assert digest(app_server, sample_db) == wanted
    assert not query(pg_server, "SELECT datname FROM pg_database WHERE datname LIKE %s", (sample_db + "_restore_%",))
    assert query(pg_server, "SELECT bool_and(datallowconn) FROM pg_database WHERE datname LIKE %s",
                 (sample_db + "%",)) == [(True,)]
    assert not glob.glob(os.path.join(tmp_path, ".backup_*.partial-*"))

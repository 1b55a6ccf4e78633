"""kill -9 anywhere in playbooks/restore_db.yml: while it verifies the backup, while the safety
backup is dumped, once the scratch database exists, while pg_restore loads it, after the swap, while
the endpoints are checked. The database is always either the untouched original or the fully
restored copy, never a mix; a scratch database left is one the next run drops; a re-run restores."""
from __future__ import annotations

import time

import pytest

from sandbox import postgres
from tests.integration.reliability.kill_harness import (
    KillChecks, Point, both, program_running, run_and_kill, run_playbook, task_started, when)
from tests.integration.sandbox_fixture import private_sandbox

pytestmark = pytest.mark.kill

ROWS = 20000  # pg_dump and pg_restore each run long enough to be caught in /proc


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    with private_sandbox(tmp_path_factory, "kill-restore", rows=ROWS) as sandbox:
        yield sandbox


def connection(box) -> dict:
    return dict(login_host=box.env["PGHOST"], login_port=int(box.env["PGPORT"]), login_user=box.env["PGUSER"],
                passfile=box.env["PGPASSFILE"])


def settled(checks, timeout: float = 120) -> None:
    """Until no other session is running a statement: a killed run's CREATE DATABASE goes on in its
    server process after the client is gone and commits a moment later (a scratch database appearing
    after the kill, which the next run's baseline must see)."""
    deadline = time.monotonic() + timeout
    while postgres.query(checks.url, "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                                     "AND backend_type = 'client backend' AND pid <> pg_backend_pid()")[0][0]:
        assert time.monotonic() < deadline, "a killed run's statement is still running in PostgreSQL"
        time.sleep(0.1)


class ScratchBefore:
    """The scratch databases there before a run starts (the test sets ``names`` before each): a previous
    kill leaves its own behind (the next run drops it), and a point that held on that one would kill
    the run at its start, before it did anything."""

    def __init__(self):
        self.names: set[str] = set()

    def new(self, checks) -> list[str]:
        return [name for name in checks.scratch_databases() if name not in self.names]


def new_scratch_exists(checks, before: ScratchBefore) -> Point:
    return Point("the run's scratch database exists", lambda run: bool(before.new(checks)))


def new_scratch_has_a_table(checks, before: ScratchBefore) -> Point:
    return Point("a table is loaded in the run's scratch database",
                 lambda run: scratch_has_a_table(checks, before.new(checks)))


def scratch_has_a_table(checks, names: list[str]) -> bool:
    for name in names:
        try:
            if postgres.query(checks.url, "SELECT 1 FROM pg_class WHERE relname = 'appointments_appointment'",
                              dbname=name):
                return True
        except Exception:  # noqa: BLE001 - the scratch database is being created or dropped
            continue
    return False


def points(checks, before: ScratchBefore):
    return [
        task_started("Restore the backup (only verify and plan in preflight)"),  # its first run: the preflight
        both(program_running("pg_dump"), when("the safety backup's partial archive exists",
                                              lambda: bool(checks.partial_backups()))),
        new_scratch_exists(checks, before),
        both(program_running("pg_restore"), new_scratch_has_a_table(checks, before), attempts=3),
        task_started("Record the restore"),
        task_started("endpoint_check : "),
    ]


def test_restore_killed_anywhere_leaves_original_or_restored_and_rerun_restores(box, run_module):
    checks = KillChecks(box, "restore_db.yml")
    checks.backup_dir.mkdir(exist_ok=True)
    backup = run_module("postgres_backup", dict(connection(box), database=checks.database,
                                                backup_dir=str(checks.backup_dir)))
    assert not backup.get("failed"), backup
    backed_up = checks.digests()
    postgres.query(checks.url, "DELETE FROM appointments_appointment WHERE id % 3 = 0")
    original = checks.digests()
    assert original != backed_up
    args = ["-e", f"backup_file={backup['backup_path']}"]

    before = ScratchBefore()
    for point in points(checks, before):
        settled(checks)
        before.names = set(checks.scratch_databases())
        kill = run_and_kill(box.state, "restore_db.yml", args, point)
        checks.after_kill(kill, original, backed_up)

    rc, out = run_playbook(box.state, "restore_db.yml", args)
    checks.figures.reruns += 1
    assert rc == 0, out[-4000:]
    checks.assert_rows(backed_up)
    checks.assert_clean()
    assert box.get("/health/")[0] == 200
    checks.figures.record()

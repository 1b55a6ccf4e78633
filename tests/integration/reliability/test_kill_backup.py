"""kill -9 anywhere in playbooks/backup_db.yml: while the release's code is exported (preflight),
when the backup task starts, while pg_dump writes the archive, while pg_restore --list checks it,
after it is published. Every table keeps its rows, no partial archive is ever listed as a backup,
and a re-run takes a good backup."""
from __future__ import annotations

import pytest

from tests.integration.reliability.kill_harness import (
    KillChecks, both, program_running, run_and_kill, run_playbook, task_started, when)
from tests.integration.sandbox_fixture import private_sandbox

pytestmark = pytest.mark.kill

ROWS = 20000  # pg_dump and pg_restore --list each run long enough to be caught in /proc


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    with private_sandbox(tmp_path_factory, "kill-backup", rows=ROWS) as sandbox:
        yield sandbox


def points(box, checks):
    checkouts = box.state / "checkouts"
    return [
        when("the release's tar archive is being written (preflight export)", lambda: any(checkouts.glob("*.tar"))),
        task_started("Back up consultas_medicas"),
        both(program_running("pg_dump"), when("the partial archive exists", lambda: bool(checks.partial_backups()))),
        program_running("pg_restore", "--list", attempts=3),  # a short window: tried up to 3 times
        task_started("Record the backup"),
    ]


def test_backup_killed_anywhere_keeps_every_row_and_lists_no_partial_backup(box):
    checks = KillChecks(box, "backup_db.yml")
    before = checks.digests()

    for point in points(box, checks):
        kill = run_and_kill(box.state, "backup_db.yml", [], point)
        checks.after_kill(kill, before)

    rc, out = run_playbook(box.state, "backup_db.yml", [])
    checks.figures.reruns += 1
    assert rc == 0, out[-4000:]
    checks.assert_rows(before)
    checks.assert_clean()
    newest = checks.listed_backups()[0]
    assert newest["verified"] is True and newest["backup_path"] in out
    checks.figures.record()

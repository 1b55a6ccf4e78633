"""kill -9 anywhere in playbooks/rollback_migration.yml (professionals back to 0004: unapply 0005,
an index): while Django computes the plan, while the backup is dumped, when the migrate task starts,
while manage.py migrate runs, after it. Django runs each migration in a transaction on PostgreSQL:
the schema always matches django_migrations (0005 recorded exactly when its index exists), no data
row changes, and a re-run ends at 0004."""
from __future__ import annotations

import pytest

from sandbox import postgres
from tests.integration.reliability.kill_harness import (
    KillChecks, both, program_running, run_and_kill, run_playbook, task_started, when)
from tests.integration.sandbox_fixture import private_sandbox

pytestmark = pytest.mark.kill

ROWS = 20000  # pg_dump runs long enough to be caught in /proc
INDEX = "professionals_council_registration_idx"
ARGS = ["-e", "app=professionals", "-e", "migration=0004_normalize_emails"]


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    with private_sandbox(tmp_path_factory, "kill-migration", rows=ROWS) as sandbox:
        yield sandbox


def applied(checks) -> list[str]:
    return [name for (name,) in postgres.query(
        checks.url, "SELECT name FROM django_migrations WHERE app = 'professionals' ORDER BY id")]


def index_exists(checks) -> bool:
    return bool(postgres.query(checks.url, "SELECT 1 FROM pg_indexes WHERE indexname = %s", (INDEX,)))


def points(checks):
    return [
        task_started("Compute Django's plan"),
        both(program_running("pg_dump"), when("the backup's partial archive exists",
                                              lambda: bool(checks.partial_backups()))),
        task_started("Migrate the app to the target migration"),
        program_running("manage.py", "migrate"),
        task_started("Record what was migrated"),
    ]


def test_migration_rollback_killed_anywhere_is_all_or_nothing_and_rerun_ends_at_target(box):
    checks = KillChecks(box, "rollback_migration.yml")
    before = checks.digests()
    assert applied(checks)[-1] == "0005_council_registration_index" and index_exists(checks)

    for point in points(checks):
        kill = run_and_kill(box.state, "rollback_migration.yml", ARGS, point)
        checks.after_kill(kill, before, ignore=("django_migrations",))
        assert ("0005_council_registration_index" in applied(checks)) == index_exists(checks), kill.point

    rc, out = run_playbook(box.state, "rollback_migration.yml", ARGS)
    checks.figures.reruns += 1
    assert rc == 0, out[-4000:]
    assert applied(checks)[-1] == "0004_normalize_emails" and not index_exists(checks)
    checks.assert_rows(before, ignore=("django_migrations",))
    checks.assert_clean()
    checks.figures.record()

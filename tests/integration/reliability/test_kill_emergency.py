"""kill -9 anywhere in playbooks/emergency.yml (v1.3.0 is out and failing; its schema is v1.2.0's,
so the schema check plans the application only, and the procedure puts v1.2.0 back): while
identify reads the release history, while it reads the metrics, while the configuration is
snapshotted before the image changes, while App Runner's operation is IN_PROGRESS, while validate
watches the service. Every row stays, no partial backup is listed, and a re-run ends recovered on
v1.2.0.

The re-run names the release (``-e sha=``): with ``target=previous`` a run after a killed one that
already put v1.2.0 back would move one more release back, as two runs of ``target=previous`` do (the
killed run wrote no audit line saying v1.2.0 was its rollback)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from sandbox import postgres
from tests.integration.emergency.emergency_sandbox import SHORT_WINDOWS
from tests.integration.reliability.kill_harness import (
    KillChecks, operation_in_progress, run_and_kill, run_playbook, task_started)
from tests.integration.sandbox_fixture import REPO, private_sandbox, process_env

pytestmark = pytest.mark.kill

ROWS = 50
INDEX = "professionals_council_registration_idx"


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    with private_sandbox(tmp_path_factory, "kill-emergency", rows=ROWS) as sandbox:
        yield sandbox


@pytest.fixture
def traffic(box):
    """Loopback traffic for the monitor window while the test runs (stopped at its end)."""
    sender = subprocess.Popen([sys.executable, "-m", "sandbox", "traffic", "--rate", "5", "--seconds", "900"],
                              cwd=REPO, env=process_env(box.state), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    yield sender
    sender.kill()
    sender.wait(timeout=10)


def applied(checks) -> list[str]:
    return [name for (name,) in postgres.query(
        checks.url, "SELECT name FROM django_migrations WHERE app = 'professionals' ORDER BY id")]


def index_exists(checks) -> bool:
    return bool(postgres.query(checks.url, "SELECT 1 FROM pg_indexes WHERE indexname = %s", (INDEX,)))


def test_emergency_killed_anywhere_then_rerun_recovers(box, traffic):
    checks = KillChecks(box, "emergency.yml")
    before = checks.digests()
    assert box.pipeline_deploy("v1.3.0") == "SUCCEEDED"
    args = [*SHORT_WINDOWS, "-e", f"sha={box.sha('v1.2.0')}"]
    points = [
        task_started("Read which image each deployment ran"),
        task_started("Read error rate, latency and error lines"),
        task_started("Point the service at the target image and wait"),
        operation_in_progress(box),
        task_started("Watch the service for a short window"),
    ]

    for point in points:
        if box.running() == box.image("v1.2.0"):  # a killed run's deploy went through: the bad release again
            assert box.pipeline_deploy("v1.3.0") == "SUCCEEDED"
        kill = run_and_kill(box.state, "emergency.yml", args, point)
        assert box.settle()["Status"] == "RUNNING"
        assert box.running() in (box.image("v1.3.0"), box.image("v1.2.0"))
        checks.after_kill(kill, before)
        assert ("0005_council_registration_index" in applied(checks)) == index_exists(checks), kill.point

    rc, out = run_playbook(box.state, "emergency.yml", args)
    checks.figures.reruns += 1
    assert rc == 0, out[-5000:]
    assert box.running() == box.image("v1.2.0")
    assert applied(checks)[-1] == "0005_council_registration_index" and index_exists(checks)
    assert box.get("/api/appointments/")[0] == 200
    checks.assert_rows(before)
    checks.assert_clean()
    checks.figures.record()

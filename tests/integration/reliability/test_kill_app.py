"""kill -9 anywhere in playbooks/rollback_app.yml (the bad v1.3.0 is out; back to v1.2.0): while it
describes the service, while it resolves the SHA in ECR, while it snapshots the configuration,
while App Runner's operation is IN_PROGRESS, while the endpoints are validated. The operation a
killed run started ends on its own (SUCCEEDED, never stuck); the database is untouched; a re-run
once the service is no longer busy ends on v1.2.0 with the API answering."""
from __future__ import annotations

import pytest

from tests.integration.reliability.kill_harness import (
    KillChecks, operation_in_progress, run_and_kill, run_playbook, task_started)
from tests.integration.sandbox_fixture import private_sandbox

pytestmark = pytest.mark.kill


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    with private_sandbox(tmp_path_factory, "kill-app", rows=50) as sandbox:
        yield sandbox


def test_app_rollback_killed_anywhere_then_rerun_runs_the_target(box):
    checks = KillChecks(box, "rollback_app.yml")
    before = checks.digests()
    assert box.pipeline_deploy("v1.3.0") == "SUCCEEDED"
    args = ["-e", f"sha={box.sha('v1.2.0')}"]
    points = [task_started("Take the service's lease"),
              task_started("Decide the rollback"),
              task_started("Point the service at the target image and wait"),
              task_started("endpoint_check : "),
              operation_in_progress(box)]

    for point in points:
        if box.running() == box.image("v1.2.0"):  # a killed run's deploy went through: the bad release again
            assert box.pipeline_deploy("v1.3.0") == "SUCCEEDED"
        kill = run_and_kill(box.state, "rollback_app.yml", args, point)
        service = box.settle()
        assert service["Status"] == "RUNNING", service
        assert box.running() in (box.image("v1.3.0"), box.image("v1.2.0"))
        assert box.operations()[0]["Status"] in ("SUCCEEDED",), box.operations()[0]
        checks.after_kill(kill, before)

    rc, out = run_playbook(box.state, "rollback_app.yml", args)
    checks.figures.reruns += 1
    assert rc == 0, out[-4000:]
    assert box.running() == box.image("v1.2.0")
    assert box.get("/api/appointments/")[0] == 200
    checks.assert_rows(before)
    checks.figures.record()

"""kill -9 anywhere in playbooks/rollback_config.yml (FEATURE_APPOINTMENTS=off broke the API; back
to the previous snapshot): while it plans, when the apply task starts, once the running
configuration is snapshotted and before UpdateService, while App Runner's operation is IN_PROGRESS,
while the endpoints are validated. A snapshot a killed run saved never makes ``previous`` pick the
broken configuration; a re-run ends on the good configuration with the API answering."""
from __future__ import annotations

import pytest

from tests.integration.config_rollback.config_sandbox import ConfigSandbox
from tests.integration.reliability.kill_harness import (
    KillChecks, operation_in_progress, run_and_kill, run_playbook, task_started, when)
from tests.integration.sandbox_fixture import private_sandbox

pytestmark = pytest.mark.kill

ARGS = ["-e", "config_version=previous"]


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    with private_sandbox(tmp_path_factory, "kill-config", ConfigSandbox, rows=50) as sandbox:
        yield sandbox


def test_config_rollback_killed_anywhere_then_rerun_restores_the_good_configuration(box):
    checks = KillChecks(box, "rollback_config.yml")
    before = checks.digests()
    rc, out = run_playbook(box.state, "snapshot_config.yml", [])
    assert rc == 0, out[-3000:]
    box.update_variables({"FEATURE_APPOINTMENTS": "off"})
    assert box.status("/api/appointments/") == 503
    versions = box.snapshot_versions()

    def snapshot_saved_not_applied():
        return len(box.snapshot_versions()) > len(versions) and box.service()["Status"] == "RUNNING"

    points = [task_started("Plan the change"),
              task_started("Apply the planned configuration and wait"),
              when("the running configuration is snapshotted, UpdateService not yet sent", snapshot_saved_not_applied),
              operation_in_progress(box),
              task_started("endpoint_check : ")]

    for point in points:
        if box.variables()["FEATURE_APPOINTMENTS"] == "on":  # a killed run's update went through: broken again
            box.update_variables({"FEATURE_APPOINTMENTS": "off"})
        versions = box.snapshot_versions()
        kill = run_and_kill(box.state, "rollback_config.yml", ARGS, point)
        service = box.settle()
        assert service["Status"] == "RUNNING", service
        assert box.variables()["FEATURE_APPOINTMENTS"] in ("on", "off")
        checks.after_kill(kill, before)

    rc, out = run_playbook(box.state, "rollback_config.yml", ARGS)
    checks.figures.reruns += 1
    assert rc == 0, out[-4000:]
    assert box.variables()["FEATURE_APPOINTMENTS"] == "on"
    assert box.status("/api/appointments/") == 200
    checks.assert_rows(before)
    checks.figures.record()

"""The configuration runbooks through the Python API: snapshot, a change made outside the
collection, rollback to the previous configuration, and the snapshots listed."""
from __future__ import annotations

import uuid

import pytest

from tests.integration.config_rollback.config_sandbox import ConfigSandbox


@pytest.fixture
def config_box(api_sandbox) -> ConfigSandbox:
    return ConfigSandbox(api_sandbox.state)


def test_snapshot_break_rollback_previous_and_list(sandbox_client, config_box):
    reason = f"python api baseline {uuid.uuid4().hex[:8]}"
    good = config_box.variables()
    snapshot = sandbox_client.snapshot_config(reason=reason)
    assert snapshot.ok and snapshot.audit["requested"] == {"reason": reason}
    version = snapshot.audit["snapshot_version"]

    config_box.update_variables({"LOG_LEVEL": "debug", "PYTHON_API_BROKE_IT": "yes"})
    result = sandbox_client.rollback_config(config_version="previous")
    assert result.ok and result.changed and result.audit["to"]["version"] == version
    assert result.audit["variables_removed"] == ["PYTHON_API_BROKE_IT"]
    assert result.audit["deploy_status"] == "SUCCEEDED" and result.audit["validation"] == "passed"
    assert config_box.variables() == good

    snapshots = sandbox_client.list_configs()
    assert [s.version for s in snapshots] == sorted((s.version for s in snapshots), reverse=True)
    ours = next(s for s in snapshots if s.version == version)
    assert ours.environment_variables == good
    # a snapshot is only taken when the configuration changed since the last one (else that one is named)
    assert ours.reason == reason or not snapshot.audit["changed"]
    before_rollback = next(s for s in snapshots if s.version == result.audit["snapshot_before"])
    assert before_rollback.rolled_back_from and before_rollback.environment_variables["PYTHON_API_BROKE_IT"] == "yes"

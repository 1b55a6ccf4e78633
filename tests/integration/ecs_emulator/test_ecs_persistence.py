"""State survives restarts; a deployment in flight when the emulator died is rolled back on start."""
from __future__ import annotations

import json

from tests.integration.ecs_emulator.ecs_helpers import container, describe_service, latest_deployment, wait_deployment


def test_state_survives_a_restart_and_interrupted_deployments_are_rolled_back(ecs_factory, image):
    emulator = ecs_factory()
    ecs = emulator.client()
    ecs.create_cluster(clusterName="sandbox")
    ecs.register_task_definition(family="kept", containerDefinitions=[container(image())])
    ecs.create_service(cluster="sandbox", serviceName="kept", taskDefinition="kept")
    first = latest_deployment(ecs, "kept")
    wait_deployment(ecs, first)
    emulator.control("faults", {"deploy_seconds": 600})
    ecs.register_task_definition(family="kept", containerDefinitions=[container(image())])
    ecs.update_service(cluster="sandbox", service="kept", taskDefinition="kept:2")
    interrupted = latest_deployment(ecs, "kept")
    wait_deployment(ecs, interrupted, statuses=("IN_PROGRESS",))

    emulator.crash()
    emulator.start()
    ecs = emulator.client()
    assert wait_deployment(ecs, first, timeout=0)["status"] == "SUCCESSFUL"
    rolled_back = wait_deployment(ecs, interrupted, timeout=0)
    assert rolled_back["status"] == "ROLLBACK_SUCCESSFUL" and "restart" in rolled_back["rollback"]["reason"]
    assert describe_service(ecs, "kept")["taskDefinition"].endswith("kept:1")
    assert ecs.describe_task_definition(taskDefinition="kept")["taskDefinition"]["revision"] == 2
    assert json.loads(emulator.state_file.read_text())["version"] == 1
    emulator.stop()

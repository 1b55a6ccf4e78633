"""Service deployments progress, the circuit breaker rolls a bad one back, StopServiceDeployment
(ROLLBACK) stops one in flight, a newer deployment supersedes an older one."""
from __future__ import annotations

import pytest

from tests.integration.ecs_emulator.ecs_helpers import (container, describe_deployment, describe_service,
                                                        latest_deployment, wait_deployment)

MISSING_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/consultas/ecs-api:not-pushed"


def test_a_deployment_progresses_to_completed(ecs, image, running_service):
    name = running_service()
    new_image = image()
    ecs.register_task_definition(family=name, containerDefinitions=[container(new_image)])
    updated = ecs.update_service(cluster="sandbox", service=name, taskDefinition=f"{name}:2")["service"]
    assert updated["taskDefinition"].endswith(f"task-definition/{name}:2")
    primary = updated["deployments"][0]
    assert (primary["status"], primary["rolloutState"]) == ("PRIMARY", "IN_PROGRESS")
    assert [d["status"] for d in updated["deployments"]] == ["PRIMARY", "ACTIVE"]

    arn = latest_deployment(ecs, name)
    done = wait_deployment(ecs, arn)
    assert done["status"] == "SUCCESSFUL" and done["finishedAt"] >= done["startedAt"]
    service = describe_service(ecs, name)
    assert [(d["status"], d["rolloutState"], d["runningCount"]) for d in service["deployments"]] == [
        ("PRIMARY", "COMPLETED", 1)]
    assert service["currentServiceRevisions"][0]["arn"] == done["targetServiceRevision"]["arn"]
    revision = ecs.describe_service_revisions(serviceRevisionArns=[done["targetServiceRevision"]["arn"]])
    assert revision["serviceRevisions"][0]["containerImages"] == [{"containerName": "web", "image": new_image}]
    assert "has reached a steady state." in service["events"][0]["message"]
    history = ecs.list_service_deployments(cluster="sandbox", service=name)["serviceDeployments"]
    assert [d["status"] for d in history] == ["SUCCESSFUL", "SUCCESSFUL"] and history[0]["serviceDeploymentArn"] == arn


def test_failing_tasks_trip_the_circuit_breaker_into_a_rollback(ecs, running_service):
    name = running_service()
    ecs.register_task_definition(family=name, containerDefinitions=[container(MISSING_IMAGE)])
    ecs.update_service(cluster="sandbox", service=name, taskDefinition=f"{name}:2")

    done = wait_deployment(ecs, latest_deployment(ecs, name))
    assert done["status"] == "ROLLBACK_SUCCESSFUL"
    assert done["deploymentCircuitBreaker"] == {"status": "TRIGGERED", "failureCount": 3, "threshold": 3}
    assert done["rollback"]["reason"].startswith("Circuit Breaker triggered")
    assert done["rollback"]["serviceRevisionArn"] == done["sourceServiceRevisions"][0]["arn"]
    service = describe_service(ecs, name)
    assert service["taskDefinition"].endswith(f"task-definition/{name}:1")
    assert [(d["taskDefinition"].rsplit("/", 1)[-1], d["rolloutState"]) for d in service["deployments"]] == [
        (f"{name}:1", "COMPLETED")]
    assert any("failed to start" in event["message"] for event in service["events"])


def test_without_a_circuit_breaker_a_bad_deployment_stays_in_flight_until_stopped_with_rollback(ecs, running_service):
    name = running_service(breaker=False)
    ecs.register_task_definition(family=name, containerDefinitions=[container(MISSING_IMAGE)])
    ecs.update_service(cluster="sandbox", service=name, taskDefinition=f"{name}:2")
    arn = latest_deployment(ecs, name)
    wait_deployment(ecs, arn, statuses=("IN_PROGRESS",))
    in_flight = describe_service(ecs, name)["deployments"][0]
    assert in_flight["rolloutState"] == "IN_PROGRESS"

    assert ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")["serviceDeploymentArn"] == arn
    assert describe_deployment(ecs, arn)["status"] in ("ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL")
    done = wait_deployment(ecs, arn)
    assert done["status"] == "ROLLBACK_SUCCESSFUL" and "StopServiceDeployment" in done["rollback"]["reason"]
    assert describe_service(ecs, name)["taskDefinition"].endswith(f"task-definition/{name}:1")
    with pytest.raises(ecs.exceptions.ConflictException, match="ROLLBACK_SUCCESSFUL"):
        ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")


def test_stop_with_rollback_of_a_healthy_deployment_still_in_progress(ecs_emulator, ecs, image, running_service):
    name = running_service()
    ecs_emulator.control("faults", {"deploy_seconds": 600})
    ecs.register_task_definition(family=name, containerDefinitions=[container(image())])
    ecs.update_service(cluster="sandbox", service=name, taskDefinition=f"{name}:2")
    arn = latest_deployment(ecs, name)
    wait_deployment(ecs, arn, statuses=("IN_PROGRESS",))
    ecs.stop_service_deployment(serviceDeploymentArn=arn)  # stopType defaults to ROLLBACK
    assert wait_deployment(ecs, arn, timeout=20)["status"] == "ROLLBACK_SUCCESSFUL"
    assert describe_service(ecs, name)["taskDefinition"].endswith(f"{name}:1")


def test_injected_failures_and_abort(ecs_emulator, ecs, image, running_service):
    name = running_service(breaker=False)
    ecs_emulator.control("faults", {"fail_next_deployment": 1})
    ecs.register_task_definition(family=name, containerDefinitions=[container(image())])
    ecs.update_service(cluster="sandbox", service=name, taskDefinition=f"{name}:2")
    arn = latest_deployment(ecs, name)
    # ABORT once the injected failure has been counted (the failing task takes a moment to fail)
    wait_deployment(ecs, arn, statuses=("IN_PROGRESS",),
                    until=lambda deployment: deployment.get("deploymentCircuitBreaker", {}).get("failureCount", 0) >= 1)
    ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ABORT")
    done = wait_deployment(ecs, arn)
    assert done["status"] == "STOPPED" and "ABORT" in done["statusReason"]
    assert done["deploymentCircuitBreaker"]["failureCount"] >= 1


def test_a_newer_deployment_supersedes_one_in_flight(ecs_emulator, ecs, image, running_service):
    name = running_service()
    ecs_emulator.control("faults", {"deploy_seconds": 600})
    ecs.update_service(cluster="sandbox", service=name, forceNewDeployment=True)
    older = latest_deployment(ecs, name)
    ecs.register_task_definition(family=name, containerDefinitions=[container(image())])
    ecs.update_service(cluster="sandbox", service=name, taskDefinition=f"{name}:2")
    newer = latest_deployment(ecs, name)
    ecs_emulator.control("faults", {"deploy_seconds": 0.2})
    assert newer != older
    assert wait_deployment(ecs, older)["status"] == "STOPPED"
    assert wait_deployment(ecs, newer)["status"] == "SUCCESSFUL"
    listed = ecs.list_service_deployments(cluster="sandbox", service=name, status=["STOPPED"])["serviceDeployments"]
    assert [d["serviceDeploymentArn"] for d in listed] == [older]

"""lacrei.rollback.ecs_deploy and ecs_service_info, run in-process against the ECS emulator
(EcrRuntime: a task is healthy when its image is in moto's ECR)."""
from __future__ import annotations

import pytest

from tests.integration.ecs_emulator.ecs_helpers import (container, describe_service, latest_deployment,
                                                        wait_deployment)
from tests.integration.ecs_emulator.test_express import create as create_express
from tests.integration.emulator_process import REGION

MISSING_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/consultas/ecs-api:never-pushed"


@pytest.fixture
def ecs_module(run_module, ecs_emulator, monkeypatch):
    """Run an ecs_* module against the test's ECS emulator; service options for cluster ``sandbox``."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_REGION": REGION}.items():
        monkeypatch.setenv(name, value)

    def run(module: str, check_mode: bool = False, diff: bool = False, **args) -> dict:
        if "express_service_arn" not in args:
            args.setdefault("cluster", "sandbox")
        return run_module(module, dict(args, endpoint_url=ecs_emulator.url, max_attempts=2),
                          check_mode=check_mode, diff=diff)

    return run


def revisions(ecs, family: str = "api") -> list[str]:
    return ecs.list_task_definitions(familyPrefix=family)["taskDefinitionArns"]


def image_of(ecs, service: str = "api") -> str:
    arn = describe_service(ecs, service)["taskDefinition"]
    return ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]["containerDefinitions"][0]["image"]


def test_deploy_registers_a_revision_for_a_new_image_then_reuses_the_old_one_to_roll_back(
        ecs, image, running_service, ecs_module):
    name = running_service()
    first, second = image_of(ecs), image()

    forward = ecs_module("ecs_deploy", service=name, image=second)
    assert forward["changed"] and forward["status"] == "SUCCESSFUL", forward
    assert forward["registered_task_definition"].endswith("task-definition/api:2")
    assert (forward["from_image"], forward["serving_image"], forward["task_definition_revision"]) == (
        first, second, "api:2")
    assert forward["rollout_state"] == "COMPLETED"
    # the service deployment and the wait also under App Runner's names (roles/image_deploy reads one shape)
    assert (forward["operation_id"], forward["deployment_seconds"]) == (forward["deployment_arn"], forward["waited_seconds"])
    assert forward["operation_id"].startswith("arn:aws:ecs:") and forward["deployment_seconds"] >= 0
    # the new revision differs from the old one by the image only
    new = ecs.describe_task_definition(taskDefinition="api:2")["taskDefinition"]["containerDefinitions"][0]
    assert new == {**ecs.describe_task_definition(taskDefinition="api:1")["taskDefinition"]["containerDefinitions"][0],
                   "image": second}

    back = ecs_module("ecs_deploy", service=name, image=first)
    assert back["changed"] and back["status"] == "SUCCESSFUL", back
    assert back["reused_task_definition"].endswith("task-definition/api:1") and "registered_task_definition" not in back
    assert back["task_definition_revision"] == "api:1" and image_of(ecs) == first
    assert len(revisions(ecs)) == 2

    again = ecs_module("ecs_deploy", service=name, image=first)
    assert not again["changed"] and again["deployment_arn"] is None
    assert again["operation_id"] is None and again["deployment_seconds"] is None
    assert len(ecs.list_service_deployments(cluster="sandbox", service=name)["serviceDeployments"]) == 3

    info = ecs_module("ecs_service_info", service=name)
    assert info["service"]["task_definition_revision"] == "api:1" and info["service"]["image_identifier"] == first
    assert [d["image"] for d in info["service_deployments"]] == [first, second, first]
    # the same deployments as App Runner's operations look (the emergency's identify reads one shape)
    assert [(o["id"], o["type"], o["status"], o["ended_at"]) for o in info["operations"]] == [
        (d["arn"], "SERVICE_DEPLOYMENT", d["status"], d["finished_at"]) for d in info["service_deployments"]]
    assert all(o["started_at"] for o in info["operations"])
    assert [p["image"] for p in info["previous_images"]] == [second]
    assert info["deployment_in_progress"] is None and not info["changed"]


def test_check_mode_predicts_and_touches_nothing(ecs, image, running_service, ecs_module):
    name = running_service()
    before = image_of(ecs)
    new_image = image()
    predicted = ecs_module("ecs_deploy", check_mode=True, diff=True, service=name, image=new_image)
    assert predicted["changed"] and predicted["serving_image"] == new_image
    assert predicted["registered_task_definition"] is True and predicted["task_definition_revision"] is None
    assert predicted["diff"] == {"before": {"image": before}, "after": {"image": new_image}}
    assert len(revisions(ecs)) == 1 and image_of(ecs) == before
    assert len(ecs.list_service_deployments(cluster="sandbox", service=name)["serviceDeployments"]) == 1


def test_a_circuit_breaker_rollback_is_a_failure_naming_what_runs(ecs, running_service, ecs_module):
    name = running_service()
    good = image_of(ecs)
    failed = ecs_module("ecs_deploy", service=name, image=MISSING_IMAGE, wait_timeout=60)
    assert failed["failed"] and failed["status"] == "ROLLBACK_SUCCESSFUL"
    assert "ended ROLLBACK_SUCCESSFUL" in failed["msg"] and "Circuit Breaker triggered" in failed["msg"]
    assert f"task definition revision api:1 runs {good} now" in failed["msg"]
    assert failed["serving_image"] == good and failed["registered_task_definition"].endswith("api:2")


def test_busy_service_is_refused_then_stop_in_flight_rolls_back(ecs, image, running_service, ecs_module):
    name = running_service(breaker=False)
    good = image_of(ecs)
    ecs.register_task_definition(family=name, containerDefinitions=[container(MISSING_IMAGE)])
    ecs.update_service(cluster="sandbox", service=name, taskDefinition=f"{name}:2")
    in_flight = latest_deployment(ecs, name)
    wait_deployment(ecs, in_flight, statuses=("IN_PROGRESS",))

    refused = ecs_module("ecs_deploy", service=name, image=image())
    assert refused["failed"] and "Nothing was changed" in refused["msg"] and in_flight in refused["msg"]
    assert "stop_in_flight=true" in refused["msg"] and refused["deployment_in_progress"]["arn"] == in_flight
    assert len(revisions(ecs)) == 2

    predicted = ecs_module("ecs_deploy", check_mode=True, service=name, stop_in_flight=True)
    assert predicted["changed"] and predicted["stopped_deployment"] == in_flight
    assert ecs.describe_service_deployments(serviceDeploymentArns=[in_flight])["serviceDeployments"][0][
        "status"] == "IN_PROGRESS"

    stopped = ecs_module("ecs_deploy", service=name, stop_in_flight=True, wait_timeout=60)
    assert stopped["changed"] and stopped["stopped_deployment"] == in_flight, stopped
    assert stopped["status"] == "ROLLBACK_SUCCESSFUL" and "StopServiceDeployment" in stopped["status_reason"]
    assert stopped["serving_image"] == good and stopped["task_definition_revision"] == "api:1"

    nothing = ecs_module("ecs_deploy", service=name, stop_in_flight=True)
    assert not nothing["changed"] and "stopped_deployment" not in nothing


def test_bad_options_fail_before_any_change(ecs, running_service, ecs_module):
    name = running_service()
    both = ecs_module("ecs_deploy", service=name, image=MISSING_IMAGE, stop_in_flight=True, wait=False)
    assert both["failed"] and "needs wait=true" in both["msg"]
    wrong = ecs_module("ecs_deploy", service=name, container="sidecar", image=MISSING_IMAGE)
    assert wrong["failed"] and "no container named 'sidecar'" in wrong["msg"] and "web" in wrong["msg"]
    missing = ecs_module("ecs_service_info", service="nope")
    assert missing["failed"] and "ECS service nope is not in cluster sandbox" in missing["msg"]
    assert len(revisions(ecs)) == 1


def test_express_deploy_follows_the_canary_and_reports_its_rollback(ecs_emulator, ecs, image, ecs_module):
    first, second = image(), image()
    arn = create_express(ecs, first)

    done = ecs_module("ecs_deploy", express_service_arn=arn, image=second)
    assert done["changed"] and done["status"] == "SUCCESSFUL" and done["serving_image"] == second, done
    assert not ecs_module("ecs_deploy", express_service_arn=arn, image=second)["changed"]
    primary = ecs.describe_express_gateway_service(serviceArn=arn)["service"]["activeConfigurations"][0]
    assert primary["primaryContainer"]["environment"] == [{"name": "FEATURE", "value": "on"}]

    ecs_emulator.control("faults", {"fail_canary": 1})
    failed = ecs_module("ecs_deploy", express_service_arn=arn, image=image(), wait_timeout=60)
    assert failed["failed"] and failed["status"] == "ROLLBACK_SUCCESSFUL"
    assert "Canary failed" in failed["msg"] and f"{second} serves now" in failed["msg"]

    info = ecs_module("ecs_service_info", express_service_arn=arn)
    assert info["service"]["image_identifier"] == second and info["service"]["active_images"] == [second]
    assert info["service_deployments"][0]["status"] == "ROLLBACK_SUCCESSFUL"
    assert [p["image"] for p in info["previous_images"]] == [first]


def test_configure_registers_a_revision_with_only_the_environment_changed(ecs, image, running_service):
    from ansible_collections.lacrei.rollback.plugins.module_utils.ecs import EcsPlatform
    from ansible_collections.lacrei.rollback.plugins.module_utils.ecs_express import EcsExpressPlatform

    name = running_service()
    platform = EcsPlatform(ecs, "sandbox")
    arn = platform.configure(name, environment={"FEATURE": "off"}, secrets={"DB": "arn:aws:ssm:::parameter/db"})
    assert wait_deployment(ecs, arn)["status"] == "SUCCESSFUL"
    described = platform.describe(name, include_env_values=True)
    assert (described["environment_variables"], described["environment_secrets"]) == (
        {"FEATURE": "off"}, {"DB": "arn:aws:ssm:::parameter/db"})
    assert described["task_definition_revision"] == "api:2" and described["image_identifier"] == image_of(ecs)

    express_arn = create_express(ecs, image())
    express = EcsExpressPlatform(ecs)
    deployment = express.configure(express_arn, environment={"FEATURE": "off"})
    assert wait_deployment(ecs, deployment)["status"] == "SUCCESSFUL"
    assert express.describe(express_arn, include_env_values=True)["environment_variables"] == {"FEATURE": "off"}


def test_a_wait_timeout_says_the_deployment_goes_on_and_names_it(ecs_emulator, ecs, image, running_service, ecs_module):
    name = running_service()
    ecs_emulator.control("faults", {"deploy_seconds": 600})
    timed_out = ecs_module("ecs_deploy", service=name, image=image(), wait_timeout=1)
    assert timed_out["failed"] and "the deployment goes on in ECS" in timed_out["msg"]
    assert timed_out["deployment_arn"] == latest_deployment(ecs, name) and timed_out["changed"]
    assert timed_out["operation_id"] == timed_out["deployment_arn"]  # a failure too: the rescues read operation_id
    stopped = ecs_module("ecs_deploy", service=name, stop_in_flight=True, wait_timeout=60)
    assert stopped["status"] == "ROLLBACK_SUCCESSFUL" and stopped["stopped_deployment"] == timed_out["deployment_arn"]

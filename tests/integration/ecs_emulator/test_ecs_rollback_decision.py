"""The app rollback's decision on ECS, in-process against the ECS emulator (EcrRuntime: a task is
healthy when its image is in moto's ECR): lacrei.rollback.app_rollback_preflight and
apprunner_release_history with an ECS service or an ECS Express Mode service."""
from __future__ import annotations

import json
import secrets

import pytest

from sandbox import images
from tests.integration import emulator_process
from tests.integration.ecs_emulator.test_ecs_modules import ecs_module  # noqa: F401  (the fixture)
from tests.integration.ecs_emulator.test_express import create as create_express
from tests.integration.emulator_process import ACCOUNT, REGION

REPOSITORY = "consultas/ecs-api"
NEVER_PUSHED = "123456789012.dkr.ecr.us-east-1.amazonaws.com/consultas/ecs-api:" + "f" * 40


@pytest.fixture(autouse=True)
def ecr_in_moto(moto_endpoint, monkeypatch):
    """The ECR the modules read (their secondary client) is moto's, where ``image`` pushes."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_ECR", moto_endpoint)


@pytest.fixture
def release(moto_endpoint):
    """Push a release image (its own digest) tagged with a fresh git SHA; (its URI, the SHA)."""
    ecr = emulator_process.ecr_client(moto_endpoint)

    def push() -> tuple[str, str]:
        sha = secrets.token_hex(20)
        images.push_image(ecr, REPOSITORY, sha)
        return f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{REPOSITORY}:{sha}", sha
    return push


def test_previous_good_comes_from_the_service_deployments_and_a_failed_one_is_excluded(
        ecs, release, ecs_module, running_service, moto_endpoint):
    name = running_service()
    first = ecs.describe_task_definition(taskDefinition="api:1")["taskDefinition"]["containerDefinitions"][0]["image"]
    second, _ = release()
    assert ecs_module("ecs_deploy", service=name, image=second)["status"] == "SUCCESSFUL"
    failed = ecs_module("ecs_deploy", service=name, image=NEVER_PUSHED)  # the circuit breaker rolls it back
    assert failed["failed"] and failed["status"] == "ROLLBACK_SUCCESSFUL"

    decision = ecs_module("app_rollback_preflight", service=name, target="previous", caller_identity=False)
    assert not decision.get("failed"), decision
    assert decision["refusal"] is None, decision["refusal"]
    # image() pushes one manifest under many tags (one digest): the target is that digest, under whichever tag
    listed = emulator_process.ecr_client(moto_endpoint).describe_images(
        repositoryName=REPOSITORY, imageIds=[{"imageTag": first.rsplit(":", 1)[1]}])["imageDetails"][0]
    assert decision["target"]["digest"] == listed["imageDigest"] and decision["needed"] is True
    assert decision["service"]["image_identifier"] == second
    assert decision["service"]["task_definition_revision"] == "api:2"
    assert decision["running_sha"] == second.rsplit(":", 1)[1]
    assert decision["history"]["sources"] == {"service_deployments": 3, "audit_log": "not given"}

    history = ecs_module("apprunner_release_history", service=name)
    assert history["platform"] == "ecs" and history["current"]["image_identifier"] == second
    assert {r["digest"] for r in history["releases"]} == {listed["imageDigest"], history["current"]["digest"]}
    assert second in {r["image_uri"] for r in history["releases"]}
    assert history["excluded"] == []  # the never-pushed image is not in ECR: nothing to list
    assert history["previous"]["digest"] == listed["imageDigest"]


def test_a_deployment_in_flight_is_refused_naming_it(ecs_emulator, ecs, image, release, ecs_module, running_service):
    name = running_service()
    ecs_emulator.control("faults", {"deploy_seconds": 600})
    started = ecs_module("ecs_deploy", service=name, image=image(), wait=False)["deployment_arn"]
    decision = ecs_module("app_rollback_preflight", service=name, target="previous", caller_identity=False)
    assert decision["operation_in_progress"]["arn"] == started and decision["target"] is None
    assert decision["refusal"].startswith(f"Refused, nothing was changed: ECS service {name} is busy with service "
                                          f"deployment {started} (IN_PROGRESS)")
    assert "-e stop_in_flight=true" in decision["refusal"] and decision["needed"] is False

    # stop_in_flight: no refusal; the deployment in flight is named and a deployment is needed, even
    # to the image the service ran before it (stopping it is the rollback's first step)
    target, target_sha = release()
    stopping = ecs_module("app_rollback_preflight", service=name, sha=target_sha[:10], repository=REPOSITORY,
                          caller_identity=False, stop_in_flight=True)
    assert stopping["refusal"] is None and stopping["needed"] is True, stopping
    assert stopping["operation_in_progress"]["arn"] == started and stopping["target"]["image_uri"] == target
    ecs_emulator.control("faults", {"deploy_seconds": 0.2})


def test_stop_in_flight_is_refused_on_app_runner(run_module):
    refused = run_module("app_rollback_preflight", dict(
        service_arn="arn:aws:apprunner:us-east-1:123456789012:service/a/b", region="us-east-1",
        target="previous", stop_in_flight=True, caller_identity=False))
    assert refused["failed"] and refused["msg"].startswith("stop_in_flight=true is for ECS services")


def test_by_sha_and_by_the_audit_trail_on_an_express_service(ecs, release, ecs_module, tmp_path):
    older, older_sha = release()
    newer, newer_sha = release()
    arn = create_express(ecs, older)
    assert ecs_module("ecs_deploy", express_service_arn=arn, image=newer)["status"] == "SUCCESSFUL"

    by_sha = ecs_module("app_rollback_preflight", express_service_arn=arn, sha=older_sha[:9], repository=REPOSITORY,
                        caller_identity=False)
    assert by_sha["platform"] == "ecs_express" and by_sha["refusal"] is None, by_sha
    assert (by_sha["target"]["sha"], by_sha["needed"], by_sha["running_sha"]) == (older_sha, True, newer_sha)
    assert by_sha["service"]["image_digest"] and by_sha["service"]["image_sha"] == newer_sha
    unknown = ecs_module("app_rollback_preflight", express_service_arn=arn, sha="0" * 12, repository=REPOSITORY,
                         caller_identity=False)
    assert "No image in ECR repository consultas/ecs-api" in unknown["refusal"] and unknown["target"] is None

    # The audit trail says a run found `newer` running and that its own deployment of `older` was rolled
    # back: the newest evidence of `older` is then a failure, so no earlier good release is known.
    audit = tmp_path / "audit.jsonl"
    audit.write_text(json.dumps({"service_arn": arn, "when": "2999-01-01T00:00:00+00:00", "from_image": newer,
                                 "operation_id": "arn:aws:ecs:us-east-1:123456789012:service-deployment/x/y/gone",
                                 "to_image": older, "deploy_status": "ROLLBACK_SUCCESSFUL"}) + "\nnot json\n")
    previous = ecs_module("app_rollback_preflight", express_service_arn=arn, target="previous",
                          audit_log_path=str(audit), caller_identity=False)
    assert previous["target"] is None and previous["refusal"].startswith("Refused: No earlier good release known for "
                                                                          "express-api")
    assert [e["tag"] for e in previous["history"]["excluded"]] == [older_sha]
    assert "ended ROLLBACK_SUCCESSFUL" in previous["history"]["excluded"][0]["reason"]
    assert previous["history"]["sources"]["audit_log"] == "1 entries"


def test_a_wrong_container_and_two_services_are_refused(ecs_module, running_service):
    name = running_service()
    history = ecs_module("apprunner_release_history", service=name, container="nope")
    assert history["failed"] and "has no container named 'nope'" in history["msg"]
    both = ecs_module("app_rollback_preflight", service=name, service_arn="arn:aws:apprunner:x", target="previous")
    assert both["failed"] and "mutually exclusive" in both["msg"]

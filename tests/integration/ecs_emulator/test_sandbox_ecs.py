"""The sandbox's ECS side (``sandbox.seed_ecs``, ``python -m sandbox deploy --platform``) against the
test emulator: services created once, then deployments as the pipeline makes them."""
from __future__ import annotations

from sandbox import cli, seed_ecs
from tests.integration.ecs_emulator.ecs_helpers import describe_service
from tests.integration.emulator_process import ACCOUNT, REGION

REPOSITORY_URI = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/consultas/ecs-api"


def test_services_are_created_once_and_deployed_like_the_pipeline(ecs_emulator, ecs, image, capsys):
    image("seed-v1"), image("seed-v2")
    values = {"AWS_ENDPOINT_URL_ECS": ecs_emulator.url, "AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": "testing",
              "AWS_SECRET_ACCESS_KEY": "testing", "ECR_REPOSITORY_URI": REPOSITORY_URI}
    env = seed_ecs.ensure(seed_ecs.client(values), f"{REPOSITORY_URI}:seed-v1", {"LOG_LEVEL": "info"})
    assert env["ECS_CLUSTER"] == seed_ecs.CLUSTER and env["ECS_SERVICE"] == seed_ecs.SERVICE
    assert env["ECS_EXPRESS_SERVICE_ARN"].endswith(f"service/{seed_ecs.CLUSTER}/{seed_ecs.EXPRESS_SERVICE}")
    assert {"ECS_SERVICE_URL", "ECS_EXPRESS_SERVICE_URL"} <= set(env)
    assert seed_ecs.ensure(seed_ecs.client(values), f"{REPOSITORY_URI}:seed-v1", {"LOG_LEVEL": "info"}) == env
    assert len(ecs.list_service_deployments(cluster=seed_ecs.CLUSTER, service=seed_ecs.SERVICE)["serviceDeployments"]) == 1

    values.update(env)
    assert cli._deploy_ecs("ecs", "v2", "seed-v2", values) == 0
    service = describe_service(ecs, seed_ecs.SERVICE, seed_ecs.CLUSTER)
    definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    assert definition["revision"] == 2
    assert definition["containerDefinitions"][0]["image"] == f"{REPOSITORY_URI}:seed-v2"
    assert definition["containerDefinitions"][0]["environment"] == [{"name": "LOG_LEVEL", "value": "info"}]
    assert "SUCCESSFUL" in capsys.readouterr().out

    assert cli._deploy_ecs("ecs_express", "gone", "not-pushed", values) == 1
    assert "ROLLBACK_SUCCESSFUL (Canary failed" in capsys.readouterr().out
    assert cli._deploy_ecs("ecs", "v2", "seed-v2", {k: v for k, v in values.items() if k != "AWS_ENDPOINT_URL_ECS"}) == 2

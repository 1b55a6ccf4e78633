"""Express Mode: a gateway service is an ECS service with a canary; a failed canary is rolled back."""
from __future__ import annotations

import pytest

from tests.integration.ecs_emulator.ecs_helpers import wait_deployment

ROLE = "arn:aws:iam::123456789012:role/ecsInfrastructureRole"


def create(ecs, image_uri: str) -> str:
    answer = ecs.create_express_gateway_service(
        infrastructureRoleArn=ROLE, serviceName="express-api", cluster="sandbox", healthCheckPath="/health/",
        primaryContainer={"image": image_uri, "containerPort": 8000,
                          "environment": [{"name": "FEATURE", "value": "on"}]})["service"]
    assert wait_deployment(ecs, answer["currentDeployment"])["status"] == "SUCCESSFUL"
    return answer["serviceArn"]


def active_images(ecs, arn: str) -> list[str]:
    service = ecs.describe_express_gateway_service(serviceArn=arn)["service"]
    return [config["primaryContainer"]["image"] for config in service["activeConfigurations"]]


def test_create_update_and_describe(ecs, image):
    first, second = image(), image()
    arn = create(ecs, first)
    described = ecs.describe_express_gateway_service(serviceArn=arn)["service"]
    assert described["status"] == {"statusCode": "ACTIVE"}
    config = described["activeConfigurations"][0]
    assert (config["healthCheckPath"], config["primaryContainer"]["environment"]) == (
        "/health/", [{"name": "FEATURE", "value": "on"}])
    assert config["ingressPaths"][0]["accessType"] == "PUBLIC"

    updated = ecs.update_express_gateway_service(serviceArn=arn, primaryContainer={"image": second})["service"]
    target = updated["targetConfiguration"]
    assert target["primaryContainer"]["image"] == second and target["primaryContainer"]["containerPort"] == 8000
    current = ecs.describe_express_gateway_service(serviceArn=arn)["service"]["currentDeployment"]
    deployment = wait_deployment(ecs, current)
    assert deployment["status"] == "SUCCESSFUL"
    assert deployment["deploymentConfiguration"]["strategy"] == "CANARY"
    assert active_images(ecs, arn) == [second]
    # the same service through the ECS service API
    service = ecs.describe_services(cluster="sandbox", services=["express-api"])["services"][0]
    assert service["taskDefinition"] == target["taskDefinitionArn"]


def test_a_failed_canary_is_rolled_back(ecs_emulator, ecs, image):
    first = image()
    arn = create(ecs, first)
    ecs_emulator.control("faults", {"fail_canary": 1})
    ecs.update_express_gateway_service(serviceArn=arn, primaryContainer={"image": image()})
    current = ecs.describe_express_gateway_service(serviceArn=arn)["service"]["currentDeployment"]
    deployment = wait_deployment(ecs, current)
    assert deployment["status"] == "ROLLBACK_SUCCESSFUL"
    assert deployment["rollback"]["reason"].startswith("Canary failed")
    assert active_images(ecs, arn) == [first]
    # an update after a rollback starts from what serves, not from the rolled-back image
    target = ecs.update_express_gateway_service(serviceArn=arn, healthCheckPath="/ready/")["service"]["targetConfiguration"]
    assert (target["primaryContainer"]["image"], target["healthCheckPath"]) == (first, "/ready/")


def test_a_canary_failing_its_health_check_is_rolled_back(ecs, image):
    first = image()
    arn = create(ecs, first)
    ecs.update_express_gateway_service(
        serviceArn=arn, primaryContainer={"image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/consultas/ecs-api:gone"})
    deployment = wait_deployment(ecs, ecs.describe_express_gateway_service(serviceArn=arn)["service"]["currentDeployment"])
    assert deployment["status"] == "ROLLBACK_SUCCESSFUL"
    assert deployment["deploymentCircuitBreaker"]["failureCount"] == 1
    assert active_images(ecs, arn) == [first]


def test_delete_and_not_found(ecs, image):
    arn = create(ecs, image())
    assert ecs.delete_express_gateway_service(serviceArn=arn)["service"]["status"]["statusCode"] == "DRAINING"
    with pytest.raises(ecs.exceptions.ResourceNotFoundException):
        ecs.update_express_gateway_service(serviceArn=arn, primaryContainer={"image": image()})
    with pytest.raises(ecs.exceptions.ResourceNotFoundException):
        ecs.describe_express_gateway_service(serviceArn=arn.replace("express-api", "nope"))

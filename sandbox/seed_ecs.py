"""The sandbox's ECS side: a cluster, an ECS service and an Express Mode service on the release
images, created through the ECS emulator's own API (``sandbox.ecs``), and deployments to them
as the team's pipeline would make them (a task definition revision with only the image changed;
Express Mode: the primary container's image)."""
from __future__ import annotations

import json
import time
import urllib.request

import boto3

from sandbox import seed
from sandbox.ecs import ids

CLUSTER = "lacrei-sandbox"
SERVICE = "lacrei-saude-backend-ecs"
EXPRESS_SERVICE = "lacrei-saude-backend-express"
ACCOUNT = "123456789012"
EXECUTION_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole"
INFRASTRUCTURE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecsInfrastructureRoleForExpressServices"
HEALTH_PATH = "/health/"
SETTLED = ("SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED")


def client(values: dict[str, str]):
    return boto3.client("ecs", endpoint_url=values["AWS_ENDPOINT_URL_ECS"], region_name=values["AWS_REGION"],
                        aws_access_key_id=values["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=values["AWS_SECRET_ACCESS_KEY"])


def container(image: str, env: dict[str, str]) -> dict:
    return {
        "name": "api", "image": image, "essential": True,
        "portMappings": [{"containerPort": int(seed.APP_PORT), "protocol": "tcp"}],
        "environment": [{"name": k, "value": v} for k, v in sorted(env.items())],
        "healthCheck": {"command": ["CMD-SHELL", f"curl -f http://localhost:{seed.APP_PORT}{HEALTH_PATH} || exit 1"]},
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": f"/ecs/{SERVICE}", "awslogs-stream-prefix": "ecs", "awslogs-region": "us-east-1"}},
    }


def ensure(ecs, image: str, env: dict[str, str]) -> dict[str, str]:
    """The cluster and both services (created unless they exist, then settled); their env values."""
    ecs.create_cluster(clusterName=CLUSTER)
    service = next(iter(ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"]), None)
    if service is None or service["status"] != "ACTIVE":
        ecs.register_task_definition(family=SERVICE, containerDefinitions=[container(image, env)],
                                     requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="1024",
                                     memory="2048", executionRoleArn=EXECUTION_ROLE)
        arn = ids.service_arn(ecs.meta.region_name, ACCOUNT, CLUSTER, SERVICE)
        balancer = {"targetGroupArn": ids.target_group_arn(ecs.meta.region_name, ACCOUNT, SERVICE, arn),
                    "containerName": "api", "containerPort": int(seed.APP_PORT)}
        service = ecs.create_service(
            cluster=CLUSTER, serviceName=SERVICE, taskDefinition=SERVICE, desiredCount=1, launchType="FARGATE",
            loadBalancers=[balancer],
            deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True},
                                     "maximumPercent": 200, "minimumHealthyPercent": 100})["service"]
    wait(ecs, service["currentServiceDeployment"])
    express_arn = service["serviceArn"].replace(f"/{SERVICE}", f"/{EXPRESS_SERVICE}")
    express = _active_express(ecs, express_arn)
    if express is None:
        express = ecs.create_express_gateway_service(
            infrastructureRoleArn=INFRASTRUCTURE_ROLE, executionRoleArn=EXECUTION_ROLE, serviceName=EXPRESS_SERVICE,
            cluster=CLUSTER, healthCheckPath=HEALTH_PATH, cpu="1024", memory="2048",
            primaryContainer={"image": image, "containerPort": int(seed.APP_PORT),
                              "environment": [{"name": k, "value": v} for k, v in sorted(env.items())],
                              "awsLogsConfiguration": {"logGroup": f"/ecs/{EXPRESS_SERVICE}",
                                                       "logStreamPrefix": "ecs"}})["service"]
    wait(ecs, express["currentDeployment"])
    express = ecs.describe_express_gateway_service(serviceArn=express_arn)["service"]
    urls = service_urls(ecs.meta.endpoint_url)
    return {"ECS_CLUSTER": CLUSTER, "ECS_SERVICE": SERVICE, "ECS_SERVICE_ARN": service["serviceArn"],
            "ECS_SERVICE_URL": urls.get(service["serviceArn"]) or "",
            "ECS_EXPRESS_SERVICE_ARN": express_arn,
            "ECS_EXPRESS_SERVICE_URL": express["activeConfigurations"][0]["ingressPaths"][0]["endpoint"]
            if express["activeConfigurations"] else urls.get(express_arn) or ""}


def _active_express(ecs, arn: str) -> dict | None:
    try:
        express = ecs.describe_express_gateway_service(serviceArn=arn)["service"]
    except ecs.exceptions.ResourceNotFoundException:
        return None
    return express if express["status"]["statusCode"] == "ACTIVE" else None


def service_urls(endpoint: str) -> dict[str, str | None]:
    """Where each service answers (the emulator's ``/_emulator/urls``)."""
    with urllib.request.urlopen(f"{endpoint}/_emulator/urls", timeout=10) as answer:  # noqa: S310 - loopback
        return json.loads(answer.read())


def wait(ecs, deployment_arn: str, timeout: float = 300.0) -> dict:
    """The service deployment once settled (a circuit breaker's rollback takes a few task launches)."""
    deadline = time.monotonic() + timeout
    while True:
        deployment = ecs.describe_service_deployments(serviceDeploymentArns=[deployment_arn])["serviceDeployments"][0]
        if deployment["status"] in SETTLED:
            return deployment
        if time.monotonic() > deadline:
            raise TimeoutError(f"service deployment {deployment_arn} still {deployment['status']} after {timeout:.0f}s")
        time.sleep(0.2)


def deploy_service(ecs, image: str) -> dict:
    """A new task definition revision from the running one with only the image changed, then
    UpdateService; the service deployment once settled."""
    service = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    current = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    keep = ("family", "taskRoleArn", "executionRoleArn", "networkMode", "containerDefinitions", "volumes",
            "placementConstraints", "requiresCompatibilities", "cpu", "memory", "runtimePlatform")
    request = {k: current[k] for k in keep if current.get(k)}
    for definition in request["containerDefinitions"]:
        if definition.get("essential", True):
            definition["image"] = image
            break
    arn = ecs.register_task_definition(**request)["taskDefinition"]["taskDefinitionArn"]
    updated = ecs.update_service(cluster=CLUSTER, service=SERVICE, taskDefinition=arn)["service"]
    return wait(ecs, updated["currentServiceDeployment"])


def deploy_express(ecs, express_arn: str, image: str) -> dict:
    """UpdateExpressGatewayService with the new image; the service deployment (canary) once settled."""
    ecs.update_express_gateway_service(serviceArn=express_arn, primaryContainer={"image": image})
    current = ecs.describe_express_gateway_service(serviceArn=express_arn)["service"]["currentDeployment"]
    return wait(ecs, current)

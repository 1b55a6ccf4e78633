"""Request pieces and waits the ECS emulator tests share."""
from __future__ import annotations

import time

SETTLED = ("SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED")


def container(image: str, **extra) -> dict:
    return {"name": "web", "image": image, "essential": True, "portMappings": [{"containerPort": 8000}],
            "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:8000/health/ || exit 1"]}, **extra}


def describe_deployment(ecs, arn: str) -> dict:
    return ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"][0]


def wait_deployment(ecs, arn: str, statuses=SETTLED, timeout: float = 60.0, until=lambda deployment: True) -> dict:
    """Poll DescribeServiceDeployments until the deployment's status is one of ``statuses`` (and ``until`` holds)."""
    deadline = time.monotonic() + timeout
    while True:
        deployment = describe_deployment(ecs, arn)
        if deployment["status"] in statuses and until(deployment):
            return deployment
        if time.monotonic() > deadline:
            raise TimeoutError(f"service deployment {arn} still {deployment['status']} after {timeout}s")
        time.sleep(0.05)


def latest_deployment(ecs, service: str, cluster: str = "sandbox") -> str:
    return ecs.list_service_deployments(cluster=cluster, service=service)["serviceDeployments"][0]["serviceDeploymentArn"]


def describe_service(ecs, service: str, cluster: str = "sandbox") -> dict:
    return ecs.describe_services(cluster=cluster, services=[service])["services"][0]

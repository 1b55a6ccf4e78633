"""The AWS CLI works against the ECS emulator unchanged (skipped where no ``aws`` is installed)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from tests.integration.ecs_emulator.ecs_helpers import wait_deployment

AWS = shutil.which("aws")
pytestmark = pytest.mark.skipif(AWS is None, reason="the AWS CLI is not installed")


def aws(emulator, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL_ECS": emulator.url, "AWS_PAGER": ""}
    return subprocess.run([AWS, "ecs", *args, "--output", "json"], env=env, capture_output=True,  # noqa: S603
                          text=True, timeout=60, check=False)


def test_cli_describes_lists_and_stops(ecs_emulator, ecs, running_service, image):
    name = running_service(breaker=False)
    described = aws(ecs_emulator, "describe-services", "--cluster", "sandbox", "--services", name)
    assert described.returncode == 0, described.stderr
    assert json.loads(described.stdout)["services"][0]["deployments"][0]["rolloutState"] == "COMPLETED"

    ecs_emulator.control("faults", {"deploy_seconds": 600})
    ecs.update_service(cluster="sandbox", service=name, forceNewDeployment=True)
    listed = aws(ecs_emulator, "list-service-deployments", "--cluster", "sandbox", "--service", name,
                 "--status", "IN_PROGRESS", "PENDING")
    assert listed.returncode == 0, listed.stderr
    arn = json.loads(listed.stdout)["serviceDeployments"][0]["serviceDeploymentArn"]
    stopped = aws(ecs_emulator, "stop-service-deployment", "--service-deployment-arn", arn, "--stop-type", "ROLLBACK")
    assert stopped.returncode == 0, stopped.stderr
    assert wait_deployment(ecs, arn, timeout=20)["status"] == "ROLLBACK_SUCCESSFUL"

    express = ecs.create_express_gateway_service(
        infrastructureRoleArn="arn:aws:iam::123456789012:role/infra", serviceName="cli-express", cluster="sandbox",
        primaryContainer={"image": image(), "containerPort": 8000})["service"]
    shown = aws(ecs_emulator, "describe-express-gateway-service", "--service-arn", express["serviceArn"])
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["service"]["serviceName"] == "cli-express"

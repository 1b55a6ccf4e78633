"""Fixtures of the ECS emulator tests: one ECS emulator process of their own (``EcrRuntime``: a
task is healthy when its image is in the session's moto ECR), reset before each test."""
from __future__ import annotations

import uuid

import pytest

from tests.integration import emulator_process
from tests.integration.ecs_emulator.ecs_helpers import container, wait_deployment
from tests.integration.emulator_process import EmulatorProcess, push_test_image

RUNTIME = "sandbox.apprunner.runtime:EcrRuntime"


@pytest.fixture(scope="session")
def ecs_factory(test_state, moto_endpoint):
    """Build and start ECS emulators; all are stopped at the end of the session."""
    with emulator_process.emulator_factory(test_state, moto_endpoint, kind="ecs", runtime=RUNTIME,
                                           deploy_seconds=0.2) as build:
        yield build


@pytest.fixture(scope="session")
def shared_ecs(ecs_factory) -> EmulatorProcess:
    return ecs_factory()


@pytest.fixture
def ecs_emulator(shared_ecs) -> EmulatorProcess:
    """The shared ECS emulator, reset to an empty state with no faults, with cluster ``sandbox``."""
    emulator_process.reset(shared_ecs)
    shared_ecs.client().create_cluster(clusterName="sandbox")
    return shared_ecs


@pytest.fixture
def ecs(ecs_emulator):
    """A boto3 ECS client on the shared emulator, retries off."""
    return ecs_emulator.client()


@pytest.fixture(scope="session")
def image(moto_endpoint):
    """Push an image into moto's ECR; returns its URI."""
    ecr = emulator_process.ecr_client(moto_endpoint)
    return lambda tag=None: push_test_image(ecr, "consultas/ecs-api", tag or uuid.uuid4().hex[:12])


@pytest.fixture
def running_service(ecs, image):
    """A service on a pushed image, its first deployment finished; returns its name."""

    def create(name: str = "api", breaker: bool = True) -> str:
        ecs.register_task_definition(family=name, containerDefinitions=[container(image())])
        ecs.create_service(cluster="sandbox", serviceName=name, taskDefinition=name, desiredCount=1,
                           deploymentConfiguration={"deploymentCircuitBreaker": {"enable": breaker, "rollback": breaker}})
        first = ecs.list_service_deployments(cluster="sandbox", service=name)["serviceDeployments"][0]
        assert wait_deployment(ecs, first["serviceDeploymentArn"])["status"] == "SUCCESSFUL"
        return name

    return create

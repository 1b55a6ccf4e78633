"""Fixtures of the App Runner emulator tests: emulator processes of their own (so they can be
reset, faulted, killed and restarted) backed by the session's moto server for ECR."""
from __future__ import annotations

import uuid

import pytest

from tests.apprunner_operations import wait_operation
from tests.integration import emulator_process
from tests.integration.emulator.emulator_helpers import source
from tests.integration.emulator_process import EmulatorProcess, push_test_image


@pytest.fixture(scope="session")
def emulator_factory(test_state, moto_endpoint):
    """Build and start extra emulators; all are stopped at the end of the session."""
    with emulator_process.emulator_factory(test_state, moto_endpoint) as build:
        yield build


@pytest.fixture(scope="session")
def shared_emulator(emulator_factory) -> EmulatorProcess:
    return emulator_factory()


@pytest.fixture
def emulator(shared_emulator) -> EmulatorProcess:
    """The shared emulator, reset to an empty state with no faults."""
    return emulator_process.reset(shared_emulator)


@pytest.fixture
def apprunner(emulator):
    """A boto3 App Runner client on the shared emulator, retries off."""
    return emulator.client()


@pytest.fixture(scope="session")
def ecr(moto_endpoint):
    return emulator_process.ecr_client(moto_endpoint)


@pytest.fixture
def push_image(ecr):
    """Put an image into moto's ECR; returns its App Runner ImageIdentifier."""

    def push(repository: str | None = None, tag: str | None = None) -> str:
        return push_test_image(ecr, repository or f"consultas/api-{uuid.uuid4().hex[:8]}", tag or uuid.uuid4().hex[:12])

    return push


@pytest.fixture
def running_service(apprunner, push_image):
    """Create a service on a pushed image and wait until it runs; returns (arn, image)."""

    def create(name: str | None = None, **kwargs) -> tuple[str, str]:
        image = push_image()
        answer = apprunner.create_service(ServiceName=name or f"svc-{uuid.uuid4().hex[:8]}",
                                          SourceConfiguration=source(image), **kwargs)
        arn = answer["Service"]["ServiceArn"]
        assert wait_operation(apprunner, arn, answer["OperationId"])["Status"] == "SUCCEEDED"
        return arn, image

    return create

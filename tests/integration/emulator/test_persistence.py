"""State survives restarts and crashes; interrupted operations are resolved on start."""
from __future__ import annotations

import json

import pytest
from tests.integration.emulator.emulator_helpers import source

from tests.apprunner_operations import wait_operation


@pytest.fixture
def restartable(emulator_factory):
    return emulator_factory(deploy_seconds=0.3)


def test_services_and_operations_survive_a_restart(restartable, push_image):
    client = restartable.client()
    answer = client.create_service(ServiceName="persisted", SourceConfiguration=source(push_image()))
    arn = answer["Service"]["ServiceArn"]
    wait_operation(client, arn, answer["OperationId"])
    wait_operation(client, arn, client.start_deployment(ServiceArn=arn)["OperationId"])
    before = (client.describe_service(ServiceArn=arn)["Service"], client.list_operations(ServiceArn=arn)["OperationSummaryList"])

    restartable.restart()
    client = restartable.client()
    after = (client.describe_service(ServiceArn=arn)["Service"], client.list_operations(ServiceArn=arn)["OperationSummaryList"])
    assert after == before
    assert json.loads(restartable.state_file.read_text())["version"] == 1
    assert [p.name for p in restartable.state_file.parent.glob(f".{restartable.state_file.name}.*")] == []


def test_interrupted_operations_are_resolved_on_restart(restartable, push_image):
    client = restartable.client()
    good = push_image()
    answer = client.create_service(ServiceName="interrupted", SourceConfiguration=source(good))
    arn = answer["Service"]["ServiceArn"]
    wait_operation(client, arn, answer["OperationId"])
    restartable.control("faults", {"deploy_seconds": 600})
    update = client.update_service(ServiceArn=arn, SourceConfiguration=source(push_image()))["OperationId"]
    creation = client.create_service(ServiceName="half-born", SourceConfiguration=source(good))
    half_born = creation["Service"]["ServiceArn"]

    restartable.crash()
    restartable.start()
    client = restartable.client()
    assert wait_operation(client, arn, update, timeout=0)["Status"] == "ROLLBACK_SUCCEEDED"
    service = client.describe_service(ServiceArn=arn)["Service"]
    assert service["Status"] == "RUNNING"
    assert service["SourceConfiguration"]["ImageRepository"]["ImageIdentifier"] == good
    assert wait_operation(client, half_born, creation["OperationId"], timeout=0)["Status"] == "FAILED"
    assert client.describe_service(ServiceArn=half_born)["Service"]["Status"] == "CREATE_FAILED"

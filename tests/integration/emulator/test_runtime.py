"""``--runtime module:Class``: the emulator drives a pluggable runtime."""
from __future__ import annotations

import json

import pytest
from tests.integration.emulator.emulator_helpers import image_uri, source

from tests.apprunner_operations import wait_operation


@pytest.fixture(scope="module")
def recorded(emulator_factory):
    return emulator_factory(runtime="recording_runtime:RecordingRuntime", deploy_seconds=0.2)


def calls(emulator) -> list[dict]:
    return [json.loads(line) for line in emulator.runtime_calls.read_text().splitlines()]


def test_runtime_sees_deployments_stops_and_restores(recorded):
    client = recorded.client()
    answer = client.create_service(ServiceName="runtime-svc", SourceConfiguration=source(image_uri("app", "good")))
    arn = answer["Service"]["ServiceArn"]
    assert wait_operation(client, arn, answer["OperationId"])["Status"] == "SUCCEEDED"
    assert client.describe_service(ServiceArn=arn)["Service"]["ServiceUrl"] == "127.0.0.1:9004"

    for tag in ("bad-1", "crash-1"):
        op_id = client.update_service(ServiceArn=arn, SourceConfiguration=source(image_uri("app", tag)))["OperationId"]
        assert wait_operation(client, arn, op_id)["Status"] == "ROLLBACK_SUCCEEDED"
    assert client.describe_service(ServiceArn=arn)["Service"]["SourceConfiguration"]["ImageRepository"][
        "ImageIdentifier"] == image_uri("app", "good")

    recorded.restart()
    client = recorded.client()
    assert wait_operation(client, arn, client.pause_service(ServiceArn=arn)["OperationId"])["Status"] == "SUCCEEDED"

    seen = [(c["call"], c["image"].rsplit(":", 1)[-1], (c["previous_image"] or ":-").rsplit(":", 1)[-1])
            for c in calls(recorded) if c["arn"] == arn]
    assert seen == [("deploy", "good", "-"), ("deploy", "bad-1", "good"), ("deploy", "crash-1", "good"),
                    ("restore", "good", "-"), ("stop", "good", "-")]
    assert {c["account"] for c in calls(recorded)} == {"123456789012"}

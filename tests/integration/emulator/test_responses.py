"""Raw answers carry every member their output shape requires, with the protocol's types."""
from __future__ import annotations

import time

from tests.integration.emulator.emulator_helpers import source

from tests.apprunner_operations import wait_operation
from model_requests import model

from sandbox.apprunner.model import missing_required


def timestamps(shape, value, path=""):
    """(path, value) of every timestamp member in ``value``, walking ``shape``."""
    if shape.type_name == "timestamp":
        yield path, value
    elif shape.type_name == "structure" and isinstance(value, dict):
        for name, item in value.items():
            yield from timestamps(shape.members[name], item, f"{path}.{name}")
    elif shape.type_name == "list":
        for index, item in enumerate(value):
            yield from timestamps(shape.member, item, f"{path}[{index}]")


def check(answers: list[tuple[str, int, dict]]) -> list[str]:
    problems = []
    for operation, status, body in answers:
        shape = model().operation_model(operation).output_shape
        if status != 200:
            problems.append(f"{operation}: {status} {body}")
            continue
        problems += [f"{operation}: missing {gap}" for gap in missing_required(shape, body)]
        problems += [f"{operation}: unknown member {name}" for name in body if name not in shape.members]
        problems += [f"{operation}: {path} is not epoch seconds: {value!r}"
                     for path, value in timestamps(shape, body) if not isinstance(value, (int, float))]
    return problems


def test_missing_required_sees_gaps():
    shape = model().operation_model("DescribeService").output_shape
    assert "Service" in missing_required(shape, {})
    assert "Service.ServiceUrl" not in missing_required(shape, {"Service": {}})  # optional member
    assert "Service.ServiceArn" in missing_required(shape, {"Service": {}})


def test_every_answer_has_its_required_members(emulator, push_image):
    client = emulator.client()
    answers = []

    def call(operation, params):
        status, body = emulator.raw(f"AppRunner.{operation}", params)
        answers.append((operation, status, body))
        return body

    def settle(arn, op_id):
        wait_operation(client, arn, op_id)

    created = call("CreateService", {"ServiceName": "shape-check", "SourceConfiguration": source(push_image()),
                                     "Tags": [{"Key": "k", "Value": "v"}]})
    arn = created["Service"]["ServiceArn"]
    settle(arn, created["OperationId"])
    call("DescribeService", {"ServiceArn": arn})
    call("ListServices", {})
    settle(arn, call("UpdateService", {"ServiceArn": arn, "InstanceConfiguration": {"Cpu": "2048"}})["OperationId"])
    settle(arn, call("StartDeployment", {"ServiceArn": arn})["OperationId"])
    settle(arn, call("PauseService", {"ServiceArn": arn})["OperationId"])
    settle(arn, call("ResumeService", {"ServiceArn": arn})["OperationId"])
    call("TagResource", {"ResourceArn": arn, "Tags": [{"Key": "k2", "Value": "v2"}]})
    call("UntagResource", {"ResourceArn": arn, "TagKeys": ["k"]})
    call("ListTagsForResource", {"ResourceArn": arn})
    settle(arn, call("DeleteService", {"ServiceArn": arn})["OperationId"])
    call("DescribeService", {"ServiceArn": arn})
    operations = call("ListOperations", {"ServiceArn": arn})

    assert len(operations["OperationSummaryList"]) == 6
    assert check(answers) == []
    assert created["Service"]["CreatedAt"] <= time.time()

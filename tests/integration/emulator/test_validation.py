"""The emulator rejects what App Runner rejects, checked with requests generated from the model."""
from __future__ import annotations

import pytest
from tests.integration.emulator.emulator_helpers import ACCOUNT, REGION
from model_requests import (botocore_rejects, model, mutations, not_in_enum, omissions, pattern_mismatch,
                            sample, too_long, wrong_type)

OPERATIONS = model().operation_names
VALIDATION_WORDS = ("Missing required", "Invalid type", "Unknown parameter", "failed to satisfy", "Invalid length",
                    "Invalid range")


def rejections(emulator, operation: str, cases, client_side: bool) -> list[str]:
    """Send each (path, params); return the problems (empty when all were rejected properly)."""
    shape = model().operation_model(operation).input_shape
    problems = []
    for path, params in cases:
        if botocore_rejects(shape, params) != client_side:
            problems.append(f"{path}: generator error, botocore rejects={not client_side}")
            continue
        status, body = emulator.raw(f"AppRunner.{operation}", params)
        leaf = path.split(".")[-1].split("[")[0]
        if status != 400 or body.get("__type") != "InvalidRequestException" or leaf not in body.get("Message", ""):
            problems.append(f"{path}: {status} {body}")
    return problems


@pytest.mark.parametrize("operation", OPERATIONS)
def test_requests_botocore_rejects_are_rejected(emulator, operation):
    shape = model().operation_model(operation).input_shape
    cases = [*omissions(shape), *mutations(shape, wrong_type), ("NotAMember", {**sample(shape), "NotAMember": 1})]
    assert cases
    assert rejections(emulator, operation, cases, client_side=True) == []


@pytest.mark.parametrize("operation", OPERATIONS)
def test_server_side_constraints_are_enforced(emulator, operation):
    shape = model().operation_model(operation).input_shape
    cases = [*mutations(shape, not_in_enum), *mutations(shape, too_long), *mutations(shape, pattern_mismatch)]
    assert rejections(emulator, operation, cases, client_side=False) == []


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("full", [False, True], ids=["required-only", "every-member"])
def test_valid_requests_pass_validation(emulator, operation, full):
    params = sample(model().operation_model(operation).input_shape, full)
    status, body = emulator.raw(f"AppRunner.{operation}", params)
    assert not any(word in body.get("Message", "") for word in VALIDATION_WORDS), body
    assert status in (200, 400, 501) and body.get("__type") != "SerializationException"


def test_examples_named_in_the_brief(apprunner):
    arn = f"arn:aws:apprunner:{REGION}:{ACCOUNT}:service/x/{'0' * 32}"
    cases = [
        (lambda: apprunner.describe_service(ServiceArn="not-an-arn"), "ServiceArn"),
        (lambda: apprunner.list_operations(ServiceArn=arn, MaxResults=101), "MaxResults"),
        (lambda: apprunner.list_services(MaxResults=1000), "MaxResults"),
        (lambda: apprunner.create_service(ServiceName="bad-enum", SourceConfiguration={"ImageRepository": {
            "ImageIdentifier": "public.ecr.aws/a/b:1", "ImageRepositoryType": "DOCKER_HUB"}}), "ImageRepositoryType"),
        (lambda: apprunner.create_service(ServiceName="bad-cpu", InstanceConfiguration={"Cpu": "3 vCPU"},
                                          SourceConfiguration={"ImageRepository": {
                                              "ImageIdentifier": "public.ecr.aws/a/b:1",
                                              "ImageRepositoryType": "ECR_PUBLIC"}}), "InstanceConfiguration.Cpu"),
    ]
    for call, parameter in cases:
        with pytest.raises(apprunner.exceptions.InvalidRequestException, match=parameter.replace(".", r"\.")):
            call()


def test_unknown_operation_and_bad_bodies(emulator):
    assert emulator.raw("AppRunner.LaunchRockets", {}) == (
        400, {"__type": "UnknownOperationException", "Message": "Unknown operation: LaunchRockets"})
    assert emulator.raw("Lambda.Invoke", {})[1]["__type"] == "UnknownOperationException"
    status, body = emulator.raw("AppRunner.ListServices", b"{not json")
    assert (status, body["__type"]) == (400, "SerializationException")
    status, body = emulator.raw("AppRunner.ListServices", [1, 2])
    assert (status, body["__type"]) == (400, "SerializationException")
    assert emulator.raw("AppRunner.ListServices", b"") == (200, {"ServiceSummaryList": []})


def test_unimplemented_model_operations_say_so(emulator):
    status, body = emulator.raw("AppRunner.ListVpcConnectors", {})
    assert (status, body["__type"]) == (501, "NotImplementedException")

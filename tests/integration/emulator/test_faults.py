"""Fault injection and the other /_emulator/ endpoints."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.apprunner_operations import wait_operation


def error_of(call) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_throttling_without_and_with_retries(emulator):
    emulator.control("faults", {"throttle": 2})
    bare = emulator.client(retries=0)
    assert error_of(bare.list_services) == ("ThrottlingException", 400)
    assert error_of(bare.list_services) == ("ThrottlingException", 400)
    assert bare.list_services()["ServiceSummaryList"] == []

    emulator.control("faults", {"throttle": 2})
    answer = emulator.client(retries=None).list_services()  # botocore's default retries
    assert answer["ResponseMetadata"]["RetryAttempts"] == 2
    assert emulator.control("state")[1]["faults"]["throttle"] == 0


def test_internal_errors_without_and_with_retries(emulator):
    emulator.control("faults", {"internal_error": 1})
    assert error_of(emulator.client(retries=0).list_services) == ("InternalServiceErrorException", 500)
    emulator.control("faults", {"internal_error": 1})
    assert emulator.client(retries=None).list_services()["ResponseMetadata"]["RetryAttempts"] == 1


def test_fault_settings_are_checked(emulator):
    status, body = emulator.control("faults", {"explode": 1})
    assert (status, body["__type"]) == (400, "InvalidRequestException")
    status, body = emulator.control("faults", {"throttle": -1})
    assert status == 400 and "throttle" in body["Message"]
    assert emulator.control("faults", {"deploy_seconds": 0.25})[1]["deploy_seconds"] == 0.25


def test_health_state_reset_and_url_override(emulator, apprunner, running_service):
    assert emulator.control("health") == (200, {"status": "ok"})
    arn, _ = running_service()
    status, body = emulator.control("service-url", {"ServiceArn": arn, "ServiceUrl": "127.0.0.1:18080"})
    assert status == 200
    assert apprunner.describe_service(ServiceArn=arn)["Service"]["ServiceUrl"] == "127.0.0.1:18080"
    status, body = emulator.control("service-url", {"ServiceArn": arn + "x", "ServiceUrl": "u"})
    assert (status, body["__type"]) == (400, "ResourceNotFoundException")
    state = emulator.control("state")[1]
    assert list(state["services"]) == [arn]
    assert emulator.control("reset", {}) == (200, {"stopped": [arn]})
    assert emulator.control("state")[1]["services"] == {}
    assert emulator.control("nowhere")[0] == 404


def test_deploy_seconds_holds_an_operation_until_it_is_lowered(emulator, apprunner, running_service):
    """A test holds an operation in progress (a long deploy_seconds, read while the operation waits)
    and ends it when it is done looking, instead of guessing how long its own steps take."""
    arn, _ = running_service()
    emulator.control("faults", {"deploy_seconds": 600})
    try:
        operation = apprunner.start_deployment(ServiceArn=arn)["OperationId"]
        with pytest.raises(TimeoutError):
            wait_operation(apprunner, arn, operation, timeout=1)
        assert apprunner.describe_service(ServiceArn=arn)["Service"]["Status"] == "OPERATION_IN_PROGRESS"
    finally:
        emulator.control("faults", {"deploy_seconds": 0.3})
    assert wait_operation(apprunner, arn, operation, timeout=60)["Status"] == "SUCCEEDED"


@pytest.mark.parametrize("fault", ["apply_then_500", "apply_then_drop"])
def test_a_write_is_applied_then_its_answer_is_lost(emulator, apprunner, running_service, fault):
    from botocore.exceptions import ConnectionClosedError
    arn, _ = running_service()
    emulator.control("faults", {fault: 1})
    assert apprunner.list_operations(ServiceArn=arn)["OperationSummaryList"]  # reads pass untouched
    before = {op["Id"] for op in apprunner.list_operations(ServiceArn=arn)["OperationSummaryList"]}
    bare = emulator.client(retries=0)
    source = apprunner.describe_service(ServiceArn=arn)["Service"]["SourceConfiguration"]
    source["ImageRepository"]["ImageConfiguration"] = {"Port": "8000",
                                                       "RuntimeEnvironmentVariables": {"LOST": "1"}}
    if fault == "apply_then_500":
        assert error_of(lambda: bare.update_service(ServiceArn=arn, SourceConfiguration=source)) == (
            "InternalServiceErrorException", 500)
    else:
        with pytest.raises(ConnectionClosedError):
            bare.update_service(ServiceArn=arn, SourceConfiguration=source)
    after = apprunner.list_operations(ServiceArn=arn)["OperationSummaryList"]
    new = [op for op in after if op["Id"] not in before]
    assert [op["Type"] for op in new] == ["UPDATE_SERVICE"]  # the write took effect all the same
    assert emulator.control("state")[1]["faults"][fault] == 0


def test_requests_are_counted_per_operation_and_in_order(emulator):
    # The fixture's reset also forgot the requests made before.
    assert emulator.control("requests") == (200, {"counts": {}, "sequence": []})
    client = emulator.client(retries=0)
    client.list_services()
    emulator.control("faults", {"throttle": 1})
    assert error_of(lambda: client.describe_service(ServiceArn="arn:aws:apprunner:us-east-1:1:service/x/1"))
    client.list_services()
    status, log = emulator.control("requests")
    assert status == 200
    # A refused request was still received: it counts.
    assert log == {"counts": {"ListServices": 2, "DescribeService": 1},
                   "sequence": ["ListServices", "DescribeService", "ListServices"]}
    assert emulator.control("requests/reset", {}) == (200, {"counts": {}, "sequence": []})
    assert emulator.control("requests")[1]["counts"] == {}

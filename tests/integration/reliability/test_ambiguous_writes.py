"""Writes whose answer is lost: the module finds out whether they took effect and says so truly.

App Runner: the emulator applies UpdateService, then answers 500 or drops the connection
(``apply_then_500`` / ``apply_then_drop``). SSM: a loopback proxy in front of moto does the same
to PutParameter. Each run must end with the true outcome: changed, the operation it really
started followed to its end, the write sent once.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import boto3
import pytest

from ansible_collections.lacrei.rollback.plugins.module_utils import apprunner as apprunner_utils
from ansible_collections.lacrei.rollback.plugins.module_utils import ssm_parameters
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client
from ansible_collections.lacrei.rollback.plugins.module_utils.config_snapshots import SnapshotStore
from tests.integration.reliability.fault_proxy import FaultProxy

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "aws_modules"))
from aws_sandbox import create_repository, create_service, git_sha, push_image, set_faults, unique  # noqa: E402

PUT = "AmazonSSM.PutParameter"
UPDATE = "AppRunner.UpdateService"


@pytest.fixture(scope="module")
def images(aws_env):
    repo = create_repository()
    shas = [git_sha() for _ in range(3)]
    for sha in shas:
        push_image(repo["repositoryName"], sha)
    return [f"{repo['repositoryUri']}:{sha}" for sha in shas]


@pytest.fixture
def service(images):
    return create_service(images[0])["ServiceArn"]


@pytest.fixture
def ssm_proxy(aws_env, moto_endpoint, monkeypatch):
    proxy = FaultProxy(moto_endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", proxy.url)
    yield proxy
    proxy.stop()


@pytest.fixture
def apprunner_proxy(aws_env, apprunner_endpoint, monkeypatch):
    proxy = FaultProxy(apprunner_endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL_APPRUNNER", proxy.url)
    yield proxy
    proxy.stop()


def update_operations(arn) -> list[dict]:
    ops = boto3.client("apprunner").list_operations(ServiceArn=arn)["OperationSummaryList"]
    return [op for op in ops if op["Type"] == "UPDATE_SERVICE"]


@pytest.mark.parametrize("fault", ["apply_then_500", "apply_then_drop"])
def test_deploy_whose_answer_is_lost_follows_its_own_operation(run_module, service, images, apprunner_endpoint,
                                                              fault):
    set_faults(apprunner_endpoint, **{fault: 1})
    try:
        result = run_module("apprunner_deploy", {"service_arn": service, "image": images[1], "wait_timeout": 60})
    finally:
        set_faults(apprunner_endpoint, **{fault: 0})
    assert result.get("failed") is not True, result["msg"]
    assert "Nothing was changed" not in json.dumps(result)
    started = update_operations(service)
    assert len(started) == 1  # sent once: no blind retry meeting its own operation
    assert result["changed"] is True and result["status"] == "SUCCEEDED"
    assert result["operation_id"] == started[0]["Id"] and result["serving_image"] == images[1]
    assert result["recovered_write"]["operation_id"] == started[0]["Id"]
    assert "InternalServiceErrorException" in result["recovered_write"]["error"] or fault == "apply_then_drop"
    again = run_module("apprunner_deploy", {"service_arn": service, "image": images[1]})
    assert again["changed"] is False


def test_config_change_whose_answer_is_lost_is_followed_and_its_snapshot_saved_once(
        run_module, service, apprunner_endpoint, ssm_proxy):
    set_faults(apprunner_endpoint, apply_then_500=1)
    ssm_proxy.arm(PUT, "apply_then_drop")
    try:
        result = run_module("apprunner_config", {"service_arn": service, "purge": False, "wait_timeout": 60,
                                                 "environment_variables": {"LOG_LEVEL": "debug"}})
    finally:
        set_faults(apprunner_endpoint, apply_then_500=0)
    assert result.get("failed") is not True, result["msg"]
    started = update_operations(service)
    assert len(started) == 1 and result["operation_id"] == started[0]["Id"]
    assert result["changed"] is True and result["status"] == "SUCCEEDED"
    assert result["snapshot"]["version"] == 1
    assert ssm_proxy.sent[PUT] == 1  # the snapshot's PutParameter was read back, not sent again
    store = SnapshotStore(boto3.client("ssm"), result["service_name"])
    assert [s.version for s in store.list()] == [1]
    variables = (boto3.client("apprunner").describe_service(ServiceArn=service)["Service"]["SourceConfiguration"]
                 ["ImageRepository"]["ImageConfiguration"]["RuntimeEnvironmentVariables"])
    assert variables["LOG_LEVEL"] == "debug"


def test_a_lost_update_that_did_not_happen_is_reported_as_unknown(run_module, service, images, apprunner_proxy,
                                                                 monkeypatch):
    monkeypatch.setattr(apprunner_utils, "LOOKUP_TIMEOUT", 1.5)
    apprunner_proxy.arm(UPDATE, "refuse_500")
    result = run_module("apprunner_deploy", {"service_arn": service, "image": images[2]})
    assert result["failed"] is True and result["ambiguous_write"] is True
    assert result["msg"].startswith("Cannot tell whether the request to update App Runner service")
    assert "no new UPDATE_SERVICE operation was listed" in result["msg"]
    assert "running this again is safe" in result["msg"] and "Nothing was changed" not in result["msg"]
    assert apprunner_proxy.sent[UPDATE] == 0 and update_operations(service) == []
    assert run_module("apprunner_deploy", {"service_arn": service, "image": images[2]})["changed"] is True


def test_someone_elses_update_is_not_taken_for_ours(service, images):
    from ansible_collections.lacrei.rollback.plugins.module_utils import apprunner_poller as poller
    from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import AwsActionFailed

    client = aws_client("apprunner", {})
    platform = apprunner_utils.AppRunnerPlatform(client, lookup_timeout=5)
    known = {op["Id"] for op in poller.iter_operations(client, service)}
    wanted = dict(client.describe_service(ServiceArn=service)["Service"]["SourceConfiguration"]["ImageRepository"],
                  ImageIdentifier=images[1])
    theirs = platform.deploy(service, images[2])  # another operator's change, started meanwhile
    platform.wait(service, theirs, timeout=60)
    lost = AwsActionFailed("update App Runner service", "InternalServiceErrorException", "lost", ambiguous=True)
    with pytest.raises(apprunner_utils.WriteOutcomeUnknown) as caught:
        platform._find_lost_update(service, lost, known, wanted)
    assert f"operation {theirs} (SUCCEEDED) started, but the service is not configured as this run asked" in caught.value.msg
    assert caught.value.details["operation_found"]["id"] == theirs


@pytest.mark.parametrize("how", ["apply_then_500", "apply_then_drop", "refuse_500"])
def test_snapshot_put_whose_answer_is_lost_is_saved_exactly_once(ssm_proxy, how):
    ssm = aws_client("ssm", {})
    store = SnapshotStore(ssm, unique("svc"))
    ssm_proxy.arm(PUT, how)
    saved = store.save({"image_identifier": "repo:abc", "environment_variables": {"A": "1"}}, "on-demand", "test")
    assert saved.version == 1
    assert [s.version for s in store.list()] == [1]
    # applied: read back, not sent again; refused: read back (absent), then sent again once
    assert ssm_proxy.sent[PUT] == 1


def test_create_once_tells_our_value_from_someone_elses(ssm_proxy):
    ssm = aws_client("ssm", {})
    name = f"/lacrei-rollback/test/{unique('p')}"
    boto3.client("ssm").put_parameter(Name=name, Value="theirs", Type="String")
    ssm_proxy.arm(PUT, "refuse_500")
    assert ssm_parameters.create_once(ssm, name, "ours", "test parameter", Type="String") is False
    assert ssm_parameters.read(ssm, name)["Value"] == "theirs"


def test_three_lost_answers_say_plainly_that_it_is_unknown(ssm_proxy):
    from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed

    ssm = aws_client("ssm", {})
    name = f"/lacrei-rollback/test/{unique('p')}"
    ssm_proxy.arm(PUT, "refuse_500", count=3)
    with pytest.raises(ActionFailed) as caught:
        ssm_parameters.create_once(ssm, name, "ours", "test parameter", Type="String")
    assert caught.value.msg.startswith(f"Cannot tell whether test parameter {name} was saved")
    assert caught.value.details["ambiguous_write"] is True


def test_reads_and_refused_writes_are_retried_but_not_writes_that_may_have_happened(apprunner_endpoint, service):
    from botocore.exceptions import ClientError

    client = aws_client("apprunner", {})
    set_faults(apprunner_endpoint, internal_error=1)  # a 5xx on a read: retried
    assert client.list_operations(ServiceArn=service)["ResponseMetadata"]["RetryAttempts"] == 1
    source = client.describe_service(ServiceArn=service)["Service"]["SourceConfiguration"]
    set_faults(apprunner_endpoint, throttle=1)  # a throttled write was refused: retried
    answer = client.update_service(ServiceArn=service, SourceConfiguration=source)
    assert answer["ResponseMetadata"]["RetryAttempts"] == 1
    apprunner_utils.AppRunnerPlatform(client).wait(service, answer["OperationId"], timeout=60)
    set_faults(apprunner_endpoint, internal_error=1)  # a 5xx on a write: may have happened, not retried
    with pytest.raises(ClientError) as caught:
        client.update_service(ServiceArn=service, SourceConfiguration=source)
    assert caught.value.response["Error"]["Code"] == "InternalServiceErrorException"
    assert caught.value.response["ResponseMetadata"].get("RetryAttempts", 0) == 0

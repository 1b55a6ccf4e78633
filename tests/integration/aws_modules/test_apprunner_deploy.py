"""apprunner_deploy against the real App Runner emulator (ECR in moto).

Each test gets its own service; faults are armed through the emulator's control endpoint.
"""
from __future__ import annotations

import boto3
import pytest

from aws_sandbox import create_repository, create_service, git_sha, push_image, set_faults

MODULE = "apprunner_deploy"


@pytest.fixture(scope="module")
def repo(aws_env):
    repo = create_repository()
    shas = [git_sha() for _ in range(3)]
    digests = [push_image(repo["repositoryName"], sha) for sha in shas]
    return {"name": repo["repositoryName"], "uri": repo["repositoryUri"], "shas": shas, "digests": digests}


@pytest.fixture
def service(repo):
    svc = create_service(f"{repo['uri']}:{repo['shas'][0]}")
    return svc["ServiceArn"]


@pytest.fixture
def slow_deploys(apprunner_endpoint):
    """Operations last 3 s during the test (restored after)."""
    before = set_faults(apprunner_endpoint)["deploy_seconds"]
    set_faults(apprunner_endpoint, deploy_seconds=3)
    yield
    set_faults(apprunner_endpoint, deploy_seconds=before)


def image(repo, index):
    return f"{repo['uri']}:{repo['shas'][index]}"


def serving(arn):
    return boto3.client("apprunner").describe_service(ServiceArn=arn)["Service"]


def test_check_apply_apply_again(run_module, repo, service):
    args = {"service_arn": service, "image": image(repo, 1)}
    predicted = run_module(MODULE, args, check_mode=True)
    assert predicted["changed"] is True and predicted["operation_id"] is None
    assert serving(service)["SourceConfiguration"]["ImageRepository"]["ImageIdentifier"] == image(repo, 0)

    applied = run_module(MODULE, args)
    assert applied["changed"] is True
    assert (applied["from_image"], applied["to_image"], applied["serving_image"]) == (image(repo, 0), image(repo, 1), image(repo, 1))
    assert applied["status"] == "SUCCEEDED"
    assert applied["deployment_seconds"] >= 0 and applied["operation_id"]
    after = serving(service)
    assert after["Status"] == "RUNNING"
    assert after["SourceConfiguration"]["ImageRepository"]["ImageIdentifier"] == image(repo, 1)
    assert after["SourceConfiguration"]["ImageRepository"]["ImageConfiguration"]["RuntimeEnvironmentSecrets"] == {
        "DATABASE_URL": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"}
    assert after["HealthCheckConfiguration"]["Path"] == "/health/"

    again = run_module(MODULE, args)
    assert again["changed"] is False and again["operation_id"] is None
    ops = boto3.client("apprunner").list_operations(ServiceArn=service)["OperationSummaryList"]
    assert [op["Type"] for op in ops] == ["UPDATE_SERVICE", "CREATE_SERVICE"]


def test_repository_and_tag_pinned_by_digest_with_diff(run_module, repo, service):
    args = {"service_arn": service, "repository_uri": repo["uri"], "tag": repo["shas"][2], "pin_digest": True}
    result = run_module(MODULE, args, diff=True)
    pinned = f"{repo['uri']}@{repo['digests'][2]}"
    assert result["changed"] is True and result["to_image"] == pinned
    assert result["diff"] == {"before": {"image_identifier": image(repo, 0)}, "after": {"image_identifier": pinned}}
    assert serving(service)["SourceConfiguration"]["ImageRepository"]["ImageIdentifier"] == pinned
    assert run_module(MODULE, args, check_mode=True)["changed"] is False


def test_pin_digest_of_a_missing_tag_fails_before_any_change(run_module, repo, service):
    result = run_module(MODULE, {"service_arn": service, "image": f"{repo['uri']}:{git_sha()}", "pin_digest": True})
    assert result["failed"] is True and result["error"] == "ImageNotFoundException"
    assert result["msg"].startswith(f"Failed to find image {repo['name']}:")
    assert len(boto3.client("apprunner").list_operations(ServiceArn=service)["OperationSummaryList"]) == 1


def test_missing_image_rolls_back_and_fails(run_module, repo, service):
    missing = f"{repo['uri']}:{git_sha()}"
    result = run_module(MODULE, {"service_arn": service, "image": missing})
    assert result["failed"] is True
    assert result["status"] == "ROLLBACK_SUCCEEDED"
    assert "App Runner rolled the deployment back" in result["msg"]
    assert f"{image(repo, 0)} is serving now" in result["msg"]
    assert result["serving_image"] == image(repo, 0) and result["changed"] is False
    assert serving(service)["SourceConfiguration"]["ImageRepository"]["ImageIdentifier"] == image(repo, 0)


def test_failed_health_check_rolls_back(run_module, repo, service, apprunner_endpoint):
    set_faults(apprunner_endpoint, fail_next_deployment=True)
    result = run_module(MODULE, {"service_arn": service, "image": image(repo, 2)})
    assert result["failed"] is True and result["status"] == "ROLLBACK_SUCCEEDED"
    assert result["operation_id"] in result["msg"]
    assert result["serving_image"] == image(repo, 0)


def test_busy_service_is_refused_naming_the_operation(run_module, repo, service, slow_deploys):
    started = run_module(MODULE, {"service_arn": service, "image": image(repo, 1), "wait": False})
    assert started["changed"] is True and started["status"] == "IN_PROGRESS"
    for check_mode in (True, False):
        refused = run_module(MODULE, {"service_arn": service, "image": image(repo, 2)}, check_mode=check_mode)
        assert refused["failed"] is True and refused["error"] == "InvalidStateException"
        assert f"busy with UPDATE_SERVICE operation {started['operation_id']} (status IN_PROGRESS), started at " in refused["msg"]
        assert "Nothing was changed" in refused["msg"] and "Wait for that operation to end" in refused["msg"]
        assert refused["operation_in_progress"]["id"] == started["operation_id"]


def test_wait_timeout_names_the_operation(run_module, repo, service, slow_deploys):
    result = run_module(MODULE, {"service_arn": service, "image": image(repo, 1), "wait_timeout": 1})
    assert result["failed"] is True
    assert f"waiting for App Runner operation {result['operation_id']}" in result["msg"]
    assert result["changed"] is True and result["to_image"] == image(repo, 1)


def test_throttling_is_retried(run_module, repo, service, apprunner_endpoint):
    set_faults(apprunner_endpoint, throttle=2)
    result = run_module(MODULE, {"service_arn": service, "image": image(repo, 1)})
    assert result["changed"] is True and result["status"] == "SUCCEEDED"


def test_without_retries_throttling_is_reported(run_module, repo, service, apprunner_endpoint):
    set_faults(apprunner_endpoint, throttle=1)
    result = run_module(MODULE, {"service_arn": service, "image": image(repo, 1), "max_attempts": 1})
    assert result["failed"] is True and result["error"] == "ThrottlingException"
    assert result["msg"].startswith(f"Failed to describe App Runner service {service}: ThrottlingException")


def test_server_errors_are_retried(run_module, repo, service, apprunner_endpoint):
    set_faults(apprunner_endpoint, internal_error=2)
    result = run_module(MODULE, {"service_arn": service, "image": image(repo, 2)})
    assert result["changed"] is True and result["status"] == "SUCCEEDED"


def test_image_and_tag_are_exclusive(run_module, repo, service):
    result = run_module(MODULE, {"service_arn": service, "image": image(repo, 1), "tag": "x"})
    assert result["failed"] is True and "mutually exclusive" in result["msg"]


def emulator_requests(endpoint: str, reset: bool = False) -> dict:
    import json
    import urllib.request
    request = urllib.request.Request(f"{endpoint}/_emulator/requests" + ("/reset" if reset else ""),
                                     data=b"{}" if reset else None, method="POST" if reset else "GET")
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback emulator
        return json.loads(answer.read())


def test_release_record_pinned_without_an_ecr_lookup_and_one_describe(run_module, repo, service, apprunner_endpoint):
    # Pinning takes the record's digest as is (no DescribeImages), and the service is read once.
    release = {"sha": repo["shas"][2], "tags": [repo["shas"][2]], "version": None, "digest": repo["digests"][2],
               "image_uri": image(repo, 2), "pushed_at": None, "ran": None}
    emulator_requests(apprunner_endpoint, reset=True)
    result = run_module(MODULE, {"service_arn": service, "release": release, "pin_digest": True,
                                 "expected_image": image(repo, 0), "snapshot_reason": "rollback test", "wait": False})
    pinned = f"{repo['uri']}@{repo['digests'][2]}"
    assert result["changed"] is True and result["to_image"] == pinned, result
    sequence = emulator_requests(apprunner_endpoint)["sequence"]
    assert sequence[:sequence.index("UpdateService")].count("DescribeService") == 1, sequence
    # The configuration it replaced was kept, from that same read.
    snapshot = result["snapshot"]
    assert (snapshot["trigger"], snapshot["reason"]) == ("before-image-change", "rollback test")
    assert snapshot["image_identifier"] == image(repo, 0) and snapshot["environment_variables"]["DEBUG"] == "0"


def test_a_service_changed_since_the_decision_is_refused(run_module, repo, service):
    release = {"sha": repo["shas"][1], "tags": [repo["shas"][1]], "version": None, "digest": repo["digests"][1],
               "image_uri": image(repo, 1), "pushed_at": None, "ran": None}
    result = run_module(MODULE, {"service_arn": service, "release": release, "expected_image": image(repo, 2)})
    assert result["failed"] is True and result["msg"].startswith("Refused, nothing was changed")
    assert f"runs {image(repo, 0)} now, not {image(repo, 2)}" in result["msg"]
    assert len(boto3.client("apprunner").list_operations(ServiceArn=service)["OperationSummaryList"]) == 1


def test_a_release_without_digest_is_refused(run_module, repo, service):
    result = run_module(MODULE, {"service_arn": service, "release": {"image_uri": image(repo, 1)}})
    assert result["failed"] is True and "release is not a release record" in result["msg"]


SEAL_KEY = "Zq7Lm2Np5Rt8Vw1Zb4Cd6Fg9Hj3Kx0Ys2Ua5Ie8Oo1Ww"


def record(repo, index):
    return {"sha": repo["shas"][index], "tags": [repo["shas"][index]], "version": None,
            "digest": repo["digests"][index], "image_uri": image(repo, index), "pushed_at": None, "ran": None}


def test_the_preflights_sealed_read_serves_the_deploy_without_a_second_describe(run_module, repo, service,
                                                                               apprunner_endpoint):
    emulator_requests(apprunner_endpoint, reset=True)
    decided = run_module("app_rollback_preflight", {"service_arn": service, "sha": repo["shas"][1],
                                                    "repository": repo["name"], "caller_identity": False,
                                                    "seal_key": SEAL_KEY})
    sealed = decided["sealed_service"]
    assert decided["needed"] is True and sealed.startswith("lacrei-sealed-read-v1:"), decided
    assert "DEBUG" not in sealed and SEAL_KEY not in str(decided)
    result = run_module(MODULE, {"service_arn": service, "release": decided["target"], "wait": False,
                                 "expected_image": decided["service"]["image_identifier"],
                                 "snapshot_reason": "sealed test", "sealed_service": sealed, "seal_key": SEAL_KEY})
    assert result["changed"] is True and (result["service_read"], result["seal_unused"]) == ("sealed", None), result
    sequence = emulator_requests(apprunner_endpoint)["sequence"]
    assert sequence[:sequence.index("UpdateService")].count("DescribeService") == 1, sequence
    # The read-modify-write kept what the sealed read held; the snapshot was made from it.
    after = serving(service)["SourceConfiguration"]["ImageRepository"]
    assert after["ImageIdentifier"] == image(repo, 1)
    assert after["ImageConfiguration"]["RuntimeEnvironmentSecrets"] == {
        "DATABASE_URL": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"}
    assert result["snapshot"]["image_identifier"] == image(repo, 0)
    assert result["snapshot"]["environment_variables"]["DEBUG"] == "0"


@pytest.mark.parametrize("seal, why", [
    ("another", "it does not open with this run's key for"),
    ("expired", "old (a sealed read serves for 120s)"),
    ("garbage", "it is not a sealed read"),
])
def test_a_seal_that_does_not_serve_means_describing_again(run_module, repo, service, apprunner_endpoint, seal, why):
    from ansible_collections.lacrei.rollback.plugins.module_utils import sealed_read
    read = boto3.client("apprunner").describe_service(ServiceArn=service)["Service"]
    sealed = {"another": sealed_read.seal(SEAL_KEY[::-1], read, sealed_read.time.time()),
              "expired": sealed_read.seal(SEAL_KEY, read, sealed_read.time.time() - 300),
              "garbage": "lacrei-sealed-read-v1:0:AAAA"}[seal]
    emulator_requests(apprunner_endpoint, reset=True)
    result = run_module(MODULE, {"service_arn": service, "release": record(repo, 2), "wait": False,
                                 "sealed_service": sealed, "seal_key": SEAL_KEY})
    assert result["changed"] is True and result["service_read"] == "described", result
    assert why in result["seal_unused"]
    sequence = emulator_requests(apprunner_endpoint)["sequence"]
    assert sequence[:sequence.index("UpdateService")].count("DescribeService") == 1, sequence
    assert serving(service)["SourceConfiguration"]["ImageRepository"]["ImageIdentifier"] == image(repo, 2)


def test_a_short_seal_key_is_refused_before_any_change(run_module, repo, service):
    result = run_module(MODULE, {"service_arn": service, "release": record(repo, 1), "sealed_service": "x",
                                 "seal_key": "short"})
    assert result["failed"] is True and "seal_key must be at least 32 random characters" in result["msg"]
    assert "Nothing was changed" in result["msg"]
    assert serving(service)["SourceConfiguration"]["ImageRepository"]["ImageIdentifier"] == image(repo, 0)

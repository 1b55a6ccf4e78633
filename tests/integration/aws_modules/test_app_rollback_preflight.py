"""app_rollback_preflight against the App Runner emulator and moto (ECR, STS, CloudWatch Logs):
one read of what the rollback decision needs, and the decision, the target a release record."""
from __future__ import annotations

import json
import urllib.request

import boto3
import pytest

from aws_sandbox import create_repository, create_service, git_sha, push_image, set_faults

MODULE = "app_rollback_preflight"
RECORD_KEYS = {"sha", "tags", "version", "digest", "image_uri", "pushed_at", "ran"}


@pytest.fixture(scope="module")
def repo(aws_env):
    """Three releases, v0.0.0 (oldest push) .. v0.2.0, tagged by SHA and version."""
    repo = create_repository()
    shas = [git_sha() for _ in range(3)]
    digests = [push_image(repo["repositoryName"], sha, f"v0.{index}.0") for index, sha in enumerate(shas)]
    return {"name": repo["repositoryName"], "uri": repo["repositoryUri"], "shas": shas, "digests": digests}


def image(repo, index):
    return f"{repo['uri']}:{repo['shas'][index]}"


def requests(endpoint: str, reset: bool = False) -> dict:
    request = urllib.request.Request(f"{endpoint}/_emulator/requests" + ("/reset" if reset else ""),
                                     data=b"{}" if reset else None, method="POST" if reset else "GET")
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback emulator
        return json.loads(answer.read())


def test_by_sha_one_read_and_a_release_record(run_module, repo, apprunner_endpoint):
    arn = create_service(image(repo, 2))["ServiceArn"]
    requests(apprunner_endpoint, reset=True)

    result = run_module(MODULE, {"service_arn": arn, "sha": repo["shas"][0][:9], "repository": repo["name"]})

    assert result["changed"] is False and result["refusal"] is None, result
    assert requests(apprunner_endpoint)["counts"] == {"DescribeService": 1}
    target = result["target"]
    assert set(target) == RECORD_KEYS
    assert (target["sha"], target["version"], target["digest"]) == (repo["shas"][0], "v0.0.0", repo["digests"][0])
    assert target["image_uri"] == image(repo, 0) and target["ran"] is None and target["pushed_at"]
    assert result["needed"] is True and result["running_sha"] == repo["shas"][2]
    assert result["service"]["image_digest"] == repo["digests"][2]
    assert result["service"]["status"] == "RUNNING" and result["caller_arn"].startswith("arn:aws:")
    # ecr_image_info's record of the same SHA is the same record.
    resolved = run_module("ecr_image_info", {"repository": repo["name"], "sha": repo["shas"][0]})
    assert resolved["release"] == target


def test_the_running_release_needs_nothing(run_module, repo):
    arn = create_service(image(repo, 1))["ServiceArn"]
    result = run_module(MODULE, {"service_arn": arn, "sha": repo["shas"][1], "repository": repo["name"],
                                 "caller_identity": False, "seal_key": "K" * 43}, check_mode=True)
    assert result["needed"] is False and result["refusal"] is None and result["caller_arn"] is None
    assert result["sealed_service"] is None  # no deployment follows: nothing to seal for one


def test_a_short_seal_key_is_refused_before_any_read(run_module, repo, apprunner_endpoint):
    requests(apprunner_endpoint, reset=True)
    result = run_module(MODULE, {"service_arn": "arn:aws:apprunner:us-east-1:123456789012:service/x/y",
                                 "sha": repo["shas"][1], "repository": repo["name"], "seal_key": "12345"})
    assert result["failed"] is True and result["msg"].startswith("seal_key must be at least 32 random characters")
    assert result["msg"].endswith("Nothing was read.") and requests(apprunner_endpoint)["counts"] == {}


def test_an_unknown_sha_is_a_refusal_naming_the_newest_tags(run_module, repo):
    arn = create_service(image(repo, 1))["ServiceArn"]
    result = run_module(MODULE, {"service_arn": arn, "sha": "0123456789abcdef", "repository": repo["name"]})
    assert not result.get("failed") and result["target"] is None and result["needed"] is False
    assert result["refusal"].startswith(f"No image in ECR repository {repo['name']} is tagged with a git SHA")
    assert repo["shas"][2] in result["refusal_details"]["newest_tags"]
    assert result["service"]["image_digest"] == repo["digests"][1]  # what runs, for the audit trail


def test_malformed_sha_is_refused_before_any_call(run_module, repo):
    result = run_module(MODULE, {"service_arn": "arn:aws:apprunner:us-east-1:123456789012:service/x/1",
                                 "sha": "not-a-sha!", "repository": repo["name"]})
    assert result["failed"] is True and "sha must be a git SHA" in result["msg"]


def test_previous_good_release_from_the_audit_trail(run_module, repo, tmp_path):
    arn = create_service(image(repo, 1))["ServiceArn"]
    audit = tmp_path / "audit.jsonl"
    audit.write_text(json.dumps({"service_arn": arn, "when": "2030-01-01T00:00:00+00:00",
                                 "from_image": image(repo, 0)}) + "\n")

    result = run_module(MODULE, {"service_arn": arn, "target": "previous", "audit_log_path": str(audit),
                                 "use_event_log": False})

    assert result["refusal"] is None, result
    target = result["target"]
    assert set(target) == RECORD_KEYS and target["sha"] == repo["shas"][0] and target["ran"].startswith("2030-01-01")
    assert result["needed"] is True and result["running_sha"] == repo["shas"][1]
    assert result["history"]["previous_release"] == target
    history = run_module("apprunner_release_history", {"service_arn": arn, "audit_log_path": str(audit),
                                                       "use_event_log": False})
    assert history["previous_release"] == target and history["previous"]["tag"] == repo["shas"][0]


def test_no_earlier_good_release_is_a_refusal(run_module, repo):
    arn = create_service(image(repo, 0))["ServiceArn"]
    result = run_module(MODULE, {"service_arn": arn, "target": "previous"})
    assert result["target"] is None
    assert result["refusal"].startswith("Refused: No earlier good release known for ")


def test_a_busy_service_is_refused_naming_its_operation(run_module, repo, apprunner_endpoint):
    arn = create_service(image(repo, 0))["ServiceArn"]
    before = set_faults(apprunner_endpoint)["deploy_seconds"]
    set_faults(apprunner_endpoint, deploy_seconds=30)
    try:
        client = boto3.client("apprunner")
        source = client.describe_service(ServiceArn=arn)["Service"]["SourceConfiguration"]
        source["ImageRepository"]["ImageIdentifier"] = image(repo, 1)
        source.pop("AutoDeploymentsEnabled", None)
        operation = client.update_service(ServiceArn=arn, SourceConfiguration=source)["OperationId"]
        result = run_module(MODULE, {"service_arn": arn, "sha": repo["shas"][2], "repository": repo["name"]})
    finally:
        set_faults(apprunner_endpoint, deploy_seconds=before)
    name = arn.split("/")[-2]
    assert result["refusal"].startswith(f"Refused, nothing was changed: App Runner service {name} is "
                                        f"OPERATION_IN_PROGRESS, busy with UPDATE_SERVICE operation {operation} (")
    assert result["refusal"].endswith("Wait for it to end and run this again.")
    assert result["operation_in_progress"]["id"] == operation and result["target"] is None


def test_caller_identity_failure_is_tolerated(run_module, repo, monkeypatch):
    arn = create_service(image(repo, 1))["ServiceArn"]
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")  # nothing listens there
    result = run_module(MODULE, {"service_arn": arn, "sha": repo["shas"][0], "repository": repo["name"],
                                 "max_attempts": 1})
    assert result["refusal"] is None and result["caller_arn"] is None
    assert "AWS caller identity unknown: Failed to get the AWS caller identity" in json.dumps(result["warnings"])


def test_shared_reads_are_read_once_and_taken_as_they_are_or_left(run_module, repo):
    shared = run_module("app_rollback_shared_info", {"repository": repo["name"]})
    assert shared["changed"] is False and shared["listing_error"] is None, shared
    assert shared["caller_arn"].startswith("arn:aws:") and shared["caller_unknown"] is None
    assert shared["repository_uri"] == repo["uri"]
    assert [image["digest"] for image in shared["images"]] == repo["digests"][::-1]  # newest push first
    arn = create_service(image(repo, 2))["ServiceArn"]
    args = {"service_arn": arn, "sha": repo["shas"][0], "repository": repo["name"]}

    # What it is given is what it decides with (no STS call, no ECR listing): another caller, a listing without v0.0.0.
    told = dict(shared, caller_arn="arn:aws:sts::123456789012:assumed-role/Shared/fleet", images=shared["images"][:2])
    result = run_module(MODULE, dict(args, shared=told))
    assert result["caller_arn"] == "arn:aws:sts::123456789012:assumed-role/Shared/fleet"
    assert result["target"] is None and result["refusal"].startswith(f"No image in ECR repository {repo['name']}")

    # A listing of another repository is not this one's: the preflight lists its own (and finds v0.0.0).
    result = run_module(MODULE, dict(args, shared=dict(told, repository="other-repository")))
    assert result["refusal"] is None and result["target"]["digest"] == repo["digests"][0]
    assert result["caller_arn"] == "arn:aws:sts::123456789012:assumed-role/Shared/fleet"

    # Without caller_identity, no caller even when the shared reads have one.
    result = run_module(MODULE, dict(args, shared=shared, caller_identity=False))
    assert result["caller_arn"] is None and result["target"]["digest"] == repo["digests"][0]

    # A listing that failed is not an error: each preflight reads (and refuses) as it would alone.
    failed = run_module("app_rollback_shared_info", {"repository": "no-such-repository"})
    assert not failed.get("failed") and failed["images"] is None and "no-such-repository" in failed["listing_error"]
    args["repository"] = "no-such-repository"
    alone, given = run_module(MODULE, args), run_module(MODULE, dict(args, shared=failed))
    assert given["refusal"] == alone["refusal"] and "no-such-repository" in alone["refusal"]


def test_shared_reads_of_another_shape_are_refused_before_any_read(run_module, repo):
    result = run_module(MODULE, {"service_arn": "arn:aws:apprunner:us-east-1:123456789012:service/x/1",
                                 "sha": repo["shas"][0], "repository": repo["name"], "shared": {"caller_arn": None}})
    assert result["failed"] is True
    assert result["msg"].startswith("shared must be what lacrei.rollback.app_rollback_shared_info returned (it lacks "
                                    "caller_unknown, images, registry_id, repository, repository_uri)")

"""apprunner_release_history against the real App Runner emulator, moto (ECR, CloudWatch Logs) and
an audit trail file: which images a service ran successfully, and its previous good release."""
from __future__ import annotations

import json
import time

import boto3
import pytest

from ansible_collections.lacrei.rollback.plugins.module_utils.apprunner_poller import (
    wait_for_operation, wait_for_service_settled)
from ansible_collections.lacrei.rollback.plugins.module_utils.release_history import parse_event_log
from aws_sandbox import create_repository, create_service, git_sha, push_image, set_faults

from sandbox.live.telemetry import log_group

MODULE = "apprunner_release_history"


@pytest.fixture(scope="module")
def repo(aws_env):
    """Four images, A (oldest push) .. D (newest)."""
    repo = create_repository()
    shas = [git_sha() for _ in range(4)]
    digests = [push_image(repo["repositoryName"], sha, f"v0.{index}.0") for index, sha in enumerate(shas)]
    return {"uri": repo["repositoryUri"], "shas": shas, "digests": digests}


def image(repo, index):
    return f"{repo['uri']}:{repo['shas'][index]}"


def deploy(arn, identifier) -> str:
    """UpdateService to ``identifier`` as a pipeline would; the operation id once it ended."""
    client = boto3.client("apprunner")
    source = client.describe_service(ServiceArn=arn)["Service"]["SourceConfiguration"]
    source["ImageRepository"]["ImageIdentifier"] = identifier
    source.pop("AutoDeploymentsEnabled", None)
    operation_id = client.update_service(ServiceArn=arn, SourceConfiguration=source)["OperationId"]
    wait_for_operation(client, arn, operation_id, timeout=30, interval_start=0.1)
    wait_for_service_settled(client, arn, timeout=30, interval_start=0.1)
    return operation_id


def first_operation(arn) -> str:
    return boto3.client("apprunner").list_operations(ServiceArn=arn)["OperationSummaryList"][-1]["Id"]


def write_event_log(service: dict, deployments: list) -> str:
    """Service event lines, App Runner's wording, for (operation id, identifier, succeeded) tuples."""
    group = log_group(service["ServiceName"], service["ServiceId"], "service")
    logs = boto3.client("logs")
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="events")
    lines = []
    for op_id, identifier, succeeded in deployments:
        uri, _, tag = identifier.rpartition(":")
        lines += [f"[AppRunner] Deployment with ID : {op_id} started. Triggering event : SERVICE_UPDATE",
                  f"[AppRunner] Deployment Artifact: [Repo Type: ECR], [Image URL: {uri}], [Image Tag: {tag}]",
                  f"[AppRunner] Deployment with ID : {op_id} "
                  + ("completed successfully." if succeeded else "failed. Failure reason : Health check failed.")]
    start = int(time.time() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName="events",
                        logEvents=[{"timestamp": start + n, "message": line} for n, line in enumerate(lines)])
    return group


def tags(entries):
    return [entry["tags"][0] for entry in entries]


def test_event_log_and_operations_exclude_a_rolled_back_image(run_module, repo, apprunner_endpoint):
    service = create_service(image(repo, 0))
    arn = service["ServiceArn"]
    created = first_operation(arn)
    to_b = deploy(arn, image(repo, 1))
    set_faults(apprunner_endpoint, fail_next_deployment=True)
    to_c = deploy(arn, image(repo, 2))
    to_d = deploy(arn, image(repo, 3))
    write_event_log(service, [(created, image(repo, 0), True), (to_b, image(repo, 1), True),
                              (to_c, image(repo, 2), False), (to_d, image(repo, 3), True)])

    result = run_module(MODULE, {"service_arn": arn})

    assert result["changed"] is False and not result.get("failed")
    assert result["current"]["digest"] == repo["digests"][3], result["sources"]
    assert tags(result["releases"]) == [repo["shas"][3], repo["shas"][1], repo["shas"][0]], result["sources"]
    assert result["releases"][0]["current"] is True
    assert tags(result["excluded"]) == [repo["shas"][2]]
    assert "ROLLBACK_SUCCEEDED" in result["excluded"][0]["reason"] and to_c in result["excluded"][0]["reason"]
    assert result["previous"]["tag"] == repo["shas"][1]
    assert result["previous"]["image_uri"] == image(repo, 1)
    assert result["previous"]["evidence"][0]["operation_id"] == to_b
    assert result["previous"]["evidence"][0]["source"] == "event_log"
    assert result["previous_reason"] is None
    assert "(12 lines)" in result["sources"]["event_log"]


def test_audit_trail_alone_names_the_images(run_module, repo, tmp_path):
    arn = create_service(image(repo, 0))["ServiceArn"]
    to_b = deploy(arn, image(repo, 1))
    deploy(arn, image(repo, 2))
    audit = tmp_path / "audit.jsonl"
    lines = [{"service_arn": arn, "when": "2030-01-01T00:00:00+00:00", "from_image": image(repo, 0),
              "operation_id": to_b, "to_image": image(repo, 1), "deploy_status": "SUCCEEDED"},
             {"service_arn": "arn:aws:apprunner:us-east-1:123456789012:service/other/1", "to_image": image(repo, 3),
              "operation_id": "x", "deploy_status": "SUCCEEDED"}]
    audit.write_text("\n".join(json.dumps(line) for line in lines) + "\nnot json\n")

    result = run_module(MODULE, {"service_arn": arn, "audit_log_path": str(audit)})

    assert result["sources"]["event_log"].endswith("(absent)")
    assert result["sources"]["audit_log"] == "1 entries"
    assert tags(result["releases"]) == [repo["shas"][1], repo["shas"][0]]  # the current (C) has no evidence
    assert result["previous"]["tag"] == repo["shas"][1]
    assert {e["source"] for e in result["previous"]["evidence"]} == {"audit"}
    assert result["releases"][1]["evidence"][0]["source"] == "observed"


def test_rolled_back_twice_moves_one_further_back_then_refuses(run_module, repo, tmp_path):
    arn = create_service(image(repo, 0))["ServiceArn"]
    to_b = deploy(arn, image(repo, 1))
    to_c = deploy(arn, image(repo, 2))
    audit = tmp_path / "audit.jsonl"
    audit.write_text("".join(json.dumps(line) + "\n" for line in [
        {"service_arn": arn, "operation_id": to_b, "to_image": image(repo, 1), "from_image": image(repo, 0)},
        {"service_arn": arn, "operation_id": to_c, "to_image": image(repo, 2), "from_image": image(repo, 1)}]))
    args = {"service_arn": arn, "audit_log_path": str(audit)}

    assert run_module(MODULE, args)["previous"]["tag"] == repo["shas"][1]
    deploy(arn, image(repo, 1))
    assert run_module(MODULE, args)["previous"]["tag"] == repo["shas"][0]
    deploy(arn, image(repo, 0))
    last = run_module(MODULE, args)
    assert last["previous"] is None
    assert last["previous_reason"].startswith("No earlier good release known")


def test_nothing_known_gives_a_reason(run_module, repo):
    arn = create_service(image(repo, 2))["ServiceArn"]
    result = run_module(MODULE, {"service_arn": arn, "use_event_log": False})
    assert result["previous"] is None and result["releases"] == []
    assert "No earlier good release known" in result["previous_reason"]
    assert result["sources"] == {"operations": 1, "audit_log": "not given"}


def test_unknown_service_fails(run_module, aws_env):
    result = run_module(MODULE, {"service_arn": "arn:aws:apprunner:us-east-1:123456789012:service/none/0"})
    assert result["failed"] is True and "Failed to describe App Runner service" in result["msg"]


def test_parse_event_log_reads_digests_and_outcomes():
    uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/api"
    events = [{"timestamp": 1, "message": "[AppRunner] Deployment with ID : op1 started. Triggering event : SERVICE_CREATE"},
              {"timestamp": 2, "message": f"[AppRunner] Deployment Artifact: [Repo Type: ECR], [Image URL: {uri}], [Image Tag: sha256:ab]"},
              {"timestamp": 3, "message": "[AppRunner] Deployment with ID : op1 completed successfully."},
              {"timestamp": 4, "message": "[AppRunner] Deployment with ID : op2 started. Triggering event : SERVICE_UPDATE"},
              {"timestamp": 5, "message": "[AppRunner] Deployment with ID : op2 failed. Failure reason : Image pull failed."}]
    parsed = parse_event_log(events)
    assert parsed["op1"] == {"image": f"{uri}@sha256:ab", "outcome": "succeeded", "at": 3}
    assert parsed["op2"] == {"image": None, "outcome": "failed", "at": 5}

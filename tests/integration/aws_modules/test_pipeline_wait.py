"""pipeline_wait against the real App Runner emulator (ECR and CloudWatch Logs in moto)."""
from __future__ import annotations

import time

import boto3
import pytest

from aws_sandbox import create_repository, create_service, git_sha, push_image, unique

MODULE = "pipeline_wait"


@pytest.fixture
def service(aws_env):
    repo = create_repository()
    sha = git_sha()
    push_image(repo["repositoryName"], sha)
    svc = create_service(f"{repo['repositoryUri']}:{sha}")
    return {"arn": svc["ServiceArn"], "repo": repo, "sha": sha}


def pipeline_log(group: str, sha: str, *lines: str) -> None:
    logs = boto3.client("logs")
    try:
        logs.create_log_group(logGroupName=group)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    logs.create_log_stream(logGroupName=group, logStreamName=sha)
    logs.put_log_events(logGroupName=group, logStreamName=sha,
                        logEvents=[{"timestamp": int(time.time() * 1000) + i, "message": line} for i, line in enumerate(lines)])


def test_a_deployment_of_the_commit_ends_the_wait(run_module, service):
    new = git_sha()
    push_image(service["repo"]["repositoryName"], new)
    apprunner = boto3.client("apprunner")
    source = apprunner.describe_service(ServiceArn=service["arn"])["Service"]["SourceConfiguration"]
    source["ImageRepository"]["ImageIdentifier"] = f"{service['repo']['repositoryUri']}:{new}"
    operation = apprunner.update_service(ServiceArn=service["arn"], SourceConfiguration=source)["OperationId"]

    group = unique("/lacrei/pipeline/")
    result = run_module(MODULE, {"service_arn": service["arn"], "commit": new, "log_group": group, "timeout": 60})
    assert not result.get("failed"), result
    assert (result["outcome"], result["operation_id"], result["changed"]) == ("deployed", operation, False)
    assert result["image_identifier"].endswith(":" + new)
    assert result["pipeline_log"] == []  # the stream does not exist: not an error
    assert result["waited_seconds"] >= 0


def test_the_pipeline_failing_ends_the_wait_with_its_log(run_module, service):
    new, group = git_sha(), unique("/lacrei/pipeline/")
    pipeline_log(group, new, f"PIPELINE STARTED for {new}", "build: the code does not compile",
                 "PIPELINE FAILED in build: the code does not compile - the service keeps running what it ran")
    result = run_module(MODULE, {"service_arn": service["arn"], "commit": new, "log_group": group, "timeout": 20})
    assert result["failed"] and result.get("outcome") == "pipeline_failed", result
    assert f"The pipeline failed for {new}: PIPELINE FAILED in build" in result["msg"]
    assert result["image_identifier"].endswith(":" + service["sha"]) and service["sha"] in result["msg"]
    assert result["pipeline_log"][1] == "build: the code does not compile"


def test_nothing_deployed_times_out_saying_what_runs(run_module, service):
    new = git_sha()
    result = run_module(MODULE, {"service_arn": service["arn"], "commit": new, "timeout": 1})
    assert result["failed"] and "Timed out after 1s waiting for the pipeline to deploy" in result["msg"]
    assert service["sha"] in result["msg"] and "nothing yet" in result["msg"]


def test_check_mode_does_not_wait(run_module, service):
    result = run_module(MODULE, {"service_arn": service["arn"], "commit": git_sha(), "timeout": 1}, check_mode=True)
    assert (result["outcome"], result["changed"], result["waited_seconds"]) == ("not_waited", False, 0.0)
    assert result["image_identifier"].endswith(":" + service["sha"])


@pytest.mark.parametrize("args, message", [
    ({"commit": "HEAD"}, "commit must be a full 40-character SHA"),
    ({"commit": "a" * 40, "timeout": 0}, "timeout must be a positive number of seconds"),
])
def test_bad_input_is_refused_before_any_call(run_module, args, message):
    result = run_module(MODULE, {"service_arn": "arn:aws:apprunner:us-east-1:123456789012:service/x/y", **args})
    assert result["failed"] and message in result["msg"]


def test_an_unknown_service_is_a_clear_error(run_module, aws_env):
    arn = "arn:aws:apprunner:us-east-1:123456789012:service/missing/0123456789abcdef0123456789abcdef"
    result = run_module(MODULE, {"service_arn": arn, "commit": git_sha(), "timeout": 5})
    assert result["failed"] and result["msg"].startswith(f"Failed to describe service {arn}: ")

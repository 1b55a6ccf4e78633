"""AppRunnerPlatform against the emulator: the UpdateService race answered InvalidStateException."""
from __future__ import annotations

import boto3
import pytest
from aws_sandbox import create_repository, create_service, git_sha, push_image

from ansible_collections.lacrei.rollback.plugins.module_utils.apprunner import AppRunnerPlatform, ServiceBusy


class NoPrecheck(AppRunnerPlatform):
    """Skips the status pre-check, as when another operator starts an operation in between."""

    def ensure_idle(self, service_arn, status=None):
        return None


def test_invalid_state_on_update_names_the_running_operation(aws_env):
    repo = create_repository()
    shas = [git_sha(), git_sha(), git_sha()]
    for sha in shas:
        push_image(repo["repositoryName"], sha)
    arn = create_service(f"{repo['repositoryUri']}:{shas[0]}")["ServiceArn"]
    platform = NoPrecheck(boto3.client("apprunner"))
    first = platform.deploy(arn, f"{repo['repositoryUri']}:{shas[1]}")
    with pytest.raises(ServiceBusy) as caught:
        platform.deploy(arn, f"{repo['repositoryUri']}:{shas[2]}")
    assert f"UPDATE_SERVICE operation {first}" in caught.value.msg
    assert caught.value.details["error"] == "InvalidStateException"
    result = platform.wait(arn, first, timeout=30)
    assert result.succeeded
    assert platform.describe(arn)["image_identifier"] == f"{repo['repositoryUri']}:{shas[1]}"

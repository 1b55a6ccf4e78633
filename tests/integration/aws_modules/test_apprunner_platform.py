"""AppRunnerPlatform against the emulator: the UpdateService race answered InvalidStateException."""
from __future__ import annotations

import boto3
import pytest
from aws_sandbox import create_repository, create_service, git_sha, push_image, set_faults

from ansible_collections.lacrei.rollback.plugins.module_utils.apprunner import AppRunnerPlatform, ServiceBusy


class NoPrecheck(AppRunnerPlatform):
    """Skips the status pre-check, as when another operator starts an operation in between."""

    def ensure_idle(self, service_arn, status=None):
        return None


def test_invalid_state_on_update_names_the_running_operation(aws_env, apprunner_endpoint):
    repo = create_repository()
    shas = [git_sha(), git_sha(), git_sha()]
    for sha in shas:
        push_image(repo["repositoryName"], sha)
    arn = create_service(f"{repo['repositoryUri']}:{shas[0]}")["ServiceArn"]
    platform = NoPrecheck(boto3.client("apprunner"))
    # The first operation runs until the second call is answered (with the session's 0.5 s a busy
    # machine let it end first); then it ends as usual (the emulator reads the setting as it goes).
    before = set_faults(apprunner_endpoint)["deploy_seconds"]
    set_faults(apprunner_endpoint, deploy_seconds=120)
    try:
        first = platform.deploy(arn, f"{repo['repositoryUri']}:{shas[1]}")
        with pytest.raises(ServiceBusy) as caught:
            platform.deploy(arn, f"{repo['repositoryUri']}:{shas[2]}")
    finally:
        set_faults(apprunner_endpoint, deploy_seconds=before)
    assert f"UPDATE_SERVICE operation {first}" in caught.value.msg
    assert caught.value.details["error"] == "InvalidStateException"
    result = platform.wait(arn, first, timeout=30)
    assert result.succeeded
    assert platform.describe(arn)["image_identifier"] == f"{repo['repositoryUri']}:{shas[1]}"

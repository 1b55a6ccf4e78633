"""The AWS CLI works against the emulator unchanged (skipped where no ``aws`` is installed)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from tests.integration.emulator.emulator_helpers import ACCOUNT, REGION

AWS = shutil.which("aws")
pytestmark = pytest.mark.skipif(AWS is None, reason="the AWS CLI is not installed")


def aws(emulator, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": REGION, "AWS_ENDPOINT_URL_APPRUNNER": emulator.url, "AWS_PAGER": ""}
    return subprocess.run([AWS, "apprunner", *args, "--output", "json"], env=env, capture_output=True,  # noqa: S603
                          text=True, timeout=60, check=False)


def test_cli_lists_describes_and_sees_errors(emulator, running_service):
    arn, image = running_service()
    listed = aws(emulator, "list-services")
    assert listed.returncode == 0, listed.stderr
    assert [s["ServiceArn"] for s in json.loads(listed.stdout)["ServiceSummaryList"]] == [arn]
    described = json.loads(aws(emulator, "describe-service", "--service-arn", arn).stdout)["Service"]
    assert described["SourceConfiguration"]["ImageRepository"]["ImageIdentifier"] == image

    missing = aws(emulator, "describe-service", "--service-arn", f"arn:aws:apprunner:{REGION}:{ACCOUNT}:service/x/{'0' * 32}")
    assert missing.returncode != 0 and "ResourceNotFoundException" in missing.stderr
    invalid = aws(emulator, "describe-service", "--service-arn", "not-an-arn")
    assert invalid.returncode != 0 and "InvalidRequestException" in invalid.stderr and "ServiceArn" in invalid.stderr

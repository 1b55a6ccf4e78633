"""list_images and rollback_app through the Python API, against a private sandbox.

The tests tell one story in order: list, reject bad input, refuse prod, check, roll back,
fail on the bad release (App Runner rolls it back), list again.
"""
from __future__ import annotations

import pytest

from lacrei_rollback import InvalidArgument, PlaybookFailed, Refused
from lacrei_rollback.runbooks import Client

pytestmark = pytest.mark.usefixtures("sandbox_dir")


def _running(images):
    return [image for image in images if image.running]


def test_list_images_returns_the_images(sandbox_client, sandbox_env):
    images = sandbox_client.list_images()
    assert [image.sha for image in images] == [sandbox_env[f"RELEASE_V1_{minor}_0_SHA"] for minor in (5, 4, 3, 2, 1, 0)]
    assert [image.versions for image in images][0] == ("v1.5.0",)
    (running,) = _running(images)
    assert running.sha == sandbox_env["RELEASE_V1_2_0_SHA"] and running.ran == "ok"
    assert {image.service for image in images} == {"lacrei-saude-backend"}


@pytest.mark.parametrize("arguments, message", [
    ({}, "exactly one of sha or target"),
    ({"sha": "abc", "target": "previous"}, "exactly one"),
    ({"sha": "xyz1234"}, "7 to 40 hex"),
    ({"sha": "abc12"}, "7 to 40 hex"),
    ({"target": "latest"}, "one of previous"),
    ({"target": "previous", "confirm": "a\nb"}, "single-line"),
    ({"target": "previous", "check": "yes"}, "True or False"),
])
def test_bad_arguments_are_rejected_before_any_playbook_starts(sandbox_client, runs_dir, arguments, message):
    with pytest.raises(InvalidArgument, match=message):
        sandbox_client.rollback_app(**arguments)
    assert not runs_dir.exists()


def test_prod_without_confirmation_is_refused(sandbox_dir, runs_dir):
    with pytest.raises(Refused) as caught:
        Client("prod", sandbox_dir=sandbox_dir, runs_dir=runs_dir).rollback_app(target="previous")
    result = caught.value.result
    assert result.status == "refused" and result.failed_task.role == "production_gate"
    assert "REPLACE_ME" in result.failed_task.message and not result.changed


def test_check_mode_predicts_without_changing(sandbox_client, sandbox_env):
    # v1.1.0 is behind v1.2.0's irreversible migration: see test_rollback_plan_* for the schema check.
    result = sandbox_client.rollback_app(sha=sandbox_env["RELEASE_V1_1_0_SHA"][:10].upper(), check=True,
                                         skip_schema_check=True)
    assert result.ok and result.audit["to_tags"] == [sandbox_env["RELEASE_V1_1_0_SHA"], "v1.1.0"]
    assert result.audit["operation_id"] is None
    assert _running(sandbox_client.list_images())[0].sha == sandbox_env["RELEASE_V1_2_0_SHA"]


def test_rollback_to_a_sha(sandbox_client, sandbox_env):
    result = sandbox_client.rollback_app(sha=sandbox_env["RELEASE_V1_1_0_SHA"], skip_schema_check=True)
    assert result.ok and result.changed and result.rc == 0
    assert result.hosts["lacrei-saude-backend"].outcome == "changed"
    audit = result.audit
    assert audit["from_image"].endswith(":" + sandbox_env["RELEASE_V1_2_0_SHA"])
    assert audit["to_image"].endswith(":" + sandbox_env["RELEASE_V1_1_0_SHA"])
    assert audit["operation_id"] and audit["deploy_status"] == "SUCCEEDED" and audit["validation"] == "passed"
    assert _running(sandbox_client.list_images())[0].sha == sandbox_env["RELEASE_V1_1_0_SHA"]


def test_a_sha_not_in_ecr_is_refused_by_preflight(sandbox_client):
    with pytest.raises(Refused) as caught:
        sandbox_client.rollback_app(sha="deadbee")
    failed = caught.value.result.failed_task
    assert failed.task == "Refuse what the preflight refused (nothing was changed)"
    assert "deadbee" in failed.message and "ECR" in failed.message, failed


def test_a_failed_rollback_raises_with_the_failing_task(sandbox_client, sandbox_env):
    with pytest.raises(PlaybookFailed) as caught:
        sandbox_client.rollback_app(sha=sandbox_env["RELEASE_V1_4_0_SHA"])
    result = caught.value.result
    assert result.status == "failed" and result.rc != 0
    assert result.failed_task.task == "Fail with what runs now"
    assert "ROLLBACK_SUCCEEDED" in result.failed_task.message
    assert result.audit["deploy_status"] == "ROLLBACK_SUCCEEDED"
    assert _running(sandbox_client.list_images())[0].sha == sandbox_env["RELEASE_V1_1_0_SHA"]

"""apprunner_config, config_snapshot and config_snapshot_info against the real App Runner emulator and moto's SSM.

Each test gets its own service (and so its own snapshot path). The secret value used here must
never appear in any module result.
"""
from __future__ import annotations

import json

import boto3
import pytest

from aws_sandbox import create_repository, create_service, git_sha, push_image, set_faults
from tests.unit.plugins.modules.git_fixtures import commit_file, git

CONFIG, SNAPSHOT, SNAPSHOTS = "apprunner_config", "config_snapshot", "config_snapshot_info"
SECRET_VALUE = "s3cr3t-Value-that-must-never-leak-7781"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"
GOOD = {"FEATURE_APPOINTMENTS": "on", "LOG_LEVEL": "info", "DJANGO_SECRET_KEY": SECRET_VALUE}


@pytest.fixture(scope="module")
def image(aws_env):
    repo = create_repository()
    sha = git_sha()
    push_image(repo["repositoryName"], sha)
    return f"{repo['uri'] if 'uri' in repo else repo['repositoryUri']}:{sha}"


@pytest.fixture
def service(image):
    return create_service(image, RuntimeEnvironmentVariables=dict(GOOD))["ServiceArn"]


def running(arn) -> dict:
    config = boto3.client("apprunner").describe_service(ServiceArn=arn)["Service"]["SourceConfiguration"]
    return config["ImageRepository"]


def break_outside(arn, **variables):
    """Change the variables with UpdateService directly, as someone outside the collection would."""
    from ansible_collections.lacrei.rollback.plugins.module_utils.apprunner_poller import wait_for_service_settled

    client = boto3.client("apprunner")
    source = client.describe_service(ServiceArn=arn)["Service"]["SourceConfiguration"]
    source["ImageRepository"]["ImageConfiguration"]["RuntimeEnvironmentVariables"].update(variables)
    client.update_service(ServiceArn=arn, SourceConfiguration=source)
    wait_for_service_settled(client, arn, timeout=30)


def no_leak(*results):
    for result in results:
        assert SECRET_VALUE not in json.dumps(result)


def test_check_apply_apply_again_with_masked_diff(run_module, service, image):
    args = {"service_arn": service, "environment_variables": {"FEATURE_APPOINTMENTS": "off", "NEW_FLAG": "1",
                                                              "DJANGO_SECRET_KEY": SECRET_VALUE + "-rotated"},
            "purge": False}
    predicted = run_module(CONFIG, args, check_mode=True, diff=True)
    assert predicted["changed"] is True and predicted["operation_id"] is None and predicted["snapshot"] is None
    assert predicted["variable_changes"] == {"added": ["NEW_FLAG"], "removed": [],
                                             "changed": ["DJANGO_SECRET_KEY", "FEATURE_APPOINTMENTS"]}
    assert "FEATURE_APPOINTMENTS=on" in predicted["diff"]["before"]
    assert "FEATURE_APPOINTMENTS=off" in predicted["diff"]["after"]
    assert "DJANGO_SECRET_KEY=******** (changed)" in predicted["diff"]["after"]
    assert running(service)["ImageConfiguration"]["RuntimeEnvironmentVariables"] == GOOD

    applied = run_module(CONFIG, args, diff=True)
    assert applied["changed"] is True and applied["status"] == "SUCCEEDED"
    assert applied["snapshot"]["version"] == 1 and applied["snapshot"]["trigger"] == "before-config-change"
    now = running(service)
    assert now["ImageIdentifier"] == image
    assert now["ImageConfiguration"]["RuntimeEnvironmentVariables"]["FEATURE_APPOINTMENTS"] == "off"
    assert now["ImageConfiguration"]["RuntimeEnvironmentSecrets"] == {"DATABASE_URL": SECRET_ARN}
    assert now["ImageConfiguration"]["Port"] == "8000"

    again = run_module(CONFIG, args)
    assert again["changed"] is False and again["snapshot"] is None
    snapshots = run_module(SNAPSHOTS, {"service_arn": service})["snapshots"]
    assert [s["version"] for s in snapshots] == [1]
    assert snapshots[0]["environment_variables"] == {"DJANGO_SECRET_KEY": "********", "FEATURE_APPOINTMENTS": "on",
                                                     "LOG_LEVEL": "info"}
    no_leak(predicted, applied, again, snapshots)


def test_snapshot_present_skips_unchanged_and_stores_a_secure_string(run_module, service):
    first = run_module(SNAPSHOT, {"service_arn": service, "reason": "before the drill"})
    assert first["changed"] is True and first["snapshot"]["version"] == 1
    name = first["snapshot"]["name"]
    assert name.endswith("/config/1") and first["service_name"] in name
    parameter = boto3.client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]
    assert parameter["Type"] == "SecureString"
    stored = json.loads(parameter["Value"])
    assert stored["environment_variables"] == GOOD and stored["reason"] == "before the drill"
    assert stored["image_tag"] and stored["taken_at"]

    assert run_module(SNAPSHOT, {"service_arn": service})["changed"] is False
    predicted = run_module(SNAPSHOT, {"service_arn": service, "only_if_changed": False}, check_mode=True)
    assert predicted["changed"] is True and predicted["snapshot"]["version"] == 2
    assert len(run_module(SNAPSHOTS, {"service_arn": service})["snapshots"]) == 1
    no_leak(first, predicted)


def test_previous_restores_and_never_brings_the_bad_value_back(run_module, service):
    assert run_module(SNAPSHOT, {"service_arn": service})["snapshot"]["version"] == 1
    break_outside(service, FEATURE_APPOINTMENTS="off")

    plan = run_module(SNAPSHOTS, {"service_arn": service, "version": "previous"})
    assert plan["snapshot"]["version"] == 1 and "differs" in plan["resolution"]
    restored = run_module(CONFIG, {"service_arn": service, "from_snapshot": "previous"}, diff=True)
    assert restored["changed"] is True and restored["source"]["version"] == 1
    assert restored["variable_changes"]["changed"] == ["FEATURE_APPOINTMENTS"]
    assert restored["snapshot"]["version"] == 2 and restored["snapshot"]["rolled_back_from"] is True
    assert running(service)["ImageConfiguration"]["RuntimeEnvironmentVariables"] == GOOD

    # an on-demand snapshot in between must not make the bad configuration "previous"
    run_module(SNAPSHOT, {"service_arn": service, "only_if_changed": False})
    again = run_module(CONFIG, {"service_arn": service, "from_snapshot": "previous"})
    assert again["changed"] is False and again["source"]["version"] == 1
    assert running(service)["ImageConfiguration"]["RuntimeEnvironmentVariables"]["FEATURE_APPOINTMENTS"] == "on"
    versions = [s["version"] for s in run_module(SNAPSHOTS, {"service_arn": service})["snapshots"]]
    assert versions == [3, 2, 1]
    no_leak(plan, restored, again)


def test_previous_without_snapshots_and_unknown_version_fail(run_module, service):
    none = run_module(CONFIG, {"service_arn": service, "from_snapshot": "previous"})
    assert none["failed"] is True and "No previous configuration" in none["msg"]
    missing = run_module(CONFIG, {"service_arn": service, "from_snapshot": "7"})
    assert missing["failed"] is True and "No configuration snapshot 7" in missing["msg"]
    assert running(service)["ImageConfiguration"]["RuntimeEnvironmentVariables"] == GOOD


@pytest.fixture
def env_repo(tmp_path):
    repo = tmp_path / "app"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "config", "user.name", "t")
    git(repo, "config", "user.email", "t@example.invalid")
    good = commit_file(repo, ".env.example", "# settings\nFEATURE_APPOINTMENTS=on\nLOG_LEVEL='debug'\n"
                       "DJANGO_SECRET_KEY=change-me\n", "Document the settings")
    placeholder = commit_file(repo, ".env.example", "FEATURE_APPOINTMENTS=on\nLOG_LEVEL=REPLACE_ME\n", "Oops")
    empty = commit_file(repo, ".env.example", "FEATURE_APPOINTMENTS=\nLOG_LEVEL=info\n", "Oops again")
    return {"path": str(repo), "good": good, "placeholder": placeholder, "empty": empty}


def test_restore_from_git_keeps_secrets_and_refuses_placeholders(run_module, service, env_repo):
    break_outside(service, FEATURE_APPOINTMENTS="off", EXTRA="1")
    for bad, name in (("placeholder", "LOG_LEVEL"), ("empty", "FEATURE_APPOINTMENTS")):
        refused = run_module(CONFIG, {"service_arn": service,
                                      "from_git": {"repo_path": env_repo["path"], "ref": env_repo[bad]}})
        assert refused["failed"] is True and name in refused["msg"] and "nothing was changed" in refused["msg"]
    unknown = run_module(CONFIG, {"service_arn": service, "from_git": {"repo_path": env_repo["path"], "ref": "nope"}})
    assert unknown["failed"] is True and "names no commit" in unknown["msg"]
    assert run_module(SNAPSHOTS, {"service_arn": service})["snapshots"] == []

    args = {"service_arn": service, "from_git": {"repo_path": env_repo["path"], "ref": env_repo["good"][:10]}}
    restored = run_module(CONFIG, args, diff=True)
    assert restored["changed"] is True and restored["source"]["commit"] == env_repo["good"]
    assert restored["source"]["ignored_secret_names"] == ["DJANGO_SECRET_KEY"]
    variables = running(service)["ImageConfiguration"]["RuntimeEnvironmentVariables"]
    assert variables == {"FEATURE_APPOINTMENTS": "on", "LOG_LEVEL": "debug", "DJANGO_SECRET_KEY": SECRET_VALUE}
    assert restored["snapshot"]["restored_to"]["commit"] == env_repo["good"]
    assert run_module(CONFIG, args)["changed"] is False
    no_leak(restored)


def test_rollback_succeeded_is_a_failure(run_module, service, apprunner_endpoint):
    set_faults(apprunner_endpoint, fail_next_deployment=True)
    try:
        result = run_module(CONFIG, {"service_arn": service, "environment_variables": {"LOG_LEVEL": "debug"},
                                     "purge": False})
    finally:
        set_faults(apprunner_endpoint, fail_next_deployment=0)
    assert result["failed"] is True and result["status"] == "ROLLBACK_SUCCEEDED"
    assert "snapshot 1" in result["msg"]
    no_leak(result)


def test_info_returns_one_snapshot_and_fails_on_an_unknown_one(run_module, service):
    run_module(SNAPSHOT, {"service_arn": service, "reason": "before the drill"})
    latest = run_module(SNAPSHOTS, {"service_arn": service, "version": "latest"}, check_mode=True)
    assert latest["changed"] is False and latest["snapshot"]["version"] == 1 and "resolution" not in latest
    assert latest["snapshot"]["reason"] == "before the drill"
    missing = run_module(SNAPSHOTS, {"service_arn": service, "version": "9"})
    assert missing["failed"] is True and "No configuration snapshot 9" in missing["msg"]
    no_leak(latest, missing)

"""apprunner_service_info against the real App Runner emulator (ECR in moto)."""
from __future__ import annotations

import pytest

from aws_sandbox import create_repository, create_service, git_sha, push_image

MODULE = "apprunner_service_info"


@pytest.fixture(scope="module")
def service(aws_env):
    repo = create_repository()
    sha = git_sha()
    digest = push_image(repo["repositoryName"], sha)
    svc = create_service(f"{repo['repositoryUri']}:{sha}")
    return {"arn": svc["ServiceArn"], "repo": repo, "sha": sha, "digest": digest}


def test_describes_image_config_and_operations(run_module, service):
    result = run_module(MODULE, {"service_arn": service["arn"]})
    assert result["changed"] is False
    svc = result["service"]
    assert svc["status"] == "RUNNING"
    assert svc["image_identifier"] == f"{service['repo']['repositoryUri']}:{service['sha']}"
    assert svc["image_repository"] == service["repo"]["repositoryUri"]
    assert svc["image_tag"] == service["sha"]
    assert svc["image_digest"] == service["digest"]
    assert svc["port"] == "8000"
    assert svc["start_command"] == "gunicorn consultas.wsgi"
    assert svc["environment_variable_names"] == ["DEBUG", "DJANGO_SETTINGS_MODULE"]
    assert svc["environment_secret_names"] == ["DATABASE_URL"]
    assert "environment_variables" not in svc and "environment_secrets" not in svc
    assert svc["health_check"]["path"] == "/health/"
    assert [(op["type"], op["status"]) for op in result["operations"]] == [("CREATE_SERVICE", "SUCCEEDED")]
    assert result["operations"][0]["ended_at"] >= result["operations"][0]["started_at"]


def test_env_values_only_on_request(run_module, service):
    result = run_module(MODULE, {"service_arn": service["arn"], "include_env_values": True})
    assert result["service"]["environment_variables"]["DEBUG"] == "0"
    assert result["service"]["environment_secrets"]["DATABASE_URL"].startswith("arn:aws:secretsmanager:")


def test_operations_limit(run_module, service):
    result = run_module(MODULE, {"service_arn": service["arn"], "operations_limit": 0})
    assert result["operations"] == []


def test_missing_image_digest_is_a_warning(run_module, aws_env):
    repo = create_repository()
    sha = git_sha()
    push_image(repo["repositoryName"], sha)
    svc = create_service(f"{repo['repositoryUri']}:{sha}")
    import boto3
    boto3.client("ecr").batch_delete_image(repositoryName=repo["repositoryName"], imageIds=[{"imageTag": sha}])
    result = run_module(MODULE, {"service_arn": svc["ServiceArn"]})
    assert result["service"]["image_digest"] is None
    assert "ImageNotFoundException" in str(result["warnings"])


def test_unknown_service(run_module, aws_env):
    arn = "arn:aws:apprunner:us-east-1:123456789012:service/nope/0123456789abcdef0123456789abcdef"
    result = run_module(MODULE, {"service_arn": arn})
    assert result["failed"] is True
    assert result["error"] == "ResourceNotFoundException"
    assert result["msg"].startswith(f"Failed to describe App Runner service {arn}: ResourceNotFoundException")

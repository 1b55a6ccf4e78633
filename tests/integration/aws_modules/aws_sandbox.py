"""Helpers for the AWS module tests: seed ECR in moto, create App Runner services, faults.

They talk to the real moto server and App Runner emulator started by tests/conftest.py
(the ``aws_env`` fixture points boto3 at them through AWS_ENDPOINT_URL_<SERVICE>).
"""
from __future__ import annotations

import hashlib
import json
import secrets
import urllib.request
import uuid

import boto3


def git_sha() -> str:
    return secrets.token_hex(20)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def create_repository(name: str | None = None) -> dict:
    name = name or unique("repo")
    return boto3.client("ecr").create_repository(repositoryName=name)["repository"]


def push_image(repository: str, *tags: str) -> str:
    """Put one new image (unique manifest) under every tag; returns its digest."""
    ecr = boto3.client("ecr")
    layer = "sha256:" + hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                           "config": {"digest": layer, "size": 1, "mediaType": "application/vnd.docker.container.image.v1+json"},
                           "layers": [{"digest": layer, "size": 100, "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip"}]})
    digest = None
    for tag in tags:
        image = ecr.put_image(repositoryName=repository, imageManifest=manifest, imageTag=tag)["image"]
        digest = image["imageId"]["imageDigest"]
    return digest


def create_service(image_identifier: str, **image_configuration) -> dict:
    """An App Runner service (in the emulator) running ``image_identifier``; waits until RUNNING."""
    from ansible_collections.lacrei.rollback.plugins.module_utils.apprunner_poller import wait_for_service_settled

    client = boto3.client("apprunner")
    config = {"Port": "8000", "StartCommand": "gunicorn consultas.wsgi",
              "RuntimeEnvironmentVariables": {"DJANGO_SETTINGS_MODULE": "consultas.settings", "DEBUG": "0"},
              "RuntimeEnvironmentSecrets": {"DATABASE_URL": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"}}
    config.update(image_configuration)
    service = client.create_service(
        ServiceName=unique("svc"),
        SourceConfiguration={"ImageRepository": {"ImageIdentifier": image_identifier, "ImageRepositoryType": "ECR",
                                                 "ImageConfiguration": config},
                             "AutoDeploymentsEnabled": False,
                             "AuthenticationConfiguration": {"AccessRoleArn": "arn:aws:iam::123456789012:role/ecr-access"}},
        HealthCheckConfiguration={"Protocol": "HTTP", "Path": "/health/", "Interval": 5, "Timeout": 2,
                                  "HealthyThreshold": 1, "UnhealthyThreshold": 3},
    )["Service"]
    return wait_for_service_settled(client, service["ServiceArn"], timeout=30)


def set_faults(endpoint: str, **faults) -> dict:
    """POST the emulator's fault-injection control endpoint."""
    request = urllib.request.Request(f"{endpoint}/_emulator/faults", data=json.dumps(faults).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback emulator
        return json.loads(response.read() or b"{}")

"""Release images pushed to ECR (moto in server mode): tags, digests, push order."""
from __future__ import annotations

import hashlib
import json

import boto3
import pytest

from sandbox import images

REPOSITORY = "test-consultas-release-images"


@pytest.fixture(scope="module")
def ecr(moto_endpoint):
    return boto3.client("ecr", region_name="us-east-1", endpoint_url=moto_endpoint,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture(scope="module")
def pushed(ecr, release_repo):
    _, shas = release_repo
    digests = images.push_release_images(ecr, REPOSITORY, shas)
    return shas, digests


def describe(ecr, **image_id):
    return ecr.describe_images(repositoryName=REPOSITORY, imageIds=[image_id])["imageDetails"][0]


def test_manifest_is_deterministic_and_carries_the_revision():
    sha = "a" * 40
    manifest = json.loads(images.image_manifest(sha))
    assert images.image_manifest(sha) == images.image_manifest(sha)
    assert manifest["annotations"]["org.opencontainers.image.revision"] == sha
    assert manifest["mediaType"] == images.MANIFEST_MEDIA_TYPE
    config = images.image_config(sha)
    assert json.loads(config)["config"]["Labels"]["org.opencontainers.image.revision"] == sha
    assert manifest["config"]["digest"] == "sha256:" + hashlib.sha256(config.encode()).hexdigest()
    assert images.image_manifest("b" * 40) != images.image_manifest(sha)


def test_each_release_is_tagged_with_sha_and_version(ecr, pushed):
    shas, digests = pushed
    for version, sha in shas.items():
        detail = describe(ecr, imageTag=version)
        assert sorted(detail["imageTags"]) == sorted([sha, version])
        assert detail["imageDigest"] == digests[version] == images.manifest_digest(sha)


def test_push_times_strictly_increase_oldest_first(ecr, pushed):
    shas, _ = pushed
    times = [describe(ecr, imageTag=sha)["imagePushedAt"] for sha in shas.values()]
    assert all(earlier < later for earlier, later in zip(times, times[1:]))


def test_batch_get_image_returns_the_manifest(ecr, pushed):
    shas, _ = pushed
    sha = shas["v1.2.0"]
    image = ecr.batch_get_image(repositoryName=REPOSITORY, imageIds=[{"imageTag": sha}])["images"][0]
    assert json.loads(image["imageManifest"])["annotations"]["org.opencontainers.image.revision"] == sha


def test_pushing_again_is_harmless(ecr, pushed):
    shas, digests = pushed
    assert images.push_release_images(ecr, REPOSITORY, shas) == digests
    listed = ecr.list_images(repositoryName=REPOSITORY)["imageIds"]
    assert len({image["imageDigest"] for image in listed}) == len(shas)

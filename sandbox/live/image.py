"""An App Runner ImageIdentifier resolved through ECR to the git commit it was built from."""
from __future__ import annotations

import json
from dataclasses import dataclass

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from sandbox.apprunner.images import parse_private

REVISION = "org.opencontainers.image.revision"
MANIFEST_TYPES = ["application/vnd.oci.image.manifest.v1+json",
                  "application/vnd.docker.distribution.manifest.v2+json"]


class ImageError(Exception):
    """The image cannot be used (missing, unreadable, no revision)."""


@dataclass(frozen=True)
class Image:
    identifier: str      # the service's ImageIdentifier
    repository_uri: str  # <registry>.dkr.ecr.<region>.amazonaws.com/<repository>
    reference: str       # the tag, or the digest (sha256:...)
    sha: str             # the commit, from the manifest annotation


def resolve(identifier: str) -> Image:
    """Look ``identifier`` (tag or ``@sha256:`` digest) up in ECR and read its revision."""
    ref = parse_private(identifier)
    if ref is None:
        raise ImageError(f"{identifier} is not a private ECR image; the live sandbox runs only those")
    uri = f"{ref.registry}.dkr.ecr.{ref.region}.amazonaws.com/{ref.repository}"
    manifest = _manifest(ref, identifier)
    sha = (manifest.get("annotations") or {}).get(REVISION)
    if not sha:
        raise ImageError(f"image {identifier} has no {REVISION} annotation")
    return Image(identifier=identifier, repository_uri=uri, reference=ref.digest or ref.tag or "latest", sha=sha)


def _manifest(ref, identifier: str) -> dict:
    client = boto3.client("ecr", region_name=ref.region)
    try:
        answer = client.batch_get_image(repositoryName=ref.repository, registryId=ref.registry,
                                        imageIds=[ref.image_id()], acceptedMediaTypes=MANIFEST_TYPES)
    except ClientError as err:
        raise ImageError(f"Failed to pull image {identifier}: {err.response['Error'].get('Message') or err}") from None
    except BotoCoreError as err:
        raise ImageError(f"Failed to reach ECR for image {identifier}: {err}") from None
    if not answer.get("images"):
        failure = (answer.get("failures") or [{}])[0]
        raise ImageError(f"Failed to pull image {identifier}: "
                         f"{failure.get('failureReason') or failure.get('failureCode') or 'image not found'}")
    try:
        return json.loads(answer["images"][0]["imageManifest"])
    except ValueError:
        raise ImageError(f"image {identifier} has an unreadable manifest") from None

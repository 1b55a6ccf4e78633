"""Image identifiers of App Runner sources and their existence in (moto's) ECR."""
from __future__ import annotations

import re
from dataclasses import dataclass

import boto3
from botocore.exceptions import BotoCoreError, ClientError

PRIVATE_IMAGE = re.compile(
    r"(?P<registry>[0-9]{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/"
    r"(?P<repository>[^:@]+)(?::(?P<tag>[^@]+)|@(?P<digest>.+))?"
)


@dataclass(frozen=True)
class ImageRef:
    registry: str
    region: str
    repository: str
    tag: str | None
    digest: str | None

    def image_id(self) -> dict:
        return {"imageDigest": self.digest} if self.digest else {"imageTag": self.tag or "latest"}


def parse_private(identifier: str) -> ImageRef | None:
    """The parts of a private ECR image URI, or None for anything else (e.g. public.ecr.aws)."""
    match = PRIVATE_IMAGE.fullmatch(identifier)
    if not match:
        return None
    return ImageRef(**match.groupdict())


class EcrImages:
    """Looks images up in ECR with boto3; the endpoint comes from the standard AWS environment
    (``AWS_ENDPOINT_URL_ECR`` / ``AWS_ENDPOINT_URL``), i.e. moto in the sandbox."""

    def __init__(self, region: str):
        self.region = region

    def missing_reason(self, identifier: str) -> str | None:
        """None when the image exists, else why it cannot be pulled."""
        ref = parse_private(identifier)
        if ref is None:
            return None  # public images cannot be checked here: trusted
        client = boto3.client("ecr", region_name=ref.region)
        try:
            client.describe_images(repositoryName=ref.repository, registryId=ref.registry,
                                   imageIds=[ref.image_id()])
        except ClientError as err:
            return f"Failed to pull image {identifier}: {err.response['Error'].get('Message') or err}"
        except BotoCoreError as err:
            return f"Failed to reach ECR for image {identifier}: {err}"
        return None

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ECR: image references, image listings, digests and git SHA tag resolution."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import aws_action

from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed
from ansible_collections.lacrei.rollback.plugins.module_utils.timefmt import iso8601

SHA_PREFIX = re.compile(r"^[0-9a-f]{7,40}$")
FULL_SHA = re.compile(r"^[0-9a-f]{40}$")
ECR_HOST = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?$")
NEWEST_SHOWN = 5


@dataclass(frozen=True)
class ImageRef:
    """A parsed image identifier: ``registry/repository[:tag][@digest]``."""

    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def repository_uri(self) -> str:
        return f"{self.registry}/{self.repository}" if self.registry else self.repository

    @property
    def registry_id(self) -> str | None:
        """The AWS account of a private ECR registry, None for anything else."""
        match = ECR_HOST.match(self.registry)
        return match.group("account") if match else None

    def pinned(self, digest: str) -> str:
        return f"{self.repository_uri}@{digest}"


def parse_image_identifier(identifier: str) -> ImageRef:
    """Split ``123.dkr.ecr.R.amazonaws.com/repo:tag`` (or ``...@sha256:...``) into parts."""
    name, digest = (identifier.split("@", 1) + [""])[:2]
    tag = None
    last_slash = name.rfind("/")
    if name.rfind(":") > last_slash:
        name, tag = name.rsplit(":", 1)
    registry, repository = (name.split("/", 1) + [""])[:2]
    if not repository or not ("." in registry or ":" in registry or registry == "localhost"):
        registry, repository = "", name
    return ImageRef(registry, repository, tag or None, digest or None)


def image_uri(repository_uri: str, tag: str) -> str:
    return f"{repository_uri}:{tag}"


def _registry_kwargs(registry_id: str | None) -> dict:
    return {"registryId": registry_id} if registry_id else {}


def repository_uri(ecr, repository: str, registry_id: str | None = None) -> str:
    with aws_action(f"describe ECR repository {repository}"):
        repos = ecr.describe_repositories(repositoryNames=[repository], **_registry_kwargs(registry_id))
    return repos["repositories"][0]["repositoryUri"]


def normalize_image(detail: dict) -> dict:
    return {
        "tags": sorted(detail.get("imageTags") or []),
        "digest": detail.get("imageDigest"),
        "pushed_at": iso8601(detail.get("imagePushedAt")),
        "size_bytes": detail.get("imageSizeInBytes"),
    }


def image_details(ecr, repository: str, registry_id: str | None = None) -> list[dict]:
    """Every image of the repository (all pages), newest push first."""
    details = []
    with aws_action(f"list images of ECR repository {repository}"):
        pages = ecr.get_paginator("describe_images").paginate(
            repositoryName=repository, **_registry_kwargs(registry_id))
        for page in pages:
            details.extend(page.get("imageDetails") or [])
    # Stable: images pushed in the same second keep ECR's (push) order, newest last.
    order = sorted(range(len(details)), key=lambda i: (_pushed_epoch(details[i]), i), reverse=True)
    return [normalize_image(details[i]) for i in order]


def _pushed_epoch(detail: dict) -> float:
    pushed = detail.get("imagePushedAt")
    return pushed.timestamp() if hasattr(pushed, "timestamp") else float(pushed or 0)


def filter_images(images: list[dict], tag: str | None = None, tag_prefix: str | None = None) -> list[dict]:
    def wanted(image):
        tags = image["tags"]
        return (tag is None or tag in tags) and (tag_prefix is None or any(t.startswith(tag_prefix) for t in tags))
    return [image for image in images if wanted(image)]


def image_digest(ecr, repository: str, tag: str, registry_id: str | None = None) -> str:
    """The digest of ``repository:tag``; AwsActionFailed (ImageNotFoundException) when absent."""
    with aws_action(f"find image {repository}:{tag} in ECR"):
        found = ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": tag}],
                                    **_registry_kwargs(registry_id))
    return found["imageDetails"][0]["imageDigest"]


def newest_tags(images: list[dict], count: int = NEWEST_SHOWN) -> list[str]:
    return [tag for image in images for tag in image["tags"]][:count]


def resolve_sha(images: list[dict], sha: str, repository: str) -> tuple[str, dict]:
    """The one full 40-hex tag starting with ``sha`` and its image.

    ActionFailed when ``sha`` is malformed, ambiguous (candidates listed) or unknown (the
    newest tags listed).
    """
    prefix = sha.strip().lower()
    if not SHA_PREFIX.match(prefix):
        raise ActionFailed(f"Malformed git SHA {sha!r}: expected 7 to 40 hexadecimal characters")
    matches = [(tag, image) for image in images for tag in image["tags"]
               if FULL_SHA.match(tag) and tag.startswith(prefix)]
    if len(matches) > 1:
        candidates = sorted(tag for tag, _image in matches)
        raise ActionFailed(f"Git SHA {sha!r} is ambiguous in ECR repository {repository}: it prefixes "
                           f"{', '.join(candidates)}; give more characters", candidates=candidates)
    if not matches:
        newest = newest_tags(images)
        raise ActionFailed(f"No image in ECR repository {repository} is tagged with a git SHA starting "
                           f"with {sha!r}; newest tags: {', '.join(newest) or 'none'}", newest_tags=newest)
    return matches[0]


def digest_of(ecr, identifier: str) -> str:
    """The digest an image identifier names: its own ``@digest``, or its tag's digest in ECR."""
    ref = parse_image_identifier(identifier)
    if ref.digest:
        return ref.digest
    if not ref.registry_id:
        raise ActionFailed(f"Cannot resolve the digest of {identifier}: not a private ECR image")
    return image_digest(ecr, ref.repository, ref.tag or "latest", ref.registry_id)

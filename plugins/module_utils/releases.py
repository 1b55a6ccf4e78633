# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The release record: the one shape of "a release" from ECR to the deploy.

``{sha, tags, version, digest, image_uri, pushed_at, ran}``, built only by :func:`release_record`
from an ECR image (``ecr.normalize_image``). ``ecr_image_info`` (a SHA resolved),
``apprunner_release_history`` (the previous good release) and ``app_rollback_preflight`` (the
target) return it; ``apprunner_deploy`` consumes it as is (``release``).
"""
from __future__ import annotations

import re

from ansible_collections.lacrei.rollback.plugins.module_utils import ecr

VERSION_TAG = re.compile(r"^v?\d+(\.\d+)*([-+.][0-9A-Za-z.-]+)?$")
KEYS = ("sha", "tags", "version", "digest", "image_uri", "pushed_at", "ran")


def release_record(repository_uri: str, image: dict, ran: str | None = None) -> dict:
    """The record of ``image`` (``ecr.normalize_image``) in ``repository_uri``.

    ``sha`` is its full git SHA tag (None when it has none), ``version`` its first version-like tag
    (``v1.2.0``), ``image_uri`` ``repository_uri:<sha, else first tag>`` (None when untagged) and
    ``ran`` when the service last ran it successfully (ISO 8601; None when unknown).
    """
    tags = list(image.get("tags") or [])
    sha = next((tag for tag in tags if ecr.FULL_SHA.match(tag)), None)
    version = next((tag for tag in tags if VERSION_TAG.match(tag) and not ecr.FULL_SHA.match(tag)), None)
    tag = sha or (tags[0] if tags else None)
    return {"sha": sha, "tags": tags, "version": version, "digest": image.get("digest"),
            "image_uri": ecr.image_uri(repository_uri, tag) if tag else None,
            "pushed_at": image.get("pushed_at"), "ran": ran}


def deploy_identifier(release: dict, pin_digest: bool) -> str:
    """What UpdateService's ImageIdentifier is for ``release``: its URI, or repository@digest."""
    if not release.get("image_uri") or not release.get("digest"):
        raise ValueError("a release record needs image_uri and digest")
    if not pin_digest:
        return release["image_uri"]
    return ecr.parse_image_identifier(release["image_uri"]).pinned(release["digest"])

"""What read-only runbooks return: plain records built from the modules' registered results."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FULL_SHA = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class Image:
    """One ECR image of a service, as ``list_images`` shows it.

    ``ran`` is ``ok`` (known to have run successfully), ``failed`` (its last deployment failed)
    or None (no evidence).
    """

    service: str
    sha: str | None
    tags: tuple[str, ...]
    digest: str
    pushed_at: str
    running: bool = False
    ran: str | None = None
    size_bytes: int | None = field(default=None, compare=False)

    @property
    def versions(self) -> tuple[str, ...]:
        return tuple(tag for tag in self.tags if not FULL_SHA.fullmatch(tag))


def images_of(service: str, ecr: Mapping[str, Any], history: Mapping[str, Any] | None) -> list[Image]:
    """Images (newest push first) from ecr_image_info's and apprunner_release_history's results."""
    history = history or {}
    good = {release.get("digest") for release in history.get("releases") or ()}
    failed = {item.get("digest") for item in history.get("excluded") or ()}
    running = (history.get("current") or {}).get("digest")
    images = []
    for image in ecr.get("images") or ():
        tags = tuple(image.get("tags") or ())
        digest = image.get("digest", "")
        images.append(Image(service=service, sha=next((tag for tag in tags if FULL_SHA.fullmatch(tag)), None),
                            tags=tags, digest=digest, pushed_at=image.get("pushed_at", ""),
                            running=bool(running) and digest == running,
                            ran="ok" if digest in good else "failed" if digest in failed else None,
                            size_bytes=image.get("size_bytes")))
    return images

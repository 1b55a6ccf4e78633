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

    def line(self) -> str:
        return _join(self.sha or "-", ",".join(self.versions) or "-", self.pushed_at, self.ran or "-",
                     "<- running" if self.running else "")


def _join(*parts: object) -> str:
    """One line of a listing (what the command line prints)."""
    return "  ".join(str(part) for part in parts).rstrip()


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


@dataclass(frozen=True)
class Migration:
    """One Django migration of an app in a service's database, as ``show_migrations`` shows it."""

    service: str
    app: str
    name: str
    applied: bool

    def line(self) -> str:
        return f"{self.app} [{'X' if self.applied else ' '}] {self.name}"


def migrations_of(service: str, info: Mapping[str, Any]) -> dict[str, list[Migration]]:
    """Per app, its migrations in graph order, from django_migrations_info's result."""
    return {app: [Migration(service=service, app=app, name=row.get("name", ""), applied=bool(row.get("applied")))
                  for row in rows or ()]
            for app, rows in sorted((info.get("migrations") or {}).items())}


@dataclass(frozen=True)
class Backup:
    """One database backup and what its manifest says, as ``list_backups`` shows it.

    ``verified`` is None unless the listing was asked to verify; ``problem`` says why a backup
    cannot be trusted (unreadable manifest, checksum mismatch).
    """

    service: str
    backup_path: str
    database: str | None
    format: str | None
    size: int | None
    created_at: str
    manifest_path: str | None = None
    image: str | None = None
    migrations: dict[str, list[str]] | None = field(default=None, compare=False)
    verified: bool | None = None
    problem: str | None = None

    def line(self) -> str:
        latest = " ".join(f"{app}:{names[-1] if names else 'zero'}" for app, names in sorted((self.migrations or {}).items()))
        image = (self.image or "-").rsplit(":", 1)[-1][:12]
        verified = {None: "-", True: "ok", False: "BAD"}[self.verified]
        return _join(self.created_at, self.backup_path, self.format, self.size, image, verified, latest or "-")


def backups_of(service: str, info: Mapping[str, Any]) -> list[Backup]:
    """Backups (newest first) from postgres_backup_info's result."""
    return [Backup(service=service, backup_path=item.get("backup_path", ""), database=item.get("database"),
                   format=item.get("format"), size=item.get("size"), created_at=item.get("created_at", ""),
                   manifest_path=item.get("manifest_path"), image=item.get("image"),
                   migrations=item.get("migrations"), verified=item.get("verified"), problem=item.get("problem"))
            for item in info.get("backups") or ()]


@dataclass(frozen=True)
class ConfigSnapshot:
    """One saved configuration of a service, secret values masked, as ``list_configs`` shows it."""

    service: str
    version: int
    name: str
    taken_at: str
    trigger: str
    reason: str
    image_tag: str | None = None
    image_identifier: str | None = None
    port: str | None = None
    environment_variables: dict[str, str] = field(default_factory=dict, compare=False)
    environment_secret_names: tuple[str, ...] = ()
    rolled_back_from: bool = False
    restored_to: dict[str, Any] | None = field(default=None, compare=False)
    taken_by: str | None = None

    def line(self) -> str:
        trigger = self.trigger + (" (rolled back from)" if self.rolled_back_from else "")
        return _join(self.version, self.taken_at, trigger, self.reason, self.image_tag or "-",
                     ", ".join(f"{key}={value}" for key, value in sorted(self.environment_variables.items())))


def snapshots_of(service: str, info: Mapping[str, Any]) -> list[ConfigSnapshot]:
    """Snapshots (newest first) from config_snapshot_info's result."""
    return [ConfigSnapshot(service=service, version=int(item.get("version", 0)), name=item.get("name", ""),
                           taken_at=item.get("taken_at", ""), trigger=item.get("trigger", ""),
                           reason=item.get("reason", ""), image_tag=item.get("image_tag"),
                           image_identifier=item.get("image_identifier"), port=item.get("port"),
                           environment_variables=dict(item.get("environment_variables") or {}),
                           environment_secret_names=tuple(item.get("environment_secret_names") or ()),
                           rolled_back_from=bool(item.get("rolled_back_from")), restored_to=item.get("restored_to"),
                           taken_by=item.get("taken_by"))
            for item in info.get("snapshots") or ()]

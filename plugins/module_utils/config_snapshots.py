# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Versioned snapshots of a service's image configuration in SSM Parameter Store.

Snapshot ``n`` of service ``S`` is the SecureString parameter ``/lacrei-rollback/S/config/n``
holding JSON: the image configuration (variables, secret references, port, start command),
the image identifier and tag, when it was taken, and why (``trigger``, ``reason``). A snapshot
taken just before a configuration rollback records ``rolled_back_from: true``: its
configuration is the one that was rolled back from, which ``previous`` never picks again.

Versions are allocated with ``Overwrite=False``, so two operators at once never share one; a
save whose answer was lost is read back rather than sent blindly again (``ssm_parameters``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ansible_collections.lacrei.rollback.plugins.module_utils import ecr, ssm_parameters
from ansible_collections.lacrei.rollback.plugins.module_utils.apprunner import AppRunnerPlatform
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import aws_action
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed
from ansible_collections.lacrei.rollback.plugins.module_utils.env_masking import DEFAULT_SECRET_PATTERNS, masked

PREFIX = "/lacrei-rollback"
TRIGGERS = ("on-demand", "before-config-change", "before-config-rollback", "before-image-change")
STATE_KEYS = ("image_identifier", "port", "start_command", "environment_variables", "environment_secrets")
ENVIRONMENT_KEYS = ("environment_variables", "environment_secrets")
STANDARD_TIER_LIMIT = 4096
SAVE_ATTEMPTS = 5


class SnapshotNotFound(ActionFailed):
    """No snapshot answers the request; nothing was changed."""


def base_path(service_name: str) -> str:
    return f"{PREFIX}/{service_name}/config"


def state_of(service: dict) -> dict:
    """What a snapshot keeps, from AppRunnerPlatform.describe(include_env_values=True)."""
    return {key: service.get(key) or ({} if key in ENVIRONMENT_KEYS else None) for key in STATE_KEYS}


def environment_of(state: dict) -> dict:
    """The part a configuration rollback restores: variables and secret references."""
    return {key: dict(state.get(key) or {}) for key in ENVIRONMENT_KEYS}


def image_tag(identifier: str | None) -> str | None:
    if not identifier:
        return None
    try:
        ref = ecr.parse_image_identifier(identifier)
    except Exception:  # an identifier from another registry: keep what follows the last ':'
        return identifier.rsplit(":", 1)[-1] if ":" in identifier.rsplit("/", 1)[-1] else None
    return ref.tag or ref.digest


@dataclass
class Snapshot:
    version: int
    name: str
    taken_at: str
    trigger: str
    reason: str
    state: dict
    rolled_back_from: bool = False
    restored_to: dict | None = None
    taken_by: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def environment(self) -> dict:
        return environment_of(self.state)

    @property
    def image_tag(self) -> str | None:
        return image_tag(self.state.get("image_identifier"))

    def to_json(self) -> str:
        return json.dumps({"version": self.version, "taken_at": self.taken_at, "trigger": self.trigger,
                           "reason": self.reason, "rolled_back_from": self.rolled_back_from,
                           "restored_to": self.restored_to, "taken_by": self.taken_by,
                           "image_tag": self.image_tag, **self.state}, sort_keys=True)

    @classmethod
    def from_parameter(cls, parameter: dict) -> "Snapshot":
        data = json.loads(parameter["Value"])
        return cls(version=int(parameter["Name"].rsplit("/", 1)[-1]), name=parameter["Name"],
                   taken_at=data.get("taken_at"), trigger=data.get("trigger"), reason=data.get("reason") or "",
                   state={key: data.get(key) for key in STATE_KEYS},
                   rolled_back_from=bool(data.get("rolled_back_from")), restored_to=data.get("restored_to"),
                   taken_by=data.get("taken_by"))

    def summary(self, patterns=DEFAULT_SECRET_PATTERNS) -> dict:
        """For output: secret-named values masked, secret references by name only."""
        return {"version": self.version, "name": self.name, "taken_at": self.taken_at, "trigger": self.trigger,
                "reason": self.reason, "rolled_back_from": self.rolled_back_from, "restored_to": self.restored_to,
                "taken_by": self.taken_by, "image_identifier": self.state.get("image_identifier"),
                "image_tag": self.image_tag, "port": self.state.get("port"),
                "environment_variables": masked(self.state.get("environment_variables"), patterns),
                "environment_secret_names": sorted(self.state.get("environment_secrets") or {})}


class SnapshotStore:
    """The snapshots of one service."""

    def __init__(self, ssm, service_name: str):
        self.ssm = ssm
        self.service_name = service_name
        self.path = base_path(service_name)

    def list(self) -> list[Snapshot]:
        """Every snapshot, newest (highest version) first."""
        found = []
        kwargs = {"Path": self.path, "Recursive": False, "WithDecryption": True, "MaxResults": 10}
        with aws_action(f"list configuration snapshots under {self.path}"):
            while True:
                page = self.ssm.get_parameters_by_path(**kwargs)
                found.extend(p for p in page.get("Parameters", []) if p["Name"].rsplit("/", 1)[-1].isdigit())
                if not page.get("NextToken"):
                    break
                kwargs["NextToken"] = page["NextToken"]
        return sorted((Snapshot.from_parameter(p) for p in found), key=lambda s: s.version, reverse=True)

    def get(self, version: int, snapshots: list[Snapshot] | None = None) -> Snapshot:
        snapshots = self.list() if snapshots is None else snapshots
        found = next((s for s in snapshots if s.version == int(version)), None)
        if found is None:
            known = ", ".join(str(s.version) for s in snapshots) or "none"
            raise SnapshotNotFound(f"No configuration snapshot {version} for {self.service_name} "
                                   f"(under {self.path}; versions: {known}); nothing was changed")
        return found

    def save(self, state: dict, trigger: str, reason: str, rolled_back_from: bool = False,
             restored_to: dict | None = None, taken_by: str | None = None) -> Snapshot:
        latest = self.list()
        version = (latest[0].version if latest else 0) + 1
        for _attempt in range(SAVE_ATTEMPTS):
            snapshot = Snapshot(version, f"{self.path}/{version}", datetime.now(timezone.utc).isoformat(),
                                trigger, reason, state_of(state), rolled_back_from, restored_to, taken_by)
            if self._put(snapshot):
                return snapshot
            version += 1
        raise ActionFailed(f"Could not allocate a snapshot version under {self.path} after {SAVE_ATTEMPTS} attempts")

    def save_if_changed(self, state: dict, trigger: str, reason: str, taken_by: str | None = None) -> Snapshot:
        """A new snapshot of ``state``, or the newest one when it already holds it."""
        latest = self.list()
        if unchanged_since(latest, state):
            return latest[0]
        return self.save(state, trigger, reason, taken_by=taken_by)

    def _put(self, snapshot: Snapshot) -> bool:
        value = snapshot.to_json()
        return ssm_parameters.create_once(
            self.ssm, snapshot.name, value, "configuration snapshot", Type="SecureString",
            Tier="Standard" if len(value.encode()) <= STANDARD_TIER_LIMIT else "Advanced",
            Description=f"{snapshot.trigger}: {snapshot.reason}"[:1024])


def open_store(params: dict, platform=None, service: str | None = None) -> tuple[dict, SnapshotStore]:
    """The service (``service`` as ``platform`` names it, default ``params["service_arn"]`` on App
    Runner with the module's connection options) as it runs now, environment values included, and
    its snapshots (under its service name: an ECS service's are its own)."""
    platform = platform or AppRunnerPlatform(aws_client("apprunner", params))
    current = platform.describe(service or params["service_arn"], include_env_values=True)
    return current, SnapshotStore(aws_client("ssm", params, primary=False), current["service_name"])


def pick(store: SnapshotStore, snapshots: list[Snapshot], version: str, current: dict) -> tuple:
    """(snapshot, resolution) for a version number, ``latest`` or ``previous``."""
    if version == "previous":
        found, why = resolve_previous(snapshots, current)
        if found is None:
            raise SnapshotNotFound(f"No previous configuration for {store.service_name}: {why}; "
                                   "nothing was changed", resolution=why)
        return found, why
    if version == "latest":
        if not snapshots:
            raise SnapshotNotFound(f"No configuration snapshot for {store.service_name} yet")
        return snapshots[0], None
    if not version.isdigit():
        raise SnapshotNotFound(f"version must be a number, latest or previous (got {version!r})")
    return store.get(int(version), snapshots), None


def unchanged_since(snapshots: list[Snapshot], state: dict) -> bool:
    """Whether the newest snapshot already holds ``state`` (image and image configuration)."""
    return bool(snapshots) and snapshots[0].state == state_of(state)


def resolve_previous(snapshots: list[Snapshot], current_state: dict) -> tuple[Snapshot | None, str]:
    """The snapshot ``previous`` means, and why.

    The newest snapshot whose variables/secrets differ from those running now and from every
    configuration that was rolled back from. When none does and the last rollback restored
    exactly what runs now, that snapshot (nothing left to do: running twice is harmless).
    """
    current = environment_of(current_state)
    bad = [s.environment for s in snapshots if s.rolled_back_from]
    for snapshot in snapshots:
        if not snapshot.rolled_back_from and snapshot.environment != current and snapshot.environment not in bad:
            return snapshot, (f"snapshot {snapshot.version} ({snapshot.trigger}, {snapshot.taken_at}) is the newest "
                              "configuration that differs from the running one and was never rolled back from")
    restored = _last_restored(snapshots)
    if restored is not None and restored.environment == current:
        return restored, (f"the last configuration rollback already restored snapshot {restored.version}, "
                          "which is what runs now")
    return None, (f"no snapshot of {len(snapshots)} differs from the running configuration other than "
                  "configurations that were rolled back from")


def _last_restored(snapshots: list[Snapshot]) -> Snapshot | None:
    """The snapshot the newest configuration rollback restored (None after a restore from git)."""
    last_rollback = next((s for s in snapshots if s.rolled_back_from), None)
    version = ((last_rollback.restored_to or {}).get("version")) if last_rollback else None
    return next((s for s in snapshots if s.version == int(version)), None) if version is not None else None

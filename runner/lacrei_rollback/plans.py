"""The schema check's plan as a typed record (``rollback_plan``), from django_rollback_plan's result."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AheadMigration:
    """A migration applied in the database that the target release does not have."""

    app: str
    name: str
    operations: tuple[str, ...]
    reversible: bool
    compatible: bool
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class RollbackPlan:
    """What rolling a service back to ``target_sha`` means for its database.

    ``plan`` is ``app_only``, ``unapply_then_deploy`` (``rollback_app(..., with_database=True)``
    carries it out) or ``restore_required``; ``ahead`` is in the order the migrations would be
    unapplied; ``unapply_targets`` maps each app to the migration to go back to (or ``zero``).
    """

    service: str
    target_sha: str | None
    plan: str
    compatible: bool
    ahead: tuple[AheadMigration, ...]
    unapply_targets: dict[str, str] = field(default_factory=dict, compare=False)
    irreversible: tuple[str, ...] = ()
    summary: tuple[str, ...] = ()

    @property
    def needs_database(self) -> bool:
        return self.plan != "app_only"


def plan_of(service: str, result: Mapping[str, Any], target_sha: str | None = None) -> RollbackPlan:
    ahead = tuple(AheadMigration(app=step.get("app", ""), name=step.get("name", ""),
                                 operations=tuple(step.get("operations") or ()),
                                 reversible=bool(step.get("reversible")), compatible=bool(step.get("compatible")),
                                 reasons=tuple(step.get("reasons") or ()))
                  for step in result.get("ahead") or ())
    return RollbackPlan(service=service, target_sha=target_sha, plan=result.get("plan", ""),
                        compatible=bool(result.get("compatible")), ahead=ahead,
                        unapply_targets=dict(result.get("unapply_targets") or {}),
                        irreversible=tuple(result.get("irreversible") or ()),
                        summary=tuple(result.get("summary") or ()))

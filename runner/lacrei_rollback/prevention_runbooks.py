"""The prevention runbooks (seed section 7.3): alarms and a dashboard per service, as code."""
from __future__ import annotations

from lacrei_rollback import validate as v
from lacrei_rollback.client import ClientBase
from lacrei_rollback.execution import Control
from lacrei_rollback.results import RunResult

STATES = ("present", "absent")


class PreventionRunbooks(ClientBase):
    def alarms(self, state: str = "present", confirm: str | None = None, *, check: bool = False,
               limit: str | None = None, control: Control | None = None) -> RunResult:
        """CloudWatch alarms (error rate, p95 latency, error log lines) on each service, notifying its SNS
        topic (subscriptions from the inventory's alarm_subscriptions); ``state="absent"`` removes them.

        Idempotent: a second run reports nothing changed. ``confirm`` names the service in production.
        """
        extravars = {"state": v.choice("state", state, STATES),
                     "confirm": v.optional(v.confirmation, "confirm", confirm)}
        return self.run_playbook("alarms", extravars, check=check, limit=limit, control=control)

    def dashboard(self, state: str = "present", confirm: str | None = None, *, check: bool = False,
                  limit: str | None = None, control: Control | None = None) -> RunResult:
        """A CloudWatch dashboard per service (requests, 2xx/4xx/5xx, latency, CPU, memory, alarms, the
        latest deployments as annotations); ``state="absent"`` removes it. ``confirm`` as for alarms."""
        extravars = {"state": v.choice("state", state, STATES),
                     "confirm": v.optional(v.confirmation, "confirm", confirm)}
        return self.run_playbook("dashboard", extravars, check=check, limit=limit, control=control)

"""The prevention runbooks (seed section 7): alarms and a dashboard per service, as code, and the
responder's decision on an alarm (section 4 done by a machine)."""
from __future__ import annotations

from lacrei_rollback import validate as v
from lacrei_rollback.client import ClientBase
from lacrei_rollback.execution import Control
from lacrei_rollback.results import RunResult

STATES = ("present", "absent")
ALARM_STATES = ("ALARM", "OK", "INSUFFICIENT_DATA")


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

    def auto_rollback(self, alarm_name: str, alarm_state: str = "ALARM", alarm_service: str | None = None,
                      alarm_changed_at: str | None = None, alarm_message_id: str | None = None, *,
                      limit: str | None = None, control: Control | None = None) -> RunResult:
        """Decide on an alarm notification as the event-driven responder does: for the service the alarm
        names, still in ALARM, outside the cooldown, with its lease free and (in production) opted in
        (``auto_rollback: true``), run the emergency procedure to the previous good release; otherwise
        notify. ``audit`` holds the decision (acted, skipped_cooldown, skipped_cleared, ...).
        """
        extravars = {"alarm_name": v.alarm_name("alarm_name", alarm_name),
                     "alarm_state": v.choice("alarm_state", alarm_state, ALARM_STATES),
                     "alarm_service": v.optional(v.host_pattern, "alarm_service", alarm_service),
                     "alarm_changed_at": v.optional(v.timestamp, "alarm_changed_at", alarm_changed_at),
                     "alarm_message_id": v.optional(v.run_id, "alarm_message_id", alarm_message_id)}
        return self.run_playbook("auto_rollback", extravars, limit=limit, control=control)

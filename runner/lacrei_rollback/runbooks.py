"""One typed method per runbook playbook. Arguments are checked before anything runs.

Every method takes the playbook's own parameters, then ``check`` (--check), ``limit``
(--limit) and ``control`` (streaming, cancel, timeout, raising; see :class:`Control`).
"""
from __future__ import annotations

from datetime import datetime

from lacrei_rollback import validate as v
from lacrei_rollback.client import ClientBase
from lacrei_rollback.execution import Control
from lacrei_rollback.records import Image, images_of
from lacrei_rollback.results import RunResult, task_results

ECR_IMAGE_INFO = ("lacrei.rollback.ecr_image_info", "ecr_image_info")
RELEASE_HISTORY = ("lacrei.rollback.apprunner_release_history", "apprunner_release_history")


class Client(ClientBase):
    """The runbooks of one inventory (sandbox|staging|prod or a path)."""

    def list_images(self, *, limit: str | None = None, control: Control | None = None) -> list[Image]:
        """The ECR images of each service, newest push first, with the one it runs marked."""
        result = self.run_playbook("list_images", limit=limit, control=control)
        ecr, history = task_results(result.events, ECR_IMAGE_INFO), task_results(result.events, RELEASE_HISTORY)
        return [image for host in sorted(ecr) for image in images_of(host, ecr[host], history.get(host))]

    def rollback_app(self, sha: str | None = None, target: str | None = None, confirm: str | None = None, *,
                     check: bool = False, limit: str | None = None, control: Control | None = None) -> RunResult:
        """Point each service at an earlier image: a git ``sha`` (7-40 hex) or ``target="previous"``.

        ``confirm`` names the service (required by production inventories, except with check).
        The result's ``audit`` holds from_image, to_image, operation_id, deploy_status...
        """
        v.exactly_one(sha=sha, target=target)
        extravars = {"sha": v.optional(v.git_sha, "sha", sha),
                     "target": v.optional(v.choice, "target", target, ("previous",)),
                     "confirm": v.optional(v.text_value, "confirm", confirm)}
        return self.run_playbook("rollback_app", extravars, check=check, limit=limit, control=control)

    def drill(self, name: str = "app_rollback", good_release: str | None = None,
              release_under_test: str | None = None, *, limit: str | None = None,
              control: Control | None = None) -> RunResult:
        """Rehearse a rollback (refused in prod): deploy a good release, then a bad one, detect, recover.

        ``name`` is a drill of the role's catalog (app_rollback, failed_deploy); the releases
        (version tag or SHA) override the catalog's. ``audit`` holds drill_result, drill_report
        (the JSON report's path), time_to_detect_seconds, time_to_recover_seconds.
        """
        extravars = {"drill_name": v.identifier("name", name),
                     "drill_good_release": v.optional(v.release, "good_release", good_release),
                     "drill_release_under_test": v.optional(v.release, "release_under_test", release_under_test)}
        return self.run_playbook("drill", extravars, limit=limit, control=control)

    def monitor(self, window: str | None = None, interval: str | None = None, breach_intervals: int | None = None,
                baseline_end: str | datetime | int | None = None, baseline_window: str | None = None, *,
                limit: str | None = None, control: Control | None = None) -> RunResult:
        """Watch each service's metrics and error lines; fail after ``breach_intervals`` bad intervals.

        Durations are like 30s, 10m, 1h; ``baseline_end`` (aware datetime, ISO 8601 or epoch)
        compares against the window before the incident. ``output("lacrei_monitor")`` holds
        the verdict, limits, summary and per-interval series (also on the exception's result).
        """
        extravars = {"window": v.optional(v.duration, "window", window),
                     "interval": v.optional(v.duration, "interval", interval),
                     "breach_intervals": v.optional(v.positive_int, "breach_intervals", breach_intervals),
                     "baseline_end": v.optional(v.timestamp, "baseline_end", baseline_end),
                     "baseline_window": v.optional(v.duration, "baseline_window", baseline_window)}
        return self.run_playbook("monitor", extravars, limit=limit, control=control)


def runbook_names() -> list[str]:
    """The runbooks bound as Client methods (what the CLI offers)."""
    return sorted(name for name, member in vars(Client).items() if callable(member) and not name.startswith("_"))

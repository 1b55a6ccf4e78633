"""The application runbooks (seed sections 1, 4 and 5): images, app rollback, git revert, emergency,
drills, monitoring."""
from __future__ import annotations

import os
from datetime import datetime

from lacrei_rollback import validate as v
from lacrei_rollback.errors import InvalidArgument, RunbookError
from lacrei_rollback.client import ClientBase
from lacrei_rollback.execution import Control
from lacrei_rollback.plans import RollbackPlan, plan_of
from lacrei_rollback.records import Image, images_of
from lacrei_rollback.results import RunResult, task_results

ECR_IMAGE_INFO = ("lacrei.rollback.ecr_image_info", "ecr_image_info")
RELEASE_HISTORY = ("lacrei.rollback.apprunner_release_history", "apprunner_release_history")
ROLLBACK_PLAN = ("lacrei.rollback.django_rollback_plan", "django_rollback_plan")


class AppRunbooks(ClientBase):
    def list_images(self, *, limit: str | None = None, control: Control | None = None) -> list[Image]:
        """The ECR images of each service, newest push first, with the one it runs marked."""
        result = self.run_playbook("list_images", limit=limit, control=control)
        ecr, history = task_results(result.events, ECR_IMAGE_INFO), task_results(result.events, RELEASE_HISTORY)
        return [image for host in sorted(ecr) for image in images_of(host, ecr[host], history.get(host))]

    def rollback_app(self, sha: str | None = None, target: str | None = None, confirm: str | None = None, *,
                     with_database: bool = False, skip_schema_check: bool = False, break_lease: str | None = None,
                     stop_in_flight: bool = False, check: bool = False, limit: str | None = None,
                     control: Control | None = None) -> RunResult:
        """Point each service at an earlier image: a git ``sha`` (7-40 hex) or ``target="previous"``.

        The schema check runs first (see ``rollback_plan``): ``unapply_then_deploy`` is refused
        unless ``with_database`` (then: verified backup, unapply with the running release's code,
        deploy, validate); ``restore_required`` is refused. ``skip_schema_check`` bypasses it (audited).
        ``confirm`` names the service (required by production inventories, except with check).
        The result's ``audit`` holds from_image, to_image, operation_id, deploy_status, schema_plan,
        database (backup_path, unapplied)...
        ``break_lease`` (the run id a lease refusal names) takes over that run's service lease: only for
        a run a person knows is dead (the takeover is audited).
        ``stop_in_flight`` (ECS services): a service deployment in flight is stopped with ROLLBACK first
        instead of refusing the rollback.
        """
        v.exactly_one(sha=sha, target=target)
        extravars = {"sha": v.optional(v.git_sha, "sha", sha),
                     "target": v.optional(v.choice, "target", target, ("previous",)),
                     "with_database": v.flag("with_database", with_database),
                     "stop_in_flight": v.flag("stop_in_flight", stop_in_flight),
                     "schema_check": "skip" if v.flag("skip_schema_check", skip_schema_check) else None,
                     "confirm": v.optional(v.confirmation, "confirm", confirm),
                     "break_lease": v.optional(v.run_id, "break_lease", break_lease)}
        return self.run_playbook("rollback_app", extravars, check=check, limit=limit, control=control)

    def rollback_plan(self, sha: str | None = None, target: str | None = None, *, limit: str | None = None,
                      control: Control | None = None) -> RollbackPlan:
        """The schema check of rolling back to ``sha`` (or ``target="previous"``, the default), changing nothing.

        Runs playbooks/rollback_plan.yml (rollback_app.yml with_database, always in check mode); a
        plan that would be refused (``restore_required``) is returned too. With several services in
        the inventory, pick one with ``limit``.
        """
        if sha is None and target is None:
            target = "previous"
        v.exactly_one(sha=sha, target=target)
        extravars = {"sha": v.optional(v.git_sha, "sha", sha),
                     "target": v.optional(v.choice, "target", target, ("previous",))}
        try:
            result = self.run_playbook("rollback_plan", extravars, limit=limit, control=control)
        except RunbookError as refused:
            result = refused.result
            if not task_results(result.events, ROLLBACK_PLAN):
                raise
        if len(result.hosts) != 1:
            raise InvalidArgument(f"rollback_plan gives one service's plan, the inventory has {len(result.hosts)}: "
                                  "pick one with limit=")
        (service,) = result.hosts
        plan = task_results(result.events, ROLLBACK_PLAN).get(service)
        if plan is None:  # the service already runs the target: nothing to roll back
            plan = {"plan": "app_only", "compatible": True, "summary": [f"{service} already runs the target"]}
        return plan_of(service, plan, result.audit.get("to_image", "").rsplit(":", 1)[-1] or None)

    def rollback_git(self, commit: str, mainline: int | None = None, app_repo_path: str | os.PathLike | None = None,
                     app_repo_remote: str | None = None, app_repo_branch: str | None = None,
                     confirm: str | None = None, wait_for_deploy: bool | None = None, *, check: bool = False,
                     limit: str | None = None, control: Control | None = None) -> RunResult:
        """Revert ``commit`` (HEAD or a SHA) in the application repository and push it; the pipeline deploys it.

        ``wait_for_deploy`` (default: when the inventory names a pipeline) waits until the service runs
        the revert commit's image and validates it.

        ``mainline`` picks the parent of a merge commit; the repository checkout, remote and branch
        default to the inventory's. ``audit`` holds commit, subject, head_before, revert_commit, pushed.
        """
        extravars = {"commit": v.commit("commit", commit),
                     "mainline": v.optional(v.positive_int, "mainline", mainline, 99),
                     "app_repo_path": v.optional(v.existing_directory, "app_repo_path", app_repo_path),
                     "app_repo_remote": v.optional(v.git_remote, "app_repo_remote", app_repo_remote),
                     "app_repo_branch": v.optional(v.git_ref, "app_repo_branch", app_repo_branch),
                     "confirm": v.optional(v.confirmation, "confirm", confirm),
                     "wait_for_deploy": None if wait_for_deploy is None else bool(wait_for_deploy)}
        return self.run_playbook("rollback_git", extravars, check=check, limit=limit, control=control)

    def emergency(self, sha: str | None = None, webhook_url: str | None = None, confirm: str | None = None,
                  monitor_window: str | None = None, monitor_interval: str | None = None, *,
                  with_database: bool = True, break_lease: str | None = None, check: bool = False,
                  limit: str | None = None, control: Control | None = None) -> RunResult:
        """The emergency procedure: identify, communicate, execute, validate, write the incident report.

        Rolls back to the previous good release, or to ``sha``; the database too when the schema
        check says so (unless ``with_database`` is False: then such a rollback is refused with the
        plan). ``webhook_url`` (a secret, kept off disk and argv) overrides the
        inventory's notify_webhook_url; the monitor window/interval after the rollback override the
        role's (5m/60s). ``audit`` holds outcome, from_version, to_version, suspect,
        time_to_recovery_seconds, incident_report (Markdown path; a .json twin beside it), notifications.
        ``break_lease`` (the run id a lease refusal names) takes over that run's service lease: only for
        a run a person knows is dead (the takeover is audited).
        """
        extravars = {"sha": v.optional(v.git_sha, "sha", sha),
                     "with_database": v.flag("with_database", with_database),
                     "confirm": v.optional(v.confirmation, "confirm", confirm),
                     "emergency_monitor_window": v.optional(v.duration, "monitor_window", monitor_window),
                     "emergency_monitor_interval": v.optional(v.duration, "monitor_interval", monitor_interval),
                     "break_lease": v.optional(v.run_id, "break_lease", break_lease)}
        secret = {"notify_webhook_url": v.optional(v.secret_url, "webhook_url", webhook_url)}
        return self.run_playbook("emergency", extravars, secret_vars=secret, check=check, limit=limit,
                                 control=control)

    def deploy(self, sha: str, bake: str | None = None, confirm: str | None = None, *, break_lease: str | None = None,
               check: bool = False, limit: str | None = None, control: Control | None = None) -> RunResult:
        """Guarded deploy (runbook section 7.2): ship the image tagged ``sha`` with the rollback built in.

        Preflight (image in ECR, service idle), the release phase when it brings migrations (verified
        backup, then migrate), configuration snapshot, deploy, critical endpoints, then a ``bake``
        window (30s, 5m, 1h; default 5m) judged by the monitor and the service's alarms. Any failure
        rolls the service back to the release it ran before and raises (``PlaybookFailed``, its
        result's audit ``outcome`` says "rolled back automatically"). ``audit`` holds outcome,
        from_version, to_version, serving_version, tripped, time_to_detect_seconds,
        time_to_recover_seconds, deploy_report (Markdown path; a .json twin beside it).
        ``break_lease`` (the run id a lease refusal names) takes over that run's service lease: only for
        a run a person knows is dead (the takeover is audited).
        """
        extravars = {"sha": v.git_sha("sha", sha),
                     "bake": v.optional(v.duration, "bake", bake),
                     "confirm": v.optional(v.confirmation, "confirm", confirm),
                     "break_lease": v.optional(v.run_id, "break_lease", break_lease)}
        return self.run_playbook("deploy", extravars, check=check, limit=limit, control=control)

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
                     "breach_intervals": v.optional(v.positive_int, "breach_intervals", breach_intervals, 100000),
                     "baseline_end": v.optional(v.timestamp, "baseline_end", baseline_end),
                     "baseline_window": v.optional(v.duration, "baseline_window", baseline_window)}
        return self.run_playbook("monitor", extravars, limit=limit, control=control)

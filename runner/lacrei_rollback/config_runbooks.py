"""The configuration runbooks (seed section 3): snapshots of the running configuration, rollback."""
from __future__ import annotations

from lacrei_rollback import validate as v
from lacrei_rollback.errors import InvalidArgument
from lacrei_rollback.client import ClientBase
from lacrei_rollback.execution import Control
from lacrei_rollback.records import ConfigSnapshot, snapshots_of
from lacrei_rollback.results import RunResult, task_results

SNAPSHOT_INFO = ("lacrei.rollback.config_snapshot_info", "config_snapshot_info")


class ConfigRunbooks(ClientBase):
    def snapshot_config(self, reason: str | None = None, *, check: bool = False, limit: str | None = None,
                        control: Control | None = None) -> RunResult:
        """Save each service's running configuration as the next snapshot, unless nothing changed.

        ``audit`` holds snapshot (the SSM parameter), snapshot_version and changed.
        """
        extravars = {"reason": v.optional(v.text_value, "reason", reason)}
        return self.run_playbook("snapshot_config", extravars, check=check, limit=limit, control=control)

    def list_configs(self, *, limit: str | None = None, control: Control | None = None) -> list[ConfigSnapshot]:
        """Each service's configuration snapshots, newest first, secret values masked."""
        result = self.run_playbook("list_configs", limit=limit, control=control)
        found = task_results(result.events, SNAPSHOT_INFO)
        return [snapshot for host in sorted(found) for snapshot in snapshots_of(host, found[host])]

    def rollback_config(self, config_version: str | int | None = None, config_ref: str | None = None,
                        env_file: str | None = None, confirm: str | None = None, *, break_lease: str | None = None,
                        check: bool = False, limit: str | None = None, control: Control | None = None) -> RunResult:
        """Restore a configuration: a snapshot (``config_version`` previous, latest or a number) or the
        environment file (``env_file``, default .env.example) at ``config_ref`` of the application repository.

        ``audit`` holds to (the source), variables_added/removed/changed, references_changed,
        operation_id, deploy_status, snapshot_before (the configuration replaced), validation.
        ``break_lease`` (the run id a lease refusal names) takes over that run's service lease: only for
        a run a person knows is dead (the takeover is audited).
        """
        v.exactly_one(config_version=config_version, config_ref=config_ref)
        if env_file is not None and config_ref is None:
            raise InvalidArgument("env_file goes with config_ref (a file of the application repository)")
        extravars = {"config_version": v.optional(v.config_version, "config_version", config_version),
                     "config_ref": v.optional(v.git_ref, "config_ref", config_ref),
                     "env_file": v.optional(v.relative_path, "env_file", env_file),
                     "confirm": v.optional(v.confirmation, "confirm", confirm),
                     "break_lease": v.optional(v.run_id, "break_lease", break_lease)}
        return self.run_playbook("rollback_config", extravars, check=check, limit=limit, control=control)

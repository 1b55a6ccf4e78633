"""The database runbooks (seed section 2): migrations, backups, restores."""
from __future__ import annotations

import os

from lacrei_rollback import validate as v
from lacrei_rollback.client import ClientBase
from lacrei_rollback.execution import Control
from lacrei_rollback.records import Backup, Migration, backups_of, migrations_of
from lacrei_rollback.results import RunResult, task_results

MIGRATIONS_INFO = ("lacrei.rollback.django_migrations_info", "django_migrations_info")
BACKUP_INFO = ("lacrei.rollback.postgres_backup_info", "postgres_backup_info")


class DatabaseRunbooks(ClientBase):
    def show_migrations(self, app: str | None = None, *, limit: str | None = None,
                        control: Control | None = None) -> dict[str, list[Migration]]:
        """Per app (only ``app`` when given), its migrations in graph order with ``applied``.

        Read by the code of the release each service runs. With several services, each app's list
        holds every service's migrations (``Migration.service`` tells them apart).
        """
        extravars = {"app": v.optional(v.identifier, "app", app)}
        result = self.run_playbook("show_migrations", extravars, limit=limit, control=control)
        found: dict[str, list[Migration]] = {}
        for host, info in sorted(task_results(result.events, MIGRATIONS_INFO).items()):
            for name, rows in migrations_of(host, info).items():
                found.setdefault(name, []).extend(rows)
        return found

    def rollback_migration(self, app: str, migration: str, confirm: str | None = None, *,
                           break_lease: str | None = None, check: bool = False, limit: str | None = None,
                           control: Control | None = None) -> RunResult:
        """Migrate ``app`` to ``migration`` (a name, a 4-digit prefix, or ``zero``) behind a verified backup.

        Refused (nothing unapplied) when the plan crosses an irreversible migration; check shows
        the plan. ``audit`` holds app, migration, release, plan, irreversible, backup_path,
        manifest_path, applied, unapplied.
        ``break_lease`` (the run id a lease refusal names) takes over that run's service lease: only for
        a run a person knows is dead (the takeover is audited).
        """
        extravars = {"app": v.identifier("app", app), "migration": v.migration_name("migration", migration),
                     "confirm": v.optional(v.confirmation, "confirm", confirm),
                     "break_lease": v.optional(v.run_id, "break_lease", break_lease)}
        return self.run_playbook("rollback_migration", extravars, check=check, limit=limit, control=control)

    def backup_db(self, *, check: bool = False, limit: str | None = None, control: Control | None = None) -> RunResult:
        """A verified pg_dump of each service's database with its manifest.

        ``audit`` holds database, backup_path and backup_sha256 (the manifest sits beside the backup).
        """
        return self.run_playbook("backup_db", check=check, limit=limit, control=control)

    def list_backups(self, verify: bool = False, *, limit: str | None = None,
                     control: Control | None = None) -> list[Backup]:
        """The backups in each service's backup_dir, newest first; ``verify`` checks size and SHA-256."""
        extravars = {"db_backup_list_verify": v.flag("verify", verify)}
        result = self.run_playbook("list_backups", extravars, limit=limit, control=control)
        found = task_results(result.events, BACKUP_INFO)
        return [backup for host in sorted(found) for backup in backups_of(host, found[host])]

    def restore_db(self, backup_file: str | os.PathLike, confirm: str | None = None, *,
                   break_lease: str | None = None, check: bool = False, limit: str | None = None,
                   control: Control | None = None) -> RunResult:
        """Restore ``backup_file`` atomically (safety backup first), then check the critical endpoints.

        ``backup_file`` must exist here (db_admin_host is this machine; for a remote bastion use
        ``run_playbook("restore_db", {"backup_file": ...})``). ``audit`` holds backup_file,
        checksum_verified, previous_database_name, safety_backup_path, unavailable_seconds, validation.
        ``break_lease`` (the run id a lease refusal names) takes over that run's service lease: only for
        a run a person knows is dead (the takeover is audited).
        """
        extravars = {"backup_file": v.existing_path("backup_file", backup_file),
                     "confirm": v.optional(v.confirmation, "confirm", confirm),
                     "break_lease": v.optional(v.run_id, "break_lease", break_lease)}
        return self.run_playbook("restore_db", extravars, check=check, limit=limit, control=control)

#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: postgres_restore
short_description: Restore a PostgreSQL backup atomically, keeping the original until the end
version_added: 0.1.0
description:
  - Verifies O(backup_file) before anything changes - size and SHA-256 against its manifest
    (C(<backup_file>.manifest.json), written by M(lacrei.rollback.postgres_backup)), then
    C(pg_restore --list) for archives, or pg_dump's closing comment for plain SQL. A corrupt or
    truncated backup is refused.
  - A plain SQL file without manifest (the runbook's C(pg_dump db > backup.sql)) is accepted;
    only its size/checksum check is skipped (a warning says so). Custom or directory archives
    without manifest need O(allow_missing_manifest).
  - Takes a safety backup of the current O(database) (custom format, same procedure and manifest
    as M(lacrei.rollback.postgres_backup)), unless O(safety_backup=false). It runs beside the load
    described below - O(database) is only read until the swap - and the swap waits for both; if
    either fails, nothing is swapped.
  - Restores into a new database C(<database>_restore_<stamp>) (C(pg_restore --exit-on-error -j)
    for archives, C(psql -v ON_ERROR_STOP=1 -1) for plain SQL). Only when that fully succeeded,
    one transaction renames O(database) to C(<database>_pre_restore_<stamp>) and the new database
    to O(database). If anything fails, or the run is killed, O(database) is the untouched
    original; scratch databases of killed runs are dropped by the next run.
  - PostgreSQL refuses to rename a database with open sessions. By default open sessions make the
    module fail listing them (pid, user, application, client); with O(terminate_sessions) the swap
    transaction terminates them first. New connections wait on the rename's lock while the swap
    runs (then get one "database was renamed" error; a reconnect reaches the restored database).
    No C(ALLOW_CONNECTIONS) flag is changed, so a killed run never leaves a database closed.
  - One change of a database at a time. Before anything changes the module takes the database's
    PostgreSQL advisory lock (C(pg_try_advisory_lock), a fixed key per database name, in
    O(maintenance_db)) and holds it until the swap is done; when another run (a restore, a
    M(lacrei.rollback.django_migrations) run) holds it, the module fails at once naming that
    session, and nothing is changed. Check mode takes no lock.
options:
  backup_file:
    description: Backup to restore - a custom archive, a directory archive, or a plain SQL file.
    type: path
    required: true
  backup_dir:
    description:
      - The folder the backups live in. When set, O(backup_file) must lie inside it (after resolving
        symbolic links and C(..)); anything else is refused before anything is read or changed.
    type: path
  database:
    description: Database to replace with the backup's content (created when it does not exist).
    type: str
    required: true
    aliases: [db]
  safety_backup:
    description: Back up the current O(database) before restoring.
    type: bool
    default: true
  safety_backup_dir:
    description: Folder of the safety backup; default the folder of O(backup_file).
    type: path
  jobs:
    description: Parallel pg_restore workers for custom and directory archives.
    type: int
    default: 2
  terminate_sessions:
    description: Terminate sessions connected to O(database) for the swap instead of failing.
    type: bool
    default: false
  keep_previous:
    description:
      - Keep the replaced database as C(<database>_pre_restore_<stamp>) (the quickest way back).
        When false it is dropped after the swap.
    type: bool
    default: true
  no_owner:
    description: Do not restore object ownership (C(pg_restore --no-owner)); archives only.
    type: bool
    default: false
  allow_missing_manifest:
    description: Accept a custom or directory archive that has no manifest (no checksum check).
    type: bool
    default: false
extends_documentation_fragment:
  - lacrei.rollback.postgres
notes:
  - Check mode verifies the backup and returns the plan (names, sessions, leftovers); it changes
    nothing.
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Restore the backup taken before the release
  lacrei.rollback.postgres_restore:
    backup_file: "{{ backup.backup_path }}"
    database: consultas_medicas
    login_host: db.internal
    login_user: consultas
    login_password: "{{ vault_db_password }}"
    terminate_sessions: true

- name: Restore a hand-made plain SQL dump (pg_dump consultas_medicas > backup.sql)
  lacrei.rollback.postgres_restore:
    backup_file: /var/backups/backup_20260209_120000.sql
    database: consultas_medicas
"""

RETURN = r"""
database:
  description: The database restored.
  returned: always
  type: str
  sample: consultas_medicas
advisory_lock_key:
  description: The PostgreSQL advisory lock key held while the database was changed.
  returned: when not in check mode
  type: int
  sample: -3263115389914375186
format:
  description: Format of the backup (custom, directory, plain).
  returned: always
  type: str
  sample: custom
checksum_verified:
  description: Whether size and SHA-256 were checked against a manifest.
  returned: always
  type: bool
  sample: true
previous_database_name:
  description: Name the replaced database has now (would get, in check mode); null when there was none or it was dropped.
  returned: always
  type: str
  sample: consultas_medicas_pre_restore_20260209_121500
scratch_database:
  description: Name of the database the backup was loaded into before the swap.
  returned: always
  type: str
  sample: consultas_medicas_restore_20260209_121500
sessions:
  description: Sessions open on the database before the swap (terminated when terminate_sessions).
  returned: always
  type: list
  elements: dict
  sample: [{"pid": 4242, "user": "consultas", "application": "gunicorn", "client": "10.0.0.7/32", "state": "idle"}]
terminated_sessions:
  description: Sessions terminated for the swap (pid, user, application, client, state).
  returned: when the database existed and was swapped
  type: list
  elements: dict
  sample: [{"pid": 4242, "user": "consultas", "application": "gunicorn", "client": "10.0.0.7/32", "state": "idle"}]
leftovers_dropped:
  description: Scratch databases of interrupted runs that were dropped (would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [consultas_medicas_restore_20260209_110000]
safety_backup:
  description: The safety backup (backup_path, manifest_path, size, sha256, ...).
  returned: when a safety backup was taken
  type: dict
  sample: {"backup_path": "/var/backups/backup_consultas_medicas_20260209_121500.dump", "size": 482113}
durations:
  description:
    - Seconds per phase (verify, safety_backup, restore, swap). C(safety_backup) and C(restore) run
      at the same time, so the phases add up to more than the run took.
  returned: always
  type: dict
  sample: {"verify": 0.05, "safety_backup": 1.2, "restore": 2.4, "swap": 0.03}
unavailable_seconds:
  description: Seconds of the swap (sessions terminated, renames committed); new connections wait meanwhile.
  returned: changed
  type: float
  sample: 0.03
"""

import os
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lacrei.rollback.plugins.module_utils import pg_databases as dbs
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed, fail_on_error
from ansible_collections.lacrei.rollback.plugins.module_utils.input_checks import inside, refuse_bad_params
from ansible_collections.lacrei.rollback.plugins.module_utils.pg_archive import (
    check_against_manifest,
    check_plain_complete,
    detect_format,
    list_archive,
    read_manifest,
)
from ansible_collections.lacrei.rollback.plugins.module_utils.pg_backup import (
    BackupRequest,
    check_backup_dir,
    create_backup,
    utc_stamp,
)
from ansible_collections.lacrei.rollback.plugins.module_utils.postgres import POSTGRES_CONNECTION_SPEC, Postgres


def verify_backup(module, pg: Postgres) -> dict:
    """Refuse a missing, corrupt or truncated backup; its format and whether a checksum was checked."""
    path = module.params["backup_file"]
    if not os.path.exists(path):
        raise ActionFailed(f"Backup {path} does not exist. Nothing was changed.")
    fmt = detect_format(path)
    manifest = read_manifest(path)
    if manifest is not None:
        if manifest.get("format") != fmt:
            raise ActionFailed(f"Backup {path} is {fmt} but its manifest says {manifest.get('format')}. "
                               "Nothing was changed.")
        check_against_manifest(path, manifest)
    elif fmt != "plain" and not module.params["allow_missing_manifest"]:
        raise ActionFailed(f"Backup {path} has no manifest to verify it against; set allow_missing_manifest "
                           "to restore it unverified. Nothing was changed.")
    else:
        module.warn(f"{path} has no manifest: its size and checksum were not verified")
    if fmt == "plain":
        check_plain_complete(path)
    else:
        list_archive(pg, path)
    return {"format": fmt, "checksum_verified": manifest is not None}


@contextmanager
def dropped_on_failure(module, pg: Postgres, scratch: str, what: str):
    """Drop ``scratch`` when the block fails; an ActionFailed then also says the database is unchanged."""
    try:
        yield
    except ActionFailed as exc:
        dbs.drop(pg, scratch)
        raise ActionFailed(f"{exc.msg}. Database {module.params['database']} was not changed; the {what} "
                           f"{scratch} was dropped.", **exc.details) from exc
    except BaseException:
        dbs.drop(pg, scratch)
        raise


def load(module, pg: Postgres, fmt: str, scratch: str, original: dict | None) -> None:
    """Create ``scratch`` and restore the backup into it; drop it again on any failure."""
    params = module.params
    dbs.create_like(pg, scratch, original)
    with dropped_on_failure(module, pg, scratch, "scratch copy"):
        if fmt == "plain":
            pg.run("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-d", scratch, "-f", params["backup_file"]],
                   f"restore {params['backup_file']} with psql")
        else:
            owner = ["--no-owner"] if params["no_owner"] else []
            pg.run("pg_restore", ["--no-password", "--exit-on-error", "-j", str(params["jobs"]), *owner,
                                  "-d", scratch, params["backup_file"]], f"restore {params['backup_file']}")


def safety_folder(module) -> str:
    params = module.params
    return params["safety_backup_dir"] or os.path.dirname(os.path.abspath(params["backup_file"]))


def safety_backup(module, pg: Postgres) -> dict:
    return create_backup(pg, BackupRequest(database=module.params["database"], backup_dir=safety_folder(module)))


def load_beside_safety_backup(module, pg: Postgres, timer: "Timer", fmt: str, scratch: str, original: dict) -> dict:
    """Dump the current database and load the scratch one at the same time; the safety backup's facts.

    Both only read the current database, so neither waits for the other; the swap comes after both
    succeeded. A failed load waits for the backup to end (it is kept: it is a good backup of the
    untouched database); a failed backup drops the loaded scratch database.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        backup = pool.submit(timer.run, "safety_backup", safety_backup, module, pg)
        try:
            timer.run("restore", load, module, pg, fmt, scratch, original)
        except BaseException:
            backup.exception()  # wait for pg_dump to end; the load's error is the one to report
            raise
        with dropped_on_failure(module, pg, scratch, "restored copy"):
            return backup.result()


class Timer:
    def __init__(self):
        self.durations = {}

    def run(self, phase: str, func, *args):
        started = time.monotonic()
        try:
            return func(*args)
        finally:
            self.durations[phase] = round(time.monotonic() - started, 3)


def restore(module, pg: Postgres) -> dict:
    params = module.params
    database, timer = params["database"], Timer()
    verified = timer.run("verify", verify_backup, module, pg)
    scratch, previous = dbs.restore_names(pg, database, utc_stamp())
    original = pg.database(database)
    found = dbs.sessions(pg, database) if original else []
    result = dict(changed=True, database=database, scratch_database=scratch, sessions=found,
                  previous_database_name=previous if original else None, durations=timer.durations, **verified)
    if module.check_mode:
        result["leftovers_dropped"] = dbs.leftovers(pg, database)
        return result
    with pg.advisory_lock(database) as key:
        result["advisory_lock_key"] = key
        if not params["terminate_sessions"]:
            dbs.refuse_sessions(database, found)
        result["leftovers_dropped"] = dbs.clean_leftovers(pg, database)
        if original and params["safety_backup"]:
            check_backup_dir(safety_folder(module))
            result["safety_backup"] = load_beside_safety_backup(module, pg, timer, verified["format"], scratch,
                                                                original)
        else:
            timer.run("restore", load, module, pg, verified["format"], scratch, original)
        result.update(swap_in(module, pg, timer, scratch, previous if original else None))
    return result


def swap_in(module, pg: Postgres, timer: Timer, scratch: str, previous: str | None) -> dict:
    params = module.params
    database = params["database"]
    if previous is None:
        timer.run("swap", dbs.rename, pg, scratch, database)
        return dict(unavailable_seconds=timer.durations["swap"])
    try:
        swapped = timer.run("swap", dbs.swap, pg, database, scratch, previous, params["terminate_sessions"])
    except ActionFailed as exc:
        if pg.database(scratch) is None:  # the rename transaction committed; a later step failed
            raise
        dbs.drop(pg, scratch)
        raise ActionFailed(f"{exc.msg}. Database {database} was not changed; the restored copy was dropped.",
                           **exc.details) from exc
    if not params["keep_previous"]:
        dbs.drop(pg, previous)
    return dict(unavailable_seconds=round(swapped["seconds"], 3), terminated_sessions=swapped["terminated_sessions"],
                previous_database_name=previous if params["keep_previous"] else None)


def main():
    argument_spec = dict(
        POSTGRES_CONNECTION_SPEC,
        backup_file=dict(type="path", required=True),
        backup_dir=dict(type="path"),
        database=dict(type="str", required=True, aliases=["db"]),
        safety_backup=dict(type="bool", default=True),
        safety_backup_dir=dict(type="path"),
        jobs=dict(type="int", default=2),
        terminate_sessions=dict(type="bool", default=False),
        keep_previous=dict(type="bool", default=True),
        no_owner=dict(type="bool", default=False),
        allow_missing_manifest=dict(type="bool", default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    refuse_bad_params(module, dict(backup_file="path", backup_dir="path", safety_backup_dir="path", database="line"))
    with fail_on_error(module):
        if module.params["backup_dir"]:
            inside("backup_file", module.params["backup_file"], module.params["backup_dir"])
        module.exit_json(**restore(module, pg=Postgres(module)))


if __name__ == "__main__":
    main()

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one backup procedure: pg_dump to a hidden temporary name, verify, write the manifest,
then rename. Used by ``postgres_backup`` and by ``postgres_restore``'s safety backup.

A backup is good only when its manifest exists: the archive is renamed into place after
pg_dump succeeded and ``pg_restore --list`` read it, and the manifest is renamed last. A run
that fails removes its temporary files; one that is killed leaves only hidden
``.backup_<db>_<stamp>.<ext>.partial-<pid>`` entries, which the next backup of that database
removes.
"""
from __future__ import annotations

import glob
import os
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed
from ansible_collections.lacrei.rollback.plugins.module_utils.pg_archive import (
    FORMATS,
    archive_name,
    check_plain_complete,
    checksum,
    list_archive,
    manifest_path,
    remove,
    write_json,
)


PARTIAL_PID = re.compile(r"\.partial-(\d+)(?:\.manifest\.json)?$")


@dataclass
class BackupRequest:
    database: str
    backup_dir: str
    format: str = "custom"
    compress: int | None = 1
    jobs: int = 2
    image: str | None = None
    migrations: dict | None = field(default=None)


def utc_stamp(now: float | None = None) -> str:
    """YYYYmmdd_HHMMSS in UTC (the runbook's ``date +%Y%m%d_%H%M%S``, timezone-proof)."""
    return time.strftime("%Y%m%d_%H%M%S", time.gmtime(now))


def backup_path(request: BackupRequest, now: float | None = None) -> str:
    """A free ``backup_<db>_<stamp>.<ext>`` path (``_2``, ``_3``... after the stamp when taken)."""
    stamp = utc_stamp(now)
    for suffix in ["", *(f"_{n}" for n in range(2, 100))]:
        path = os.path.join(request.backup_dir, archive_name(request.database, stamp + suffix, request.format))
        if not os.path.lexists(path) and not os.path.lexists(manifest_path(path)):
            return path
    raise ActionFailed(f"No free backup name for {request.database} at {stamp} in {request.backup_dir}")


def check_backup_dir(path: str) -> None:
    if not os.path.isdir(path):
        raise ActionFailed(f"backup_dir {path} does not exist or is not a folder")
    if not os.access(path, os.W_OK | os.X_OK):
        raise ActionFailed(f"backup_dir {path} is not writable (permission denied)")


def dump_args(request: BackupRequest, target: str) -> list:
    args = ["--no-password", "-F", FORMATS[request.format][1], "-f", target]
    if request.format != "plain" and request.compress is not None:
        args += ["-Z", str(request.compress)]
    if request.format == "directory" and request.jobs > 1:
        args += ["-j", str(request.jobs)]
    return args + ["-d", request.database]


def verify_dump(pg, request: BackupRequest, target: str) -> None:
    if request.format != "plain":
        list_archive(pg, target)
    else:
        check_plain_complete(target)


def remove_stale_partials(request: BackupRequest) -> None:
    """Temporary entries of killed runs (their PID is gone) for this database."""
    pattern = os.path.join(request.backup_dir, f".backup_{glob.escape(request.database)}_*.partial-*")
    for path in glob.glob(pattern):
        found = PARTIAL_PID.search(path)  # the archive's and its manifest's (.partial-<pid>.manifest.json)
        if found and not _pid_alive(int(found.group(1))):
            remove(path)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def create_backup(pg, request: BackupRequest) -> dict:
    """Dump, verify, checksum, write manifest, rename; the result facts (see postgres_backup RETURN)."""
    check_backup_dir(request.backup_dir)
    server_version = pg.server_version()
    dump_version = pg.tool_version("pg_dump")
    final = backup_path(request)
    remove_stale_partials(request)
    temp = os.path.join(request.backup_dir, f".{os.path.basename(final)}.partial-{os.getpid()}")
    temp_manifest = manifest_path(temp)
    try:
        return _dump_and_publish(pg, request, final, temp, temp_manifest,
                                 dict(server_version=server_version, pg_dump_version=dump_version))
    except BaseException:
        remove(temp)
        remove(temp_manifest)
        raise


def _dump_and_publish(pg, request, final, temp, temp_manifest, versions) -> dict:
    started = time.monotonic()
    pg.run("pg_dump", dump_args(request, temp), f"dump database {request.database}")
    duration = time.monotonic() - started
    verify_started = time.monotonic()
    verify_dump(pg, request, temp)
    size, sha = checksum(temp)
    verify_seconds = time.monotonic() - verify_started
    manifest = dict(versions, database=request.database, format=request.format, compress=request.compress,
                    file=os.path.basename(final), size=size, sha256=sha, duration_seconds=round(duration, 3),
                    created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    if request.migrations is not None:
        manifest["migrations"] = request.migrations
    if request.image:
        manifest["image"] = request.image
    try:
        write_json(temp_manifest, manifest)
        os.rename(temp, final)
        os.rename(temp_manifest, manifest_path(final))
    except OSError as exc:
        remove(final)
        raise ActionFailed(f"Failed to write backup {final}: {exc}") from exc
    return dict(backup_path=final, manifest_path=manifest_path(final), size=size, sha256=sha,
                duration_seconds=round(duration, 3), verify_seconds=round(verify_seconds, 3), manifest=manifest)

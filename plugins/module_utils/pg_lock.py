# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A PostgreSQL advisory lock per database, held while a module changes that database.

The key is fixed per database name (the first 8 bytes of SHA-256 of ``lacrei.rollback:<name>``),
taken with ``pg_try_advisory_lock`` in the server's maintenance database (a restore renames the
target database and ends its sessions, so the lock cannot live there). The lock belongs to a psql
session kept open for as long as the work runs; when it ends (or the module is killed) PostgreSQL
releases it. A lock held by another session refuses at once, naming that session.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
from contextlib import contextmanager
from urllib.parse import unquote, urlsplit

from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed

NAMESPACE = "lacrei.rollback:"
CLOSE_TIMEOUT = 30
HOLDER_QUERY = (
    "SELECT coalesce(string_agg(format('pid %s (%s, user %s, connected %s)', a.pid, a.application_name, "
    "a.usename, a.backend_start), '; '), 'a session that ended meanwhile') FROM pg_locks l "
    "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
    "AND l.classid = {classid} AND l.objid = {objid} AND l.objsubid = 1;\n"
)


class AdvisoryLockHeld(ActionFailed):
    """Another session holds the database's advisory lock; nothing was changed."""


def lock_key(database: str) -> int:
    """The signed 64-bit advisory lock key of ``database``."""
    return int.from_bytes(hashlib.sha256((NAMESPACE + database).encode()).digest()[:8], "big", signed=True)


def env_from_url(url: str) -> tuple[dict, str]:
    """libpq variables (password in PGPASSWORD, never argv) and the database name of a postgres:// URL."""
    parts = urlsplit(url)
    env = {"PGAPPNAME": "lacrei.rollback"}
    for variable, value in (("PGHOST", parts.hostname), ("PGPORT", parts.port), ("PGUSER", parts.username),
                            ("PGPASSWORD", parts.password)):
        if value not in (None, ""):
            env[variable] = unquote(str(value))
    return env, unquote(parts.path.lstrip("/"))


@contextmanager
def advisory_lock(psql: str, env: dict, maintenance_db: str, database: str):
    """Hold the advisory lock of ``database`` while the block runs; AdvisoryLockHeld when another has it."""
    key = lock_key(database)
    session = subprocess.Popen([psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", maintenance_db],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, **env})
    try:
        answer = _ask(session, f"SELECT pg_try_advisory_lock({key});\n")
        if answer == "f":
            holder = _ask(session, HOLDER_QUERY.format(classid=(key >> 32) & 0xFFFFFFFF, objid=key & 0xFFFFFFFF))
            raise AdvisoryLockHeld(
                f"Database {database} is being changed by another session: it holds the PostgreSQL advisory lock "
                f"{key} ({holder}). Nothing was changed. Wait for that work to end (or end that session, when you "
                "know it is abandoned) and run this again.", advisory_lock_key=key, advisory_lock_holder=holder)
        if answer != "t":
            raise ActionFailed(f"Could not take the PostgreSQL advisory lock of database {database}: "
                               f"{_error(session)}. Nothing was changed.", advisory_lock_key=key)
        yield key
    finally:
        _close(session)


def _ask(session, sql: str) -> str:
    try:
        session.stdin.write(sql)
        session.stdin.flush()
    except (BrokenPipeError, OSError):
        return ""
    return session.stdout.readline().strip()


def _error(session) -> str:
    _close(session)
    return (session.stderr.read() or "").strip() or f"psql ended with code {session.returncode}"


def _close(session) -> None:
    if session.returncode is not None:
        return
    try:
        session.stdin.close()
    except OSError:
        pass
    try:
        session.wait(timeout=CLOSE_TIMEOUT)
    except subprocess.TimeoutExpired:
        session.kill()
        session.wait()

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Database-level steps of an atomic restore: scratch databases, sessions, the rename swap.

A restore loads into ``<db>_restore_<stamp>``; only then ONE transaction renames ``<db>`` to
``<db>_pre_restore_<stamp>`` and the scratch database to ``<db>``, so ``<db>`` is always either
the untouched original or the fully restored copy: a run killed mid-swap leaves an open
transaction that the server rolls back.

Sessions: PostgreSQL refuses to rename a database anyone is connected to. The rename takes an
exclusive lock on the database, so new connections wait for the swap to commit (then fail
once with "database ... was renamed" and the client's retry reaches the restored database);
no ``ALLOW_CONNECTIONS`` flag is changed, so a killed run never leaves a database closed.
With ``terminate`` the swap transaction first terminates the sessions on ``<db>``; the rename
waits (up to 5 s, PostgreSQL's own limit) for them to exit. A session that slipped in between
makes the rename fail; the swap is then retried a few times.
"""
from __future__ import annotations

import json
import re
import time

from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed
from ansible_collections.lacrei.rollback.plugins.module_utils.postgres import MAX_IDENTIFIER

SCRATCH = "_restore_"
PREVIOUS = "_pre_restore_"
# Client sessions only: PostgreSQL itself ends autovacuum workers when a database is renamed or
# dropped, and only a superuser may terminate them (a freshly loaded table often has one).
SESSIONS = (
    "SELECT pid, usename AS user, application_name AS application, client_addr::text AS client,"
    " state FROM pg_stat_activity WHERE datname = :'db' AND pid <> pg_backend_pid()"
    " AND backend_type = 'client backend' ORDER BY pid"
)
TERMINATE = (
    "SELECT coalesce(json_agg(s), '[]') FROM (SELECT pid, usename AS user, application_name AS application,"
    " client_addr::text AS client, state, pg_terminate_backend(pid) AS terminated FROM pg_stat_activity"
    " WHERE datname = :'db' AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
    " ORDER BY pid) AS s;\n"
)
RENAMES = 'ALTER DATABASE :"db" RENAME TO :"previous";\nALTER DATABASE :"scratch" RENAME TO :"db";\n'
BUSY = "is being accessed by other users"
SWAP_ATTEMPTS = 3


def restore_names(pg, database: str, stamp: str) -> tuple[str, str]:
    """Free (scratch, previous) names for a restore of ``database`` at ``stamp`` (``_2``... if taken)."""
    taken = {row["name"] for row in pg.databases()}
    for suffix in ["", *(f"_{n}" for n in range(2, 100))]:
        names = (database + SCRATCH + stamp + suffix, database + PREVIOUS + stamp + suffix)
        if not taken.intersection(names):
            break
    if len(names[1]) > MAX_IDENTIFIER:
        raise ActionFailed(f"Database name {database} is too long to restore atomically: "
                           f"{names[1]} exceeds PostgreSQL's {MAX_IDENTIFIER} characters")
    return names


def leftovers(pg, database: str) -> list:
    """Names of ``<db>_restore_<stamp>`` databases (scratch copies of interrupted restores)."""
    pattern = re.compile(re.escape(database + SCRATCH) + r"\d{8}_\d{6}(_\d+)?$")
    return [row["name"] for row in pg.databases() if pattern.match(row["name"])]


def clean_leftovers(pg, database: str) -> list:
    """Drop the scratch copies of killed runs; the names dropped."""
    dropped = leftovers(pg, database)
    for name in dropped:
        drop(pg, name)
    return dropped


def sessions(pg, database: str) -> list:
    return pg.query(SESSIONS, f"list sessions on {database}", variables={"db": database})


def create_like(pg, name: str, like: dict | None) -> None:
    """CREATE DATABASE ``name`` from template0 with the owner/encoding/locale of ``like``."""
    script = 'CREATE DATABASE :"name" TEMPLATE template0'
    variables = {"name": name}
    if like:
        script += " OWNER :\"owner\" ENCODING :'encoding' LC_COLLATE :'collate' LC_CTYPE :'ctype'"
        variables.update({key: like[key] for key in ("owner", "encoding", "collate", "ctype")})
    pg.psql(script + ";\n", f"create database {name}", variables=variables)


def drop(pg, name: str) -> None:
    pg.psql('DROP DATABASE IF EXISTS :"name" WITH (FORCE);\n', f"drop database {name}", variables={"name": name})


def rename(pg, name: str, new_name: str) -> None:
    pg.psql('ALTER DATABASE :"name" RENAME TO :"new";\n', f"rename database {name} to {new_name}",
            variables={"name": name, "new": new_name})


def refuse_sessions(database: str, found: list) -> None:
    if found:
        listing = "; ".join(f"pid {s['pid']} user {s['user']} application {s['application'] or '-'} "
                            f"client {s['client'] or 'local'}" for s in found)
        raise ActionFailed(f"Database {database} has {len(found)} open session(s): {listing}. Stop them or set "
                           "terminate_sessions=true. Nothing was changed.", sessions=found)


def swap(pg, database: str, scratch: str, previous: str, terminate: bool) -> dict:
    """Put ``scratch`` in place of ``database`` in one transaction; seconds and sessions terminated."""
    started = time.monotonic()
    if not terminate:
        refuse_sessions(database, sessions(pg, database))
    variables = {"db": database, "scratch": scratch, "previous": previous}
    script = "BEGIN;\n" + (TERMINATE if terminate else "") + RENAMES + "COMMIT;\n"
    for attempt in range(1, SWAP_ATTEMPTS + 1):
        try:
            out = pg.psql(script, f"swap {scratch} into place of {database}", variables=variables)
            break
        except ActionFailed as exc:
            if not terminate or BUSY not in exc.msg or attempt == SWAP_ATTEMPTS:
                raise
    terminated = json.loads(out.strip().splitlines()[0]) if terminate and out.strip() else []
    return {"seconds": time.monotonic() - started, "terminated_sessions": terminated}

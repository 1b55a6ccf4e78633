# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Database-level steps of an atomic restore: scratch databases, sessions, the rename swap.

A restore loads into ``<db>_restore_<stamp>``; only then the swap renames ``<db>`` to
``<db>_pre_restore_<stamp>`` and the scratch database to ``<db>`` in ONE transaction, so
``<db>`` is always either the untouched original or the fully restored copy. PostgreSQL
refuses to rename a database anyone is connected to, which makes the swap safe against
sessions that arrive late. With ``terminate`` the original is closed to new connections
(``ALLOW_CONNECTIONS false``), its sessions are terminated, the swap runs, and the renamed
original is opened again.
"""
from __future__ import annotations

import re
import time

from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import ActionFailed
from ansible_collections.lacrei.rollback.plugins.module_utils.postgres import MAX_IDENTIFIER

SCRATCH = "_restore_"
PREVIOUS = "_pre_restore_"
SESSIONS = (
    "SELECT pid, usename AS user, application_name AS application, client_addr::text AS client,"
    " state FROM pg_stat_activity WHERE datname = :'db' AND pid <> pg_backend_pid() ORDER BY pid"
)
SWAP = """BEGIN;
ALTER DATABASE :"db" RENAME TO :"previous";
ALTER DATABASE :"scratch" RENAME TO :"db";
COMMIT;
"""


def restore_names(database: str, stamp: str) -> tuple[str, str]:
    """(scratch, previous) database names for a restore of ``database`` at ``stamp``."""
    names = (database + SCRATCH + stamp, database + PREVIOUS + stamp)
    if len(names[1]) > MAX_IDENTIFIER:
        raise ActionFailed(f"Database name {database} is too long to restore atomically: "
                           f"{names[1]} exceeds PostgreSQL's {MAX_IDENTIFIER} characters")
    return names


def leftovers(pg, database: str) -> list:
    """Databases of the kind ``<db>_restore_<stamp>`` (scratch copies of interrupted restores)."""
    pattern = re.compile(re.escape(database + SCRATCH) + r"\d{8}_\d{6}$")
    return [row for row in pg.databases() if pattern.match(row["name"])]


def clean_leftovers(pg, database: str) -> list:
    """Drop scratch copies of killed runs; reopen what a killed swap left closed. Names dropped."""
    dropped = [row["name"] for row in leftovers(pg, database)]
    for name in dropped:
        drop(pg, name)
    previous = re.compile(re.escape(database + PREVIOUS) + r"\d{8}_\d{6}$")
    for row in pg.databases():
        interrupted = row["name"] == database and dropped
        if (interrupted or previous.match(row["name"])) and not row["allow_connections"]:
            allow_connections(pg, row["name"], True)
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


def allow_connections(pg, name: str, allow: bool) -> None:
    pg.psql('ALTER DATABASE :"name" WITH ALLOW_CONNECTIONS :allow;\n', f"set ALLOW_CONNECTIONS on {name}",
            variables={"name": name, "allow": "true" if allow else "false"})


def terminate(pg, database: str) -> list:
    """Terminate every session on ``database``; the sessions that were there."""
    found = sessions(pg, database)
    pg.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :'db' AND pid <> pg_backend_pid();\n",
            f"terminate sessions on {database}", variables={"db": database})
    return found


def refuse_sessions(database: str, found: list) -> None:
    if found:
        listing = "; ".join(f"pid {s['pid']} user {s['user']} application {s['application'] or '-'} "
                            f"client {s['client'] or 'local'}" for s in found)
        raise ActionFailed(f"Database {database} has {len(found)} open session(s): {listing}. Stop them or set "
                           "terminate_sessions=true. Nothing was changed.", sessions=found)


def swap(pg, database: str, scratch: str, previous: str, terminate_sessions: bool) -> dict:
    """Put ``scratch`` in place of ``database`` atomically; seconds and sessions terminated."""
    started = time.monotonic()
    terminated = []
    if terminate_sessions:
        allow_connections(pg, database, False)
        terminated = terminate(pg, database)
    else:
        refuse_sessions(database, sessions(pg, database))
    try:
        pg.psql(SWAP, f"swap {scratch} into place of {database}",
                variables={"db": database, "scratch": scratch, "previous": previous})
    except ActionFailed:
        if terminate_sessions:
            allow_connections(pg, database, True)
        raise
    if terminate_sessions:
        allow_connections(pg, previous, True)
    return {"seconds": time.monotonic() - started, "terminated_sessions": terminated}


def rename(pg, name: str, new_name: str) -> None:
    pg.psql('ALTER DATABASE :"name" RENAME TO :"new";\n', f"rename database {name} to {new_name}",
            variables={"name": name, "new": new_name})

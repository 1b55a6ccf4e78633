# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one PostgreSQL connection builder: module options -> libpq environment, tools, psql.

Connection options become ``PG*`` variables (``PGHOST``, ``PGPORT``, ``PGUSER``, ``PGPASSWORD``,
``PGPASSFILE``, ``PGCONNECT_TIMEOUT``, ``PGAPPNAME``); an option left unset leaves libpq's own
default (its environment, ``~/.pgpass``). The password is only ever in the environment.
Tools (psql, pg_dump, pg_restore) are found with ``module.get_bin_path``, ``pg_bindir`` first.
SQL goes to psql on stdin with values as psql variables (``:'name'`` literal, ``:"name"``
identifier), so psql does the quoting.
"""
from __future__ import annotations

import json
import re

from ansible_collections.lacrei.rollback.plugins.module_utils import pg_lock
from ansible_collections.lacrei.rollback.plugins.module_utils.command import run

APP_NAME = "lacrei.rollback"
MAX_IDENTIFIER = 63

POSTGRES_CONNECTION_SPEC = dict(
    login_host=dict(type="str", aliases=["host"]),
    login_port=dict(type="int", aliases=["port"]),
    login_user=dict(type="str", aliases=["user"]),
    login_password=dict(type="str", no_log=True),
    passfile=dict(type="path"),
    maintenance_db=dict(type="str", default="postgres"),
    connect_timeout=dict(type="int", default=10),
    pg_bindir=dict(type="path"),
)

_ENV_OPTIONS = {
    "login_host": "PGHOST",
    "login_port": "PGPORT",
    "login_user": "PGUSER",
    "login_password": "PGPASSWORD",
    "passfile": "PGPASSFILE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


def connection_env(params: dict) -> dict:
    """libpq environment for the connection options in ``params`` (unset ones left out)."""
    env = {"PGAPPNAME": APP_NAME}
    for option, variable in _ENV_OPTIONS.items():
        if params.get(option) not in (None, ""):
            env[variable] = str(params[option])
    return env


class Postgres:
    """One server as the module's options describe it."""

    def __init__(self, module, params: dict | None = None):
        self.module = module
        self.params = params if params is not None else module.params
        self.env = connection_env(self.params)
        self.maintenance_db = self.params.get("maintenance_db") or "postgres"

    def tool(self, name: str) -> str:
        bindir = self.params.get("pg_bindir")
        return self.module.get_bin_path(name, required=True, opt_dirs=[bindir] if bindir else [])

    def run(self, tool: str, args: list, action: str, **kwargs):
        """Run a PostgreSQL client program with the connection environment."""
        return run(self.module, [self.tool(tool), *args], action, env=self.env, **kwargs)

    def psql(self, script: str, action: str, dbname: str | None = None, variables: dict | None = None,
             single_transaction: bool = False) -> str:
        """Run ``script`` (stdin) with ON_ERROR_STOP; psql's unaligned, tuples-only output."""
        args = ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", dbname or self.maintenance_db]
        for name, value in (variables or {}).items():
            args += ["-v", f"{name}={value}"]
        if single_transaction:
            args.append("-1")
        return self.run("psql", [*args, "-f", "-"], action, data=script).stdout

    def query(self, select: str, action: str, dbname: str | None = None, variables: dict | None = None) -> list:
        """Rows of one SELECT as a list of dicts (through json_agg)."""
        script = f"SELECT coalesce(json_agg(q), '[]') FROM ({select}) AS q;"
        return json.loads(self.psql(script, action, dbname, variables).strip() or "[]")

    def advisory_lock(self, database: str):
        """Context manager: this database's advisory lock held while the block runs (pg_lock)."""
        return pg_lock.advisory_lock(self.tool("psql"), self.env, self.maintenance_db, database)

    def server_version(self) -> str:
        rows = self.query("SELECT current_setting('server_version') AS v", "connect to PostgreSQL")
        return rows[0]["v"].split()[0]

    def tool_version(self, tool: str) -> str:
        """``pg_dump (PostgreSQL) 15.18 (Debian ...)`` -> ``15.18``."""
        out = self.run(tool, ["--version"], f"run {tool} --version").stdout.strip()
        match = re.search(r"\)\s+(\S+)", out)
        return match.group(1) if match else out

    def database(self, name: str) -> dict | None:
        """pg_database facts of ``name`` (owner, encoding, collate, ctype, allow_connections)."""
        rows = self.query(DATABASE_FACTS + " WHERE d.datname = :'name'", f"look up database {name}",
                          variables={"name": name})
        return rows[0] if rows else None

    def databases(self) -> list:
        return self.query(DATABASE_FACTS, "list databases")


DATABASE_FACTS = (
    "SELECT d.datname AS name, pg_get_userbyid(d.datdba) AS owner,"
    " pg_encoding_to_char(d.encoding) AS encoding, d.datcollate AS collate, d.datctype AS ctype,"
    " d.datallowconn AS allow_connections FROM pg_database d"
)

"""Running pg tools and the lacrei.rollback DB modules against the bench's sandbox database."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from bench.session import ROOT, Session, Timed, timed

DATABASE = "consultas_medicas"


def psql(session: Session, sql: str, database: str = "postgres") -> str:
    result = timed(["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql], session.pg_env())
    return result.check(f"psql {sql[:40]}").stdout.strip()


def database_size(session: Session) -> int:
    return int(psql(session, f"SELECT pg_database_size('{DATABASE}')"))


def run_module(session: Session, name: str, args: dict, workdir: Path) -> tuple[Timed, dict]:
    """Run a module of the collection directly (python <module>.py <args file>), as Ansible would on the host."""
    args_file = workdir / f"{name}-args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    env = dict(session.pg_env(), PYTHONPATH=str(ROOT / ".collections"))
    result = timed([sys.executable, str(ROOT / "plugins" / "modules" / f"{name}.py"), str(args_file)], env)
    out = json.loads(result.stdout) if result.stdout.strip().startswith("{") else {}
    if result.returncode != 0 or out.get("failed"):
        raise RuntimeError(f"{name} failed: {out.get('msg') or result.stderr[-2000:]}")
    return result, out


def drop_database(session: Session, name: str, patience: float = 60.0) -> Timed:
    """Terminate the app user's sessions and drop ``name`` in one psql session, retried while a
    client reconnects in between. Not ``WITH (FORCE)``: that refuses a non-superuser when an
    autovacuum worker is in the database, which a plain DROP DATABASE cancels by itself."""
    terminate = ("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                 f"WHERE datname = '{name}' AND pid <> pg_backend_pid() AND usename = current_user")
    command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c", terminate,
               "-c", f'DROP DATABASE IF EXISTS "{name}"']
    deadline = time.monotonic() + patience
    while True:
        result = timed(command, session.pg_env())
        if result.returncode == 0 or time.monotonic() > deadline:
            return result.check(f"drop database {name}")
        time.sleep(0.05)


def drop_databases_like(session: Session, pattern: str) -> None:
    for name in psql(session, f"SELECT datname FROM pg_database WHERE datname LIKE '{pattern}'").split():
        drop_database(session, name)


def settle(session: Session) -> None:
    """VACUUM ANALYZE after seeding, so autovacuum does not start in the middle of a measurement."""
    psql(session, "VACUUM (ANALYZE)", database=DATABASE)

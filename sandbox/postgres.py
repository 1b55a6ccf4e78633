"""A throwaway PostgreSQL 15 cluster for the sandbox, or the server named by PG*/DATABASE_URL.

Layout (``state`` is the sandbox state folder)::

    <state>/pg/data            the cluster (owned by OS user ``postgres`` when we are root)
    <state>/pg/run             unix socket folder
    <state>/pg/server.json     port, roles and the app role's password (mode 0600)
    <state>/logs/postgres.log  the server's output
    <state>/pids/postgres.pid  the postmaster PID (``sandbox.procs``)

When we run as root, ``initdb`` and ``postgres`` run as OS user ``postgres``, which must be able
to traverse ``state``. If it cannot (pytest's ``/tmp/pytest-of-root`` is mode 0700), ``<state>/pg``
is a symlink to ``$TMPDIR/lacrei-pg-<hash of state path>``; ``stop_cluster(state, remove=True)``
deletes that folder too, and a later start sweeps such folders whose state folder is gone.

Auth: on loopback (TCP 127.0.0.1 and the socket) the superuser ``postgres`` is trusted (no
password); every other role, notably the app's role ``consultas`` (LOGIN CREATEDB), needs its
SCRAM password, held in ``server.json`` and in ``PgServer.app_password``. So
``server.for_app().env(db)`` exercises the password-over-environment path (PGPASSWORD).

The server listens on 127.0.0.1 only, with fsync/full_page_writes/synchronous_commit off.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import psycopg2
from psycopg2 import sql

from sandbox import procs

PROC_NAME = "postgres"
OS_USER = "postgres"
SUPERUSER = "postgres"
APP_ROLE = "consultas"
FALLBACK_PARENT = Path(tempfile.gettempdir())
FALLBACK_PREFIX = "lacrei-pg-"
OWNER_FILE = "owner"  # in a fallback folder: the <state>/pg symlink that points to it
SPEED_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "128MB",
    "max_wal_size": "2GB",
    "log_min_messages": "warning",
}
HBA = """\
# TYPE  DATABASE  USER      ADDRESS        METHOD
local   all       postgres                 trust
host    all       postgres  127.0.0.1/32   trust
local   all       all                      scram-sha-256
host    all       all       127.0.0.1/32   scram-sha-256
"""


@dataclass
class PgServer:
    host: str
    port: int
    user: str
    password: str | None
    bindir: str
    app_user: str | None = None
    app_password: str | None = None

    def env(self, dbname: str | None = None) -> dict:
        """libpq variables to reach this server as ``user`` (merge into os.environ yourself)."""
        env = {"PGHOST": self.host, "PGPORT": str(self.port), "PGUSER": self.user}
        if self.password:
            env["PGPASSWORD"] = self.password
        if dbname:
            env["PGDATABASE"] = dbname
        return env

    def dsn(self, dbname: str) -> str:
        auth = quote(self.user, safe="")
        if self.password:
            auth += ":" + quote(self.password, safe="")
        return f"postgresql://{auth}@{self.host}:{self.port}/{quote(dbname, safe='')}"

    def for_app(self) -> PgServer:
        """The same server seen as the app's role (password auth); self if there is none."""
        if not self.app_user:
            return self
        return replace(self, user=self.app_user, password=self.app_password)

    def connect(self, dbname: str = "postgres", **kwargs):
        """A psycopg2 connection (autocommit) as ``user``."""
        conn = psycopg2.connect(host=self.host, port=self.port, user=self.user,
                                password=self.password, dbname=dbname, **kwargs)
        conn.autocommit = True
        return conn


# --- the cluster ---------------------------------------------------------------------------

def start_cluster(state: Path, port: int | None = None) -> PgServer:
    """Start (or reuse) the cluster of ``state``; returns once it accepts connections.

    Idempotent: a running cluster is returned as it is (``port`` is then ignored).
    """
    state = Path(state).resolve()
    running = _running_server(state)
    if running:
        return running
    root = _pg_root(state)
    data = root / "data"
    if not (data / "PG_VERSION").exists():
        _initdb(data)
    saved = _read_saved(root)
    server = _start_postmaster(state, root, port or _saved_port_if_free(saved), retry=port is None)
    server = _ensure_app_role(server, saved)
    _save(root, server)
    return server


def stop_cluster(state: Path, remove: bool = False, timeout: float = 30.0) -> None:
    """Fast-shutdown the cluster of ``state``; ``remove`` also deletes its files."""
    state = Path(state).resolve()
    root = state / "pg"
    pm_pid = _postmaster_pid(root / "data")
    if pm_pid:
        _fast_shutdown(pm_pid, timeout)
    procs.stop(PROC_NAME, state)
    if remove:
        _remove_root(root)


def external_server() -> PgServer | None:
    """The server named by DATABASE_URL or PGHOST (+ PGPORT/PGUSER/PGPASSWORD), if reachable."""
    server, dbname = _server_from_env(os.environ)
    if server is None:
        return None
    try:
        server.connect(dbname, connect_timeout=3).close()
    except psycopg2.OperationalError:
        return None
    return server


def create_database(server: PgServer, name: str, owner: str | None = None) -> None:
    """CREATE DATABASE ``name`` (OWNER ``owner``) unless it exists."""
    if query(server, "SELECT 1 FROM pg_database WHERE datname = %s", (name,)):
        return
    stmt = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if owner:
        stmt += sql.SQL(" OWNER {}").format(sql.Identifier(owner))
    query(server, stmt)


def drop_database(server: PgServer, name: str) -> None:
    """DROP DATABASE IF EXISTS ``name`` WITH (FORCE)."""
    query(server, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def bindir() -> str:
    """Folder of pg_dump/psql/initdb (``pg_config --bindir``)."""
    out = subprocess.run(["pg_config", "--bindir"], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def query(target: PgServer | str, stmt, params=None, dbname: str | None = None) -> list[tuple]:
    """Run one statement (autocommit) on ``target`` - a server (as its user, database ``dbname``,
    default postgres) or a connection URL; its rows, if any."""
    if isinstance(target, PgServer):
        conn = target.connect(dbname or "postgres")
    else:
        conn = psycopg2.connect(target, **({"dbname": dbname} if dbname else {}))
        conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(stmt, params)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


# --- internals -----------------------------------------------------------------------------


def _as_root() -> bool:
    return os.geteuid() == 0


def _running_server(state: Path) -> PgServer | None:
    root = state / "pg"
    saved = _read_saved(root)
    pm_pid = _postmaster_pid(root / "data")
    if not saved or not pm_pid or not procs.port_open(saved["port"]):
        return None
    if procs.read_pid(PROC_NAME, state) is None:
        procs.register(PROC_NAME, pm_pid, state)  # pidfile lost: adopt the postmaster
    return PgServer(**{**saved, "bindir": bindir()})


def _pg_root(state: Path) -> Path:
    """<state>/pg resolved: a folder, or a symlink to one the ``postgres`` user can reach."""
    link = state / "pg"
    state.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.is_dir():
        return link.resolve()
    if _as_root() and not _postgres_can_traverse(state):
        _sweep_orphans()
        target = FALLBACK_PARENT / f"{FALLBACK_PREFIX}{hashlib.sha1(str(state).encode()).hexdigest()[:12]}"
        target.mkdir(mode=0o700, exist_ok=True)
        link.symlink_to(target)
        (target / OWNER_FILE).write_text(str(link))
    else:
        link.mkdir(mode=0o700)
    (link / "run").mkdir(exist_ok=True)
    if _as_root():
        for path in (link.resolve(), link / "run"):
            shutil.chown(path, OS_USER, OS_USER)
    return link.resolve()


def _fallback_roots():
    """(fallback folder, the <state>/pg symlink that owns it) for each of ours."""
    for root in FALLBACK_PARENT.glob(f"{FALLBACK_PREFIX}*"):
        try:
            yield root, Path((root / OWNER_FILE).read_text())
        except OSError:
            continue  # being created, or not ours


def _sweep_orphans() -> None:
    """Delete fallback folders whose state folder is gone (pytest prunes old tmp dirs)."""
    for root, owner in _fallback_roots():
        if owner.is_symlink() or _postmaster_pid(root / "data"):
            continue
        shutil.rmtree(root, ignore_errors=True)


def remove_stopped_under(folder: Path) -> list[Path]:
    """Delete the fallback folders of stopped clusters whose state is inside ``folder`` (a test
    session's temporary folder, at its end: ``sandbox down`` keeps a cluster's files for the next
    ``up``, which a finished test session never makes). Returns the folders deleted."""
    folder = Path(folder).resolve()
    removed = []
    for root, owner in _fallback_roots():
        if not owner.is_relative_to(folder) or _postmaster_pid(root / "data"):
            continue
        shutil.rmtree(root, ignore_errors=True)
        if owner.is_symlink():
            owner.unlink()
        removed.append(root)
    return removed


def _postgres_can_traverse(path: Path) -> bool:
    return subprocess.run(["runuser", "-u", OS_USER, "--", "test", "-x", str(path)],
                          check=False).returncode == 0


def _as_postgres(argv: list[str]) -> list[str]:
    """argv run as OS user postgres when root; setpriv execs, so the PID stays the program's."""
    if not _as_root():
        return argv
    return ["setpriv", f"--reuid={OS_USER}", f"--regid={OS_USER}", "--init-groups", "--", *argv]


def _initdb(data: Path) -> None:
    argv = [f"{bindir()}/initdb", "-D", str(data), "-U", SUPERUSER, "-E", "UTF8",
            "--locale=C.UTF-8", "--auth=trust", "--no-sync"]
    done = subprocess.run(_as_postgres(argv), check=False, capture_output=True, text=True, cwd="/",
                          env=_pg_env())
    if done.returncode:
        raise RuntimeError(f"initdb failed (rc={done.returncode}): {done.stderr.strip()}")
    (data / "pg_hba.conf").write_text(HBA)


def _pg_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    env.update(LC_ALL="C.UTF-8", LANG="C.UTF-8")
    return env


def _start_postmaster(state: Path, root: Path, port: int | None, retry: bool) -> PgServer:
    """The postmaster on ``port`` (None: a free one), ready. With ``retry``, a port another process
    takes before the postmaster binds it is given up for another free one (``procs.spawn_server``)."""
    def argv(at: int) -> list[str]:
        settings = {**SPEED_SETTINGS, "listen_addresses": "127.0.0.1", "port": str(at),
                    "unix_socket_directories": str(root / "run")}
        args = [f"{bindir()}/postgres", "-D", str(root / "data")]
        for key, value in settings.items():
            args += ["-c", f"{key}={value}"]
        return _as_postgres(args)

    port, pid = procs.spawn_server(PROC_NAME, argv, env=_pg_env(), cwd="/", state=state, timeout=60,
                                   first_port=port, attempts=3 if retry else 1)
    server = PgServer("127.0.0.1", port, SUPERUSER, None, bindir())
    _wait_ready(server, pid, state)
    return server


def _wait_ready(server: PgServer, pid: int, state: Path, timeout: float = 60.0) -> None:
    """Until the listening postmaster accepts connections ("the database system is starting up")."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            server.connect(connect_timeout=2).close()
            return
        except psycopg2.OperationalError as exc:
            if time.monotonic() > deadline or not procs.pid_alive(pid):
                log = procs.log_dir(state) / f"{PROC_NAME}.log"
                raise RuntimeError(f"PostgreSQL not ready: {exc}; see {log}") from exc
            time.sleep(0.1)


def _ensure_app_role(server: PgServer, saved: dict | None) -> PgServer:
    password = (saved or {}).get("app_password") or secrets.token_urlsafe(18)
    verb = "ALTER" if query(server, "SELECT 1 FROM pg_roles WHERE rolname = %s", (APP_ROLE,)) else "CREATE"
    query(server, sql.SQL(verb + " ROLE {} LOGIN CREATEDB PASSWORD %s").format(sql.Identifier(APP_ROLE)),
           (password,))
    return replace(server, app_user=APP_ROLE, app_password=password)


def _saved_port_if_free(saved: dict | None) -> int | None:
    port = (saved or {}).get("port")
    return port if port and not procs.port_open(port) else None


def _save(root: Path, server: PgServer) -> None:
    path = root / "server.json"
    fields = {k: v for k, v in asdict(server).items() if k != "bindir"}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(fields, handle)


def _read_saved(root: Path) -> dict | None:
    try:
        return json.loads((root / "server.json").read_text())
    except (OSError, ValueError):
        return None


def _postmaster_pid(data: Path) -> int | None:
    try:
        pid = int((data / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None
    return pid if procs.pid_alive(pid) else None


def _fast_shutdown(pid: int, timeout: float) -> None:
    """SIGINT = fast shutdown (SIGTERM would wait for clients); SIGKILL after ``timeout``."""
    os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + timeout
    while procs.pid_alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)
    _reap(pid)


def _reap(pid: int) -> None:
    """Collect the exit status when the postmaster is our own child (no zombie left)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _remove_root(root: Path) -> None:
    if root.is_symlink():
        shutil.rmtree(root.resolve(), ignore_errors=True)
        root.unlink()
    else:
        shutil.rmtree(root, ignore_errors=True)


def _server_from_env(environ) -> tuple[PgServer | None, str]:
    url = environ.get("DATABASE_URL")
    if url:
        parts = urlsplit(url)
        server = PgServer(host=parts.hostname or "127.0.0.1", port=parts.port or 5432,
                          user=unquote(parts.username or "postgres"),
                          password=unquote(parts.password) if parts.password else None,
                          bindir=bindir())
        return server, unquote(parts.path.lstrip("/")) or "postgres"
    if environ.get("PGHOST"):
        server = PgServer(host=environ["PGHOST"], port=int(environ.get("PGPORT", "5432")),
                          user=environ.get("PGUSER", "postgres"),
                          password=environ.get("PGPASSWORD"), bindir=bindir())
        return server, environ.get("PGDATABASE", "postgres")
    return None, ""

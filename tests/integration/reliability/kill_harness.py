"""kill -9 anywhere: start a runbook, SIGKILL it when a condition holds, then check what it left.

A run is ``ansible-playbook`` started as a child of the test. Ansible's task workers put
themselves in sessions of their own (``WORKER_SESSION_ISOLATION``), so killing only the
playbook's process group would leave the worker - and the module and the pg_dump it runs - to
finish the task: not a crash. ``kill_tree`` therefore stops every process of the run's tree
(SIGSTOP, so nothing forks meanwhile), then SIGKILLs them all: the machine dying.

Kill points are conditions, never delays: a task's ``TASK [...]`` line in the run's output
(read line by line as ansible-playbook prints it), a program (pg_dump, pg_restore, manage.py
migrate, git ...) seen in /proc inside the run's tree, an App Runner operation IN_PROGRESS in
the emulator, a file or database appearing.

After each kill ``KillChecks`` asserts: every table holds the rows it had (count and md5 of the
rows in primary-key order, per table), any scratch database or partial backup left is one the
next run recognises as such and no list of backups offers it, and the service's lease (when
``/lacrei-rollback/leases/<service>`` exists in SSM) names the killed run and is stale (its pid
is dead on this host) or expires within its TTL. Each test records its figures (kills, rows
verified) in ``$KILL_FIGURES`` (JSON lines) when that is set, and prints them.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ansible_collections.lacrei.rollback.plugins.module_utils.pg_databases import leftovers
from ansible_collections.lacrei.rollback.plugins.modules.postgres_backup_info import list_backups

from sandbox import postgres
from tests.integration.sandbox_fixture import ANSIBLE_PLAYBOOK, PLAYBOOK_TIMEOUT, REPO, process_env

KILL_TIMEOUT = 900  # a kill point not reached within this is a failure (busy machine: generous)
POLL = 0.01
LEASE_PREFIX = "/lacrei-rollback/leases/"
LEASE_TTL_LIMIT = 6 * 3600  # no lease may claim longer than this


# -- the process tree ---------------------------------------------------------------------------
def _stat(pid: int) -> tuple[int, int, int] | None:
    """(ppid, pgid, start time) of ``pid``; None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), int(fields[2]), int(fields[19])


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            found += [int(child) for child in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
    except OSError:
        pass
    return found


def tree(root: int) -> dict[int, int]:
    """pid -> start time of ``root`` and all its descendants (walked through /proc/<pid>/task/*/children:
    a poll costs the size of the run's tree, not of the machine's process table)."""
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in found or (stat := _stat(pid)) is None:
            continue
        found[pid] = stat[2]
        todo.extend(_children(pid))
    return found


def cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _pidfd(pid: int, start: int) -> int | None:
    """A pidfd for ``pid`` if it is still the process that started at ``start`` (not a reused pid)."""
    try:
        fd = os.pidfd_open(pid)
    except OSError:
        return None
    stat = _stat(pid)
    if stat is None or stat[2] != start:
        os.close(fd)
        return None
    return fd


def kill_tree(root: int) -> int:
    """SIGSTOP every process of ``root``'s tree (so none forks or exits meanwhile) until no new one
    appears, then SIGKILL them all; how many. Signals go through pidfds: a pid reused by some other
    process after a scan is never signalled (the machine runs other tests' playbooks too)."""
    stopped: dict[int, int] = {}
    while True:
        new = False
        for pid, start in tree(root).items():
            if pid in stopped or (fd := _pidfd(pid, start)) is None:
                continue
            try:
                signal.pidfd_send_signal(fd, signal.SIGSTOP)
            except ProcessLookupError:
                os.close(fd)
                continue
            stopped[pid], new = fd, True
        if not new:
            break
    for fd in stopped.values():
        try:
            signal.pidfd_send_signal(fd, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.close(fd)
    return len(stopped)


def pid_alive(pid: int) -> bool:
    stat = _stat(pid)
    if stat is None:
        return False
    return "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


# -- a run -------------------------------------------------------------------------------------
class Run:
    """One ansible-playbook run whose output is read line by line as it comes."""

    def __init__(self, box_state: Path, argv: list[str], extra_env: dict | None = None):
        env = dict(process_env(box_state), PYTHONUNBUFFERED="1", **(extra_env or {}))
        # Not a process group leader of its own: ``sandbox down`` of any sandbox on the machine
        # SIGTERMs/SIGKILLs the process *groups* its pid files name, and a stale pid file whose pid the
        # kernel reused for a group leader kills that stranger. kill_tree finds the run by its tree.
        self.proc = subprocess.Popen([ANSIBLE_PLAYBOOK, *argv], cwd=REPO, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.pid = self.proc.pid
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def out(self) -> str:
        return "\n".join(self.lines)

    def finish(self, timeout: float = PLAYBOOK_TIMEOUT) -> int:
        rc = self.proc.wait(timeout=timeout)
        self.reader.join(timeout=10)
        return rc


# -- kill points ---------------------------------------------------------------------------------
@dataclass
class Point:
    """A named condition on a running ``Run``. ``attempts`` > 1 for a window so short that a poll can
    miss it on a busy machine (pg_restore --list of a small archive): the run is tried again, and a
    run that ended before the point counts as a re-run that must succeed."""
    name: str
    holds: object  # callable(Run) -> bool
    attempts: int = 1

    def __call__(self, run: Run) -> bool:
        return bool(self.holds(run))


def task_started(name: str) -> Point:
    """The run printed the header of a task whose name contains ``name``."""
    return Point(f"task '{name}' started",
                 lambda run: any(line.startswith("TASK [") and name in line for line in list(run.lines)))


def program_running(*words: str, attempts: int = 1) -> Point:
    """A process of the run's tree whose argv holds every one of ``words`` (a basename or an argument)."""
    def holds(run: Run) -> bool:
        for pid in tree(run.pid):
            argv = cmdline(pid)
            tokens = set(argv) | {os.path.basename(arg) for arg in argv}
            if argv and all(word in tokens for word in words):
                return True
        return False
    return Point(f"{' '.join(words)} running", holds, attempts)


def operation_in_progress(box) -> Point:
    return Point("App Runner operation IN_PROGRESS", lambda run: box.service()["Status"] == "OPERATION_IN_PROGRESS")


def both(first: Point, second: Point, attempts: int = 1) -> Point:
    return Point(f"{first.name}, then {second.name}", lambda run: first(run) and second(run), attempts)


def when(name: str, check) -> Point:
    """Any other condition (``check()`` with no argument)."""
    return Point(name, lambda run: check())


@dataclass
class Kill:
    point: str
    pid: int
    processes: int
    out: str


def run_and_kill(box_state: Path, playbook: str, args: list[str], point: Point) -> Kill:
    """Start the playbook, SIGKILL its whole tree as soon as ``point`` holds; fails when every
    attempt ended before (a kill point that is never reached tests nothing)."""
    for attempt in range(1, point.attempts + 1):
        try:
            return _run_and_kill(box_state, playbook, args, point)
        except RunEnded as ended:
            if attempt == point.attempts or ended.rc != 0:
                raise
    raise AssertionError("unreachable")


class RunEnded(AssertionError):
    def __init__(self, message: str, rc: int | None):
        super().__init__(message)
        self.rc = rc


def _run_and_kill(box_state: Path, playbook: str, args: list[str], point: Point) -> Kill:
    run = Run(box_state, [f"playbooks/{playbook}", *args])
    deadline = time.monotonic() + KILL_TIMEOUT
    timed_out = False
    try:
        while run.proc.poll() is None and time.monotonic() < deadline:
            if point(run):
                processes = kill_tree(run.pid)
                run.finish(timeout=30)
                return Kill(point.name, run.pid, processes, run.out)
            time.sleep(POLL)
    finally:
        if run.proc.poll() is None:
            timed_out = True
            kill_tree(run.pid)
            run.finish(timeout=30)
    ended = f"was still running after {KILL_TIMEOUT} s" if timed_out else f"ended (rc {run.proc.returncode})"
    raise RunEnded(f"{playbook}: the run {ended} before '{point.name}':\n{run.out[-3000:]}",
                   None if timed_out else run.proc.returncode)


def run_playbook(box_state: Path, playbook: str, args: list[str]) -> tuple[int, str]:
    run = Run(box_state, [f"playbooks/{playbook}", *args])
    try:
        rc = run.finish(timeout=KILL_TIMEOUT)  # an emergency on a busy machine outlasts PLAYBOOK_TIMEOUT
    finally:
        if run.proc.poll() is None:
            kill_tree(run.pid)
    return rc, run.out


# -- what a kill may leave -------------------------------------------------------------------------
def table_digests(url: str) -> dict:
    """table -> (rows, md5 of the rows as text in primary-key order) for every table of schema public."""
    keys = postgres.query(url, """
        SELECT c.relname, coalesce((SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.n)
                                    FROM pg_index i CROSS JOIN unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
                                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                                    WHERE i.indrelid = c.oid AND i.indisprimary), 't::text')
        FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
        WHERE s.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1""")
    if not keys:
        return {}
    parts = [f"SELECT {postgres_literal(table)}, count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY {order}), ''))"
             f" FROM public.{quote_ident(table)} AS t" for table, order in keys]
    return {table: (rows, digest) for table, rows, digest in postgres.query(url, "\nUNION ALL\n".join(parts))}


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def postgres_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class Figures:
    runbook: str
    kills: list = field(default_factory=list)
    rows_verified: int = 0
    tables_verified: int = 0
    reruns: int = 0

    def record(self) -> dict:
        line = dict(runbook=self.runbook, kills=len(self.kills), points=self.kills, rows_verified=self.rows_verified,
                    tables_verified=self.tables_verified, reruns=self.reruns)
        print(f"kill figures: {json.dumps(line)}")
        target = os.environ.get("KILL_FIGURES")
        if target:
            with open(target, "a", encoding="utf-8") as out:
                out.write(json.dumps(line) + "\n")
        return line


class KillChecks:
    """The checks after every kill, on one sandbox (``box``) or none (git only: ``box=None``)."""

    def __init__(self, box, runbook: str):
        self.box = box
        self.figures = Figures(runbook)
        if box is not None:
            self.url = box.env["DATABASE_URL"]
            self.database = box.env["PGDATABASE"]
            self.backup_dir = box.state / "backups"
            self.service = box.env["APPRUNNER_SERVICE_NAME"]
            self.ssm = box.client("ssm", "AWS_ENDPOINT_URL_SSM")

    # -- the database ------------------------------------------------------------------
    def digests(self) -> dict:
        return table_digests(self.url)

    def assert_rows(self, *allowed: dict, ignore: tuple = ()) -> dict:
        """Every table as in one of ``allowed`` (tables in ``ignore`` left out); the digests now."""
        now = self.digests()
        kept = {table: value for table, value in now.items() if table not in ignore}
        options = [{table: value for table, value in state.items() if table not in ignore} for state in allowed]
        if kept not in options:
            diff = {table: (kept.get(table), [option.get(table) for option in options])
                    for table in set(kept).union(*options) if any(kept.get(table) != o.get(table) for o in options)}
            raise AssertionError(f"rows changed by the kill: table -> (now, allowed): {diff}")
        self.figures.rows_verified += sum(rows for rows, _digest in now.values())
        self.figures.tables_verified += len(now)
        return now

    # -- scratch databases and partial backups ------------------------------------------
    def scratch_databases(self) -> list[str]:
        rows = postgres.query(self.url, "SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY 1",
                              (self.database.replace("_", r"\_") + r"\_restore\_%",))
        return [name for (name,) in rows]

    def partial_backups(self) -> list[str]:
        return sorted(path.name for path in self.backup_dir.glob(".backup_*")) if self.backup_dir.exists() else []

    def listed_backups(self) -> list[dict]:
        """What postgres_backup_info lists (verified against the manifests), newest first."""
        if not self.backup_dir.exists():
            return []
        return list_backups({"backup_dir": str(self.backup_dir), "database": None, "verify": True})

    def assert_nothing_taken_as_valid(self) -> None:
        """A scratch database left is one the next restore drops as a leftover; no listed backup is partial
        and every listed backup verifies against its manifest."""
        scratch = self.scratch_databases()
        assert scratch == sorted(leftovers(_Databases(self.url), self.database)), scratch
        for entry in self.listed_backups():
            name = os.path.basename(entry["backup_path"])
            assert not name.startswith(".") and ".partial-" not in name, entry
            assert entry["manifest"] is not None and entry["verified"] is True, entry

    def assert_clean(self) -> None:
        """After a successful re-run: no scratch database, no partial backup at all."""
        assert self.scratch_databases() == []
        assert self.partial_backups() == []

    # -- the lease ------------------------------------------------------------------------
    def assert_lease_released_or_stale(self, kill: Kill) -> None:
        try:
            check_lease(self.ssm, self.service, kill.pid)
        except AssertionError as failed:  # say where the run was killed and what it said of the lease
            said = [line for line in kill.out.splitlines() if "lease" in line.lower()]
            raise AssertionError(f"{failed}\nkilled at '{kill.point}' (pid {kill.pid}); its lease lines:\n"
                                 + "\n".join(said[-20:]) + "\n... its output's end:\n" + kill.out[-2500:]) from None

    def after_kill(self, kill: Kill, *allowed: dict, ignore: tuple = ()) -> dict:
        """Every check after a kill; the digests now. Counts the kill."""
        assert not pid_alive(kill.pid)
        now = self.assert_rows(*allowed, ignore=ignore)
        self.assert_nothing_taken_as_valid()
        self.assert_lease_released_or_stale(kill)
        self.figures.kills.append(kill.point)
        return now


def check_lease(ssm, service: str, killed_pid: int) -> dict | None:
    """The lease contract after a kill: ``/lacrei-rollback/leases/<service>`` is gone, or it names the
    killed run and is stale (its pid dead on this host) or expires within its TTL. The lease, if any."""
    try:
        value = ssm.get_parameter(Name=LEASE_PREFIX + service)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        return None
    lease = json.loads(value)
    assert lease["pid"] == killed_pid, f"the lease is not the killed run's: {lease}"
    expires = datetime.fromisoformat(lease["expires"].replace("Z", "+00:00"))
    started = datetime.fromisoformat(lease["started"].replace("Z", "+00:00"))
    now = datetime.now(timezone.utc)
    stale = lease.get("host") == socket.gethostname() and not pid_alive(int(lease["pid"]))
    expiring = now < expires and (expires - started).total_seconds() <= LEASE_TTL_LIMIT
    assert stale or expiring, f"the killed run's lease neither expires nor is stale: {lease}"
    return lease


class _Databases:
    """What ``pg_databases.leftovers`` needs of a Postgres connection: the list of databases."""

    def __init__(self, url: str):
        self.url = url

    def databases(self) -> list[dict]:
        return [{"name": name} for (name,) in postgres.query(self.url, "SELECT datname FROM pg_database")]

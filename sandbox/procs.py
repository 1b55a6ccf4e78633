"""Background processes of the sandbox: start detached, record a pidfile, stop by PID.

Every long-running process the sandbox starts (moto, the App Runner emulator, PostgreSQL,
the sample API's workers, the service URL proxy) is registered here as
``<state>/pids/<name>.pid`` so that ``sandbox down`` can stop all of them, and only them.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def state_dir() -> Path:
    """The sandbox state folder: $SANDBOX_DIR or <repo>/.sandbox."""
    return Path(os.environ.get("SANDBOX_DIR") or REPO_ROOT / ".sandbox").resolve()


def pid_dir(state: Path | None = None) -> Path:
    path = (state or state_dir()) / "pids"
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir(state: Path | None = None) -> Path:
    path = (state or state_dir()) / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


class PortTaken(RuntimeError):
    """Another process listens on the port a server of the sandbox was started on."""


def free_port(host: str = "127.0.0.1") -> int:
    """A port free now. Racy by nature: another process may take it before the caller binds it.
    Servers the sandbox starts use ``listening_socket`` (handed over) or ``spawn_server`` (checked)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def listening_socket(host: str = "127.0.0.1") -> socket.socket:
    """A socket bound to a free port of ``host`` and listening. Hand it to the server
    (``spawn(..., pass_fds=[sock.fileno()])``, then close it here): the port is never free between
    choosing it and serving on it, and connections made meanwhile wait in its backlog."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((host, 0))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(port: int, host: str = "127.0.0.1", timeout: float = 30.0, pid: int | None = None) -> None:
    """Return once ``port`` listens; with ``pid``, once it listens in ``pid``'s session (a listener
    of another process does not count). Raises ``PortTaken`` when ``pid`` exits while another process
    holds the port, RuntimeError when it exits otherwise, TimeoutError at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port, host) and (pid is None or serves(port, pid) is not False):
            return
        if pid is not None and not pid_alive(pid):
            if port_open(port, host):
                raise PortTaken(f"process {pid} exited: another process listens on {host}:{port}")
            raise RuntimeError(f"process {pid} exited before listening on {host}:{port}")
        time.sleep(0.05)
    if pid is not None and port_open(port, host):
        raise PortTaken(f"another process than {pid} listens on {host}:{port} after {timeout:.0f}s")
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.0f}s")


def serves(port: int, pid: int) -> bool | None:
    """Whether the socket listening on ``port`` belongs to ``pid`` or a process of its session (every
    process ``spawn`` starts leads one). None when this cannot be told (no /proc, another user's
    processes unreadable): callers then trust that the port answers."""
    inodes = _listening_inodes(port)
    if inodes is None:
        return None
    if not inodes:
        return False
    wanted = {f"socket:[{inode}]" for inode in inodes}
    unreadable = False
    for member in session_members(pid):
        try:
            fds = os.listdir(f"/proc/{member}/fd")
        except PermissionError:
            unreadable = True
            continue
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{member}/fd/{fd}") in wanted:
                    return True
            except OSError:
                continue
    return None if unreadable else False


def _listening_inodes(port: int) -> set[str] | None:
    """Inodes of the TCP sockets in LISTEN state on ``port`` (any address), None without /proc/net."""
    inodes: set[str] = set()
    readable = False
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as handle:
                lines = handle.read().splitlines()[1:]
        except OSError:
            continue
        readable = True
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes if readable else None


def session_members(pid: int) -> set[int]:
    """``pid`` and every process whose session ``pid`` leads (field 6 of /proc/<pid>/stat)."""
    members = {pid}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as handle:
                if int(handle.read().rsplit(")", 1)[-1].split()[3]) == pid:
                    members.add(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    return members


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); treat it as gone.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (/proc/<pid>/stat field 22), or None."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return int(handle.read().rsplit(")", 1)[-1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def read_pid(name: str, state: Path | None = None) -> int | None:
    """The live PID recorded as ``name``, or None.

    A pidfile holds ``<pid> <start time>``: a PID the kernel has since given to another process
    (the sandbox's process died, the machine rebooted) has another start time and is not ours,
    so nothing stops or adopts a stranger. A file with the PID alone (older sandboxes) is trusted.
    """
    path = pid_dir(state) / f"{name}.pid"
    try:
        fields = path.read_text().split()
        pid = int(fields[0])
        recorded = int(fields[1]) if len(fields) > 1 else None
    except (OSError, ValueError, IndexError):
        return None
    if not pid_alive(pid):
        return None
    if recorded is not None and start_time(pid) != recorded:
        return None
    return pid


def spawn(name: str, argv: list[str], *, env: dict | None = None, cwd: str | Path | None = None,
          state: Path | None = None, user: str | None = None, pass_fds: tuple[int, ...] = ()) -> int:
    """Start ``argv`` detached in its own session, log to logs/<name>.log, record its PID.

    ``user`` runs it as another OS user (``runuser -u USER --``), used for PostgreSQL when
    the caller is root. ``pass_fds``: descriptors the process inherits (``listening_socket``).
    """
    if user and os.geteuid() == 0:
        argv = ["runuser", "-u", user, "--", *argv]
    log_path = log_dir(state) / f"{name}.log"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(  # noqa: S603 - argv list, no shell
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env=env, cwd=cwd, start_new_session=True, pass_fds=pass_fds,
        )
    register(name, proc.pid, state)
    return proc.pid


def spawn_server(name: str, argv_for_port, *, env: dict | None = None, cwd: str | Path | None = None,
                 state: Path | None = None, timeout: float = 30.0, attempts: int = 3,
                 first_port: int | None = None) -> tuple[int, int]:
    """Start a server that binds the port it is given (``argv_for_port(port)``) on ``first_port`` or
    a free port, and wait until it listens there itself; (port, pid). Another process may take the
    port before the server binds it: then it is started again on a free port, up to ``attempts`` times
    (``attempts=1``: a port that must be kept, e.g. a URL already handed out, raises ``PortTaken``)."""
    attempt = 1
    while True:
        port = first_port if attempt == 1 and first_port else free_port()
        pid = spawn(name, argv_for_port(port), env=env, cwd=cwd, state=state)
        try:
            wait_for_port(port, pid=pid, timeout=timeout)
            return port, pid
        except PortTaken:
            stop(name, state)
            if attempt >= attempts:
                raise
            attempt += 1


def register(name: str, pid: int, state: Path | None = None) -> None:
    started = start_time(pid)
    (pid_dir(state) / f"{name}.pid").write_text(f"{pid} {started}\n" if started is not None else f"{pid}\n")


def stop(name: str, state: Path | None = None, timeout: float = 10.0) -> bool:
    """Stop the process group recorded as ``name``; True when something was stopped."""
    path = pid_dir(state) / f"{name}.pid"
    pid = read_pid(name, state)
    stopped = False
    if pid is not None:
        stop_pid(pid, timeout)
        stopped = True
    path.unlink(missing_ok=True)
    return stopped


def stop_pid(pid: int, timeout: float = 10.0) -> None:
    """SIGTERM the process group of ``pid`` (it leads its own session), SIGKILL after timeout."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        except PermissionError:
            os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            _reap(pid)
            if not pid_alive(pid):
                return
            time.sleep(0.05)


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def stop_all(state: Path | None = None, timeout: float = 10.0) -> list[str]:
    """Stop every registered process, newest registration first. Returns the names stopped."""
    pids = sorted(pid_dir(state).glob("*.pid"), key=lambda p: p.stat().st_mtime, reverse=True)
    stopped = []
    for path in pids:
        if stop(path.stem, state, timeout):
            stopped.append(path.stem)
    return stopped

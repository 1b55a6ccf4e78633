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


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(port: int, host: str = "127.0.0.1", timeout: float = 30.0, pid: int | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port, host):
            return
        if pid is not None and not pid_alive(pid):
            raise RuntimeError(f"process {pid} exited before listening on {host}:{port}")
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.0f}s")


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
          state: Path | None = None, user: str | None = None) -> int:
    """Start ``argv`` detached in its own session, log to logs/<name>.log, record its PID.

    ``user`` runs it as another OS user (``runuser -u USER --``), used for PostgreSQL when
    the caller is root.
    """
    if user and os.geteuid() == 0:
        argv = ["runuser", "-u", user, "--", *argv]
    log_path = log_dir(state) / f"{name}.log"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(  # noqa: S603 - argv list, no shell
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env=env, cwd=cwd, start_new_session=True,
        )
    register(name, proc.pid, state)
    return proc.pid


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

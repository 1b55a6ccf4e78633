"""Run one playbook through ansible-runner in a private directory, and describe what happened.

Each run gets its own private data directory (``mkdtemp``, mode 0700) under ``runs_dir``; only
the newest ``keep_runs`` finished runs are kept. Nothing secret is written: ``env/`` files are
suppressed, secret-looking variables of the caller's environment and the explicit secrets reach
ansible-playbook through the launcher's in-memory handshake (see ``_launch.py``).
"""
from __future__ import annotations

import logging
import os
import re
import shlex
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ansible_runner
import pexpect

from lacrei_rollback import _launch, secrets as secret_env
from lacrei_rollback.errors import error_for
from lacrei_rollback.results import RunResult, build_result

LOG = logging.getLogger(__name__)
EventHandler = Callable[[dict[str, Any]], Any]
DEFAULT_TIMEOUT = 1800
POLL_SECONDS = 0.25


@dataclass(frozen=True)
class Control:
    """How one run is watched: streaming, cancelling, its time limit, and whether to raise.

    ``event_handler`` gets every event as it happens; ``cancel`` is a threading.Event (or a
    callable returning True) that stops the run; ``timeout`` (seconds) always applies.
    """

    event_handler: EventHandler | None = None
    cancel: threading.Event | Callable[[], bool] | None = None
    timeout: int = DEFAULT_TIMEOUT
    raise_on_failure: bool = True

    def cancelled(self) -> bool:
        if self.cancel is None:
            return False
        return self.cancel.is_set() if isinstance(self.cancel, threading.Event) else bool(self.cancel())


@dataclass(frozen=True)
class Job:
    """What to run: a playbook with its inventory, variables and environment."""

    runbook: str
    playbook: Path
    project_dir: Path
    inventory: Path
    extravars: Mapping[str, Any] = field(default_factory=dict)
    environment: Mapping[str, str] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    check: bool = False
    limit: str | None = None


def default_runs_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"lacrei-rollback-runs-{os.getuid()}"


def _command_line(job: Job) -> str:
    from lacrei_rollback.project import tool

    words = [_launch.__file__, tool("ansible-playbook"), str(job.playbook)]
    if job.check:
        words.append("--check")
    return shlex.join(words)


def _environment(job: Job, private: Path) -> dict[str, str]:
    from lacrei_rollback.project import ansible_environment

    venv_bin = str(Path(sys.executable).parent)
    return {**job.environment,
            **ansible_environment(job.project_dir),
            "ANSIBLE_LOCAL_TEMP": str(private / "tmp"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_DISPLAY_ARGS_TO_STDOUT": "0",
            "PATH": os.pathsep.join([venv_bin, os.environ.get("PATH", os.defpath)])}


class _Events:
    """Collects events in memory and hands each to the caller's handler."""

    def __init__(self, handler: EventHandler | None):
        self.handler = handler
        self.items: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any]) -> bool:
        self.items.append(event)
        if self.handler is not None:
            try:
                self.handler(event)
            except Exception:  # a broken observer must not break the rollback
                LOG.exception("event handler failed on %s", event.get("event"))
        return True


def _prepare(job: Job, control: Control, private: Path, events: _Events, keep_runs: int):
    runner = ansible_runner.interface.init_runner(
        private_data_dir=str(private), project_dir=str(job.project_dir), inventory=str(job.inventory),
        binary=sys.executable, cmdline=_command_line(job), extravars=dict(job.extravars), limit=job.limit,
        envvars=_environment(job, private), suppress_env_files=True, rotate_artifacts=max(keep_runs, 1),
        timeout=control.timeout, quiet=True, event_handler=events, cancel_callback=control.cancelled)
    config = runner.config
    hidden = secret_env.split_environment(config.env)
    # runner answers the launcher's prompt from memory (its "passwords" mechanism)
    config.expect_passwords = {re.compile(_launch.PROMPT_PATTERN, re.M): _launch.encode({**hidden, **job.secrets}),
                               pexpect.TIMEOUT: None, pexpect.EOF: None}
    config.pexpect_timeout = POLL_SECONDS
    return runner


def run_job(job: Job, control: Control, runs_dir: Path | None = None, keep_runs: int = 10) -> RunResult:
    """Run ``job``; return its result, or raise the matching RunbookError (unless told not to)."""
    root = runs_dir or default_runs_dir()
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    private = Path(tempfile.mkdtemp(prefix=f"{job.runbook}-", dir=root))
    (private / "tmp").mkdir(mode=0o700)
    events = _Events(control.event_handler)
    started = time.monotonic()
    runner = _prepare(job, control, private, events, keep_runs)
    status, rc = runner.run()
    result = build_result(job.runbook, status, rc, time.monotonic() - started, events.items,
                          Path(runner.config.artifact_dir), private)
    rotate(root, keep_runs, keep=private)
    error = error_for(result)
    if error is not None and control.raise_on_failure:
        raise error
    return result


def _finished(run_dir: Path) -> bool:
    return any(run_dir.glob("artifacts/*/status"))


def rotate(root: Path, keep_runs: int, keep: Path | None = None) -> list[Path]:
    """Delete finished runs beyond the newest ``keep_runs`` (never a running one, never ``keep``)."""
    finished = sorted((path for path in root.iterdir() if path.is_dir() and _finished(path)),
                      key=lambda path: path.stat().st_mtime, reverse=True)
    removed = [path for path in finished[keep_runs:] if path != keep]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed

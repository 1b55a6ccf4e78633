# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one command runner: ``module.run_command`` with an argv list, secrets in the environment.

``run()`` raises ``CommandFailed`` (an ``ActionFailed``) carrying ``rc``, ``stdout``, ``stderr``
and ``cmd`` so a module reports them through ``fail_on_error`` once. Secrets travel in
``env`` (``environ_update``), never in argv, so ``cmd`` is always safe to show.
"""
from __future__ import annotations

import re
import shlex
import time
from dataclasses import dataclass

from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed

OUTPUT_TAIL = 4000  # characters of stdout/stderr kept in an error
ERROR_WORDS = re.compile(r"\b(error|fatal|panic)\b", re.IGNORECASE)
PYTHON_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Failure)\b.*:")


class CommandFailed(ActionFailed):
    """A program exited non-zero; ``msg`` says what we were doing."""


@dataclass
class CommandResult:
    rc: int
    stdout: str
    stderr: str
    cmd: str
    seconds: float


def display(argv: list[str]) -> str:
    """argv as one shell-quoted line (for ``cmd`` in results)."""
    return " ".join(shlex.quote(str(arg)) for arg in argv)


def run(module, argv: list[str], action: str, env: dict | None = None, cwd: str | None = None,
        data: str | None = None, check: bool = True, shown_argv: list[str] | None = None) -> CommandResult:
    """Run ``argv``; on non-zero exit (when ``check``) raise ``CommandFailed("Failed to <action>")``.

    ``shown_argv`` replaces argv in ``cmd`` when argv carries something long (a script).
    """
    argv = [str(arg) for arg in argv]
    started = time.monotonic()
    rc, out, err = module.run_command(argv, check_rc=False, environ_update=env or {}, cwd=cwd,
                                      data=data, expand_user_and_vars=False,
                                      errors="surrogate_or_replace")
    result = CommandResult(rc, out, err, display(shown_argv or argv), time.monotonic() - started)
    if check and rc != 0:
        raise failure(action, result)
    return result


def failure(action: str, result: CommandResult) -> CommandFailed:
    """The CommandFailed for ``result``: the last stderr line in ``msg``, details beside it."""
    reason = error_line(result.stderr) or error_line(result.stdout) or f"exit code {result.rc}"
    return CommandFailed(f"Failed to {action}: {reason}", rc=result.rc, cmd=result.cmd,
                         stdout=result.stdout[-OUTPUT_TAIL:], stderr=result.stderr[-OUTPUT_TAIL:])


def error_line(text: str) -> str:
    """The first line that says error/FATAL (libpq, pg_dump, Django), else the last line."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if any(line.startswith("Traceback") for line in lines):
        return next((line for line in reversed(lines) if PYTHON_EXCEPTION.match(line)), lines[-1])
    for line in lines:
        if ERROR_WORDS.search(line):
            return line
    return lines[-1] if lines else ""

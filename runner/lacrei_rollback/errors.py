"""The exceptions the API raises: one for a bad argument, one family for a run that did not succeed.

Every run error carries the run's :class:`~lacrei_rollback.results.RunResult` (status, rc, the
failing task and its message, outputs, events), so a caller that catches it loses nothing.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from lacrei_rollback.results import RunResult


class InvalidArgument(ValueError):
    """An argument was rejected before anything ran (no playbook was started)."""


class RunbookError(Exception):
    """A runbook ran and did not succeed; ``result`` holds everything that is known about it."""

    def __init__(self, result: RunResult):
        self.result = result
        super().__init__(self._describe(result))

    @staticmethod
    def _describe(result: RunResult) -> str:
        text = f"{result.runbook}: {result.status} (rc={result.rc})"
        failed = result.failed_task
        if failed is not None and failed.task:
            text += f"; task {failed.task!r} on {failed.host}: {failed.message}"
        elif failed is not None:
            text += f": {failed.message}"
        return text


class Refused(RunbookError):
    """The runbook's preflight or production gate refused to act; nothing was changed."""


class PlaybookFailed(RunbookError):
    """A task failed (or a host was unreachable) while the runbook was acting."""


class TimedOut(RunbookError):
    """The run went past its timeout and was stopped."""


class Cancelled(RunbookError):
    """The run was cancelled by the caller (cancel event or cancel callback)."""


STATUS_ERRORS: dict[str, type[RunbookError]] = {
    "refused": Refused,
    "failed": PlaybookFailed,
    "timeout": TimedOut,
    "canceled": Cancelled,
}


def error_for(result: RunResult) -> RunbookError | None:
    """The exception that describes ``result``, or None when it succeeded."""
    kind = STATUS_ERRORS.get(result.status)
    return kind(result) if kind else None

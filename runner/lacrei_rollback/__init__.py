"""Python API over ansible-runner for the lacrei.rollback runbooks.

>>> from lacrei_rollback import Client
>>> Client("sandbox").list_images()          # doctest: +SKIP
"""
from lacrei_rollback.errors import (Cancelled, InvalidArgument, PlaybookFailed, Refused, RunbookError,
                                    TimedOut)
from lacrei_rollback.execution import Control
from lacrei_rollback.project import ProjectNotFound
from lacrei_rollback.results import FailedTask, HostOutcome, RunResult
from lacrei_rollback.runbooks import Client, runbook_names

__version__ = "0.1.0"
__all__ = ["Cancelled", "Client", "Control", "FailedTask", "HostOutcome", "InvalidArgument", "PlaybookFailed",
           "ProjectNotFound", "Refused",
           "RunResult", "RunbookError", "TimedOut", "runbook_names"]

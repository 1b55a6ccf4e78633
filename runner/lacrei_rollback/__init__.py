"""Python API over ansible-runner for the lacrei.rollback runbooks.

>>> from lacrei_rollback import Client
>>> Client("sandbox").list_images()          # doctest: +SKIP
"""
from lacrei_rollback.errors import (Cancelled, InvalidArgument, PlaybookFailed, Refused, RunbookError,
                                    TimedOut)
from lacrei_rollback.execution import Control
from lacrei_rollback.results import FailedTask, HostOutcome, RunResult

__version__ = "0.1.0"
__all__ = ["Cancelled", "Control", "FailedTask", "HostOutcome", "InvalidArgument", "PlaybookFailed", "Refused",
           "RunResult", "RunbookError", "TimedOut"]

"""Fault injection, set through ``POST /_emulator/faults`` (not part of the AWS API).

Body keys (all optional; each one given replaces the current value):

- ``throttle``: N -> the next N AWS calls answer 400 ``ThrottlingException``;
- ``internal_error``: N -> the next N AWS calls answer 500 ``InternalServiceErrorException``;
- ``fail_next_deployment``: true or N -> the next (N) deployments fail their health check and
  end ``ROLLBACK_SUCCEEDED`` (``FAILED`` / ``CREATE_FAILED`` for a CreateService);
- ``deploy_seconds``: S -> how long each operation stays in progress from now on;
- ``apply_then_500``: N -> the next N write calls (any operation but Describe*/List*) are
  applied, then answer 500 ``InternalServiceErrorException``: the change happened, the caller
  is told it failed (an answer lost on the way back);
- ``apply_then_drop``: N -> the same, but the connection is closed without any answer.

Faults live in memory only: a restart (or ``POST /_emulator/reset``) clears them and puts
``deploy_seconds`` back to ``--deploy-seconds``.
"""
from __future__ import annotations

import threading

from .errors import ApiError, internal_error, invalid_request, throttled

COUNTERS = ("throttle", "internal_error", "fail_next_deployment", "apply_then_500", "apply_then_drop")
READ_PREFIXES = ("Describe", "List")


class DropConnection(Exception):
    """Close the connection without answering (the request was applied)."""


class Faults:
    def __init__(self, deploy_seconds: float):
        self._lock = threading.Lock()
        self.deploy_seconds = float(deploy_seconds)
        self.counters = dict.fromkeys(COUNTERS, 0)

    def configure(self, body: dict) -> dict:
        unknown = set(body) - set(COUNTERS) - {"deploy_seconds"}
        if unknown:
            raise invalid_request(f"Unknown fault(s): {', '.join(sorted(unknown))}")
        with self._lock:
            for name in COUNTERS:
                if name in body:
                    self.counters[name] = _count(name, body[name])
            if "deploy_seconds" in body:
                self.deploy_seconds = _seconds(body["deploy_seconds"])
        return self.snapshot()

    def snapshot(self) -> dict:
        with self._lock:
            return {**self.counters, "deploy_seconds": self.deploy_seconds}

    def reset(self, deploy_seconds: float) -> None:
        with self._lock:
            self.counters = dict.fromkeys(COUNTERS, 0)
            self.deploy_seconds = float(deploy_seconds)

    def request_fault(self) -> ApiError | None:
        """The error the current AWS call must answer, consuming one injected fault."""
        if self._take("throttle"):
            return throttled()
        if self._take("internal_error"):
            return internal_error("Injected internal error")
        return None

    def after_apply(self, operation_name: str) -> None:
        """Raise the injected failure for a write that was just applied, consuming it."""
        if operation_name.startswith(READ_PREFIXES):
            return
        if self._take("apply_then_500"):
            raise internal_error(f"Injected: {operation_name} was applied, then its answer failed")
        if self._take("apply_then_drop"):
            raise DropConnection(operation_name)

    def deployment_fails(self) -> bool:
        return self._take("fail_next_deployment")

    def _take(self, name: str) -> bool:
        with self._lock:
            if self.counters[name] <= 0:
                return False
            self.counters[name] -= 1
            return True


def _count(name: str, value) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and value >= 0:
        return value
    raise invalid_request(f"Fault {name} must be a non-negative integer or a boolean")


def _seconds(value) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    raise invalid_request("Fault deploy_seconds must be a non-negative number")

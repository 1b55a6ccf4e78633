"""Fault injection, set through ``POST /_emulator/faults`` (not part of the AWS API).

Body keys (all optional; each one given replaces the current value):

- ``throttle``: N -> the next N AWS calls answer 400 ``ThrottlingException``;
- ``internal_error``: N -> the next N AWS calls answer 500 (App Runner
  ``InternalServiceErrorException``, ECS ``ServerException``);
- ``fail_next_deployment``: true or N -> the next (N) deployments fail their health check (App
  Runner: they end ``ROLLBACK_SUCCEEDED``, ``FAILED`` / ``CREATE_FAILED`` for a CreateService;
  ECS: every task of the deployment fails, see ``sandbox.ecs.lifecycle``);
- ``deploy_seconds``: S -> how long each operation stays in progress from now on;
- ``apply_then_500``: N -> the next N write calls (any operation but Describe*/List*) are
  applied, then answer 500 (the internal error above): the change happened, the caller
  is told it failed (an answer lost on the way back);
- ``apply_then_drop``: N -> the same, but the connection is closed without any answer.

Faults live in memory only: a restart (or ``POST /_emulator/reset``) clears them and puts
``deploy_seconds`` back to ``--deploy-seconds``.
"""
from __future__ import annotations

import threading
from collections.abc import Callable

from .errors import ApiError

COUNTERS = ("throttle", "internal_error", "fail_next_deployment", "apply_then_500", "apply_then_drop")
READ_PREFIXES = ("Describe", "List")


class DropConnection(Exception):
    """Close the connection without answering (the request was applied)."""


def throttled() -> ApiError:
    return ApiError("ThrottlingException", "Rate exceeded")


class Faults:
    """``internal`` and ``invalid`` build the service's own internal and invalid-request errors."""

    def __init__(self, deploy_seconds: float, internal: Callable[[str], ApiError],
                 invalid: Callable[[str], ApiError], extra: tuple[str, ...] = ()):
        self.internal = internal
        self.invalid = invalid
        self.names = COUNTERS + tuple(extra)  # extra: an emulator's own counters (ECS: fail_canary)
        self._lock = threading.Lock()
        self.deploy_seconds = float(deploy_seconds)
        self.counters = dict.fromkeys(self.names, 0)

    def configure(self, body: dict) -> dict:
        unknown = set(body) - set(self.names) - {"deploy_seconds"}
        if unknown:
            raise self.invalid(f"Unknown fault(s): {', '.join(sorted(unknown))}")
        with self._lock:
            for name in self.names:
                if name in body:
                    self.counters[name] = self._count(name, body[name])
            if "deploy_seconds" in body:
                self.deploy_seconds = self._seconds(body["deploy_seconds"])
        return self.snapshot()

    def snapshot(self) -> dict:
        with self._lock:
            return {**self.counters, "deploy_seconds": self.deploy_seconds}

    def reset(self, deploy_seconds: float) -> None:
        with self._lock:
            self.counters = dict.fromkeys(self.names, 0)
            self.deploy_seconds = float(deploy_seconds)

    def request_fault(self) -> ApiError | None:
        """The error the current AWS call must answer, consuming one injected fault."""
        if self._take("throttle"):
            return throttled()
        if self._take("internal_error"):
            return self.internal("Injected internal error")
        return None

    def after_apply(self, operation_name: str) -> None:
        """Raise the injected failure for a write that was just applied, consuming it."""
        if operation_name.startswith(READ_PREFIXES):
            return
        if self._take("apply_then_500"):
            raise self.internal(f"Injected: {operation_name} was applied, then its answer failed")
        if self._take("apply_then_drop"):
            raise DropConnection(operation_name)

    def deployment_fails(self) -> bool:
        return self._take("fail_next_deployment")

    def take(self, name: str) -> bool:
        """Consume one of counter ``name`` (an emulator's own fault); whether one was armed."""
        return self._take(name)

    def _take(self, name: str) -> bool:
        with self._lock:
            if self.counters[name] <= 0:
                return False
            self.counters[name] -= 1
            return True


    def _count(self, name: str, value) -> int:
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int) and value >= 0:
            return value
        raise self.invalid(f"Fault {name} must be a non-negative integer or a boolean")

    def _seconds(self, value) -> float:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
            return float(value)
        raise self.invalid("Fault deploy_seconds must be a non-negative number")

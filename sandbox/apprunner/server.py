"""App Runner's JSON 1.0 protocol (``X-Amz-Target: AppRunner.<Operation>``) on the shared front
(``sandbox.awsjson.server``), plus the ``/_emulator/`` endpoints (``control.py``)."""
from __future__ import annotations

from dataclasses import dataclass

from sandbox.awsjson import server as front
from sandbox.awsjson.faults import Faults

from .control import Control
from .errors import internal_error, invalid_request
from .runtime import Runtime
from .services import AppRunner
from .state import Store

PROTOCOL = front.Protocol(service="apprunner", target_prefix="AppRunner.",
                          content_type="application/x-amz-json-1.0",
                          invalid=invalid_request, internal=internal_error)


@dataclass
class Emulator:
    store: Store
    faults: Faults
    runtime: Runtime
    api: AppRunner
    deploy_seconds: float
    protocol: front.Protocol = PROTOCOL

    def aws_call(self, target: str, body: bytes) -> dict:
        return front.aws_call(self.protocol, self.faults, self.api.call, target, body)

    def control(self, method: str, path: str, body: dict) -> dict:
        return Control(self).handle(method, path, body)


def make_server(host: str, port: int, emulator: Emulator):
    return front.make_server(host, port, emulator)

"""HTTP front: App Runner's JSON 1.0 protocol on ``POST /`` plus the ``/_emulator/`` endpoints.

An AWS call goes: ``X-Amz-Target: AppRunner.<Operation>`` -> injected fault, if any ->
operation looked up in botocore's model -> JSON body parsed -> validated against the input
shape -> :class:`~.services.AppRunner` -> answer reduced to the output shape. Errors answer
``{"__type": code, "Message": text}`` with 400 (500 for ``InternalServiceErrorException``).
"""
from __future__ import annotations

import json
import logging
import socket
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .control import Control
from .errors import ApiError, internal_error
from .faults import DropConnection, Faults
from .model import conform, operation
from .runtime import Runtime
from .services import AppRunner
from .state import Store
from .validation import validate

LOG = logging.getLogger(__name__)
TARGET_PREFIX = "AppRunner."
CONTENT_TYPE = "application/x-amz-json-1.0"


@dataclass
class Emulator:
    store: Store
    faults: Faults
    runtime: Runtime
    api: AppRunner
    deploy_seconds: float

    def aws_call(self, target: str, body: bytes) -> dict:
        if not target.startswith(TARGET_PREFIX):
            raise ApiError("UnknownOperationException", f"Unknown target: {target or '(none)'}")
        fault = self.faults.request_fault()
        if fault:
            raise fault
        op = operation(target[len(TARGET_PREFIX):])
        params = parse_json(body)
        validate(op, params)
        answer = self.api.call(op.name, params)
        self.faults.after_apply(op.name)
        return conform(op.output_shape, answer) if op.output_shape else {}


def parse_json(body: bytes):
    if not body.strip():
        return {}
    try:
        return json.loads(body)
    except ValueError as err:
        raise ApiError("SerializationException", f"Request body is not valid JSON: {err}") from None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AppRunnerEmulator/1"
    emulator: Emulator  # set on the subclass made by make_server

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/_emulator/"):
            self._answer(lambda: Control(self.emulator).handle("POST", self.path, parse_json(body)))
        else:
            self._answer(lambda: self.emulator.aws_call(self.headers.get("X-Amz-Target", ""), body))

    def do_GET(self) -> None:  # noqa: N802
        self._answer(lambda: Control(self.emulator).handle("GET", self.path, {}))

    def _answer(self, produce) -> None:
        try:
            status, payload = 200, produce()
        except DropConnection:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        except ApiError as err:
            status, payload = err.status, err.body()
        except Exception:  # noqa: BLE001 - any bug answers like AWS does, and is logged
            LOG.exception("unhandled error on %s", self.path)
            err = internal_error()
            status, payload = err.status, err.body()
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt: str, *args) -> None:
        headers = getattr(self, "headers", None)
        LOG.info("%s %s", headers.get("X-Amz-Target", "-") if headers else "-", fmt % args)


def make_server(host: str, port: int, emulator: Emulator) -> ThreadingHTTPServer:
    handler = type("BoundHandler", (Handler,), {"emulator": emulator})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server

"""HTTP front of an emulator: an AWS JSON protocol on ``POST /`` plus the ``/_emulator/`` endpoints.

An AWS call goes: ``X-Amz-Target: <prefix>.<Operation>`` -> injected fault, if any -> operation
looked up in botocore's model -> JSON body parsed -> validated against the input shape -> the
emulator's API -> answer reduced to the output shape. Errors answer ``{"__type": code,
"Message": text}`` with their status (400, 500 for the internal error).

An emulator plugs in with a :class:`Protocol` and an object with ``aws_call`` (use
:func:`aws_call`) and ``control(method, path, body)``.

Every emulator also counts the AWS requests it receives, per operation and in order, so a test can
assert how many calls a run made (e.g. one DescribeService before an UpdateService):
``GET /_emulator/requests`` -> ``{"counts": {"DescribeService": 2, ...}, "sequence": ["DescribeService",
...]}`` (the sequence keeps the last 10000), ``POST /_emulator/requests/reset`` forgets them, and so
does the emulator's own ``POST /_emulator/reset``.
"""
from __future__ import annotations

import json
import logging
import socket
import threading
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .errors import ApiError
from .faults import DropConnection, Faults
from .model import conform, operation
from .validation import validate

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Protocol:
    service: str         # botocore's name of the service model: "apprunner", "ecs"
    target_prefix: str   # "AppRunner.", "AmazonEC2ContainerServiceV20141113."
    content_type: str    # "application/x-amz-json-1.0" or "-1.1"
    invalid: Callable[[str], ApiError]   # the service's invalid-request error
    internal: Callable[[str], ApiError]  # its internal error (HTTP 500)


def aws_call(protocol: Protocol, faults: Faults, call: Callable[[str, dict], dict], target: str,
             body: bytes) -> dict:
    """One AWS call: ``call(operation name, validated params)`` does the work."""
    if not target.startswith(protocol.target_prefix):
        raise ApiError("UnknownOperationException", f"Unknown target: {target or '(none)'}")
    fault = faults.request_fault()
    if fault:
        raise fault
    op = operation(protocol.service, target[len(protocol.target_prefix):])
    params = parse_json(body)
    validate(op, params, protocol.invalid)
    answer = call(op.name, params)
    faults.after_apply(op.name)
    return conform(op.output_shape, answer) if op.output_shape else {}


def parse_json(body: bytes):
    if not body.strip():
        return {}
    try:
        return json.loads(body)
    except ValueError as err:
        raise ApiError("SerializationException", f"Request body is not valid JSON: {err}") from None


class RequestLog:
    """The AWS operations requested of one server: counted, and the last ``keep`` in order."""

    def __init__(self, keep: int = 10000):
        self._lock = threading.Lock()
        self._counts: Counter = Counter()
        self._sequence: deque = deque(maxlen=keep)

    def record(self, target: str) -> None:
        name = target.rpartition(".")[2] or "(none)"
        with self._lock:
            self._counts[name] += 1
            self._sequence.append(name)

    def snapshot(self) -> dict:
        with self._lock:
            return {"counts": dict(self._counts), "sequence": list(self._sequence)}

    def clear(self) -> dict:
        with self._lock:
            self._counts.clear()
            self._sequence.clear()
        return {"counts": {}, "sequence": []}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SandboxAwsEmulator/1"
    emulator = None  # set on the subclass made by make_server: has protocol, aws_call, control

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        requests = self.server.requests
        if self.path == "/_emulator/requests/reset":
            self._answer(requests.clear)
        elif self.path.startswith("/_emulator/"):
            self._answer(lambda: self.emulator.control("POST", self.path, parse_json(body)))
            if self.path == "/_emulator/reset":
                requests.clear()
        else:
            target = self.headers.get("X-Amz-Target", "")
            requests.record(target)
            self._answer(lambda: self.emulator.aws_call(target, body))

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/_emulator/requests":
            self._answer(self.server.requests.snapshot)
        else:
            self._answer(lambda: self.emulator.control("GET", self.path, {}))

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
            err = self.emulator.protocol.internal("An internal error occurred")
            status, payload = err.status, err.body()
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", self.emulator.protocol.content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt: str, *args) -> None:
        headers = getattr(self, "headers", None)
        LOG.info("%s %s", headers.get("X-Amz-Target", "-") if headers else "-", fmt % args)


def make_server(host: str, port: int, emulator) -> ThreadingHTTPServer:
    handler = type("BoundHandler", (Handler,), {"emulator": emulator})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    server.requests = RequestLog()
    return server

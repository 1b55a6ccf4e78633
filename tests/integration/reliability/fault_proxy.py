"""A loopback proxy in front of an AWS endpoint (moto, the emulator) that loses answers on cue.

``arm(target, how)`` makes the next request whose ``X-Amz-Target`` is ``target`` (e.g.
``AmazonSSM.PutParameter``) go wrong one way:

- ``apply_then_500``: forwarded (so applied), then answered 500 instead of the real answer;
- ``apply_then_drop``: forwarded, then the connection is closed with no answer;
- ``refuse_500``: not forwarded (nothing applied), answered 500.

``sent[target]`` counts the requests that reached the upstream, so a test can tell a write
was sent once and not blindly again (or a read made once). A query-protocol request (STS) has
no ``X-Amz-Target``: its ``Action`` stands for it (e.g. ``GetCallerIdentity``).
"""
from __future__ import annotations

import collections
import http.client
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HOWS = ("apply_then_500", "apply_then_drop", "refuse_500")
HOP_HEADERS = {"host", "connection", "keep-alive", "transfer-encoding", "content-length"}


def query_action(body: bytes) -> str:
    """The ``Action`` of a query-protocol request's form body ("" when there is none)."""
    return (parse_qs(body.decode(errors="replace")).get("Action") or [""])[0]


class FaultProxy:
    def __init__(self, upstream: str):
        self.upstream = urlsplit(upstream)
        self.lock = threading.Lock()
        self.armed: dict[str, list[str]] = collections.defaultdict(list)
        self.sent: collections.Counter = collections.Counter()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def arm(self, target: str, how: str, count: int = 1) -> None:
        assert how in HOWS, how
        with self.lock:
            self.armed[target].extend([how] * count)

    def _take(self, target: str) -> str | None:
        with self.lock:
            return self.armed[target].pop(0) if self.armed[target] else None

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _forward(self, method: str, path: str, headers, body: bytes) -> tuple[int, list, bytes]:
        connection = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=60)
        try:
            connection.request(method, path, body=body,
                               headers={k: v for k, v in headers.items() if k.lower() not in HOP_HEADERS})
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def _handler(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 - http.server naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = self.headers.get("X-Amz-Target") or query_action(body)
                how = proxy._take(target)
                if how != "refuse_500":
                    status, headers, answer = proxy._forward("POST", self.path, self.headers, body)
                    with proxy.lock:
                        proxy.sent[target] += 1
                if how == "apply_then_drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if how in ("apply_then_500", "refuse_500"):
                    status, headers = 500, [("Content-Type", "application/x-amz-json-1.1")]
                    answer = json.dumps({"__type": "InternalServerError", "message": f"Injected by the proxy ({how})"}).encode()
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in HOP_HEADERS:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_args):
                pass

        return Handler

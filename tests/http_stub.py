"""A real HTTP server on loopback for tests of endpoint validation and of what modules send:
``answer(path, count)`` gives ``(status, body)`` for the ``count``-th request of ``path`` (a dict or
list body is sent as JSON)."""
from __future__ import annotations

import json
import sys
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A client that hung up before its answer was written (a check whose timeout ran out, as some
        tests make it) is no error of the stub's; anything else is printed, as http.server does."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


@contextmanager
def http_stub(answer, received: list | None = None):
    """Yield (base URL without trailing slash, {path: requests so far}). GET, POST and PATCH are
    answered alike; with ``received``, each request is appended to it as {method, path, headers, body}
    (the body parsed as JSON)."""
    hits: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            count = hits[self.path] = hits.get(self.path, 0) + 1
            if received is not None:
                length = int(self.headers.get("Content-Length") or 0)
                received.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                                 "body": json.loads(self.rfile.read(length)) if length else None})
            status, body, *headers = answer(self.path, count)
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
            for name, value in (headers[0] if headers else {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_POST = do_PATCH = do_GET  # noqa: N815

        def log_message(self, *args):
            pass

    httpd = _Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    finally:
        httpd.shutdown()
        httpd.server_close()

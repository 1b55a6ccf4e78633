"""http_send against a real HTTP server of this test (loopback): what it sends, what it says came back,
a refusal and no answer at all; check mode sends nothing; the URL and the headers (tokens) never show."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sandbox import procs

MODULE = "http_send"
TOKEN = "hooksTok3nSecret"


@pytest.fixture
def receiver():
    """(base URL, the requests received as dicts); /created answers 201 with JSON, /refused 401."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            received.append({"method": self.command, "path": self.path, "body": json.loads(self.rfile.read(length)),
                             "authorization": self.headers.get("Authorization"),
                             "content_type": self.headers.get("Content-Type")})
            status, body = (201, {"id": "inc-1", "status": "identified"}) if "/created" in self.path \
                else (401, {"error": "unauthorized"})
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_POST = do_PATCH = _answer  # noqa: N815 - http.server's naming

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def test_sends_the_body_as_json_and_returns_the_answer(run_module, receiver):
    base, received = receiver
    result = run_module(MODULE, {"url": f"{base}/created/{TOKEN}", "method": "PATCH", "body": {"incident": {"status": "resolved"}},
                                 "headers": {"Authorization": f"OAuth {TOKEN}"}, "status_code": [200, 201]})
    assert result.get("failed") is not True and result["changed"] is True
    assert result["status"] == 201 and result["json"] == {"id": "inc-1", "status": "identified"}
    assert received == [{"method": "PATCH", "path": f"/created/{TOKEN}", "body": {"incident": {"status": "resolved"}},
                         "authorization": f"OAuth {TOKEN}", "content_type": "application/json"}]
    assert TOKEN not in json.dumps(result)


def test_a_refused_call_fails_with_its_status_and_answer(run_module, receiver):
    base, received = receiver
    result = run_module(MODULE, {"url": f"{base}/hooks/{TOKEN}", "body": {"text": "hello"}})
    assert result["failed"] is True and result["status"] == 401 and result["json"] == {"error": "unauthorized"}
    assert result["msg"].startswith("Status code was 401 and not [200, 201, 202, 204]") and "unauthorized" in result["msg"]
    assert len(received) == 1 and TOKEN not in json.dumps(result)


def test_no_answer_says_why(run_module):
    port = procs.free_port()
    result = run_module(MODULE, {"url": f"http://127.0.0.1:{port}/hooks/{TOKEN}", "body": {"text": "x"}, "timeout": 5})
    assert result["failed"] is True and result["status"] == -1
    assert result["msg"].startswith("Request failed: ") and "refused" in result["msg"].lower()
    assert TOKEN not in json.dumps(result)


def test_check_mode_sends_nothing(run_module, receiver):
    base, received = receiver
    result = run_module(MODULE, {"url": f"{base}/created", "body": {"text": "x"}}, check_mode=True)
    assert result["changed"] is False and result["status"] == -1 and received == []


@pytest.mark.parametrize("url, message", [
    ("file:///etc/passwd", "url must be an http(s) URL"),
    ("--upload-pack=touch x", "url must be an http(s) URL"),
    ("http://127.0.0.1/\nHost: evil", "url"),
])
def test_bad_urls_are_refused_before_anything_is_sent(run_module, receiver, url, message):
    _base, received = receiver
    result = run_module(MODULE, {"url": url, "body": {"text": "x"}})
    assert result["failed"] is True and message in result["msg"] and received == []

"""http_send against a real HTTP server of this test (loopback): what it sends, what it says came back,
a refusal and no answer at all; check mode sends nothing; the URL and the headers (tokens) never show."""
from __future__ import annotations

import json

import pytest

from sandbox import procs
from tests.http_stub import http_stub

MODULE = "http_send"
TOKEN = "hooksTok3nSecret"


def answer(path: str, _count: int):
    return (201, {"id": "inc-1", "status": "identified"}) if "/created" in path else (401, {"error": "unauthorized"})


@pytest.fixture
def receiver():
    """(base URL, the requests received); /created answers 201 with JSON, anything else 401."""
    received: list = []
    with http_stub(answer, received) as (url, _hits):
        yield url, received


def test_sends_the_body_as_json_and_returns_the_answer(run_module, receiver):
    base, received = receiver
    result = run_module(MODULE, {"url": f"{base}/created/{TOKEN}", "method": "PATCH", "body": {"incident": {"status": "resolved"}},
                                 "headers": {"Authorization": f"OAuth {TOKEN}"}, "status_code": [200, 201]})
    assert result.get("failed") is not True and result["changed"] is True
    assert result["status"] == 201 and result["json"] == {"id": "inc-1", "status": "identified"}
    [call] = received
    assert (call["method"], call["path"], call["body"]) == ("PATCH", f"/created/{TOKEN}", {"incident": {"status": "resolved"}})
    assert call["headers"]["Authorization"] == f"OAuth {TOKEN}" and call["headers"]["Content-Type"] == "application/json"
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

"""http_check against a real HTTP server of this test (loopback): statuses, JSON fields, retries only
for what failed, no answer at all, bad input, and what the result carries."""
from __future__ import annotations

import pytest

from ansible_collections.lacrei.rollback.plugins.modules import http_check as mod
from sandbox import procs
from tests.http_stub import http_stub


def answer(path: str, count: int):
    return {
        "/health/": (200, {"status": "ok"}),
        "/warming": (503 if count <= 2 else 200, {"status": "ok"}),
        "/broken": (500, "<h1>Server   Error</h1>\n" + "x" * 500),
        "/text": (200, "not json"),
        "/list": (200, [1, 2]),
        "/moved": (302, "", {"Location": "/health/"}),
    }.get(path, (404, "not found"))


@pytest.fixture
def server():
    with http_stub(answer) as (url, hits):
        yield url + "/", hits


@pytest.fixture
def base_url(server):
    return server[0]


@pytest.fixture
def hits(server):
    return server[1]


def run(run_module, base_url, endpoints, **options):
    return run_module(mod, dict(dict(base_url=base_url, endpoints=endpoints, retries=3, delay=0), **options))


def test_all_expected_answers_pass_in_one_attempt_each(run_module, base_url):
    result = run(run_module, base_url, [{"path": "/health/", "json_field": "status", "json_value": "ok"},
                                        {"path": "/missing", "status": 404}, {"path": "/moved"}])

    assert not result.get("failed") and result["changed"] is False, result
    assert [(e["path"], e["ok"], e["status"], e["attempts"]) for e in result["endpoints"]] == [
        ("/health/", True, 200, 1), ("/missing", True, 404, 1), ("/moved", True, 200, 1)]
    assert result["endpoints"][0]["url"] == base_url + "health/"  # no double slash
    assert "body" not in result["endpoints"][0]


def test_only_failing_endpoints_are_asked_again(run_module, base_url, hits):
    result = run(run_module, base_url, [{"path": "/health/"}, {"path": "/warming", "json_field": "status"}])

    assert not result.get("failed"), result
    assert hits == {"/health/": 1, "/warming": 3}
    assert result["endpoints"][1]["attempts"] == 3


def test_failure_names_each_endpoint_with_status_expectation_and_body(run_module, base_url, hits):
    result = run(run_module, base_url, [{"path": "/health/"}, {"path": "/broken"},
                                        {"path": "/health/", "json_field": "status", "json_value": "degraded"},
                                        {"path": "/text", "json_field": "status"}, {"path": "/list", "json_field": "a"}],
                 retries=1, body_excerpt=24)

    assert result["failed"]
    msg = result["msg"]
    assert msg.startswith(f"Validation of {base_url} failed after 2 attempts per endpoint: ")
    assert "GET /broken answered 500 (expected 200), body: <h1>Server Error</h1> xx; " in msg
    assert "GET /health/ answered 200 (expected 200 with status=degraded)" in msg
    assert "GET /text answered 200 (expected 200 with status=any), body: not json" in msg
    assert "GET /list answered 200 (expected 200 with a=any)" in msg
    assert msg.count("GET /health/") == 1  # the plain /health/ check passed
    assert hits["/broken"] == 2
    broken = result["endpoints"][1]
    assert broken["ok"] is False and len(broken["body"]) == 24


def test_no_answer_says_why(run_module):
    result = run(run_module, f"http://127.0.0.1:{procs.free_port()}", [{"path": "/health/"}], retries=0, timeout=2)

    assert result["failed"] and "GET /health/ got no answer (" in result["msg"], result
    assert "refused" in result["msg"].lower()
    assert result["endpoints"][0]["status"] is None and result["endpoints"][0]["reason"]


def test_retries_wait_the_delay_between_rounds(monkeypatch):
    slept = []
    monkeypatch.setattr(mod, "request", lambda url, params: (503, "", None))
    results = mod.check(dict(base_url="http://x", endpoints=[{"path": "/a", "status": 200}], retries=2, delay=1.5,
                             body_excerpt=10), sleep=slept.append)
    assert slept == [1.5, 1.5] and results[0]["attempts"] == 3


def test_probe_mode_sends_a_round_every_delay_until_the_end_and_keeps_every_answer(monkeypatch):
    now = [1000.0]
    answers = iter([(200, "{}", None), (500, "err", None), (None, "", "timed out"), (200, "{}", None)])
    monkeypatch.setattr(mod, "request", lambda url, params: next(answers))
    params = dict(base_url="http://x/", endpoints=[{"path": "/a", "status": 200}, {"path": "/b", "status": 200}],
                  delay=5, probe_until=1009.0)
    probes = mod.probe(params, clock=lambda: now[0], sleep=lambda seconds: now.__setitem__(0, now[0] + seconds))
    assert [(item["at"], item["path"], item["ok"], item["status"]) for item in probes] == [
        (1000.0, "/a", True, 200), (1000.0, "/b", False, 500), (1005.0, "/a", False, None), (1005.0, "/b", True, 200)]
    assert probes[2]["reason"] == "timed out"


def test_probe_mode_never_fails_on_answers(run_module):
    port = procs.free_port()
    result = run_module(mod, dict(base_url=f"http://127.0.0.1:{port}", endpoints=[{"path": "/health/"}],
                                  delay=1, probe_until=0))
    assert not result.get("failed") and not result["changed"], result
    assert [(item["path"], item["ok"], item["status"]) for item in result["probes"]] == [("/health/", False, None)]
    assert "refused" in result["probes"][0]["reason"].lower()


@pytest.mark.parametrize("options, message", [
    (dict(base_url="http://x", endpoints=[{"path": "/"}], delay=0, probe_until=1), "delay of more than 0"),
    (dict(base_url="ftp://x", endpoints=[{"path": "/"}]), "must be an http(s) URL"),
    (dict(base_url="http://x", endpoints=[]), "non-empty list"),
    (dict(base_url="http://x", endpoints=[{"path": "/"}], retries=-1), "retries and delay"),
])
def test_bad_input_is_refused_before_any_request(run_module, options, message):
    result = run_module(mod, options)
    assert result["failed"] and message in result["msg"], result

"""The sandbox's webhook receiver keeps every message, as the team's chat would receive it, and serves the
status page API (Statuspage's shape) behind its token."""
from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request

import pytest

from sandbox import procs


TOKEN = "sp-token-0123456789"
PAGE = "/v1/pages/lacrei-sandbox/incidents"


@pytest.fixture
def receiver(tmp_path):
    port, _ = procs.spawn_server("webhook", lambda p: [
        sys.executable, "-m", "sandbox.webhook", "--port", str(p), "--dir", str(tmp_path / "notifications"),
        "--status-page-dir", str(tmp_path / "sp")],
        env={**os.environ, "SANDBOX_STATUS_PAGE_TOKEN": TOKEN}, cwd=procs.REPO_ROOT, state=tmp_path)
    yield f"http://127.0.0.1:{port}", tmp_path / "notifications"
    procs.stop("webhook", tmp_path)


def post(url: str, body: bytes, method: str = "POST", token: str | None = None) -> tuple[int, str]:
    headers = {"Content-Type": "application/json", **({"Authorization": f"OAuth {token}"} if token else {})}
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_messages_are_kept_in_order(receiver):
    url, folder = receiver
    assert post(url + "/hooks/on-call", json.dumps({"text": "rollback started"}).encode()) == (200, "ok")
    assert post(url + "/hooks/on-call", json.dumps({"text": "rollback validated"}).encode()) == (200, "ok")
    stored = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
    assert [s["message"]["text"] for s in stored] == ["rollback started", "rollback validated"]
    assert stored[0]["path"] == "/hooks/on-call"


def test_invalid_json_is_refused_and_not_kept(receiver):
    url, folder = receiver
    assert post(url, b"{not json")[0] == 400
    assert list(folder.glob("*.json")) == []


def call(url: str, method: str, incident: dict | None = None, token: str | None = TOKEN) -> tuple[int, object]:
    status, text = post(url, json.dumps({"incident": incident}).encode() if incident is not None else None,
                        method, token)
    return status, json.loads(text)


def test_status_page_incident_opened_then_resolved(receiver, tmp_path):
    url, folder = receiver
    status, opened = call(url + PAGE, "POST", {"name": "Elevated errors", "status": "identified", "body": "rolling back",
                                               "component_ids": ["api"], "components": {"api": "partial_outage"}})
    assert status == 201 and opened["status"] == "identified" and opened["resolved_at"] is None
    assert opened["components"] == [{"id": "api", "status": "partial_outage"}]

    status, resolved = call(f"{url}{PAGE}/{opened['id']}", "PATCH",
                            {"status": "resolved", "body": "recovered", "components": {"api": "operational"}})
    assert status == 200 and resolved["status"] == "resolved" and resolved["resolved_at"]
    assert resolved["components"] == [{"id": "api", "status": "operational"}]
    assert [u["body"] for u in resolved["incident_updates"]] == ["recovered", "rolling back"]

    assert call(url + PAGE, "GET")[1] == [resolved]  # what tests read back, as Statuspage lists them
    kept = json.loads((tmp_path / "sp" / "incidents" / f"{opened['id']}.json").read_text())
    assert kept == resolved and list(folder.glob("*.json")) == []  # not mistaken for a chat message


def test_status_page_refuses_a_wrong_or_missing_token_and_logs_no_token(receiver, tmp_path):
    url, _folder = receiver
    assert call(url + PAGE, "POST", {"name": "x"}, token="wrong")[0] == 401
    assert call(url + PAGE, "POST", {"name": "x"}, token=None)[0] == 401
    assert call(url + PAGE, "GET", token="wrong") == (401, {"error": "Could not authenticate"})
    assert not list((tmp_path / "sp" / "incidents").glob("*.json"))
    log = (tmp_path / "sp" / "requests.jsonl").read_text()
    assert [json.loads(line)["authorized"] for line in log.splitlines()] == [False, False, False]
    assert TOKEN not in log and "wrong" not in log


BAD_CALLS = [
    (PAGE, "POST", {"status": "identified"}, (422, "incident.name is required")),
    (PAGE, "POST", {"name": "x", "status": "on fire"}, (422, "incident.status must be one of")),
    (PAGE, "POST", {"name": "x", "components": {"api": "down"}}, (422, "incident.components maps")),
    (PAGE + "/inc99999", "PATCH", {"status": "resolved"}, (404, "incident not found")),
    ("/v1/pages/other-page/incidents", "POST", {"name": "x"}, (404, "page other-page not found")),
    (PAGE, "PATCH", {"name": "x"}, (405, "PATCH is not allowed here")),
]


def test_status_page_bad_calls_are_answered_as_statuspage_does(receiver, tmp_path):
    url, _folder = receiver
    answers = [call(url + path, method, incident) for path, method, incident, _expected in BAD_CALLS]
    assert [(status, answer["error"][:len(expected[1])]) for (status, answer), (*_, expected)
            in zip(answers, BAD_CALLS)] == [expected for *_, expected in BAD_CALLS]
    assert not list((tmp_path / "sp" / "incidents").glob("*.json"))

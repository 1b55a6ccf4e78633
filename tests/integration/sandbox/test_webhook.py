"""The sandbox's webhook receiver keeps every message, as the team's chat would receive it."""
from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request

import pytest

from sandbox import procs


@pytest.fixture
def receiver(tmp_path):
    port = procs.free_port()
    pid = procs.spawn("webhook", [sys.executable, "-m", "sandbox.webhook", "--port", str(port),
                                  "--dir", str(tmp_path / "notifications")], cwd=procs.REPO_ROOT, state=tmp_path)
    procs.wait_for_port(port, pid=pid)
    yield f"http://127.0.0.1:{port}", tmp_path / "notifications"
    procs.stop("webhook", tmp_path)


def post(url: str, body: bytes) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
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

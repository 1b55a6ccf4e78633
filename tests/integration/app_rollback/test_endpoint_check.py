"""The endpoint_check role against a local HTTP server of this test: retry budget, expected
status and JSON field, and a failure that names each endpoint with its status and body."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.http_stub import http_stub
from tests.integration.sandbox_fixture import ANSIBLE_PLAYBOOK, REPO

PLAYBOOK = """
- name: Validate endpoints
  hosts: localhost
  gather_facts: false
  roles:
    - role: lacrei.rollback.endpoint_check
"""


def answer(path: str, count: int):
    return {
        "/ok": (200, {"status": "ok"}),
        "/flaky": (503 if count <= 2 else 200, {"status": "starting" if count <= 2 else "ok"}),
        "/broken": (500, "Traceback (most recent call last): AttributeError: 'Professional' has no 'full_name'"),
        "/degraded": (200, {"status": "degraded"}),
    }.get(path, (404, "not found"))


@pytest.fixture
def stub():
    with http_stub(answer) as running:
        yield running


def check(tmp_path, base_url, endpoints, retries):
    playbook = tmp_path / "validate.yml"
    playbook.write_text(PLAYBOOK)
    extra = {"endpoint_check_base_url": base_url, "endpoint_check_endpoints": endpoints,
             "endpoint_check_retries": retries, "endpoint_check_delay": 0,
             "ansible_python_interpreter": sys.executable}
    done = subprocess.run([ANSIBLE_PLAYBOOK, "-i", "localhost,", "-c", "local", str(playbook), "-e", json.dumps(extra)],
                          cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
                          env={"PATH": "/usr/bin:/bin", "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"})
    return done.returncode, done.stdout + done.stderr


def test_endpoints_answering_within_the_budget_pass(stub, tmp_path):
    server, hits = stub
    rc, out = check(tmp_path, server, [{"path": "/ok", "status": 200, "json_field": "status", "json_value": "ok"},
                                       {"path": "/flaky", "json_field": "status"}], retries=3)
    assert rc == 0, out
    assert hits == {"/ok": 1, "/flaky": 3}
    assert "/ok, /flaky answered as expected" in out


def test_failure_names_each_endpoint_with_status_and_body(stub, tmp_path):
    server, hits = stub
    rc, out = check(tmp_path, server, [{"path": "/ok"}, {"path": "/broken", "status": 200},
                                       {"path": "/degraded", "json_field": "status", "json_value": "ok"},
                                       {"path": "/flaky"}], retries=1)
    assert rc != 0
    assert "GET /broken answered 500 (expected 200)" in out and "has no 'full_name'" in out
    assert "GET /degraded answered 200 (expected 200 with status=ok)" in out and "degraded" in out
    assert "GET /flaky answered 503 (expected 200)" in out
    assert "GET /ok answered" not in out
    assert hits["/broken"] == 2  # 1 + retries


def test_unreachable_service_fails_clearly(tmp_path):
    from sandbox.procs import free_port

    rc, out = check(tmp_path, f"http://127.0.0.1:{free_port()}", [{"path": "/health/"}], retries=0)
    assert rc != 0 and "GET /health/ got no answer (" in out and "(expected 200)" in out, out

"""The live sandbox's small pieces, without servers: identifiers, secrets references, traffic
bounds, the health check on a closed port, instance sizes."""
from __future__ import annotations

import os
import time

import pytest

from sandbox import procs
from sandbox.live import events, health, secrets, telemetry, traffic
from tests.http_stub import http_stub

URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/api"


@pytest.mark.parametrize(("identifier", "expected"), [
    (f"{URI}:abc123", (URI, "abc123")),
    (f"{URI}@sha256:{'0' * 64}", (URI, f"sha256:{'0' * 64}")),
    (URI, (URI, "latest")),
])
def test_split_identifier(identifier, expected):
    assert events.split_identifier(identifier) == expected


@pytest.mark.parametrize("url", ["http://10.0.0.1:80", "http://192.0.2.7/", "ftp://127.0.0.1/"])
def test_traffic_refuses_anything_but_loopback(url):
    with pytest.raises(ValueError):
        traffic.run(url, rate=1, seconds=1, paths=["/"])


def test_traffic_refuses_unbounded_rates():
    with pytest.raises(ValueError, match="rate"):
        traffic.run("http://127.0.0.1:9", rate=traffic.MAX_RATE + 1, seconds=1, paths=["/"])


def test_traffic_counts_unanswered_requests_as_errors():
    port = procs.free_port()
    summary = traffic.run(f"http://localhost:{port}", rate=50, seconds=0.1, paths=["/a", "/b"])
    assert summary["by_status"] == {"error": 5}


def test_health_check_on_a_closed_port_is_no_answer():
    ok, detail = health.check_once({"Protocol": "TCP", "Timeout": 1}, procs.free_port())
    assert (ok, detail) == (None, "connection refused")


CHECK = {"Protocol": "HTTP", "Path": "/health/", "Interval": 1, "Timeout": 0.2, "HealthyThreshold": 1,
         "UnhealthyThreshold": 3}


def stub_port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def test_an_instance_slow_to_answer_is_not_ready_yet_rather_than_unhealthy():
    """A CPU-starved start: more checks time out than UnhealthyThreshold, then it answers 200."""
    def answer(_path, count):
        if count <= 5:
            time.sleep(0.6)  # longer than the check's Timeout: no answer
        return 200, {"status": "ok"}

    with http_stub(answer) as (url, hits):
        result = health.wait_healthy(CHECK, stub_port(url), os.getpid(), image_port="8000", startup_timeout=30)
        assert result.ok, result
        assert hits["/health/"] >= 6 and result.detail == "HTTP 200"


def test_an_instance_answering_500_fails_after_the_threshold_of_answers():
    """Release v1.4.0's case: it answers, wrongly; UnhealthyThreshold answers fail it, however loaded."""
    with http_stub(lambda _path, _count: (500, "Server Error (500)")) as (url, hits):
        result = health.wait_healthy(CHECK, stub_port(url), os.getpid(), image_port="8000", startup_timeout=30, load=10)
        assert (result.ok, result.detail, hits["/health/"]) == (False, "HTTP 500", 3)


def test_no_answer_at_all_fails_when_the_budget_runs_out():
    def answer(_path, _count):
        time.sleep(0.5)
        return 200, {}

    with http_stub(answer) as (url, _hits):
        result = health.wait_healthy(CHECK, stub_port(url), os.getpid(), image_port="8000", startup_timeout=1)
    assert not result.ok and result.detail == "timed out (no answer yet after 1s)"


def test_load_scales_the_check_timeout_and_the_budget():
    """Three instances starting at once: a check waits 3 x Timeout for its answer."""
    def answer(_path, _count):
        time.sleep(0.4)
        return 200, {}

    with http_stub(answer) as (url, hits):
        result = health.wait_healthy(CHECK, stub_port(url), os.getpid(), image_port="8000", startup_timeout=1, load=3)
        assert result.ok and hits["/health/"] == 1
    assert health.check_once(CHECK, procs.free_port(), load=3)[0] is None


def test_health_summary_names_path_and_result():
    result = health.HealthResult(False, health.target({"Protocol": "HTTP", "Path": "/health/"}, 8080), "HTTP 500")
    assert result.summary == "health check on /health/ failed: HTTP 500"
    assert health.HealthResult(True, health.target({}, 8080), "ok").summary == "health check on port 8080 succeeded: ok"


def test_unknown_secret_reference_is_an_error(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", f"http://127.0.0.1:{procs.free_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(secrets.SecretError, match="cannot read /nowhere"):
        secrets.resolve("/nowhere", "us-east-1")


@pytest.mark.parametrize(("instance", "size"), [
    ({"Cpu": "1024", "Memory": "2048"}, (1.0, 2048.0)),
    ({"Cpu": "0.25 vCPU", "Memory": "0.5 GB"}, (0.25, 512.0)),
    (None, (1.0, 2048.0)),
])
def test_instance_size(instance, size):
    assert telemetry.instance_size(instance) == size


def test_proxy_answers_503_without_backend_then_switches(tmp_path):
    import http.server
    import sys
    import threading

    from live_helpers import REPO, get

    from sandbox.live.files import write_json

    class Hello(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = b'{"hello": "backend"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            return None

    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    folder = tmp_path / "svc"
    folder.mkdir()
    argv = [sys.executable, "-m", "sandbox.live.proxy", "--service-dir", str(folder),
            "--service-name", "svc", "--service-id", "0" * 32, "--log-dir", str(tmp_path), "--flush-seconds", "60"]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}  # no AWS endpoint: telemetry stays local
    port, _ = procs.spawn_server("proxy-test", lambda p: [*argv, "--port", str(p)], env=env, cwd=REPO, state=tmp_path)
    try:
        assert get(f"http://127.0.0.1:{port}/x")[0] == 503
        write_json(folder / "backend.json", {"port": backend.server_address[1]})
        assert get(f"http://127.0.0.1:{port}/x") == (200, {"hello": "backend"})
        write_json(folder / "backend.json", {"port": procs.free_port()})
        assert get(f"http://127.0.0.1:{port}/x")[0] == 502
    finally:
        procs.stop("proxy-test", tmp_path)
        backend.shutdown()

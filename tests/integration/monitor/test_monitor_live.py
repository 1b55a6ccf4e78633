"""End to end: the live sandbox (`python -m sandbox up` in a temp SANDBOX_DIR), real traffic through the
service URL, App Runner-like telemetry in moto, and playbooks/monitor.yml with the sandbox inventory.

A bad release (v1.3.0: GET /api/appointments/ answers 500) is judged unhealthy; after going back to
v1.2.0 the service is judged healthy.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from monitor_run import REPO, run_monitor

from sandbox import envfile

TRAFFIC_MAX_SECONDS = 900
WATCH = ("-e", "window=15s", "-e", "interval=5s", "-e", "monitor_metrics_delay=2s", "-e", "breach_intervals=2")


def sandbox_command(state, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(SANDBOX_DIR=str(state), SANDBOX_LIVE_FLUSH_SECONDS="1", PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "sandbox", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    state = tmp_path_factory.mktemp("monitor-live") / "state"
    try:
        started = sandbox_command(state, "up", "--deploy-seconds", "1", "--rows", "200")
        assert started.returncode == 0, started.stdout + started.stderr
        assert envfile.read(state / "env")["SERVICE_URL"]
        yield state
    finally:
        sandbox_command(state, "down", timeout=120)


def monitor_under_traffic(state):
    """Traffic at 10 requests/s (all three critical endpoints in turn) for as long as the monitor
    watches: it is stopped when the run ends (TRAFFIC_MAX_SECONDS only bounds a forgotten one)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(SANDBOX_DIR=str(state), PYTHONPATH=str(REPO))
    traffic = subprocess.Popen([sys.executable, "-m", "sandbox", "traffic", "--rate", "10",
                                "--seconds", str(TRAFFIC_MAX_SECONDS)],
                               cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return run_monitor(REPO / "inventories" / "sandbox", *WATCH, env={"SANDBOX_DIR": str(state)},
                           audit_path=state / "audit.jsonl")
    finally:
        traffic.kill()
        traffic.wait(timeout=30)


def test_bad_release_is_unhealthy_and_rollback_is_healthy(sandbox):
    deployed = sandbox_command(sandbox, "deploy", "v1.3.0")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    bad = monitor_under_traffic(sandbox)
    assert bad.rc != 0 and "lacrei-saude-backend is unhealthy" in bad.out, bad.out
    stats = bad.custom_stats("lacrei-saude-backend")["lacrei_monitor"]
    assert [item["verdict"] for item in stats["intervals"]] == ["breach", "breach"]
    assert all(item["requests"] > 0 and item["error_rate"] > 0.2 for item in stats["intervals"])
    assert any("Traceback" in line for line in stats["latest_error_lines"])
    assert any('"GET /api/appointments/ HTTP/1.1" 500' in line for line in stats["latest_error_lines"])
    assert bad.audit()[-1]["monitor_verdict"] == "unhealthy"

    back = sandbox_command(sandbox, "deploy", "v1.2.0")
    assert back.returncode == 0, back.stdout + back.stderr
    good = monitor_under_traffic(sandbox)
    assert good.rc == 0, good.out
    stats = good.custom_stats("lacrei-saude-backend")["lacrei_monitor"]
    assert [item["verdict"] for item in stats["intervals"]] == ["ok"] * 3
    assert all(item["requests"] > 0 and item["error_rate"] == 0 for item in stats["intervals"])
    assert all(item["cpu_percent"] is not None and item["memory_percent"] > 0 for item in stats["intervals"])
    assert good.audit()[-1]["monitor_verdict"] == "healthy"
    secret = envfile.read(sandbox / "env")["DATABASE_URL"].split(":")[2].split("@")[0]
    assert secret not in good.out and secret not in bad.out

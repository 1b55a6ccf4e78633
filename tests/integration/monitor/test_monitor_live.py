"""End to end: the live sandbox (`python -m sandbox up` in a temp SANDBOX_DIR), real traffic through the
service URL, App Runner-like telemetry in moto, and playbooks/monitor.yml with the sandbox inventory.

A bad release (v1.3.0: GET /api/appointments/ answers 500) is judged unhealthy; after going back to
v1.2.0 the service is judged healthy. Without traffic (3 a.m.) the monitor judges on its own probes of
the critical endpoints, marked synthetic; with neither real requests nor an answered probe it fails
saying why.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from monitor_run import REPO, run_monitor

from sandbox import envfile, procs

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


def monitor_without_traffic(state, *extra: str):
    return run_monitor(REPO / "inventories" / "sandbox", *WATCH, *extra, env={"SANDBOX_DIR": str(state)},
                       audit_path=state / "audit.jsonl")


def test_without_traffic_a_bad_release_is_found_by_synthetic_probes(sandbox):
    """3 a.m., no requests: the monitor's own probes of the critical endpoints judge the window."""
    deployed = sandbox_command(sandbox, "deploy", "v1.3.0")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    bad = monitor_without_traffic(sandbox, "-e", "breach_intervals=1")  # judged on the first probed interval
    assert bad.rc != 0 and "lacrei-saude-backend is unhealthy" in bad.out, bad.out
    stats = bad.custom_stats("lacrei-saude-backend")["lacrei_monitor"]
    *unprobed, breach = stats["intervals"]  # (a starved machine can leave an interval unprobed: no data)
    assert all(item["probes"] == 0 and item["source"] == "real" for item in unprobed), bad.out
    assert (breach["source"], breach["verdict"]) == ("synthetic", "breach"), bad.out
    assert breach["probes"] >= 3 and breach["probes_failed"] >= 1 and breach["real_requests"] < 5, bad.out
    assert "judged on synthetic probes of the critical endpoints: fewer than 5 real requests" in bad.out


def test_without_traffic_a_good_release_is_healthy_on_synthetic_probes(sandbox):
    back = sandbox_command(sandbox, "deploy", "v1.2.0")
    assert back.returncode == 0, back.stdout + back.stderr
    good = monitor_without_traffic(sandbox)
    assert good.rc == 0, good.out
    stats = good.custom_stats("lacrei-saude-backend")["lacrei_monitor"]
    # Every interval the probes reached is judged on them and ok. (One the probes missed - the
    # monitor's read of the one before took longer than the interval and the metrics delay, as a
    # starved machine can make it - has no data; a window needs one ok interval to be healthy.)
    probed = [item for item in stats["intervals"] if item["probes"]]
    assert probed and all((item["source"], item["verdict"], item["error_rate"]) == ("synthetic", "ok", 0.0)
                          for item in probed), good.out
    # (its real values stand: no data, or ok on the few requests CloudWatch placed in it)
    assert all(item["source"] == "real" and item["verdict"] in ("no_data", "ok")
               for item in stats["intervals"] if not item["probes"]), good.out
    assert stats["verdict"]["status"] == "healthy" and stats["verdict"]["synthetic_intervals"] == len(probed)
    assert "synthetic" in good.out.split("verdict: healthy", 1)[1].splitlines()[0]
    assert good.audit()[-1]["monitor_synthetic_intervals"] == len(probed)


def test_neither_real_traffic_nor_an_answered_probe_fails_and_says_why(sandbox):
    closed = f"http://127.0.0.1:{procs.free_port()}"
    run = monitor_without_traffic(sandbox, "-e", f"service_url={closed}")
    assert run.rc != 0
    assert "lacrei-saude-backend is no data: no data to judge: " in run.out
    assert "real requests in the window (fewer than 5 per interval) and none of the" in run.out
    assert "synthetic probes of the critical endpoints got an answer (" in run.out
    stats = run.custom_stats("lacrei-saude-backend")["lacrei_monitor"]
    assert stats["verdict"]["status"] == "no_data" and any(item["probes"] > 0 for item in stats["intervals"])
    assert run.audit()[-1]["monitor_verdict"] == "no_data"

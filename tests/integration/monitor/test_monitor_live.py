"""End to end: the live sandbox (`python -m sandbox up` in a temp SANDBOX_DIR), real traffic through the
service URL, App Runner-like telemetry in moto, and playbooks/monitor.yml with the sandbox inventory.

A bad release (v1.3.0: GET /api/appointments/ answers 500) is judged unhealthy; after going back to
v1.2.0 the service is judged healthy. Without traffic (3 a.m.) the monitor judges on its own probes of
the critical endpoints, marked synthetic; with neither real requests nor an answered probe it fails
saying why.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from alarms_live import (ALARMS, PERIOD, PREFIX, SERVICE, AlarmSandbox, evaluated_period_starts, subscribe_webhook,
                         token_digest)
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


def test_alarms_and_dashboard_as_code_check_apply_again_remove(sandbox):
    """playbooks/alarms.yml and dashboard.yml: --check touches nothing, apply, apply again (changed=0);
    the alarms watch the service with the inventory's thresholds and notify the managed topic."""
    box = AlarmSandbox(sandbox)
    predicted = box.playbook("alarms.yml", "--check", "--diff", *subscribe_webhook(box))
    assert predicted.rc == 0 and predicted.recap(SERVICE)["changed"] >= 3, predicted.out
    assert box.alarms() == {} and box.topics() == []
    created = box.playbook("alarms.yml", *subscribe_webhook(box))
    assert created.rc == 0 and created.recap(SERVICE)["changed"] == 3, created.out
    again = box.playbook("alarms.yml", *subscribe_webhook(box))
    assert again.rc == 0 and again.recap(SERVICE)["changed"] == 0, again.out
    alarms = box.alarms()
    assert sorted(alarms) == sorted(ALARMS)
    [topic] = box.topics()
    assert all(a["AlarmActions"] == [topic] and a["OKActions"] == [topic] for a in alarms.values())
    assert json.loads(alarms[ALARMS[0]]["AlarmDescription"]) == {
        "service": SERVICE, "service_arn": box.arn, "managed_by": "lacrei.rollback"}
    assert alarms[ALARMS[0]]["Threshold"] == 5.0 and alarms[ALARMS[0]]["Metrics"][2]["Expression"] == "100*m2/m1"
    assert (alarms[ALARMS[1]]["ExtendedStatistic"], alarms[ALARMS[1]]["Threshold"]) == ("p95", 1000.0)
    assert alarms[ALARMS[2]]["Namespace"] == "LacreiRollback/Logs"
    assert box.audit()[-1]["runbook"] == "alarms" and box.audit()[-1]["alarm_topic_arn"] == topic

    dashboard = box.playbook("dashboard.yml")
    assert dashboard.rc == 0 and dashboard.recap(SERVICE)["changed"] == 1, dashboard.out
    assert box.playbook("dashboard.yml").recap(SERVICE)["changed"] == 0
    body = json.loads(box.cloudwatch.get_dashboard(DashboardName=PREFIX)["DashboardBody"])
    titles = [w["properties"]["title"] for w in body["widgets"]]
    assert titles == ["Requests", "Responses by status", "Latency (ms)", "CPU (%)", "Memory (%)", "Alarms"]
    assert body["widgets"][0]["properties"]["annotations"]["vertical"], "deployments drawn as annotations"


def test_the_error_rate_alarm_fires_on_the_bad_release_and_clears_after_the_rollback(sandbox):
    """Traffic running; v1.3.0 goes live: the evaluator sets the error-rate alarm off on one of the first
    two periods after that, and the webhook subscriber gets SNS's Notification with the bearer token;
    back on v1.2.0 the alarm goes back to OK (notified too). Then state=absent removes everything."""
    box = AlarmSandbox(sandbox)
    assert box.alarms(), "the test above created the alarms"
    traffic = box.traffic()
    try:
        box.wait_state(ALARMS[0], "OK")
        deployed = box.command("deploy", "v1.3.0")
        live_by = time.time()
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        alarm = box.wait_state(ALARMS[0], "ALARM")
        last_period = max(evaluated_period_starts(alarm))
        assert last_period <= (live_by // PERIOD) * PERIOD + PERIOD, alarm["StateReasonData"]
        back = box.command("deploy", "v1.2.0")
        assert back.returncode == 0, back.stdout + back.stderr
        box.wait_state(ALARMS[0], "OK")
    finally:
        traffic.kill()
        traffic.wait(timeout=30)
    deadline = time.monotonic() + 60
    while [json.loads(n["message"]["Message"])["NewStateValue"] for n in box.notifications()
           if json.loads(n["message"]["Message"])["AlarmName"] == ALARMS[0]][-2:] != ["ALARM", "OK"]:
        assert time.monotonic() < deadline, box.notifications()
        time.sleep(0.5)
    fired = next(n for n in box.notifications() if json.loads(n["message"]["Message"])["NewStateValue"] == "ALARM"
                 and json.loads(n["message"]["Message"])["AlarmName"] == ALARMS[0])
    assert fired["headers"]["x-amz-sns-message-type"] == "Notification"
    assert fired["headers"]["x-amz-sns-topic-arn"] == box.topics()[0] == fired["message"]["TopicArn"]
    assert fired["authorization_sha256"] == token_digest(box)
    assert fired["message"]["Subject"] == f'ALARM: "{ALARMS[0]}" in US East (N. Virginia)'
    assert json.loads(json.loads(fired["message"]["Message"])["AlarmDescription"])["service_arn"] == box.arn

    removed = box.playbook("alarms.yml", "-e", "state=absent")
    assert removed.rc == 0 and box.alarms() == {} and box.topics() == [], removed.out
    assert box.playbook("dashboard.yml", "-e", "state=absent").rc == 0 and box.dashboards() == []

"""playbooks/monitor.yml against real moto: telemetry we publish ourselves, ansible-playbook as a person runs it.

The watch is short (1-second intervals, a CloudWatch high-resolution period) so each run takes seconds;
the metrics (and a log line with secrets in it) are published ahead of time for every second of the
next two minutes.
"""
from __future__ import annotations

import re

import pytest
from monitor_run import run_monitor, write_inventory
from monitor_telemetry import FakeService, now

SECRET_ACCESS_KEY = "monitor-test-secret-access-key-value"
THRESHOLDS = {"error_rate": 0.05, "latency_p95_ms": 1000, "cpu_percent": 90, "memory_percent": 90,
              "error_log_lines": 20}


AHEAD = 120


def publish_seconds(service: FakeService, start: float, seconds: int, requests: int, errors: int) -> None:
    for second in range(int(start), int(start) + seconds):
        service.publish(second + 0.5, requests, errors)


@pytest.fixture(scope="module")
def services(moto_endpoint) -> dict[str, FakeService]:
    """Four services: failing, healthy and silent over the next two minutes; always-failing's telemetry
    is published by the test that watches it, when it runs (a busy machine may start it much later)."""
    found = {name: FakeService(moto_endpoint, name=name) for name in ("failing", "healthy", "always-failing", "silent")}
    start = now() - 2
    publish_seconds(found["healthy"], start, AHEAD, requests=100, errors=1)
    publish_seconds(found["failing"], start, AHEAD, requests=100, errors=40)
    for second in range(int(start), int(start) + AHEAD):
        found["healthy"].log(second + 0.5, "ERROR db postgres://app:db-password-in-a-log@db/x password=hunter2")
    return found


@pytest.fixture(scope="module")
def inventory(tmp_path_factory, moto_endpoint, services):
    aws = {"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
           **{f"AWS_ENDPOINT_URL_{name}": moto_endpoint for name in ("CLOUDWATCH", "CLOUDWATCH_LOGS", "STS")}}
    hosts = {name: {"service_arn": service.arn} for name, service in services.items()}
    return write_inventory(tmp_path_factory.mktemp("monitor-inventory"), hosts, aws,
                           health_thresholds=THRESHOLDS, monitor_default_window="4s",
                           monitor_default_interval="1s", monitor_metrics_delay="0s")


@pytest.fixture(scope="module")
def fleet_run(inventory):
    """One run over three services at once (forks): healthy, failing and silent."""
    return run_monitor(inventory, "--limit", "healthy,failing,silent", "-e", "breach_intervals=2")


def test_healthy_service_passes_with_a_table_per_interval(fleet_run):
    assert re.search(r"^healthy\s+: ok=\d+ .* failed=0 ", fleet_run.out, re.MULTILINE), fleet_run.out
    assert "verdict: healthy" in fleet_run.out
    assert fleet_run.out.count("err rate") >= 5    # a header each interval and in the final tables
    stats = fleet_run.custom_stats("healthy")["lacrei_monitor"]
    assert stats["verdict"]["status"] == "healthy"
    assert [item["verdict"] for item in stats["intervals"]] == ["ok"] * 4
    assert all(item["requests"] == 100 and item["error_rate"] == 0.01 for item in stats["intervals"])
    assert [item["error_log_lines"] for item in stats["intervals"]] == [1] * 4
    assert stats["limits"]["error_rate"] == 0.05
    record = next(line for line in fleet_run.audit() if line["service"] == "healthy")
    assert (record["runbook"], record["result"], record["monitor_verdict"]) == ("monitor", "ok", "healthy")


def test_error_rate_above_threshold_fails_after_breach_intervals(fleet_run):
    assert fleet_run.rc != 0
    assert "failing is unhealthy: 2 consecutive intervals breached" in fleet_run.out
    assert "error_rate 0.4 > 0.05" in fleet_run.out
    stats = fleet_run.custom_stats("failing")["lacrei_monitor"]
    assert stats["window"]["intervals"] == 2       # stopped watching as soon as it was judged
    assert [item["verdict"] for item in stats["intervals"]] == ["breach", "breach"]
    record = next(line for line in fleet_run.audit() if line["service"] == "failing")
    assert (record["result"], record["monitor_verdict"]) == ("failed", "unhealthy")


def test_no_data_fails(fleet_run):
    assert "silent is no data" in fleet_run.out
    assert fleet_run.custom_stats("silent")["lacrei_monitor"]["verdict"]["status"] == "no_data"
    record = next(line for line in fleet_run.audit() if line["service"] == "silent")
    assert (record["result"], record["monitor_verdict"]) == ("failed", "no_data")


def test_no_secret_in_output_stats_or_audit(fleet_run):
    lines = fleet_run.custom_stats("healthy")["lacrei_monitor"]["latest_error_lines"]
    assert lines and "password=********" in lines[-1]
    audit = fleet_run.audit_path.read_text()
    for secret in (SECRET_ACCESS_KEY, "db-password-in-a-log", "hunter2"):
        assert secret not in fleet_run.out and secret not in audit


def test_baseline_before_the_incident_raises_the_limit_in_check_mode_too(inventory, services):
    start = now() - 2
    baseline_end = int(start) - 60  # the baseline window is exactly the minute published here, whenever this runs
    publish_seconds(services["always-failing"], start, AHEAD, requests=100, errors=40)
    publish_seconds(services["always-failing"], start - 120, 60, requests=100, errors=35)
    run = run_monitor(inventory, "--check", "--limit", "always-failing", "-e", "window=3s",
                      "-e", f"baseline_end={baseline_end}", "-e", "baseline_window=60s", "-e", "breach_intervals=2")
    assert run.rc == 0, run.out
    stats = run.custom_stats("always-failing")["lacrei_monitor"]
    assert stats["window"]["intervals"] == 3
    assert stats["baseline"]["reference"]["error_rate"] == 0.35
    assert stats["limits"]["error_rate"] == pytest.approx(0.525)
    assert stats["verdict"]["status"] == "healthy"


def test_bad_durations_are_refused_before_any_read(inventory):
    run = run_monitor(inventory, "--limit", "healthy", "-e", "window=soon")
    assert run.rc != 0 and "window must be a duration such as 30s" in run.out
    assert "Read and judge" not in run.out

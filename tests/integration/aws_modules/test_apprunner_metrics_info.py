"""apprunner_metrics_info against real moto (server mode): metrics and log lines we publish ourselves."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "monitor"))
from monitor_telemetry import FakeService, minute_floor, now  # noqa: E402

MODULE = "apprunner_metrics_info"
THRESHOLDS = {"error_rate": 0.05, "latency_p95_ms": 1000, "cpu_percent": 90, "memory_percent": 90,
              "error_log_lines": 5}


@pytest.fixture(autouse=True)
def fresh_warnings():
    """Module warnings are process-global in ansible-core; in-process runs must not see earlier ones."""
    from ansible.module_utils.common import warnings

    warnings._global_warnings.clear()  # pylint: disable=protected-access


@pytest.fixture
def service(aws_env, moto_endpoint) -> FakeService:
    return FakeService(moto_endpoint)


@pytest.fixture
def base() -> int:
    """Start of a 5-minute stretch that ended at least a minute ago (minute-aligned)."""
    return minute_floor(now()) - 7 * 60


def args(service: FakeService, base: int, minutes: int = 5, **extra) -> dict:
    return {"service_arn": service.arn, "start_time": str(base), "end_time": str(base + minutes * 60),
            "period": "60s", "health_thresholds": THRESHOLDS, **extra}


def publish_minutes(service: FakeService, base: int, per_minute: list[tuple[int, int]], **usage) -> None:
    """(requests, 5xx) per minute, published as two flushes inside each minute."""
    for minute, (requests, errors) in enumerate(per_minute):
        service.publish(base + minute * 60 + 10, requests // 2, errors // 2, **usage)
        service.publish(base + minute * 60 + 40, requests - requests // 2, errors - errors // 2, **usage)


def test_healthy_service_is_judged_per_interval(run_module, service, base):
    publish_minutes(service, base, [(100, 1)] * 5, latency_ms=(40.0, 300.0), cpu=25.0, memory=40.0)
    result = run_module(MODULE, args(service, base))
    assert result["changed"] is False and not result.get("failed"), result
    assert result["window"] == {"start": result["intervals"][0]["start"], "end": result["intervals"][-1]["end"],
                                "period_seconds": 60, "intervals": 5}
    first = result["intervals"][0]
    assert (first["requests"], first["responses_5xx"], first["error_rate"]) == (100, 1, 0.01)
    assert (first["latency_avg_ms"], first["latency_max_ms"], first["cpu_percent"]) == (40.0, 300.0, 25.0)
    assert first["verdict"] == "ok" and first["breaches"] == []
    assert result["verdict"]["status"] == "healthy"
    assert result["summary"]["requests"] == 500 and result["summary"]["error_rate"] == 0.01
    assert len(result["table"]) == 6 and "verdict" in result["table"][0] and "ok" in result["table"][1]


def test_moto_gives_no_percentiles_so_latency_is_the_maximum(run_module, service, base):
    publish_minutes(service, base, [(10, 0)] * 5, latency_ms=(40.0, 1500.0))
    result = run_module(MODULE, args(service, base))
    interval = result["intervals"][0]
    assert interval["latency_p95_ms"] is None
    assert (interval["latency_ms"], interval["latency_basis"]) == (1500.0, "maximum")
    assert interval["breaches"] == ["latency 1500 > 1000"]
    assert "no RequestLatency percentiles" in json.dumps(result["warnings"])
    average = run_module(MODULE, args(service, base, latency_fallback="average"))["intervals"][0]
    assert (average["latency_ms"], average["latency_basis"], average["verdict"]) == (40.0, "average", "ok")


def test_error_rate_above_threshold_for_consecutive_intervals_is_unhealthy(run_module, service, base):
    publish_minutes(service, base, [(100, 2), (100, 30), (100, 40), (100, 35), (100, 1)])
    result = run_module(MODULE, args(service, base, breach_intervals=3))
    assert [item["verdict"] for item in result["intervals"]] == ["ok", "breach", "breach", "breach", "ok"]
    assert result["intervals"][1]["breaches"] == ["error_rate 0.3 > 0.05"]
    assert result["verdict"]["status"] == "unhealthy"
    assert result["verdict"]["longest_breach_run"] == 3 and result["verdict"]["consecutive_breaches"] == 0
    assert "3 consecutive intervals breached" in result["verdict"]["reason"]
    tolerant = run_module(MODULE, args(service, base, breach_intervals=4))
    assert tolerant["verdict"]["status"] == "healthy"


def test_no_data_is_not_healthy(run_module, service, base):
    result = run_module(MODULE, args(service, base, minutes=3))
    assert not result.get("failed"), result
    assert [item["verdict"] for item in result["intervals"]] == ["no_data"] * 3
    assert result["intervals"][0]["requests"] is None and result["intervals"][0]["error_log_lines"] is None
    assert result["verdict"]["status"] == "no_data"
    assert "No log group" in json.dumps(result["warnings"])


def test_too_little_traffic_is_judged_on_the_probes_sent_in_each_interval(run_module, service, base):
    """Minute 1: busy (judged on CloudWatch); minute 2: idle, three probes all fine; minute 3: idle,
    probes unanswered -> no data there. Probes outside the window are ignored."""
    publish_minutes(service, base, [(100, 0), (0, 0), (0, 0)])
    sent = [{"at": base + 70 + n, "path": "/health/", "ok": True, "status": 200, "reason": None} for n in range(3)]
    sent += [{"at": base + 130, "path": "/health/", "ok": False, "status": None, "reason": "timed out"},
             {"at": base - 30, "path": "/health/", "ok": False, "status": 500, "reason": None}]
    result = run_module(MODULE, args(service, base, minutes=3, min_requests=5, synthetic_probes=sent))
    assert not result.get("failed"), result
    assert [(item["source"], item["verdict"], item["probes"]) for item in result["intervals"]] == [
        ("real", "ok", 0), ("synthetic", "ok", 3), ("real", "no_data", 1)]
    assert result["verdict"]["status"] == "healthy" and result["verdict"]["synthetic_intervals"] == 1
    assert "1 of 3 intervals judged on synthetic probes" in result["verdict"]["reason"]
    assert result["table"][2].split()[-1] == "synthetic"


def test_error_log_lines_counted_with_the_pattern_and_latest_returned(run_module, service, base):
    publish_minutes(service, base, [(10, 0)] * 3)
    service.log(base + 5, "GET /health/ 200", "ERROR first failure", "just info")
    service.log(base + 65, 'Traceback (most recent call last):', '"GET /api/ HTTP/1.1" 500 12')
    service.log(base + 70, "ERROR db postgres://app:s3cr3t-pw@db:5432/consultas password=hunter2")
    service.log(base + 200, "ERROR outside the window")
    result = run_module(MODULE, args(service, base, minutes=3, error_lines_limit=3))
    assert [item["error_log_lines"] for item in result["intervals"]] == [1, 3, 0]
    assert result["latest_error_lines"][0] == "Traceback (most recent call last):"
    assert result["latest_error_lines"][-1] == "ERROR db postgres://app:********@db:5432/consultas password=********"
    text = json.dumps(result)
    assert "s3cr3t-pw" not in text and "hunter2" not in text
    only_errors = run_module(MODULE, args(service, base, minutes=3, error_filter_pattern="ERROR postgres"))
    assert [item["error_log_lines"] for item in only_errors["intervals"]] == [0, 1, 0]


def test_error_lines_over_threshold_breach(run_module, service, base):
    publish_minutes(service, base, [(10, 0)] * 2)
    service.log(base + 30, *[f"ERROR boom {n}" for n in range(8)])
    result = run_module(MODULE, args(service, base, minutes=2, breach_intervals=1))
    assert result["intervals"][0]["breaches"] == ["error_log_lines 8 > 5"]
    assert result["verdict"]["status"] == "unhealthy"


def test_baseline_raises_the_limit_to_what_was_normal(run_module, service, base):
    before = base - 10 * 60
    publish_minutes(service, before, [(100, 8)] * 5)      # 8% errors before the incident
    publish_minutes(service, base, [(100, 10)] * 5)       # 10% now
    plain = run_module(MODULE, args(service, base))
    assert plain["verdict"]["status"] == "unhealthy" and plain["limits"]["error_rate"] == 0.05
    judged = run_module(MODULE, args(service, base, baseline_end=str(before + 5 * 60), baseline_factor=1.5))
    assert judged["baseline"]["reference"]["error_rate"] == 0.08
    assert judged["baseline"]["window"]["intervals"] == 5
    assert judged["limits"]["error_rate"] == pytest.approx(0.12)
    assert judged["verdict"]["status"] == "healthy"
    worse = run_module(MODULE, args(service, base, baseline_end=str(before + 5 * 60), baseline_factor=1.1))
    assert worse["verdict"]["status"] == "unhealthy"


def test_look_back_window_ending_now(run_module, service):
    start = minute_floor(now()) - 3 * 60
    publish_minutes(service, start, [(20, 0)] * 3)
    result = run_module(MODULE, {"service_arn": service.arn, "window": "4m", "period": "60s"})
    assert result["window"]["intervals"] in (3, 4)
    assert result["summary"]["requests"] == 60
    assert result["limits"] == dict.fromkeys(THRESHOLDS)  # no thresholds: nothing judged
    assert result["verdict"]["status"] == "healthy"


def test_check_mode_reads_the_same(run_module, service, base):
    publish_minutes(service, base, [(10, 0)] * 2)
    real = run_module(MODULE, args(service, base, minutes=2))
    checked = run_module(MODULE, args(service, base, minutes=2), check_mode=True)
    assert checked["intervals"] == real["intervals"] and checked["changed"] is False


def test_not_before_waits_until_then_and_reads_the_same(run_module, service, base):
    """The monitor reads each interval once it is over (not_before: its end plus the metrics delay):
    the module returns no earlier than that time, with what it would read without waiting."""
    publish_minutes(service, base, [(10, 0)] * 2)
    plain = run_module(MODULE, args(service, base, minutes=2))
    not_before = time.time() + 2
    waited = run_module(MODULE, args(service, base, minutes=2, not_before=f"{not_before:.3f}"))
    assert time.time() >= not_before
    assert waited["intervals"] == plain["intervals"] and waited["verdict"] == plain["verdict"]


@pytest.mark.parametrize("extra, message", [
    ({"not_before": str(4102444800)}, "not_before is "),
    ({"not_before": "after lunch"}, "not_before must be ISO 8601"),
    ({"service_arn": "arn:aws:ecs:us-east-1:1:service/x"}, "Not an App Runner service ARN"),
    ({"period": "7s"}, "period must be 1s, 5s, 10s, 30s or a multiple of 60s"),
    ({"period": "soon"}, "period must be a positive duration"),
    ({"start_time": "yesterday"}, "start_time must be ISO 8601"),
    ({"end_time": None, "start_time": str(4102444800)}, "holds no whole period"),
    ({"breach_intervals": 0}, "breach_intervals must be at least 1"),
    ({"min_requests": -1}, "min_requests must be 0 or more"),
])
def test_bad_options_fail_with_a_message(run_module, service, base, extra, message):
    result = run_module(MODULE, {**args(service, base), **extra})
    assert result["failed"] is True and message in result["msg"]


def test_secret_key_is_never_in_the_output(run_module, service, base):
    result = run_module(MODULE, args(service, base, minutes=1, access_key="testing",
                                     secret_key="very-secret-key-value"))
    assert "very-secret-key-value" not in json.dumps(result)


def test_at_most_max_log_events_are_read_with_a_warning(run_module, service, base):
    publish_minutes(service, base, [(10, 0)] * 2)
    service.log(base + 30, *[f"ERROR boom {n}" for n in range(6)])
    result = run_module(MODULE, args(service, base, minutes=2, max_log_events=4, latency_percentiles=False))
    assert result["intervals"][0]["error_log_lines"] == 4
    warnings = json.dumps(result["warnings"])
    assert "More than 4 log events" in warnings and "percentiles" not in warnings


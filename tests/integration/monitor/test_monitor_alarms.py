"""The monitor reads the service's CloudWatch alarms every interval when given their prefix (the
guarded deploy's bake): a healthy service whose alarm went to ALARM during the watch fails at once,
naming the alarm; an alarm already in ALARM before the watch is not counted. moto stores the
alarm and its state (set here with SetAlarmState); the telemetry is published ahead of time."""
from __future__ import annotations

import time

import pytest
from monitor_run import run_monitor, write_inventory
from monitor_telemetry import FakeService, now

THRESHOLDS = {"error_rate": 0.05, "latency_p95_ms": 1000, "cpu_percent": 90, "memory_percent": 90,
              "error_log_lines": 20}
AHEAD = 180


@pytest.fixture(scope="module")
def alarmed(tmp_path_factory, moto_endpoint):
    """A healthy service (over the next three minutes) whose error-rate alarm is in ALARM."""
    service = FakeService(moto_endpoint)
    start = now() - 2
    for second in range(int(start), int(start) + AHEAD):
        service.publish(second + 0.5, 100, 1)
    prefix = f"lacrei-rollback-{service.name}-"
    service.cloudwatch.put_metric_alarm(AlarmName=prefix + "error-rate", Namespace="AWS/AppRunner",
                                        MetricName="5xxStatusResponses", Statistic="Sum", Period=60,
                                        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    set_at = int(time.time())
    service.cloudwatch.set_alarm_state(AlarmName=prefix + "error-rate", StateValue="ALARM",
                                       StateReason="Threshold Crossed: 1 datapoint [40.0] was greater than 1.0")
    aws = {"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           **{f"AWS_ENDPOINT_URL_{name}": moto_endpoint for name in ("CLOUDWATCH", "CLOUDWATCH_LOGS", "STS")}}
    inventory = write_inventory(tmp_path_factory.mktemp("monitor-alarms"), {"alarmed": {"service_arn": service.arn}}, aws,
                                health_thresholds=THRESHOLDS, monitor_default_window="2s",
                                monitor_default_interval="1s", monitor_metrics_delay="0s", monitor_min_requests=0,
                                monitor_alarm_prefix=prefix)
    return inventory, prefix, set_at


def test_an_alarm_that_went_to_alarm_during_the_watch_fails_it(alarmed):
    inventory, prefix, set_at = alarmed
    run = run_monitor(inventory, "-e", f"monitor_alarms_since={set_at - 5}", "-e", "breach_intervals=1")
    assert run.rc != 0, run.out[-3000:]
    assert f"alarm {prefix}error-rate went to ALARM during the watch (Threshold Crossed" in run.out
    assert "monitor verdict healthy" in run.out  # the metrics alone were fine: the alarm decided
    assert run.custom_stats("alarmed")["lacrei_monitor"]["alarms"][0]["name"] == prefix + "error-rate"


def test_an_alarm_already_in_alarm_before_the_watch_is_not_counted(alarmed):
    inventory, _prefix, set_at = alarmed
    run = run_monitor(inventory, "-e", f"monitor_alarms_since={set_at + 5}", "-e", "breach_intervals=1")
    assert run.rc == 0, run.out[-3000:]
    assert run.custom_stats("alarmed")["lacrei_monitor"]["alarms"] == []

"""cloudwatch_alarm_info against moto's CloudWatch (the session's moto server): the service's
alarms by prefix, their states, and which went to ALARM since a given time."""
from __future__ import annotations

import time
import uuid

import boto3

MODULE = "cloudwatch_alarm_info"


def put_alarm(cloudwatch, name: str) -> None:
    cloudwatch.put_metric_alarm(AlarmName=name, Namespace="AWS/AppRunner", MetricName="5xxStatusResponses",
                                Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
                                ComparisonOperator="GreaterThanOrEqualToThreshold")


def test_alarms_by_prefix_with_their_state_and_what_tripped_since(run_module, aws_env):
    cloudwatch = boto3.client("cloudwatch")
    prefix = f"lacrei-rollback-svc{uuid.uuid4().hex[:8]}-"
    for suffix in ("error-rate", "p95-latency"):
        put_alarm(cloudwatch, prefix + suffix)
    put_alarm(cloudwatch, "someone-else-" + prefix)
    before = time.time() - 1
    cloudwatch.set_alarm_state(AlarmName=prefix + "error-rate", StateValue="ALARM", StateReason="Threshold Crossed")

    result = run_module(MODULE, {"name_prefix": prefix})
    assert result["changed"] is False
    assert [alarm["name"] for alarm in result["alarms"]] == [prefix + "error-rate", prefix + "p95-latency"]
    error_rate = result["alarms"][0]
    assert (error_rate["state"], error_rate["reason"]) == ("ALARM", "Threshold Crossed")
    assert error_rate["metric"] == "AWS/AppRunner/5xxStatusResponses" and error_rate["updated"] >= before
    assert [alarm["name"] for alarm in result["tripped"]] == [prefix + "error-rate"]

    later = run_module(MODULE, {"name_prefix": prefix, "changed_since": str(int(time.time()) + 60)}, check_mode=True)
    assert later["tripped"] == [] and len(later["alarms"]) == 2


def test_no_alarm_is_an_answer_and_bad_input_is_refused(run_module, aws_env):
    assert run_module(MODULE, {"name_prefix": "lacrei-rollback-nothing-here-"})["alarms"] == []
    refused = run_module(MODULE, {"name_prefix": "x-", "changed_since": "yesterday"})
    assert refused["failed"] and "changed_since must be ISO 8601" in refused["msg"]
    unreachable = run_module(MODULE, {"name_prefix": "x-", "endpoint_url": "http://127.0.0.1:9", "max_attempts": 1})
    assert unreachable["failed"] and unreachable["msg"].startswith("Failed to describe the CloudWatch alarms x-*")

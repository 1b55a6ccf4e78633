"""cloudwatch_alarm_info against moto's CloudWatch (the session's moto server)."""
from __future__ import annotations

import json
import uuid

import boto3

MODULE = "cloudwatch_alarm_info"


def _alarm(state: str, description: str) -> str:
    name = f"lacrei-rollback-test-{uuid.uuid4().hex[:8]}-error-rate"
    cloudwatch = boto3.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=name, AlarmDescription=description, Namespace="AWS/AppRunner", MetricName="5xxStatusResponses",
        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason="test")
    return name


def test_states_in_the_order_asked_with_the_service_from_the_description(run_module, aws_env):
    firing = _alarm("ALARM", json.dumps({"service": "svc-a", "managed_by": "lacrei.rollback"}))
    cleared = _alarm("OK", "not json")
    result = run_module(MODULE, {"names": [cleared, firing, "no-such-alarm"]}, check_mode=True)
    assert result["changed"] is False
    assert [(a["name"], a["state_value"]) for a in result["alarms"]] == [(cleared, "OK"), (firing, "ALARM")]
    assert result["alarms"][1]["service"] == "svc-a" and result["alarms"][0]["description"] == {}
    assert result["alarms"][1]["state_updated"]
    assert result["missing"] == ["no-such-alarm"]


def test_bad_names_are_refused_before_any_call(run_module, aws_env):
    result = run_module(MODULE, {"names": [" "], "endpoint_url": "http://127.0.0.1:9"})
    assert result["failed"] is True and "names: give 1 to 100 non-empty alarm names" in result["msg"]


def test_unreachable_cloudwatch_fails_once_with_the_action(run_module, aws_env):
    result = run_module(MODULE, {"names": ["x"], "endpoint_url": "http://127.0.0.1:9", "max_attempts": 1})
    assert result["failed"] is True and result["msg"].startswith("Failed to describe the CloudWatch alarms x")

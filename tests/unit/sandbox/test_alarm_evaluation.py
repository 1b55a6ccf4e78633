"""The sandbox evaluator's judgement of an alarm (pure functions): datapoints to alarm, missing data
treatments, metric math, and the SNS notification format."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from sandbox.alarms import evaluation, notify
from sandbox.alarms.evaluation import ALARM, INSUFFICIENT, OK, compute, judge
from sandbox.alarms.metrics import matches

X, O, M = 10.0, 1.0, None  # breaching, not breaching (threshold 5, GreaterThanThreshold), missing


def alarm(periods=3, needed=None, treatment="missing", **extra):
    return {"EvaluationPeriods": periods, "DatapointsToAlarm": needed, "TreatMissingData": treatment,
            "ComparisonOperator": "GreaterThanThreshold", "Threshold": 5.0, **extra}


@pytest.mark.parametrize("points, needed, state", [
    ([X, X, X], None, ALARM),
    ([X, X, O], None, OK),        # 3 of 3 needed
    ([O, X, X], 2, ALARM),        # 2 of 3
    ([X, O, O], 2, OK),
    ([O, O, X], 1, ALARM),
])
def test_datapoints_to_alarm(points, needed, state):
    assert judge(alarm(needed=needed), points).state == state


@pytest.mark.parametrize("points, treatment, current, state", [
    # CloudWatch's own table (3 of 3): a range with some data is judged on the data it has.
    ([O, O, X], "missing", OK, OK),
    ([O, M, M], "missing", ALARM, OK),
    ([M, M, X], "missing", OK, ALARM),
    ([M, M, M], "missing", ALARM, INSUFFICIENT),
    ([M, M, M], "ignore", ALARM, ALARM),
    ([M, M, M], "ignore", OK, OK),
    ([M, M, M], "breaching", OK, ALARM),
    ([M, M, M], "notBreaching", ALARM, OK),
    ([X, M, X], "breaching", OK, ALARM),
    ([X, M, X], "notBreaching", OK, OK),
])
def test_missing_data_treatments(points, treatment, current, state):
    assert judge(alarm(treatment=treatment), points, current).state == state


def test_only_the_latest_evaluation_periods_count_and_the_reason_says_why():
    verdict = judge(alarm(periods=2), [X, X, O, X])
    assert verdict.state == OK and verdict.datapoints == (O, X)
    assert "(5.0)" in judge(alarm(periods=1), [X]).reason and "greater than" in judge(alarm(periods=1), [X]).reason


@pytest.mark.parametrize("comparison, value, breaching", [
    ("GreaterThanOrEqualToThreshold", 5.0, True), ("GreaterThanThreshold", 5.0, False),
    ("LessThanThreshold", 4.0, True), ("LessThanOrEqualToThreshold", 6.0, False),
])
def test_comparisons(comparison, value, breaching):
    assert evaluation.breaches(value, comparison, 5.0) is breaching


def test_metric_math():
    assert compute("100*m2/m1", {"m1": 40.0, "m2": 10.0}) == 25.0
    assert compute("(m1 - m2) / 2 + -1", {"m1": 6.0, "m2": 2.0}) == 1.0
    assert compute("100*m2/m1", {"m1": 0.0, "m2": 0.0}) is None  # no traffic: no datapoint
    assert compute("m1+m2", {"m1": None, "m2": 1.0}) is None
    with pytest.raises(ValueError, match="unknown metric id 'm3'"):
        compute("m3", {"m1": 1.0})
    with pytest.raises(ValueError, match="only"):
        compute("SUM(METRICS())", {})


def test_log_filter_terms():
    assert matches("?ERROR ?Traceback", "Traceback (most recent call last)")
    assert not matches("?ERROR ?Traceback", "GET /health/ 200")
    assert matches('"GET /api" -200', '"GET /api/x" 500') and not matches('"GET /api" -200', 'GET /api 200')
    assert matches("", "anything") and matches("{ $.level = \"error\" }", "anything")


def test_sns_notification_format():
    math_alarm = {"AlarmName": "lacrei-rollback-svc-error-rate", "AlarmDescription": '{"service": "svc"}',
                  "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:lacrei-rollback-svc-error-rate",
                  "EvaluationPeriods": 2, "DatapointsToAlarm": 1, "ComparisonOperator": "GreaterThanThreshold",
                  "Threshold": 5.0, "TreatMissingData": "notBreaching", "AlarmActions": ["arn:aws:sns:x"],
                  "Metrics": [{"Id": "m1", "ReturnData": False, "MetricStat": {
                      "Metric": {"Namespace": "AWS/AppRunner", "MetricName": "Requests",
                                 "Dimensions": [{"Name": "ServiceName", "Value": "svc"}]}, "Period": 10, "Stat": "Sum"}},
                              {"Id": "e1", "Expression": "100*m1/m1", "ReturnData": True}]}
    when = datetime(2026, 11, 30, 8, 0, 1, 234000, tzinfo=timezone.utc)
    message = notify.alarm_message(math_alarm, OK, ALARM, "Threshold Crossed", "us-east-1", when)
    assert message["StateChangeTime"] == "2026-11-30T08:00:01.234+0000"
    assert message["Region"] == "US East (N. Virginia)" and message["AWSAccountId"] == "123456789012"
    assert (message["OldStateValue"], message["NewStateValue"]) == (OK, ALARM)
    assert message["Trigger"]["Period"] == 10 and message["Trigger"]["Metrics"][0]["MetricStat"]["Metric"][
        "Dimensions"] == [{"value": "svc", "name": "ServiceName"}]
    topic = "arn:aws:sns:us-east-1:123456789012:lacrei-rollback-svc-alarms"
    headers, body = notify.notification(topic, topic + ":abc", message, when)
    assert headers["x-amz-sns-message-type"] == "Notification" and headers["x-amz-sns-topic-arn"] == topic
    assert headers["x-amz-sns-message-id"] == body["MessageId"]
    assert set(body) == {"Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion",
                         "Signature", "SigningCertURL", "UnsubscribeURL"}
    assert body["Subject"] == 'ALARM: "lacrei-rollback-svc-error-rate" in US East (N. Virginia)'
    assert body["Timestamp"] == "2026-11-30T08:00:01.234Z" and json.loads(body["Message"]) == message

    single = dict(math_alarm, Metrics=[], MetricName="RequestLatency", Namespace="AWS/AppRunner", Period=10,
                  ExtendedStatistic="p95", Dimensions=[])
    trigger = notify.alarm_message(single, ALARM, OK, "r", "xx-test-1", when)["Trigger"]
    assert trigger["StatisticType"] == "ExtendedStatistic" and trigger["ExtendedStatistic"] == "p95"
    trigger = notify._trigger(dict(single, ExtendedStatistic=None, Statistic="Sum"))
    assert trigger["Statistic"] == "SUM"

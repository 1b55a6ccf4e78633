"""cloudwatch_alarm, sns_topic, cloudwatch_dashboard and cloudwatch_log_metric_filter against the
session's moto server: check mode touches nothing, apply, apply again (not changed), change, remove."""
from __future__ import annotations

import boto3
import pytest
from aws_sandbox import unique

from sandbox.live.telemetry import log_group

DIMS = [{"Name": "ServiceName", "Value": "svc"}]


def stat(query_id: str, metric: str) -> dict:
    return {"Id": query_id, "ReturnData": False,
            "MetricStat": {"Stat": "Sum", "Period": 60,
                           "Metric": {"Namespace": "AWS/AppRunner", "MetricName": metric, "Dimensions": DIMS}}}


def error_rate(name: str, **extra) -> dict:
    return {"name": name, "description": '{"service": "svc"}', "threshold": 5, "evaluation_periods": 2,
            "datapoints_to_alarm": 1, "treat_missing_data": "notBreaching",
            "metrics": [stat("m1", "Requests"), stat("m2", "5xxStatusResponses"),
                        {"Id": "e1", "Expression": "100*m2/m1", "Label": "5xx percent"}], **extra}


def alarms(name: str) -> list:
    return boto3.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]


def test_metric_math_alarm_check_apply_again_change_remove(run_module, aws_env):
    name = unique("error-rate")
    predicted = run_module("cloudwatch_alarm", error_rate(name), check_mode=True, diff=True)
    assert predicted["changed"] is True and predicted["diff"]["before"] == {} and alarms(name) == []
    assert predicted["alarm"]["Metrics"][2] == {"Id": "e1", "Expression": "100*m2/m1", "Label": "5xx percent",
                                                "ReturnData": True}
    created = run_module("cloudwatch_alarm", error_rate(name))
    assert created["changed"] is True and created["alarm_arn"].endswith(f":alarm:{name}")
    [stored] = alarms(name)
    assert stored["Threshold"] == 5.0 and stored["DatapointsToAlarm"] == 1 and len(stored["Metrics"]) == 3
    assert run_module("cloudwatch_alarm", error_rate(name))["changed"] is False

    changed = run_module("cloudwatch_alarm", error_rate(name, threshold=10), diff=True)
    assert changed["changed"] is True and changed["diff"]["before"]["Threshold"] == 5.0
    assert alarms(name)[0]["Threshold"] == 10.0

    assert run_module("cloudwatch_alarm", {"name": name, "state": "absent"}, check_mode=True)["changed"] is True
    assert len(alarms(name)) == 1
    assert run_module("cloudwatch_alarm", {"name": name, "state": "absent"})["changed"] is True
    assert alarms(name) == []
    assert run_module("cloudwatch_alarm", {"name": name, "state": "absent"})["changed"] is False


def test_percentile_alarm_is_idempotent(run_module, aws_env):
    args = {"name": unique("p95"), "namespace": "AWS/AppRunner", "metric_name": "RequestLatency",
            "dimensions": {"ServiceName": "svc"}, "extended_statistic": "p95", "period": 60, "threshold": 1000}
    assert run_module("cloudwatch_alarm", args)["changed"] is True
    assert alarms(args["name"])[0]["ExtendedStatistic"] == "p95"
    assert run_module("cloudwatch_alarm", args)["changed"] is False


@pytest.mark.parametrize("args, message", [
    ({"threshold": None}, "threshold is required"),
    ({"namespace": "AWS/AppRunner"}, "either metrics (metric math) or metric_name"),
    ({"datapoints_to_alarm": 3}, "datapoints_to_alarm must be between 1 and evaluation_periods (2)"),
    ({"metrics": [stat("m1", "Requests"), {"Id": "e1", "Expression": "m1"}, {"Id": "e2", "Expression": "m1"}]},
     "exactly one of metrics must have ReturnData true"),
])
def test_bad_alarm_options_are_refused_before_any_change(run_module, aws_env, args, message):
    name = unique("bad")
    result = run_module("cloudwatch_alarm", error_rate(name, **args))
    assert result["failed"] is True and message in result["msg"], result["msg"]
    assert alarms(name) == []


def test_single_metric_needs_one_statistic_and_a_valid_period(run_module, aws_env):
    base = {"name": unique("bad"), "namespace": "N", "metric_name": "M", "threshold": 1}
    assert "exactly one of statistic" in run_module("cloudwatch_alarm", dict(base, period=60))["msg"]
    assert "period must be 10, 30 or a multiple of 60" in run_module(
        "cloudwatch_alarm", dict(base, statistic="Sum", period=45))["msg"]


def test_topic_and_subscriptions_follow_the_list(run_module, aws_env):
    name = unique("alarms")
    first = [{"protocol": "http", "endpoint": "http://127.0.0.1:9/one"},
             {"protocol": "https", "endpoint": "https://user:s3cret@hooks.example/two"}]
    predicted = run_module("sns_topic", {"name": name, "subscriptions": first}, check_mode=True)
    assert predicted["changed"] is True and predicted["topic_arn"].endswith(f":{name}")
    sns = boto3.client("sns")
    assert not any(t["TopicArn"].endswith(f":{name}") for t in sns.list_topics()["Topics"])

    created = run_module("sns_topic", {"name": name, "subscriptions": first})
    arn = created["topic_arn"]
    assert created["changed"] is True and arn.startswith("arn:aws:sns:us-east-1:")
    assert "s3cret" not in str(created) and {s["endpoint"] for s in created["subscriptions"]} == {
        "http://127.0.0.1:9/one", "https://user:********@hooks.example/two"}
    assert run_module("sns_topic", {"name": name, "subscriptions": first})["changed"] is False

    second = [first[0], {"protocol": "email", "endpoint": "oncall@lacrei.example"}]
    moved = run_module("sns_topic", {"name": name, "subscriptions": second}, diff=True)
    assert moved["changed"] is True and len(moved["diff"]["before"]["subscriptions"]) == 2
    endpoints = {s["Endpoint"] for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]}
    assert endpoints == {"http://127.0.0.1:9/one", "oncall@lacrei.example"}

    assert run_module("sns_topic", {"name": name, "state": "absent"})["changed"] is True
    assert not any(t["TopicArn"] == arn for t in sns.list_topics()["Topics"])
    assert run_module("sns_topic", {"name": name, "state": "absent"})["changed"] is False


def test_dashboard_compared_as_json(run_module, aws_env):
    name = unique("dash")
    body = {"widgets": [{"type": "text", "x": 0, "y": 0, "width": 6, "height": 2,
                         "properties": {"markdown": "hello"}}]}
    assert run_module("cloudwatch_dashboard", {"name": name, "body": body}, check_mode=True)["changed"] is True
    cloudwatch = boto3.client("cloudwatch")
    assert name not in [d["DashboardName"] for d in cloudwatch.list_dashboards()["DashboardEntries"]]
    assert run_module("cloudwatch_dashboard", {"name": name, "body": body})["changed"] is True
    import json
    assert run_module("cloudwatch_dashboard", {"name": name, "body": json.dumps(body, indent=4)})["changed"] is False
    assert run_module("cloudwatch_dashboard", {"name": name, "body": "{not json"})["msg"].startswith(
        f"Dashboard {name}: body is not JSON")
    assert "list of widgets" in run_module("cloudwatch_dashboard", {"name": name, "body": {"w": 1}})["msg"]
    assert run_module("cloudwatch_dashboard", {"name": name, "state": "absent"})["changed"] is True
    assert run_module("cloudwatch_dashboard", {"name": name, "state": "absent"})["changed"] is False


def test_log_metric_filter(run_module, aws_env):
    group = log_group(unique("svc"), "abc", "application")
    args = {"name": "errors", "log_group": group, "pattern": "?ERROR ?Traceback",
            "metric_namespace": "LacreiRollback/Logs", "metric_name": "ErrorLogEvents",
            "dimensions": {"Service": "svc"}}
    missing = run_module("cloudwatch_log_metric_filter", args)
    assert missing["failed"] is True and f"the log group {group} does not exist" in missing["msg"]
    assert run_module("cloudwatch_log_metric_filter", dict(args, state="absent"))["changed"] is False
    boto3.client("logs").create_log_group(logGroupName=group)
    assert run_module("cloudwatch_log_metric_filter", args, check_mode=True)["changed"] is True
    assert boto3.client("logs").describe_metric_filters(logGroupName=group)["metricFilters"] == []
    assert run_module("cloudwatch_log_metric_filter", args)["changed"] is True
    assert run_module("cloudwatch_log_metric_filter", args)["changed"] is False
    refused = run_module("cloudwatch_log_metric_filter", dict(args, default_value=0))
    assert refused["failed"] is True and "default_value together with dimensions" in refused["msg"]
    assert run_module("cloudwatch_log_metric_filter", dict(args, state="absent"))["changed"] is True
    assert boto3.client("logs").describe_metric_filters(logGroupName=group)["metricFilters"] == []
    run_module("cloudwatch_log_metric_filter", args)
    # A changed pattern is put again (moto then keeps both versions, unlike CloudWatch: nothing after).
    changed = run_module("cloudwatch_log_metric_filter", dict(args, pattern="ERROR"), diff=True)
    assert changed["changed"] is True and changed["diff"]["before"]["filterPattern"] == "?ERROR ?Traceback"
    assert changed["metric_filter"]["filterPattern"] == "ERROR"

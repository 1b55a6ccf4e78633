"""The sandbox's alarm evaluator against the session's moto: metrics and log events put at known
times, alarms judged as CloudWatch would, state changes set in moto and POSTed to an HTTP
subscriber (the sandbox's webhook receiver, in-process) in SNS's format with the bearer token."""
from __future__ import annotations

import hashlib
import json
import threading
import time
from datetime import datetime, timezone
from http.server import ThreadingHTTPServer

import boto3
import pytest

from sandbox.alarms.evaluator import Evaluator
from sandbox.live.telemetry import log_group
from sandbox.webhook import make_handler
from tests.integration.aws_modules.aws_sandbox import unique

PERIOD = 10
TOKEN = "test-token-not-a-secret"


@pytest.fixture
def receiver(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(tmp_path))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/alarms", tmp_path
    server.shutdown()
    server.server_close()


@pytest.fixture
def clients(aws_env):
    return {name: boto3.client(name) for name in ("cloudwatch", "logs", "sns")}


def put_counts(cloudwatch, service: str, start: float, requests: int, errors: int) -> None:
    dims = [{"Name": "ServiceName", "Value": service}]
    when = datetime.fromtimestamp(start + 1, timezone.utc)
    cloudwatch.put_metric_data(Namespace="AWS/AppRunner", MetricData=[
        {"MetricName": "Requests", "Dimensions": dims, "Value": requests, "Timestamp": when},
        {"MetricName": "5xxStatusResponses", "Dimensions": dims, "Value": errors, "Timestamp": when},
        {"MetricName": "RequestLatency", "Dimensions": dims, "Timestamp": when,
         "StatisticValues": {"SampleCount": 3, "Sum": 90 + 3000 * bool(errors), "Minimum": 10,
                             "Maximum": 40 + 3000 * bool(errors)}}])


def query(query_id: str, metric: str, service: str) -> dict:
    return {"Id": query_id, "ReturnData": False, "MetricStat": {"Stat": "Sum", "Period": PERIOD, "Metric": {
        "Namespace": "AWS/AppRunner", "MetricName": metric, "Dimensions": [{"Name": "ServiceName", "Value": service}]}}}


def test_alarms_move_and_notify_the_http_subscribers(clients, receiver):
    cloudwatch, logs, sns = clients["cloudwatch"], clients["logs"], clients["sns"]
    url, folder = receiver
    service = unique("svc")
    topic = sns.create_topic(Name=f"lacrei-rollback-{service}-alarms")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=url)
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="oncall@lacrei.example")  # not HTTP: not POSTed
    common = dict(EvaluationPeriods=2, DatapointsToAlarm=1, ComparisonOperator="GreaterThanThreshold",
                  AlarmActions=[topic], OKActions=[topic], AlarmDescription=json.dumps({"service": service}))
    error_rate = f"lacrei-rollback-{service}-error-rate"
    cloudwatch.put_metric_alarm(AlarmName=error_rate, Threshold=5, TreatMissingData="notBreaching", Metrics=[
        query("m1", "Requests", service), query("m2", "5xxStatusResponses", service),
        {"Id": "e1", "Expression": "100*m2/m1", "Label": "5xx percent", "ReturnData": True}], **common)
    latency = f"lacrei-rollback-{service}-p95-latency"
    cloudwatch.put_metric_alarm(AlarmName=latency, Threshold=1000, Namespace="AWS/AppRunner",
                                MetricName="RequestLatency", ExtendedStatistic="p95", Period=PERIOD,
                                Dimensions=[{"Name": "ServiceName", "Value": service}], **common)
    group = log_group(service, "abc", "application")
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="instance/1")
    logs.put_metric_filter(logGroupName=group, filterName=f"lacrei-rollback-{service}-error-logs",
                           filterPattern="?ERROR ?Traceback", metricTransformations=[{
                               "metricNamespace": "LacreiRollback/Logs", "metricName": "ErrorLogEvents",
                               "metricValue": "1", "dimensions": {"Service": service}}])
    error_logs = f"lacrei-rollback-{service}-error-logs"
    cloudwatch.put_metric_alarm(AlarmName=error_logs, Threshold=2, Namespace="LacreiRollback/Logs",
                                MetricName="ErrorLogEvents", Statistic="Sum", Period=PERIOD,
                                TreatMissingData="notBreaching",
                                Dimensions=[{"Name": "Service", "Value": service}], **common)

    base = int(time.time() // PERIOD * PERIOD) - 6 * PERIOD  # six whole periods ago
    put_counts(cloudwatch, service, base, requests=30, errors=0)             # period 0: healthy
    put_counts(cloudwatch, service, base + PERIOD, requests=30, errors=12)   # period 1: 40% 5xx, slow
    logs.put_log_events(logGroupName=group, logStreamName="instance/1", logEvents=[
        {"timestamp": (base + PERIOD + 2) * 1000 + i, "message": line} for i, line in enumerate(
            ["ERROR Internal Server Error: /api/appointments/", "Traceback (most recent call last):",
             'ERROR "GET /api/appointments/ HTTP/1.1" 500', "GET /health/ 200"])])
    now = {"t": base + PERIOD + 2.5}  # period 0 judged (delay 2 s): all fine
    evaluator = Evaluator(cloudwatch, logs, sns, "us-east-1", TOKEN, delay=2, clock=lambda: now["t"])
    state = lambda name: cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"]  # noqa: E731
    evaluator.tick()
    assert [state(name) for name in (error_rate, latency, error_logs)] == ["OK"] * 3

    now["t"] += PERIOD  # period 1 ends: 40% errors, p95 (maximum) 3040 ms, 3 error lines
    changes = evaluator.tick()
    assert {(name, new) for name, _old, new in changes} >= {(error_rate, "ALARM"), (latency, "ALARM"),
                                                              (error_logs, "ALARM")}
    assert state(error_rate) == "ALARM"
    reason = cloudwatch.describe_alarms(AlarmNames=[error_rate])["MetricAlarms"][0]["StateReason"]
    assert "[40.0, 0.0]" in reason, reason
    assert evaluator.tick() == []  # the same range is not judged twice

    records = [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]
    alarm_records = [r for r in records if json.loads(r["message"]["Message"])["AlarmName"] == error_rate]
    [record] = alarm_records
    assert record["path"] == "/hooks/alarms"
    assert record["headers"]["x-amz-sns-message-type"] == "Notification"
    assert record["headers"]["x-amz-sns-topic-arn"] == topic
    assert record["authorization_sha256"] == hashlib.sha256(f"Bearer {TOKEN}".encode()).hexdigest()
    body = record["message"]
    assert body["Type"] == "Notification" and body["TopicArn"] == topic
    assert body["MessageId"] == record["headers"]["x-amz-sns-message-id"]
    message = json.loads(body["Message"])
    assert (message["OldStateValue"], message["NewStateValue"]) == ("OK", "ALARM")
    assert json.loads(message["AlarmDescription"]) == {"service": service}
    assert message["Trigger"]["Metrics"][2]["Expression"] == "100*m2/m1"
    assert all(d["endpoint"] == url and d["status"] == 200 for d in evaluator.deliveries)

    put_counts(cloudwatch, service, base + 2 * PERIOD, requests=30, errors=0)  # healthy again
    put_counts(cloudwatch, service, base + 3 * PERIOD, requests=30, errors=0)
    now["t"] += 2 * PERIOD
    evaluator.tick()
    assert [state(name) for name in (error_rate, latency, error_logs)] == ["OK"] * 3
    messages = [json.loads(json.loads(path.read_text())["message"]["Message"]) for path in sorted(folder.glob("*.json"))]
    assert [(m["NewStateValue"]) for m in messages if m["AlarmName"] == error_rate] == ["ALARM", "OK"]


def test_an_unreachable_subscriber_is_recorded_and_does_not_stop_the_evaluation(clients):
    cloudwatch, sns = clients["cloudwatch"], clients["sns"]
    service = unique("svc")
    topic = sns.create_topic(Name=f"lacrei-rollback-{service}-alarms")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint="http://127.0.0.1:9/nobody")
    name = f"lacrei-rollback-{service}-requests"
    cloudwatch.put_metric_alarm(AlarmName=name, Threshold=1, Namespace="AWS/AppRunner", MetricName="Requests",
                                Statistic="Sum", Period=PERIOD, EvaluationPeriods=1, TreatMissingData="breaching",
                                ComparisonOperator="GreaterThanThreshold", AlarmActions=[topic])
    evaluator = Evaluator(cloudwatch, clients["logs"], sns, "us-east-1", None, delay=2)
    assert (name, "OK", "ALARM") in evaluator.tick()
    assert [d for d in evaluator.deliveries if d["endpoint"].endswith("/nobody")][0]["error"]

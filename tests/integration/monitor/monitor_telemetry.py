"""Telemetry of a made-up App Runner service, written to (real) moto the way App Runner writes it.

Metrics in ``AWS/AppRunner`` with dimensions ``ServiceName`` and ``ServiceID``; log lines in
``/aws/apprunner/<name>/<id>/application``. Shared by the monitor module and playbook tests.
"""
from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone

import boto3

from sandbox.live.telemetry import log_group

REGION = "us-east-1"
ACCOUNT = "123456789012"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": REGION}


def minute_floor(epoch: float) -> int:
    return int(epoch // 60 * 60)


class FakeService:
    def __init__(self, endpoint: str, name: str | None = None):
        self.name = name or f"svc-{uuid.uuid4().hex[:8]}"
        self.service_id = uuid.uuid4().hex
        self.arn = f"arn:aws:apprunner:{REGION}:{ACCOUNT}:service/{self.name}/{self.service_id}"
        self.log_group = log_group(self.name, self.service_id, "application")
        self.cloudwatch = boto3.client("cloudwatch", endpoint_url=endpoint, **CREDENTIALS)
        self.logs = boto3.client("logs", endpoint_url=endpoint, **CREDENTIALS)
        self._stream = None

    def _datum(self, name: str, unit: str, at: float, value: float | None = None, **extra) -> dict:
        datum = {"MetricName": name, "Unit": unit, "Timestamp": datetime.fromtimestamp(at, timezone.utc),
                 "Dimensions": [{"Name": "ServiceName", "Value": self.name}, {"Name": "ServiceID", "Value": self.service_id}],
                 **extra}
        return datum if value is None else {**datum, "Value": float(value)}

    def publish(self, at: float, requests: int, errors_5xx: int = 0, latency_ms: tuple = (40.0, 120.0),
                cpu: float = 20.0, memory: float = 30.0, errors_4xx: int = 0) -> None:
        """One flush as the sandbox proxy does it: counts, latency (avg, max) statistic set, usage."""
        data = [self._datum("Requests", "Count", at, requests),
                self._datum("2xxStatusResponses", "Count", at, requests - errors_5xx - errors_4xx),
                self._datum("4xxStatusResponses", "Count", at, errors_4xx),
                self._datum("5xxStatusResponses", "Count", at, errors_5xx),
                self._datum("CPUUtilization", "Percent", at, cpu),
                self._datum("MemoryUtilization", "Percent", at, memory)]
        if requests:
            average, maximum = latency_ms
            data.append(self._datum("RequestLatency", "Milliseconds", at, StatisticValues={
                "SampleCount": requests, "Sum": average * requests, "Minimum": min(average, maximum), "Maximum": maximum}))
        self.cloudwatch.put_metric_data(Namespace="AWS/AppRunner", MetricData=data)

    def log(self, at: float, *messages: str) -> None:
        if self._stream is None:
            self.logs.create_log_group(logGroupName=self.log_group)
            self._stream = "instance/app-1"
            self.logs.create_log_stream(logGroupName=self.log_group, logStreamName=self._stream)
        self.logs.put_log_events(logGroupName=self.log_group, logStreamName=self._stream,
                                 logEvents=[{"timestamp": int(at * 1000), "message": message} for message in messages])


def now() -> float:
    return time.time()

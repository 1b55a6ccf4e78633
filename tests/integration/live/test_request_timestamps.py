"""The proxy's request metrics land in the period the requests arrived in, however late they are
published (a busy machine delays the proxy's flush): CloudWatch places App Runner's and a load
balancer's requests by when they happened, and the monitor subtracts its own probes from each
period's requests by the time it sent them. Published to the session's moto, read back per period."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from live_helpers import CREDENTIALS, REGION

from sandbox.live import telemetry

PERIOD = 10
APP = [{"Name": "ServiceName", "Value": "timestamps-api"}, {"Name": "ServiceID", "Value": "0123abcd"}]
ECS = {"cluster": "timestamps", "service": "timestamps-api", "load_balancer": "app/timestamps/42",
       "target_group": "targetgroup/timestamps/7"}


@pytest.fixture
def cloudwatch(moto_endpoint, monkeypatch):
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", CREDENTIALS["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CREDENTIALS["aws_secret_access_key"])
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH", moto_endpoint)
    return boto3.client("cloudwatch", endpoint_url=moto_endpoint, **CREDENTIALS)


def sums(cloudwatch, namespace: str, metric: str, dimensions: list, start: int, periods: int) -> list[float | None]:
    """The metric's Sum in each of ``periods`` periods from ``start`` (None: no datapoint)."""
    found = []
    for index in range(periods):
        begin = datetime.fromtimestamp(start + index * PERIOD, timezone.utc)
        points = cloudwatch.get_metric_statistics(
            Namespace=namespace, MetricName=metric, Dimensions=dimensions, StartTime=begin,
            EndTime=begin + timedelta(seconds=PERIOD), Period=PERIOD, Statistics=["Sum"])["Datapoints"]
        found.append(sum(point["Sum"] for point in points) if points else None)
    return found


def earlier_requests() -> tuple[int, telemetry.RequestStats]:
    """Requests that arrived a minute ago, around a period boundary, not yet published."""
    start = (int(time.time()) // PERIOD) * PERIOD - 6 * PERIOD
    stats = telemetry.RequestStats()
    stats.record(200, 12.0, start + 8.5)
    stats.record(500, 30.0, start + 9.9)
    stats.record(200, 15.0, start + PERIOD + 0.2)
    stats.record(200, 11.0, start + PERIOD + 0.7)
    stats.record(404, 9.0, start + PERIOD + 0.9)
    return start, stats


def test_app_runner_requests_are_counted_in_the_period_they_arrived_in(cloudwatch):
    start, stats = earlier_requests()
    publisher = telemetry.MetricsPublisher("timestamps-api", "0123abcd")
    publisher.publish(stats.drain(), {"CPUUtilization": 3.0, "MemoryUtilization": 7.0})
    assert stats.drain() == []

    assert sums(cloudwatch, "AWS/AppRunner", "Requests", APP, start, 2) == [2.0, 3.0]
    assert sums(cloudwatch, "AWS/AppRunner", "5xxStatusResponses", APP, start, 2) == [1.0, 0.0]
    assert sums(cloudwatch, "AWS/AppRunner", "4xxStatusResponses", APP, start, 2) == [0.0, 1.0]
    latency = cloudwatch.get_metric_statistics(
        Namespace="AWS/AppRunner", MetricName="RequestLatency", Dimensions=APP,
        StartTime=datetime.fromtimestamp(start, timezone.utc),
        EndTime=datetime.fromtimestamp(start + PERIOD, timezone.utc), Period=PERIOD,
        Statistics=["Maximum", "SampleCount"])["Datapoints"]
    assert [(point["Maximum"], point["SampleCount"]) for point in latency] == [(30.0, 2.0)]
    # The flush's own sample (CPU, memory, instances) is stamped now, not in those periods.
    assert sums(cloudwatch, "AWS/AppRunner", "ActiveInstances", APP, start, 2) == [None, None]
    now = (int(time.time()) // PERIOD) * PERIOD
    assert sums(cloudwatch, "AWS/AppRunner", "ActiveInstances", APP, now - PERIOD, 3).count(1.0) == 1


def test_a_flush_without_requests_still_publishes_zeros(cloudwatch):
    dimensions = [{"Name": "ServiceName", "Value": "quiet-api"}, {"Name": "ServiceID", "Value": "feed0001"}]
    before = (int(time.time()) // PERIOD) * PERIOD
    telemetry.MetricsPublisher("quiet-api", "feed0001").publish(telemetry.RequestStats().drain(), None)
    found = sums(cloudwatch, "AWS/AppRunner", "Requests", dimensions, before, 3)
    assert found.count(0.0) == 1 and set(found) <= {0.0, None}
    assert sums(cloudwatch, "AWS/AppRunner", "ActiveInstances", dimensions, before, 3).count(0.0) == 1


def test_load_balancer_requests_are_counted_in_the_period_they_arrived_in(cloudwatch):
    start, stats = earlier_requests()
    telemetry.EcsMetricsPublisher(ECS).publish(stats.drain(), {"CPUUtilization": 4.0})
    # Per target group (moto matches a query's dimensions as a subset: the load balancer's alone
    # would add the target group's datapoints to its own)
    target = [{"Name": "TargetGroup", "Value": ECS["target_group"]}, {"Name": "LoadBalancer", "Value": ECS["load_balancer"]}]
    assert sums(cloudwatch, "AWS/ApplicationELB", "RequestCount", target, start, 2) == [2.0, 3.0]
    assert sums(cloudwatch, "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", target, start, 2) == [1.0, 0.0]


def test_a_request_without_its_arrival_is_placed_by_its_latency():
    stats = telemetry.RequestStats()
    before = time.time()
    stats.record(200, 4000.0)
    [(second, counts, latencies)] = stats.drain()
    assert int(before) - 5 <= second <= int(before) - 3
    assert (counts, latencies) == ({"2xxStatusResponses": 1}, [4000.0])

"""metrics: windows, durations, timestamps and service ARNs (the AWS reads are tested through the
module against moto in tests/integration/aws_modules/test_apprunner_metrics_info.py)."""
from __future__ import annotations

import pytest

from ansible_collections.lacrei.rollback.plugins.module_utils import metrics
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed

ARN = "arn:aws:apprunner:us-east-1:123456789012:service/lacrei-saude-backend/8f2e4c1d9a7b4e0f8c3d2b1a0e9f8d7c"


def test_service_from_arn():
    service = metrics.Service.from_arn(ARN)
    assert (service.name, service.service_id) == ("lacrei-saude-backend", "8f2e4c1d9a7b4e0f8c3d2b1a0e9f8d7c")
    assert service.dimensions == [{"Name": "ServiceName", "Value": "lacrei-saude-backend"},
                                  {"Name": "ServiceID", "Value": "8f2e4c1d9a7b4e0f8c3d2b1a0e9f8d7c"}]
    assert service.log_group() == "/aws/apprunner/lacrei-saude-backend/8f2e4c1d9a7b4e0f8c3d2b1a0e9f8d7c/application"
    assert service.log_group("service").endswith("/service")


@pytest.mark.parametrize("arn", ["", "arn:aws:ecs:us-east-1:1:service/a/b", ARN + "/extra"])
def test_not_a_service_arn(arn):
    with pytest.raises(ActionFailed, match="Not an App Runner service ARN"):
        metrics.Service.from_arn(arn)


@pytest.mark.parametrize("text, seconds", [("30", 30), ("30s", 30), ("10m", 600), ("1h", 3600), ("1d", 86400),
                                           ("500ms", 0.5), (45, 45), (" 2 m ", 120)])
def test_parse_duration(text, seconds):
    assert metrics.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0s", "-5m", "ten minutes", "5w"])
def test_bad_duration(text):
    with pytest.raises(ActionFailed, match="positive duration"):
        metrics.parse_duration(text, "window")


@pytest.mark.parametrize("text", ["2024-05-02T13:45:10Z", "2024-05-02T13:45:10+00:00", "2024-05-02T10:45:10-03:00",
                                  "2024-05-02 13:45:10", "1714657510", "1714657510.0"])
def test_parse_time(text):
    assert metrics.parse_time(text) == 1714657510


@pytest.mark.parametrize("seconds", [1, 5, 10, 30, 60, 300, 3600])
def test_cloudwatch_periods(seconds):
    assert metrics.check_period(seconds) == seconds


@pytest.mark.parametrize("seconds", [2, 7, 45, 90, 0.5])
def test_periods_cloudwatch_refuses(seconds):
    with pytest.raises(ActionFailed, match="CloudWatch periods"):
        metrics.check_period(seconds)


def test_window_aligns_down_and_keeps_whole_periods():
    window = metrics.Window.between(1000, 1250, 60)
    assert (window.start, window.count, window.end) == (960, 4, 1200)
    assert window.bounds()[0] == (960, 1020)
    assert [window.bucket_of(t) for t in (959, 960, 1019.9, 1020, 1199, 1200)] == [None, 0, 0, 1, 3, None]
    assert window.describe() == {"start": "1970-01-01T00:16:00+00:00", "end": "1970-01-01T00:20:00+00:00",
                                 "period_seconds": 60, "intervals": 4}


def test_window_shorter_than_a_period_is_refused():
    with pytest.raises(ActionFailed, match="no whole period"):
        metrics.Window.between(1000, 1010, 60)


# -- the platform's metric names and dimensions (data, one reading path) ---------------------------
ECS = metrics.Service.on_ecs("ecs", "lacrei-sandbox", "api", "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/api-tg/0a1b",
                             "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/shared-alb/9f8e", "/ecs/api")


def test_every_platform_maps_every_measure_the_queries_use():
    measures = {measure for measure, _ in {**metrics.METRIC_QUERIES, **metrics.PERCENTILE_QUERIES}.values()}
    for platform, table in metrics.PLATFORM_METRICS.items():
        assert set(table["measures"]) == measures, platform
        assert {source for source, _, _ in table["measures"].values()} <= set(table["namespaces"]), platform


@pytest.mark.parametrize("measure, expected", [
    ("requests", ("AWS/ApplicationELB", "RequestCount", 1)),
    ("responses_5xx", ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", 1)),
    ("latency", ("AWS/ApplicationELB", "TargetResponseTime", 1000)),
    ("cpu", ("AWS/ECS", "CPUUtilization", 1)),
    ("memory", ("AWS/ECS", "MemoryUtilization", 1)),
])
def test_ecs_measures_come_from_aws_ecs_and_the_load_balancer(measure, expected):
    namespace, name, dimensions, factor = ECS.metric(measure)
    assert (namespace, name, factor) == expected
    if namespace == "AWS/ECS":
        assert dimensions == [{"Name": "ClusterName", "Value": "lacrei-sandbox"}, {"Name": "ServiceName", "Value": "api"}]
    else:  # the service's own target group, on its load balancer (dimension values, not ARNs)
        assert dimensions == [{"Name": "TargetGroup", "Value": "targetgroup/api-tg/0a1b"},
                              {"Name": "LoadBalancer", "Value": "app/shared-alb/9f8e"}]


def test_app_runner_measures_stay_in_aws_apprunner():
    service = metrics.Service.from_arn(ARN)
    assert service.metric("requests") == ("AWS/AppRunner", "Requests", service.dimensions, 1)
    assert service.metric("latency")[1] == "RequestLatency" and service.metric("cpu")[0] == "AWS/AppRunner"


def test_express_mode_reads_as_ecs_and_an_unknown_load_balancer_reads_nothing_of_it():
    express = metrics.Service.on_ecs("ecs_express", "c", "express-api", "targetgroup/x/1", None, None)
    assert express.metric("requests") is None and express.metric("cpu")[0] == "AWS/ECS"
    assert express.log_group() is None
    queries, factors = metrics._queries(express, 60, metrics.METRIC_QUERIES)  # pylint: disable=protected-access
    assert {q["Id"] for q in queries} == {"cpu_percent", "cpu_max_percent", "memory_percent", "memory_max_percent"}


def test_queries_name_each_metric_in_its_namespace_and_scale_seconds_to_milliseconds():
    queries, factors = metrics._queries(ECS, 10, metrics.METRIC_QUERIES)  # pylint: disable=protected-access
    by_id = {q["Id"]: q["MetricStat"] for q in queries}
    assert by_id["latency_avg_ms"]["Metric"]["MetricName"] == "TargetResponseTime"
    assert by_id["latency_avg_ms"]["Stat"] == "Average" and by_id["latency_avg_ms"]["Period"] == 10
    assert by_id["responses_5xx"]["Metric"]["Namespace"] == "AWS/ApplicationELB"
    assert by_id["memory_max_percent"]["Metric"]["Namespace"] == "AWS/ECS"
    assert factors["latency_max_ms"] == 1000 and factors["requests"] == 1
    assert ECS.log_group() == "/ecs/api"


@pytest.mark.parametrize("value, dimension", [
    ("arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/api-tg/0a1b", "targetgroup/api-tg/0a1b"),
    ("arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/shared-alb/9f8e", "app/shared-alb/9f8e"),
    ("app/shared-alb/9f8e", "app/shared-alb/9f8e"),
    ("targetgroup/api-tg/0a1b", "targetgroup/api-tg/0a1b"),
])
def test_elb_dimension_values_from_arns(value, dimension):
    assert metrics.elb_dimension(value) == dimension

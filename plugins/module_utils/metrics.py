# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a service's platform reports about it, read back per interval from CloudWatch and its Logs.

Which metric holds each measure is data (``PLATFORM_METRICS``): App Runner publishes all of them
in ``AWS/AppRunner`` (ServiceName, ServiceID); on ECS (a service or an Express Mode service) CPU
and memory are ``AWS/ECS``'s (ClusterName, ServiceName) and the requests, responses and latency
the load balancer's ``AWS/ApplicationELB`` (TargetGroup, LoadBalancer: the service's own target
group, so a load balancer shared with other services is not mixed in). One reading path serves
them all.

A ``Window`` is ``[start, end)`` cut into buckets of ``period`` seconds, aligned on multiples of
the period (as CloudWatch aligns its periods). ``read_metrics`` returns one dict of raw
statistics per bucket (``None`` where CloudWatch had no datapoint); ``read_error_lines`` counts
the application log lines matching a filter pattern per bucket and keeps the latest ones.
Rates and verdicts are computed from these in ``health_verdict`` (pure functions).
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ansible_collections.lacrei.rollback.plugins.module_utils import cloudwatch_logs, log_filter
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import aws_action
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed

NAMESPACE = "AWS/AppRunner"
ELB_NAMESPACE = "AWS/ApplicationELB"
# Per platform: where each measure is published, as measure -> (source, metric name, factor to
# the module's unit); a source is a namespace and the dimensions the Service gives for it.
# TargetResponseTime is in seconds, latencies here in milliseconds.
_ECS_METRICS = {
    "namespaces": {"service": "AWS/ECS", "load_balancer": ELB_NAMESPACE},
    "measures": {
        "requests": ("load_balancer", "RequestCount", 1),
        "responses_2xx": ("load_balancer", "HTTPCode_Target_2XX_Count", 1),
        "responses_4xx": ("load_balancer", "HTTPCode_Target_4XX_Count", 1),
        "responses_5xx": ("load_balancer", "HTTPCode_Target_5XX_Count", 1),
        "latency": ("load_balancer", "TargetResponseTime", 1000),
        "cpu": ("service", "CPUUtilization", 1),
        "memory": ("service", "MemoryUtilization", 1),
    },
}
PLATFORM_METRICS = {
    "apprunner": {
        "namespaces": {"service": NAMESPACE},
        "measures": {
            "requests": ("service", "Requests", 1),
            "responses_2xx": ("service", "2xxStatusResponses", 1),
            "responses_4xx": ("service", "4xxStatusResponses", 1),
            "responses_5xx": ("service", "5xxStatusResponses", 1),
            "latency": ("service", "RequestLatency", 1),
            "cpu": ("service", "CPUUtilization", 1),
            "memory": ("service", "MemoryUtilization", 1),
        },
    },
    "ecs": _ECS_METRICS,
    "ecs_express": _ECS_METRICS,
}
# query id -> (measure, statistic); ids must start with a lower-case letter.
METRIC_QUERIES = {
    "requests": ("requests", "Sum"),
    "responses_2xx": ("responses_2xx", "Sum"),
    "responses_4xx": ("responses_4xx", "Sum"),
    "responses_5xx": ("responses_5xx", "Sum"),
    "latency_avg_ms": ("latency", "Average"),
    "latency_max_ms": ("latency", "Maximum"),
    "cpu_percent": ("cpu", "Average"),
    "cpu_max_percent": ("cpu", "Maximum"),
    "memory_percent": ("memory", "Average"),
    "memory_max_percent": ("memory", "Maximum"),
}
PERCENTILE_QUERIES = {
    "latency_p50_ms": ("latency", "p50"),
    "latency_p95_ms": ("latency", "p95"),
}
HIGH_RESOLUTION_PERIODS = (1, 5, 10, 30)
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}
SERVICE_ARN = re.compile(r"^arn:[^:]+:apprunner:[^:]*:[^:]*:service/(?P<name>[^/]+)/(?P<id>[0-9a-f]+)$")


@dataclass(frozen=True)
class Service:
    """A service as CloudWatch files it: its platform, the dimensions of each metric source
    (``PLATFORM_METRICS``; a source without dimensions is not read) and its log group."""

    name: str
    service_id: str | None = None
    platform: str = "apprunner"
    sources: dict = field(default_factory=dict, compare=False)
    group: str | None = None

    @classmethod
    def from_arn(cls, arn: str) -> "Service":
        found = SERVICE_ARN.match(arn or "")
        if not found:
            raise ActionFailed(f"Not an App Runner service ARN: {arn!r} "
                               "(expected arn:aws:apprunner:<region>:<account>:service/<name>/<id>)")
        dimensions = [{"Name": "ServiceName", "Value": found["name"]}, {"Name": "ServiceID", "Value": found["id"]}]
        return cls(found["name"], found["id"], sources={"service": dimensions})

    @classmethod
    def on_ecs(cls, platform: str, cluster: str, name: str, target_group: str | None, load_balancer: str | None,
               log_group: str | None) -> "Service":
        """An ECS (or Express Mode) service: AWS/ECS by cluster and service name, AWS/ApplicationELB
        by its target group and load balancer (dimension values, or their ARNs)."""
        sources = {"service": [{"Name": "ClusterName", "Value": cluster}, {"Name": "ServiceName", "Value": name}]}
        if target_group and load_balancer:
            sources["load_balancer"] = [{"Name": "TargetGroup", "Value": elb_dimension(target_group)},
                                        {"Name": "LoadBalancer", "Value": elb_dimension(load_balancer)}]
        return cls(name, None, platform, sources, log_group)

    @property
    def dimensions(self) -> list[dict]:
        return self.sources.get("service", [])

    def metric(self, measure: str) -> tuple[str, str, list[dict], float] | None:
        """(namespace, metric name, dimensions, factor) of ``measure``; None when its source is unknown."""
        table = PLATFORM_METRICS[self.platform]
        source, metric, factor = table["measures"][measure]
        if source not in self.sources:
            return None
        return table["namespaces"][source], metric, self.sources[source], factor

    def log_group(self, kind: str = "application") -> str | None:
        if self.platform != "apprunner":
            return self.group
        return cloudwatch_logs.log_group(self.name, self.service_id, kind)


def elb_dimension(value: str) -> str:
    """The AWS/ApplicationELB dimension value of a target group or load balancer, from its ARN
    (``...:targetgroup/<name>/<id>`` -> ``targetgroup/<name>/<id>``; ``...:loadbalancer/app/<name>/<id>``
    -> ``app/<name>/<id>``) or as given."""
    resource = value.split(":", 5)[-1] if value.startswith("arn:") else value
    return resource[len("loadbalancer/"):] if resource.startswith("loadbalancer/") else resource


@dataclass(frozen=True)
class Window:
    """``count`` buckets of ``period`` seconds from ``start`` (epoch seconds, period-aligned)."""

    start: int
    period: int
    count: int

    @classmethod
    def between(cls, start: float, end: float, period: int) -> "Window":
        """The whole periods inside ``[start, end)``; ``start`` is aligned down to the period."""
        aligned = int(start // period * period)
        count = int((end - aligned) // period)
        if count < 1:
            raise ActionFailed(f"The window {iso(start)} - {iso(end)} holds no whole period of {period}s")
        return cls(aligned, period, count)

    @property
    def end(self) -> int:
        return self.start + self.period * self.count

    def bucket_of(self, epoch: float) -> int | None:
        index = int((epoch - self.start) // self.period)
        return index if 0 <= index < self.count else None

    def bounds(self) -> list[tuple[int, int]]:
        return [(self.start + i * self.period, self.start + (i + 1) * self.period) for i in range(self.count)]

    def describe(self) -> dict:
        return {"start": iso(self.start), "end": iso(self.end), "period_seconds": self.period, "intervals": self.count}


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat()


def parse_duration(value, name: str = "duration") -> float:
    """Seconds in ``30``, ``30s``, ``10m``, ``1h``, ``1d``, ``500ms``."""
    found = DURATION.match(str(value))
    if not found or float(found[1]) <= 0:
        raise ActionFailed(f"{name} must be a positive duration such as 30s, 10m or 1h, not {value!r}")
    return float(found[1]) * UNIT_SECONDS[found[2]]


def parse_time(value, name: str = "time") -> float:
    """Epoch seconds from epoch seconds or ISO 8601 (``2024-05-02T13:45:10Z``; naive means UTC)."""
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ActionFailed(f"{name} must be ISO 8601 (2024-05-02T13:45:10Z) or epoch seconds, not {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def check_period(seconds: float) -> int:
    """CloudWatch's periods: 1, 5, 10, 30 (high-resolution metrics) or a multiple of 60 seconds."""
    period = int(seconds)
    if period != seconds or not (period in HIGH_RESOLUTION_PERIODS or period % 60 == 0):
        raise ActionFailed(f"period must be 1s, 5s, 10s, 30s or a multiple of 60s (CloudWatch periods), not {seconds:g}s")
    return period


def now() -> float:
    return time.time()


def _queries(service: Service, period: int, queries: dict) -> tuple[list[dict], dict]:
    """The GetMetricData queries of ``queries`` that the service has a source for, and the factor of each."""
    built, factors = [], {}
    for query_id, (measure, stat) in queries.items():
        found = service.metric(measure)
        if found is None:
            continue
        namespace, metric, dimensions, factors[query_id] = found
        built.append({"Id": query_id, "ReturnData": True,
                      "MetricStat": {"Metric": {"Namespace": namespace, "MetricName": metric, "Dimensions": dimensions},
                                     "Period": period, "Stat": stat}})
    return built, factors


def _metric_data(client, service: Service, window: Window, queries: dict) -> list[dict]:
    """One dict per bucket: query id -> value (None where CloudWatch returned no datapoint)."""
    buckets = [dict.fromkeys(queries) for _ in range(window.count)]
    built, factors = _queries(service, window.period, queries)
    if not built:
        return buckets
    request = {"MetricDataQueries": built, "ScanBy": "TimestampAscending",
               "StartTime": datetime.fromtimestamp(window.start, timezone.utc),
               "EndTime": datetime.fromtimestamp(window.end, timezone.utc)}
    while True:
        page = client.get_metric_data(**request)
        for result in page.get("MetricDataResults", []):
            for stamp, value in zip(result.get("Timestamps", []), result.get("Values", [])):
                index = window.bucket_of(stamp.timestamp())
                if index is not None and value is not None:
                    buckets[index][result["Id"]] = float(value) * factors[result["Id"]]
        if not page.get("NextToken"):
            return buckets
        request["NextToken"] = page["NextToken"]


def find_load_balancer(client, target_group: str) -> str | None:
    """The load balancer (dimension value) CloudWatch files ``target_group``'s metrics under:
    one ListMetrics, no Elastic Load Balancing call; None when it has no metric yet."""
    wanted = [{"Name": "TargetGroup", "Value": elb_dimension(target_group)}]
    with aws_action(f"find the load balancer of target group {wanted[0]['Value']} in CloudWatch"):
        listed = client.list_metrics(Namespace=ELB_NAMESPACE, MetricName="RequestCount", Dimensions=wanted)
    for metric in listed.get("Metrics") or []:
        found = next((d["Value"] for d in metric.get("Dimensions") or [] if d["Name"] == "LoadBalancer"), None)
        if found:
            return found
    return None


def read_metrics(client, service: Service, window: Window) -> list[dict]:
    """Per bucket: requests, responses by class, latency average/maximum, CPU and memory."""
    with aws_action(f"read the CloudWatch metrics of {service.name}"):
        return _metric_data(client, service, window, METRIC_QUERIES)


def read_latency_percentiles(client, service: Service, window: Window) -> list[dict]:
    """Per bucket: latency p50 and p95 (raises AwsActionFailed where CloudWatch cannot give them)."""
    with aws_action(f"read the RequestLatency percentiles of {service.name}"):
        return _metric_data(client, service, window, PERCENTILE_QUERIES)


@dataclass
class ErrorLines:
    """Matching application log lines: a count per bucket and the latest messages (made safe)."""

    counts: list[int]
    latest: list[str]
    scanned: int
    truncated: bool


def read_error_lines(client, group: str, window: Window, pattern: str, keep: int, max_events: int) -> ErrorLines:
    """Count the lines of ``group`` matching ``pattern`` per bucket; keep the latest ``keep`` messages.

    At most ``max_events`` events are read (``truncated`` says when there were more).
    """
    with aws_action(f"read the log group {group}"):
        read = cloudwatch_logs.filter_events(client, group, window.start * 1000, window.end * 1000 - 1, pattern,
                                             max_events=max_events)
    counts, found = [0] * window.count, []
    for event in read.events:
        index = window.bucket_of(event["timestamp"] / 1000)
        if index is not None and log_filter.matches(pattern, event.get("message", "")):
            counts[index] += 1
            found.append((event["timestamp"], event.get("message", "")))
    found.sort(key=lambda item: item[0])
    latest = [log_filter.safe_line(message) for _, message in found[max(0, len(found) - keep):]] if keep else []
    return ErrorLines(counts, latest, len(read.events), read.truncated)

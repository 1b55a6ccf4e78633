#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: apprunner_metrics_info
short_description: Judge a service's health per interval from CloudWatch metrics and logs (App Runner or ECS)
description:
  - Reads, for one window cut into intervals of O(period), what the platform publishes about a
    service in CloudWatch, and counts the lines of its application log group that match
    O(error_filter_pattern).
  - App Runner (O(service_arn)) - namespace C(AWS/AppRunner), dimensions C(ServiceName) and
    C(ServiceID) - C(Requests), C(2xxStatusResponses), C(4xxStatusResponses), C(5xxStatusResponses),
    C(RequestLatency), C(CPUUtilization), C(MemoryUtilization); log group
    C(/aws/apprunner/<name>/<id>/application).
  - ECS (O(service)) and ECS Express Mode (O(express_service_arn)) - C(CPUUtilization) and
    C(MemoryUtilization) from C(AWS/ECS) (dimensions C(ClusterName), C(ServiceName)); requests,
    responses and latency from the load balancer, C(AWS/ApplicationELB) C(RequestCount),
    C(HTTPCode_Target_2XX_Count), C(HTTPCode_Target_4XX_Count), C(HTTPCode_Target_5XX_Count),
    C(TargetResponseTime) (seconds, returned in milliseconds) with dimensions C(TargetGroup) and
    C(LoadBalancer) (the service's own target group, so other services behind a shared load
    balancer are not counted); log group the container's C(awslogs-group). The target group is
    the service's (DescribeServices C(loadBalancers)) unless O(target_group) is given, and its
    load balancer the one CloudWatch lists its metrics under (ListMetrics) unless O(load_balancer)
    is given. Without a target group only CPU, memory and log lines are read (a warning says so).
  - Computes per interval the error rate (5xx / requests, client-side), the latency judged (p95 when
    CloudWatch gives percentiles, else the maximum or average, see O(latency_fallback)), CPU and
    memory (interval averages) and the error log lines; judges each interval against
    O(health_thresholds), raised to I(baseline value * O(baseline_factor)) when a baseline window
    before the incident is given (O(baseline_end)); and judges the window
    (C(unhealthy) when O(breach_intervals) consecutive intervals breach, C(healthy) when not and at
    least one interval was ok, else C(no_data)).
  - Too little real traffic (fewer than O(min_requests) requests in an interval, not counting the
    probes) - an interval is judged on the O(synthetic_probes) sent during it (by
    M(lacrei.rollback.http_check) in probe mode) and marked C(source=synthetic); with neither real
    requests nor an answered probe it has no data, and the verdict's reason says why.
  - Also returns the latest matching log lines (messages only, secrets masked) and a summary of the
    whole window, for an incident's "identify" phase.
  - Read-only; check mode changes nothing either.
version_added: "0.1.0"
options:
  load_balancer:
    description:
      - ECS only. The load balancer of O(target_group), as its ARN or its C(AWS/ApplicationELB)
        dimension value (C(app/<name>/<id>)); default the one CloudWatch lists the target group's
        metrics under.
    type: str
  target_group:
    description:
      - ECS only. The service's target group, as its ARN or its dimension value
        (C(targetgroup/<name>/<id>)); default the first of the service's C(loadBalancers).
    type: str
  window:
    description:
      - Length of the look-back window ending at O(end_time), when O(start_time) is not set
        (for example C(15m), C(30s), C(1h)).
    type: str
    default: "15m"
  start_time:
    description:
      - Start of the window (ISO 8601 such as C(2024-05-02T13:45:10Z), naive means UTC, or epoch
        seconds); aligned down to a multiple of O(period).
    type: str
  end_time:
    description:
      - End of the window (same formats); default now. Only whole periods are judged.
    type: str
  not_before:
    description:
      - Read no earlier than this time (same formats as O(start_time)); the module waits until then.
        The monitor gives each interval's end plus the metrics delay, so that the interval is over
        and its data has arrived before it is read (one task, no separate wait).
      - At most O(period) plus one hour ahead; a later time is refused before anything is read.
    type: str
  period:
    description:
      - Length of one interval. CloudWatch periods only, that is C(1s), C(5s), C(10s), C(30s) or a
        multiple of C(60s) (App Runner metrics have 1-minute resolution on AWS).
    type: str
    default: 60s
  health_thresholds:
    description:
      - Limits per interval; a missing key is not judged.
    type: dict
    default: {}
    aliases: [thresholds]
    suboptions:
      error_rate: {description: Highest 5xx / requests ratio (0.05 = 5%)., type: float}
      latency_p95_ms: {description: Highest latency judged in milliseconds., type: float}
      cpu_percent: {description: Highest average CPU utilisation., type: float}
      memory_percent: {description: Highest average memory utilisation., type: float}
      error_log_lines: {description: Highest number of matching log lines in one interval., type: float}
  baseline_end:
    description:
      - End of a baseline window before the incident (same formats as O(start_time)). When set, each
        limit becomes C(max(threshold, baseline value * baseline_factor)).
    type: str
  baseline_window:
    description: Length of the baseline window; default the length of the judged window.
    type: str
  baseline_factor:
    description: How much worse than the baseline is still tolerated.
    type: float
    default: 1.5
  breach_intervals:
    description: How many consecutive breaching intervals make the window C(unhealthy).
    type: int
    default: 3
  error_filter_pattern:
    description:
      - CloudWatch Logs filter pattern of an error line. Term patterns are also applied client-side
        (C(TERM), C("a phrase"), C(?TERM) any of, C(-TERM) none of).
    type: str
    default: '?ERROR ?Traceback ?" 500 "'
  error_lines_limit:
    description: How many of the latest matching log lines to return (0 for none).
    type: int
    default: 10
  log_group:
    description:
      - Log group to read; default C(/aws/apprunner/<name>/<id>/application) on App Runner, the
        container's C(awslogs-group) on ECS.
    type: str
  max_log_events:
    description:
      - At most this many log events are read per window, in at most 20 pages of C(FilterLogEvents)
        bounded by the window's start and end (a warning says when more matched).
    type: int
    default: 10000
  latency_percentiles:
    description: Ask CloudWatch for the latency's p50 and p95 (one attempt; on failure the fallback applies with a warning).
    type: bool
    default: true
  latency_fallback:
    description: Latency judged when there is no p95.
    type: str
    choices: [maximum, average]
    default: maximum
  min_requests:
    description:
      - Fewest real requests in an interval to judge it on real traffic; below that it is judged on
        O(synthetic_probes) sent during it. C(0) judges on real traffic only.
    type: float
    default: 0
  synthetic_probes:
    description:
      - Probes of the critical endpoints, as M(lacrei.rollback.http_check) returns them in probe mode
        (RV(lacrei.rollback.http_check#module:probes)); each is counted in the interval its C(at)
        falls in. Probes outside the window are ignored.
    type: list
    elements: dict
    default: []
extends_documentation_fragment:
  - lacrei.rollback.apprunner_service.any_platform
  - lacrei.rollback.ecs_service
  - lacrei.rollback.aws
notes:
  - O(endpoint_url) applies to CloudWatch; CloudWatch Logs uses E(AWS_ENDPOINT_URL_CLOUDWATCH_LOGS), ECS
    E(AWS_ENDPOINT_URL_ECS).
  - ECS Express Mode services get the same metrics as ECS services (Express Mode runs an ECS service
    behind an Application Load Balancer it manages).
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Judge the last 10 minutes after a rollback, minute by minute
  lacrei.rollback.apprunner_metrics_info:
    service_arn: "{{ service_arn }}"
    window: 10m
    period: 60s
    health_thresholds: "{{ health_thresholds }}"
    breach_intervals: 3
  register: health

- name: Identify an incident - error rate, latency and the latest error lines of the last 15 minutes
  lacrei.rollback.apprunner_metrics_info:
    service_arn: "{{ service_arn }}"
    window: 15m
    period: 300s
    error_lines_limit: 20
  register: incident

- name: Compare with the hour before the incident
  lacrei.rollback.apprunner_metrics_info:
    service_arn: "{{ service_arn }}"
    start_time: "2024-05-02T14:00:00Z"
    end_time: "2024-05-02T14:10:00Z"
    health_thresholds: "{{ health_thresholds }}"
    baseline_end: "2024-05-02T13:30:00Z"
    baseline_window: 1h

- name: Judge an ECS service (AWS/ECS and its load balancer's AWS/ApplicationELB metrics)
  lacrei.rollback.apprunner_metrics_info:
    cluster: "{{ ecs_cluster }}"
    service: "{{ ecs_service }}"
    window: 10m
    health_thresholds: "{{ health_thresholds }}"
"""

RETURN = r"""
service:
  description: The service judged.
  returned: always
  type: dict
  contains:
    name: {description: The service name., type: str, sample: lacrei-saude-backend}
    id: {description: The App Runner service id (null on ECS)., type: str, sample: 8f2e4c1d9a7b4e0f8c3d2b1a0e9f8d7c}
    platform: {description: "apprunner, ecs or ecs_express.", type: str, sample: apprunner}
    log_group: {description: The log group read (null when unknown)., type: str, sample: /aws/apprunner/lacrei-saude-backend/8f2e.../application}
    metrics:
      description:
        - "Per measure (requests, responses_2xx/4xx/5xx, latency, cpu, memory), the metric read: namespace,
          metric_name, dimensions (null when its source is unknown)."
      type: dict
      sample: {cpu: {namespace: AWS/ECS, metric_name: CPUUtilization, dimensions: {ClusterName: c, ServiceName: s}}}
window:
  description: The window judged (ISO 8601, UTC).
  returned: always
  type: dict
  sample: {start: "2024-05-02T14:00:00+00:00", end: "2024-05-02T14:10:00+00:00", period_seconds: 60, intervals: 10}
intervals:
  description: One entry per interval, oldest first. Values are null where CloudWatch had no datapoint.
  returned: always
  type: list
  elements: dict
  contains:
    start: {description: Interval start., type: str, sample: "2024-05-02T14:00:00+00:00"}
    end: {description: Interval end., type: str, sample: "2024-05-02T14:01:00+00:00"}
    requests: {description: Requests answered., type: float, sample: 120}
    responses_2xx: {description: "2xx responses (also responses_4xx, responses_5xx).", type: float, sample: 118}
    error_rate: {description: 5xx / requests (null without requests)., type: float, sample: 0.016667}
    latency_p50_ms: {description: Median latency (null when CloudWatch gives no percentiles)., type: float, sample: 41.0}
    latency_p95_ms: {description: 95th percentile latency (null when CloudWatch gives no percentiles)., type: float, sample: 180.0}
    latency_avg_ms: {description: Average latency., type: float, sample: 52.3}
    latency_max_ms: {description: Maximum latency., type: float, sample: 410.0}
    latency_ms: {description: Latency judged against C(latency_p95_ms)., type: float, sample: 410.0}
    latency_basis: {description: "Which statistic latency_ms is: p95, maximum or average.", type: str, sample: maximum}
    cpu_percent: {description: Average CPU utilisation (cpu_max_percent the maximum)., type: float, sample: 23.5}
    memory_percent: {description: Average memory utilisation (memory_max_percent the maximum)., type: float, sample: 41.2}
    error_log_lines: {description: Matching application log lines (null when the log group could not be read)., type: int, sample: 2}
    breaches: {description: "Checks over their limit, as '<check> <value> > <limit>'.", type: list, elements: str, sample: ["error_rate 0.31 > 0.05"]}
    verdict: {description: "ok, breach or no_data (nothing breached and no request).", type: str, sample: ok}
    source: {description: "real (CloudWatch's counts) or synthetic (judged on the probes: too little real traffic).", type: str, sample: real}
    real_requests: {description: Requests CloudWatch counted less the probes sent in the interval., type: float, sample: 118}
    probes: {description: Synthetic probes sent in the interval (probes_failed of them not as expected)., type: int, sample: 0}
summary:
  description: The whole window as one (totals, overall error rate, mean judged latency, worst p95 and maximum, mean CPU/memory, log lines).
  returned: always
  type: dict
  sample: {requests: 1200, responses_5xx: 3, error_rate: 0.0025, latency_ms: 180.0, latency_max_ms: 900.0, cpu_percent: 20.1, error_log_lines: 3}
baseline:
  description: The baseline window, its summary and its per-interval reference values.
  returned: when O(baseline_end) is set
  type: dict
  sample: {window: {start: "2024-05-02T12:30:00+00:00", end: "2024-05-02T13:30:00+00:00"}, summary: {}, reference: {error_rate: 0.01}}
limits:
  description: The limit each threshold key was judged against (null = not judged).
  returned: always
  type: dict
  sample: {error_rate: 0.05, latency_p95_ms: 1000.0, cpu_percent: 90.0, memory_percent: 90.0, error_log_lines: 20.0}
verdict:
  description: The window's verdict.
  returned: always
  type: dict
  contains:
    status: {description: "healthy, unhealthy or no_data.", type: str, sample: healthy}
    reason: {description: Why., type: str, sample: "10 of 10 intervals ok; never 3 consecutive breaches"}
    consecutive_breaches: {description: Breaching intervals at the end of the window., type: int, sample: 0}
    synthetic_intervals: {description: Intervals judged on synthetic probes., type: int, sample: 0}
    longest_breach_run: {description: Longest run of breaching intervals., type: int, sample: 1}
  sample: {status: healthy, breach_intervals: 3, consecutive_breaches: 0, longest_breach_run: 0}
latest_error_lines:
  description: The latest matching log messages, oldest first, secrets masked, at most O(error_lines_limit).
  returned: always
  type: list
  elements: str
  sample: ["ERROR django.request: Internal Server Error: /api/professionals/"]
table:
  description: A compact table of the intervals (header first; UTC interval ends; latency as p95 or avg/max).
  returned: always
  type: list
  elements: str
  sample: ["    time  requests  err rate ...", "14:01:00       120      1.7% ..."]
"""

import time

from ansible_collections.lacrei.rollback.plugins.module_utils import cloudwatch_logs
from ansible_collections.lacrei.rollback.plugins.module_utils import health_verdict as hv
from ansible_collections.lacrei.rollback.plugins.module_utils import metrics, service_target
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client, aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import AwsActionFailed
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed, fail_on_error

THRESHOLD_OPTIONS = {key: dict(type="float") for key in hv.THRESHOLD_KEYS}
ARGUMENT_SPEC = dict(
    **service_target.SERVICE_SPEC,
    load_balancer=dict(type="str"),
    target_group=dict(type="str"),
    window=dict(type="str", default="15m"),
    start_time=dict(type="str"),
    end_time=dict(type="str"),
    period=dict(type="str", default="60s"),
    not_before=dict(type="str"),
    health_thresholds=dict(type="dict", default={}, aliases=["thresholds"], options=THRESHOLD_OPTIONS),
    baseline_end=dict(type="str"),
    baseline_window=dict(type="str"),
    baseline_factor=dict(type="float", default=1.5),
    breach_intervals=dict(type="int", default=3),
    error_filter_pattern=dict(type="str", default='?ERROR ?Traceback ?" 500 "'),
    error_lines_limit=dict(type="int", default=10),
    log_group=dict(type="str"),
    max_log_events=dict(type="int", default=10000),
    latency_percentiles=dict(type="bool", default=True),
    latency_fallback=dict(type="str", choices=["maximum", "average"], default="maximum"),
    min_requests=dict(type="float", default=0),
    synthetic_probes=dict(type="list", elements="dict", default=[]),
)


class Reader:
    """Reads one window's raw statistics and error lines; remembers what it had to give up on."""

    def __init__(self, module, service: metrics.Service, cloudwatch):
        self.module, self.params, self.service = module, module.params, service
        self.cloudwatch = cloudwatch
        self.logs = aws_client("logs", self.params, primary=False)
        # Percentiles are optional: one attempt, no retries, so a refusal costs no backoff.
        self.percentiles = aws_client("cloudwatch", {**self.params, "max_attempts": 1}) if self.params["latency_percentiles"] else None
        self.log_group = self.params["log_group"] or service.log_group()

    def read(self, window: metrics.Window) -> tuple[list[dict], list, list[str]]:
        """(raw statistics per bucket, error line count per bucket, latest error lines)."""
        raws = metrics.read_metrics(self.cloudwatch, self.service, window)
        for raw, extra in zip(raws, self._percentiles(window)):
            raw.update(extra)
        counts, latest = self._error_lines(window)
        return raws, counts, latest

    def _percentiles(self, window) -> list[dict]:
        if self.percentiles is None:
            return [{}] * window.count
        try:
            return metrics.read_latency_percentiles(self.percentiles, self.service, window)
        except AwsActionFailed as exc:
            metric = (self.service.metric("latency") or ("", "latency"))[1]
            self.module.warn(f"CloudWatch gave no {metric} percentiles (error {exc.code}); latency is "
                             f"judged on its {self.params['latency_fallback']} instead.")
            self.percentiles = None
            return [{}] * window.count

    def _error_lines(self, window) -> tuple[list, list[str]]:
        if not self.log_group:
            return [None] * window.count, []
        try:
            found = metrics.read_error_lines(self.logs, self.log_group, window, self.params["error_filter_pattern"],
                                             self.params["error_lines_limit"], self.params["max_log_events"])
        except AwsActionFailed as exc:
            if exc.code != "ResourceNotFoundException":
                raise
            self.module.warn(f"No log group {self.log_group}: error log lines unknown (no data).")
            return [None] * window.count, []
        if found.truncated and found.scanned >= self.params["max_log_events"]:
            self.module.warn(f"More than {self.params['max_log_events']} log events in the window; counted the first ones only.")
        elif found.truncated:
            self.module.warn(f"CloudWatch Logs had more after {cloudwatch_logs.DEFAULT_MAX_PAGES} pages of the window "
                             f"({found.scanned} events); counted those only.")
        return found.counts, found.latest


def service_of(module, cloudwatch) -> metrics.Service:
    """The service as CloudWatch files it (on ECS: its names, target group, load balancer, log group)."""
    params = module.params
    platform_name = service_target.platform_name(params)
    if platform_name == "apprunner":
        return metrics.Service.from_arn(params["service_arn"])
    platform, name = service_target.platform_for(params, primary=False)
    found = platform.telemetry(name)
    target_group = params["target_group"] or next(iter(found["target_groups"]), None)
    load_balancer = params["load_balancer"]
    if target_group and not load_balancer:
        load_balancer = metrics.find_load_balancer(cloudwatch, target_group)
    if not target_group:
        module.warn(f"{platform.kind} {found['service_name']} has no target group (no loadBalancers; give target_group): "
                    "requests, 5xx and latency unknown (no data).")
    elif not load_balancer:
        module.warn(f"CloudWatch has no AWS/ApplicationELB metric of target group {metrics.elb_dimension(target_group)} "
                    "yet (or give load_balancer): requests, 5xx and latency unknown (no data).")
    if not found["log_group"] and not params["log_group"]:
        module.warn(f"The container of {found['service_name']} logs to no awslogs group (or give log_group): "
                    "error log lines unknown (no data).")
    return metrics.Service.on_ecs(platform_name, found["cluster"], found["service_name"], target_group, load_balancer,
                                  found["log_group"])


def metrics_read(service: metrics.Service) -> dict:
    """What each measure was read from (null: not read)."""
    found = {measure: service.metric(measure) for measure in metrics.PLATFORM_METRICS[service.platform]["measures"]}
    return {measure: None if spec is None else
            {"namespace": spec[0], "metric_name": spec[1], "dimensions": {d["Name"]: d["Value"] for d in spec[2]}}
            for measure, spec in found.items()}


def windows(params: dict) -> tuple[metrics.Window, metrics.Window | None]:
    """The judged window and the baseline window (or None)."""
    period = metrics.check_period(metrics.parse_duration(params["period"], "period"))
    end = metrics.parse_time(params["end_time"], "end_time") if params["end_time"] else metrics.now()
    start = (metrics.parse_time(params["start_time"], "start_time") if params["start_time"]
             else end - metrics.parse_duration(params["window"], "window"))
    window = metrics.Window.between(start, end, period)
    if not params["baseline_end"]:
        return window, None
    baseline_end = metrics.parse_time(params["baseline_end"], "baseline_end")
    length = (metrics.parse_duration(params["baseline_window"], "baseline_window") if params["baseline_window"]
              else window.end - window.start)
    return window, metrics.Window.between(baseline_end - length, baseline_end, period)


def probes_per_interval(window, probes: list[dict]) -> list[list[dict]]:
    """The synthetic probes grouped by the interval they were sent in."""
    groups = [[] for _ in range(window.count)]
    for probe in probes:
        index = window.bucket_of(float(probe.get("at") or 0))
        if index is not None:
            groups[index].append({"ok": bool(probe.get("ok")), "status": probe.get("status"), "reason": probe.get("reason")})
    return groups


def judge(reader: Reader, window, raws, counts, limit_of, probes=None) -> list[dict]:
    bounds = [(metrics.iso(start), metrics.iso(end)) for start, end in window.bounds()]
    return hv.judge_series(bounds, raws, counts, limit_of, reader.params["latency_fallback"], probes,
                           reader.params["min_requests"])


def baseline_of(reader: Reader, window) -> dict:
    raws, counts, _ = reader.read(window)
    summary = hv.summarize(judge(reader, window, raws, counts, {}))
    return {"window": window.describe(), "summary": summary, "reference": hv.baseline_reference(summary)}


def wait_for_not_before(not_before: str | None, period: float) -> None:
    """Sleep until ``not_before`` (epoch seconds or ISO 8601), when given and ahead."""
    if not not_before:
        return
    ahead = metrics.parse_time(not_before, "not_before") - metrics.now()
    if ahead > period + 3600:
        raise ActionFailed(f"not_before is {ahead:.0f} s ahead, more than the period ({period:g} s) plus an hour: "
                           "give the end of the interval to read (plus the metrics delay)")
    if ahead > 0:
        time.sleep(ahead)


def monitor(module) -> dict:
    params = module.params
    if params["breach_intervals"] < 1:
        raise ActionFailed("breach_intervals must be at least 1")
    if params["min_requests"] < 0:
        raise ActionFailed("min_requests must be 0 or more")
    window, baseline_window = windows(params)
    wait_for_not_before(params["not_before"], window.period)
    cloudwatch = aws_client("cloudwatch", params)
    service = service_of(module, cloudwatch)
    reader = Reader(module, service, cloudwatch)
    baseline = baseline_of(reader, baseline_window) if baseline_window else None
    limit_of = hv.limits(params["health_thresholds"], baseline and baseline["reference"], params["baseline_factor"])
    raws, counts, latest = reader.read(window)
    intervals = judge(reader, window, raws, counts, limit_of, probes_per_interval(window, params["synthetic_probes"]))
    result = {"service": {"name": service.name, "id": service.service_id, "platform": service.platform,
                          "log_group": reader.log_group, "metrics": metrics_read(service)},
              "window": window.describe(), "intervals": intervals, "summary": hv.summarize(intervals),
              "limits": limit_of,
              "verdict": hv.window_verdict(intervals, params["breach_intervals"], params["min_requests"]),
              "latest_error_lines": latest, "table": hv.table(intervals)}
    if baseline:
        result["baseline"] = baseline
    return result


def main():
    module = aws_module(ARGUMENT_SPEC, **service_target.SERVICE_RULES)
    with fail_on_error(module):
        result = monitor(module)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()

"""The datapoints an alarm evaluates, read from the sandbox's moto as CloudWatch would compute them.

- A metric (``Namespace``/``MetricName``/``Dimensions``) is read per period with
  ``get_metric_statistics`` over exactly that period (moto groups datapoints from the first one it
  finds, not on period boundaries, so one call per period keeps CloudWatch's alignment).
- A percentile (``p95``) moto cannot compute from the ``StatisticValues`` the sandbox's proxy
  publishes: the period's Maximum stands in for it (an upper bound, as the monitor's fallback).
- Metric math (``Metrics``) is computed here, period by period (moto stores the queries but
  evaluates none): each ``MetricStat`` read as above, then the expressions.
- A metric produced by a log metric filter (moto stores filters but never applies them) is
  counted here from the log group's events matching the filter's pattern.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from sandbox.alarms.evaluation import compute

# Log events read per evaluation of a log metric filter (the time window bounds them too).
MAX_LOG_EVENTS = 100_000
TOKEN = re.compile(r'([?-]?)(?:"([^"]*)"|(\S+))')


def _time(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


def _dims(dimensions) -> dict:
    if isinstance(dimensions, dict):
        return {str(k): str(v) for k, v in dimensions.items()}
    return {d["Name"]: d["Value"] for d in dimensions or []}


class MetricReader:
    """Datapoints per period for one evaluation: ``series(metric, stat, period, starts)``."""

    def __init__(self, cloudwatch, logs=None):
        self.cloudwatch = cloudwatch
        self.logs = logs

    # -- what an alarm evaluates ----------------------------------------------------------------
    def alarm_series(self, alarm: dict, end: int) -> list:
        """The alarm's datapoints for its ``EvaluationPeriods`` periods ending at ``end``, oldest first."""
        periods = int(alarm["EvaluationPeriods"])
        if alarm.get("Metrics"):
            return self._math_series(alarm["Metrics"], periods, end)
        metric = {"Namespace": alarm["Namespace"], "MetricName": alarm["MetricName"],
                  "Dimensions": alarm.get("Dimensions") or []}
        stat = alarm.get("ExtendedStatistic") or alarm["Statistic"]
        period = int(alarm["Period"])
        return self.series(metric, stat, period, [end - period * (periods - i) for i in range(periods)])

    def _math_series(self, queries: list, periods: int, end: int) -> list:
        stat_queries = [q for q in queries if q.get("MetricStat")]
        period = int(stat_queries[0]["MetricStat"]["Period"]) if stat_queries else 60
        starts = [end - period * (periods - i) for i in range(periods)]
        values = {q["Id"]: self.series(q["MetricStat"]["Metric"], q["MetricStat"]["Stat"], period, starts)
                  for q in stat_queries}
        returned = next(q for q in queries if q.get("ReturnData", True))
        if returned.get("MetricStat"):
            return values[returned["Id"]]
        series = []
        for index in range(periods):
            scope = {name: points[index] for name, points in values.items()}
            for query in queries:
                if query.get("Expression"):
                    scope[query["Id"]] = compute(query["Expression"], scope)
            series.append(scope[returned["Id"]])
        return series

    # -- one metric --------------------------------------------------------------------------
    def series(self, metric: dict, stat: str, period: int, starts: list[int]) -> list:
        source = self._log_filter_for(metric)
        if source:
            return self._log_series(source, period, starts)
        return [self._one(metric, stat, period, start) for start in starts]

    def _one(self, metric: dict, stat: str, period: int, start: int):
        kwargs = dict(Namespace=metric["Namespace"], MetricName=metric["MetricName"],
                      Dimensions=[{"Name": k, "Value": v} for k, v in _dims(metric.get("Dimensions")).items()],
                      StartTime=_time(start), EndTime=_time(start + period), Period=period)
        if stat.startswith("p"):
            points = self.cloudwatch.get_metric_statistics(ExtendedStatistics=[stat], **kwargs)["Datapoints"]
            value = next((p["ExtendedStatistics"][stat] for p in points if stat in p.get("ExtendedStatistics", {})),
                         None)
            if value is not None or not points:
                return value
            stat = "Maximum"  # moto has no percentile of StatisticValues: the period's maximum stands in
        points = self.cloudwatch.get_metric_statistics(Statistics=[stat], **kwargs)["Datapoints"]
        return points[0][stat] if points and stat in points[0] else None

    # -- log metric filters ------------------------------------------------------------------
    def _log_filter_for(self, metric: dict):
        if self.logs is None or metric["Namespace"].startswith("AWS/"):
            return None
        wanted = _dims(metric.get("Dimensions"))
        source = None  # the last one listed: moto keeps every version of a filter put again, newest last
        for page in self.logs.get_paginator("describe_metric_filters").paginate():
            for found in page["metricFilters"]:
                for item in found.get("metricTransformations") or []:
                    if (item["metricNamespace"], item["metricName"]) == (metric["Namespace"], metric["MetricName"]) \
                            and _dims(item.get("dimensions") or {}) == wanted:
                        source = found, item
        return source

    def _log_series(self, source, period: int, starts: list[int]) -> list:
        found, transformation = source
        value = float(transformation.get("metricValue") or 1)
        default = transformation.get("defaultValue")
        counts = [0.0] * len(starts)
        kwargs = dict(logGroupName=found["logGroupName"], startTime=starts[0] * 1000,
                      endTime=(starts[-1] + period) * 1000, PaginationConfig={"MaxItems": MAX_LOG_EVENTS})
        for page in self.logs.get_paginator("filter_log_events").paginate(**kwargs):
            for event in page["events"]:
                index = int(event["timestamp"] // 1000 - starts[0]) // period
                if 0 <= index < len(starts) and matches(found.get("filterPattern") or "", event["message"]):
                    counts[index] += value
        return [count if count else (float(default) if default is not None else None) for count in counts]


def matches(pattern: str, message: str) -> bool:
    """CloudWatch Logs' term patterns (TERM, "a phrase", ?ANY, -NOT; case-sensitive); JSON and
    space-delimited patterns are not evaluated by the sandbox (they match every event)."""
    text = pattern.strip()
    if not text or text.startswith(("{", "[")):
        return True
    required, any_of, excluded = [], [], []
    for prefix, phrase, word in TOKEN.findall(text):
        {"": required, "?": any_of, "-": excluded}[prefix].append(phrase or word)
    return (all(term in message for term in required) and not any(term in message for term in excluded)
            and (not any_of or any(term in message for term in any_of)))

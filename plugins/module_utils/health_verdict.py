# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Is the service healthy? Per-interval values, limits, verdicts and a table: pure functions.

Definitions (docs/runbooks/monitoring.md tells the same):

- error rate = 5xx responses / requests of the interval (None without requests);
- latency judged = p95 when CloudWatch gives percentiles, else the interval's maximum (or its
  average, by choice): ``latency_basis`` says which;
- limit of a check = its threshold; with a baseline (a window before the incident),
  ``max(threshold, baseline value * baseline_factor)``: a service that was already above the
  threshold before the incident is held to "no worse than before, with a margin";
- an interval breaches when any value with a limit exceeds it; it has ``no_data`` when nothing
  breached and it saw no request (an idle or silent service proves nothing); else it is ``ok``;
- the window is ``unhealthy`` when ``breach_intervals`` consecutive intervals breach (an
  interval without data breaks the run), ``healthy`` when it is not and at least one interval
  was ok, else ``no_data``. Missing data is never "healthy";
- too little real traffic: an interval whose real requests (CloudWatch's count less the
  monitor's own probes, which pass through the service URL too) are fewer than ``min_requests``
  is judged on the synthetic probes sent during it, when at least one of them got an answer:
  requests = probes, errors = probes that did not answer as expected, ``source`` synthetic.
  Without an answered probe it keeps its real values (no request at all: ``no_data``), and the
  window's reason says why there was neither.
"""
from __future__ import annotations

from datetime import datetime, timezone

# check -> (interval value, threshold key in health_thresholds)
CHECKS = {
    "error_rate": ("error_rate", "error_rate"),
    "latency": ("latency_ms", "latency_p95_ms"),
    "cpu": ("cpu_percent", "cpu_percent"),
    "memory": ("memory_percent", "memory_percent"),
    "error_log_lines": ("error_log_lines", "error_log_lines"),
}
THRESHOLD_KEYS = tuple(key for _, key in CHECKS.values())
OK, BREACH, NO_DATA = "ok", "breach", "no_data"
HEALTHY, UNHEALTHY = "healthy", "unhealthy"
REAL, SYNTHETIC = "real", "synthetic"
LATENCY_FALLBACKS = {"maximum": "latency_max_ms", "average": "latency_avg_ms"}


def _ratio(part, whole):
    return round(part / whole, 6) if part is not None and whole else None


def judged_latency(raw: dict, fallback: str = "maximum") -> tuple[float | None, str | None]:
    """(value, basis): p95 when present, else the fallback statistic; (None, None) without data."""
    if raw.get("latency_p95_ms") is not None:
        return raw["latency_p95_ms"], "p95"
    value = raw.get(LATENCY_FALLBACKS[fallback])
    return (value, fallback) if value is not None else (None, None)


def interval_values(raw: dict, error_lines: int | None, fallback: str = "maximum") -> dict:
    """The values of one interval from its raw CloudWatch statistics and error-line count."""
    latency, basis = judged_latency(raw, fallback)
    values = {key: raw.get(key) for key in (
        "requests", "responses_2xx", "responses_4xx", "responses_5xx", "latency_p50_ms", "latency_p95_ms",
        "latency_avg_ms", "latency_max_ms", "cpu_percent", "cpu_max_percent", "memory_percent", "memory_max_percent")}
    requests = values["requests"]
    values.update(error_rate=_ratio(values["responses_5xx"] or 0.0, requests) if requests else None,
                  latency_ms=latency, latency_basis=basis, error_log_lines=error_lines)
    return values


def with_probes(values: dict, probes: list[dict], min_requests: float) -> dict:
    """The interval's values, judged on the synthetic ``probes`` sent during it when its real traffic
    is fewer than ``min_requests`` requests (and a probe answered); see the module docstring."""
    sent = len(probes)
    failed = [probe for probe in probes if not probe["ok"]]
    unanswered = [probe for probe in probes if probe["status"] is None]
    real = max(0.0, (values.get("requests") or 0) - sent)
    values = {**values, "source": REAL, "real_requests": real, "probes": sent, "probes_failed": len(failed),
              "probe_error": unanswered[-1].get("reason") if unanswered else None}
    if not min_requests or real >= min_requests or len(unanswered) == sent:
        return values
    return {**values, "source": SYNTHETIC, "requests": float(sent), "responses_2xx": float(sent - len(failed)),
            "responses_4xx": None, "responses_5xx": float(len(failed)), "error_rate": _ratio(float(len(failed)), sent)}


def _mean(values):
    present = [value for value in values if value is not None]
    return round(sum(present) / len(present), 6) if present else None


def _total(values):
    present = [value for value in values if value is not None]
    return sum(present) if present else None


def summarize(intervals: list[dict]) -> dict:
    """The window as one: totals, overall error rate, mean and worst latency, CPU and memory."""
    requests = _total(item["requests"] for item in intervals)
    errors = _total(item["responses_5xx"] for item in intervals)
    weighted = [(item["latency_avg_ms"], item["requests"]) for item in intervals
                if item["latency_avg_ms"] is not None and item["requests"]]
    weight = sum(count for _, count in weighted)
    return {
        "intervals": len(intervals),
        "requests": requests,
        "responses_5xx": errors,
        "error_rate": _ratio(errors or 0.0, requests) if requests else None,
        "latency_ms": _mean(item["latency_ms"] for item in intervals),
        "latency_p95_ms": max((item["latency_p95_ms"] for item in intervals if item["latency_p95_ms"] is not None), default=None),
        "latency_avg_ms": round(sum(avg * count for avg, count in weighted) / weight, 3) if weight else None,
        "latency_max_ms": max((item["latency_max_ms"] for item in intervals if item["latency_max_ms"] is not None), default=None),
        "cpu_percent": _mean(item["cpu_percent"] for item in intervals),
        "cpu_max_percent": max((item["cpu_max_percent"] for item in intervals if item["cpu_max_percent"] is not None), default=None),
        "memory_percent": _mean(item["memory_percent"] for item in intervals),
        "memory_max_percent": max((item["memory_max_percent"] for item in intervals if item["memory_max_percent"] is not None), default=None),
        "error_log_lines": _total(item["error_log_lines"] for item in intervals),
        "error_log_lines_per_interval": _mean(item["error_log_lines"] for item in intervals),
        "synthetic_intervals": sum(1 for item in intervals if item.get("source") == SYNTHETIC),
        "probes": sum(item.get("probes") or 0 for item in intervals),
    }


def baseline_reference(summary: dict) -> dict:
    """What one interval of the baseline looked like, per threshold key (None where unknown)."""
    return {"error_rate": summary["error_rate"], "latency_p95_ms": summary["latency_ms"],
            "cpu_percent": summary["cpu_percent"], "memory_percent": summary["memory_percent"],
            "error_log_lines": summary["error_log_lines_per_interval"]}


def limits(thresholds: dict, baseline: dict | None = None, factor: float = 1.5) -> dict:
    """Threshold key -> limit: the threshold, or max(threshold, baseline * factor) with a baseline.

    A check without a threshold has no limit (None) and is not judged.
    """
    result = {}
    for key in THRESHOLD_KEYS:
        threshold = (thresholds or {}).get(key)
        reference = (baseline or {}).get(key)
        if threshold is None:
            result[key] = None
        elif reference is None:
            result[key] = float(threshold)
        else:
            result[key] = max(float(threshold), round(reference * factor, 6))
    return result


def breaches(values: dict, limit_of: dict) -> list[str]:
    """'<check> <value> > <limit>' for each check whose value exceeds its limit."""
    found = []
    for check, (value_key, threshold_key) in CHECKS.items():
        value, limit = values.get(value_key), limit_of.get(threshold_key)
        if value is not None and limit is not None and value > limit:
            found.append(f"{check} {value:g} > {limit:g}")
    return found


def judge_interval(values: dict, limit_of: dict) -> dict:
    """The interval's values plus ``breaches`` and ``verdict`` (ok, breach, no_data)."""
    found = breaches(values, limit_of)
    verdict = BREACH if found else (OK if values.get("requests") else NO_DATA)
    return {**values, "breaches": found, "verdict": verdict}


def _runs(verdicts: list[str], needed: int) -> tuple[int, int, int | None]:
    """(longest run of breaches, trailing run, index where a run first reached ``needed``)."""
    longest = current = 0
    reached = None
    for index, verdict in enumerate(verdicts):
        current = current + 1 if verdict == BREACH else 0
        longest = max(longest, current)
        if reached is None and current >= needed:
            reached = index
    return longest, current, reached


def _no_data_reason(intervals: list[dict], min_requests: float) -> str:
    """Why neither real traffic nor synthetic probes gave anything to judge."""
    if not intervals:
        return "no interval to judge"
    if not min_requests or any(item["verdict"] != NO_DATA for item in intervals):
        return "no interval showed the service answering requests within its limits"
    real = sum(item.get("real_requests") or 0 for item in intervals)
    probes = sum(item.get("probes") or 0 for item in intervals)
    errors = [item["probe_error"] for item in intervals if item.get("probe_error")]
    why = f" ({errors[-1]})" if errors else ""
    synthetic = (f"none of the {probes} synthetic probes of the critical endpoints got an answer{why}"
                 if probes else "no synthetic probe was sent during it (none are without service_url and critical_endpoints)")
    return (f"no data to judge: {real:g} real requests in the window (fewer than {min_requests:g} per interval)"
            f" and {synthetic}")


def window_verdict(intervals: list[dict], breach_intervals: int, min_requests: float = 0) -> dict:
    """unhealthy (``breach_intervals`` breaches in a row), healthy (else, if any interval ok), no_data."""
    verdicts = [item["verdict"] for item in intervals]
    longest, trailing, reached = _runs(verdicts, breach_intervals)
    counts = {name: verdicts.count(name) for name in (OK, BREACH, NO_DATA)}
    if reached is not None:
        status, last = UNHEALTHY, intervals[reached]
        reason = (f"{breach_intervals} consecutive intervals breached (up to {last['end']}): "
                  f"{'; '.join(last['breaches'])}")
    elif counts[OK]:
        status = HEALTHY
        reason = f"{counts[OK]} of {len(intervals)} intervals ok; never {breach_intervals} consecutive breaches"
    else:
        status = NO_DATA
        reason = _no_data_reason(intervals, min_requests)
    synthetic = sum(1 for item in intervals if item.get("source") == SYNTHETIC)
    if synthetic and status != NO_DATA:
        reason += (f" ({synthetic} of {len(intervals)} intervals judged on synthetic probes of the critical endpoints:"
                   f" fewer than {min_requests:g} real requests)")
    return {"status": status, "reason": reason, "breach_intervals": breach_intervals,
            "synthetic_intervals": synthetic,
            "consecutive_breaches": trailing, "longest_breach_run": longest,
            "intervals_ok": counts[OK], "intervals_breached": counts[BREACH], "intervals_without_data": counts[NO_DATA]}


def judge_series(bounds: list[tuple[str, str]], raws: list[dict], error_counts: list[int | None],
                 limit_of: dict, fallback: str = "maximum", probes: list[list[dict]] | None = None,
                 min_requests: float = 0) -> list[dict]:
    """The judged intervals: start/end (ISO 8601), values, breaches and verdict. ``probes``: the
    synthetic probes sent during each interval (see ``with_probes``)."""
    probes = probes or [[] for _ in bounds]
    return [{"start": start, "end": end,
             **judge_interval(with_probes(interval_values(raw, count, fallback), sent, min_requests), limit_of)}
            for (start, end), raw, count, sent in zip(bounds, raws, error_counts, probes)]


# -- the table ------------------------------------------------------------------------------------
COLUMNS = (("time", 8), ("requests", 8), ("err rate", 8), ("latency ms", 14), ("cpu %", 6), ("mem %", 6),
           ("err lines", 9), ("verdict", 7), ("source", 9))


def _number(value, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _latency(item: dict) -> str:
    if item["latency_ms"] is None:
        return "-"
    if item["latency_basis"] == "p95":
        return f"p95 {item['latency_ms']:.0f}"
    return f"{_number(item['latency_avg_ms'])}/{_number(item['latency_max_ms'])}"


def _clock(stamp: str) -> str:
    return datetime.fromisoformat(stamp).astimezone(timezone.utc).strftime("%H:%M:%S")


def table_row(item: dict) -> str:
    cells = (_clock(item["end"]), _number(item["requests"]),
             "-" if item["error_rate"] is None else f"{100 * item['error_rate']:.1f}%",
             _latency(item), _number(item["cpu_percent"], 1), _number(item["memory_percent"], 1),
             _number(item["error_log_lines"]), item["verdict"], item.get("source", REAL))
    return "  ".join(cell.rjust(width) for cell, (_, width) in zip(cells, COLUMNS))


def table(intervals: list[dict]) -> list[str]:
    """A header line (UTC interval ends; latency as p95, or avg/max) and one line per interval."""
    header = "  ".join(name.rjust(width) for name, width in COLUMNS)
    return [header] + [table_row(item) for item in intervals]

"""health_verdict: per-interval values, limits with a baseline, verdicts, the table (pure functions)."""
from __future__ import annotations

import pytest

from ansible_collections.lacrei.rollback.plugins.module_utils import health_verdict as hv

THRESHOLDS = {"error_rate": 0.05, "latency_p95_ms": 1000, "cpu_percent": 90, "memory_percent": 90,
              "error_log_lines": 20}
LIMITS = hv.limits(THRESHOLDS)


def raw(requests=100.0, errors=0.0, avg=50.0, maximum=200.0, cpu=20.0, memory=30.0, p95=None) -> dict:
    return {"requests": requests, "responses_2xx": None if requests is None else requests - errors,
            "responses_4xx": 0.0, "responses_5xx": errors, "latency_avg_ms": avg, "latency_max_ms": maximum,
            "latency_p50_ms": None, "latency_p95_ms": p95, "cpu_percent": cpu, "cpu_max_percent": cpu,
            "memory_percent": memory, "memory_max_percent": memory}


NOTHING = dict.fromkeys(raw())


def series(*verdicts: str) -> list[dict]:
    return [{"end": f"2024-05-02T14:0{n}:00+00:00", "verdict": verdict,
             "breaches": ["error_rate 0.3 > 0.05"] if verdict == hv.BREACH else []}
            for n, verdict in enumerate(verdicts)]


def test_error_rate_is_5xx_over_requests_computed_client_side():
    values = hv.interval_values(raw(requests=200.0, errors=30.0), error_lines=4)
    assert values["error_rate"] == 0.15 and values["error_log_lines"] == 4


def test_no_requests_means_no_error_rate_not_zero():
    assert hv.interval_values(raw(requests=0.0), 0)["error_rate"] is None
    assert hv.interval_values(NOTHING, None)["error_rate"] is None


def test_missing_5xx_metric_with_requests_is_zero_errors():
    assert hv.interval_values({**raw(), "responses_5xx": None}, 0)["error_rate"] == 0.0


@pytest.mark.parametrize("data, fallback, expected", [
    (raw(p95=300.0), "maximum", (300.0, "p95")),
    (raw(), "maximum", (200.0, "maximum")),
    (raw(), "average", (50.0, "average")),
    (NOTHING, "maximum", (None, None)),
])
def test_latency_judged_is_p95_where_available_else_the_fallback(data, fallback, expected):
    assert hv.judged_latency(data, fallback) == expected


def test_limits_are_thresholds_without_baseline_and_missing_ones_are_not_judged():
    assert hv.limits({"error_rate": 0.05}) == {"error_rate": 0.05, "latency_p95_ms": None, "cpu_percent": None,
                                               "memory_percent": None, "error_log_lines": None}


def test_baseline_raises_a_limit_only_above_the_threshold():
    reference = {"error_rate": 0.08, "latency_p95_ms": 100.0, "cpu_percent": None, "memory_percent": 70.0,
                 "error_log_lines": 2.0}
    limit = hv.limits(THRESHOLDS, reference, factor=1.5)
    assert limit["error_rate"] == pytest.approx(0.12)       # baseline 8% * 1.5 beats the 5% threshold
    assert limit["latency_p95_ms"] == 1000.0                # 150 ms < threshold: threshold stays
    assert limit["cpu_percent"] == 90.0                     # no baseline value: threshold
    assert limit["memory_percent"] == 105.0
    assert limit["error_log_lines"] == 20.0


def test_interval_breach_lists_every_check_over_its_limit():
    judged = hv.judge_interval(hv.interval_values(raw(errors=30.0, cpu=95.0), 25), LIMITS)
    assert judged["verdict"] == hv.BREACH
    assert judged["breaches"] == ["error_rate 0.3 > 0.05", "cpu 95 > 90", "error_log_lines 25 > 20"]


def test_value_at_the_limit_is_not_a_breach():
    assert hv.judge_interval(hv.interval_values(raw(errors=5.0), 20), LIMITS)["verdict"] == hv.OK


def test_missing_data_is_no_data_not_ok():
    assert hv.judge_interval(hv.interval_values(NOTHING, None), LIMITS)["verdict"] == hv.NO_DATA
    idle = hv.judge_interval(hv.interval_values(raw(requests=0.0), 0), LIMITS)
    assert idle["verdict"] == hv.NO_DATA and idle["breaches"] == []


def test_breach_without_requests_is_still_a_breach():
    judged = hv.judge_interval(hv.interval_values(raw(requests=None, cpu=99.0), 0), LIMITS)
    assert judged["verdict"] == hv.BREACH


def test_consecutive_breaches_make_the_window_unhealthy():
    verdict = hv.window_verdict(series("ok", "breach", "breach", "breach", "ok"), breach_intervals=3)
    assert verdict["status"] == hv.UNHEALTHY
    assert verdict["longest_breach_run"] == 3 and verdict["consecutive_breaches"] == 0
    assert "up to 2024-05-02T14:03:00+00:00" in verdict["reason"] and "error_rate 0.3 > 0.05" in verdict["reason"]


@pytest.mark.parametrize("verdicts", [
    ("breach", "breach", "ok", "breach", "breach"),        # an ok interval breaks the run
    ("breach", "breach", "no_data", "breach", "ok"),       # so does an interval without data
])
def test_breaches_not_in_a_row_are_tolerated(verdicts):
    verdict = hv.window_verdict(series(*verdicts), breach_intervals=3)
    assert verdict["status"] == hv.HEALTHY and verdict["longest_breach_run"] == 2


def test_trailing_breaches_are_counted():
    verdict = hv.window_verdict(series("ok", "breach", "breach"), breach_intervals=3)
    assert (verdict["status"], verdict["consecutive_breaches"]) == (hv.HEALTHY, 2)


@pytest.mark.parametrize("verdicts", [(), ("no_data", "no_data"), ("breach", "no_data")])
def test_without_an_ok_interval_the_window_is_no_data_never_healthy(verdicts):
    assert hv.window_verdict(series(*verdicts), breach_intervals=3)["status"] == hv.NO_DATA


def test_summary_totals_and_weighted_latency():
    intervals = [hv.interval_values(raw(requests=100.0, errors=10.0, avg=10.0, maximum=50.0), 1),
                 hv.interval_values(raw(requests=300.0, errors=0.0, avg=50.0, maximum=900.0), 3),
                 hv.interval_values(NOTHING, None)]
    summary = hv.summarize(intervals)
    assert (summary["requests"], summary["responses_5xx"], summary["error_rate"]) == (400.0, 10.0, 0.025)
    assert summary["latency_avg_ms"] == 40.0 and summary["latency_max_ms"] == 900.0
    assert summary["error_log_lines"] == 4 and summary["error_log_lines_per_interval"] == 2.0
    reference = hv.baseline_reference(summary)
    assert reference["error_rate"] == 0.025 and reference["latency_p95_ms"] == 475.0


def test_summary_of_nothing_is_all_unknown():
    summary = hv.summarize([hv.interval_values(NOTHING, None)])
    assert summary["requests"] is None and summary["error_rate"] is None and summary["latency_max_ms"] is None


def test_table_has_a_header_and_a_row_per_interval():
    bounds = [("2024-05-02T14:00:00+00:00", "2024-05-02T14:01:00+00:00"),
              ("2024-05-02T14:01:00+00:00", "2024-05-02T14:02:00+00:00")]
    intervals = hv.judge_series(bounds, [raw(errors=30.0, p95=320.0), NOTHING], [2, None], LIMITS)
    lines = hv.table(intervals)
    assert lines[0].split() == ["time", "requests", "err", "rate", "latency", "ms", "cpu", "%", "mem", "%",
                                "err", "lines", "verdict", "source"]
    assert lines[1].split() == ["14:01:00", "100", "30.0%", "p95", "320", "20.0", "30.0", "2", "breach", "real"]
    assert lines[2].split() == ["14:02:00", "-", "-", "-", "-", "-", "-", "no_data", "real"]
    assert len({len(line) for line in lines}) == 1
    fallback = hv.table(hv.judge_series(bounds[:1], [raw()], [0], LIMITS))[1]
    assert "50/200" in fallback


# -- too little real traffic: synthetic probes -----------------------------------------------------
BOUNDS = [("2024-05-02T14:00:00+00:00", "2024-05-02T14:01:00+00:00")]


def probes(*statuses, ok_status=200):
    return [{"ok": status == ok_status, "status": status, "reason": None if status else "connection refused"}
            for status in statuses]


def test_enough_real_traffic_is_judged_on_it_even_with_probes():
    item = hv.judge_series(BOUNDS, [raw(requests=103.0, errors=1.0)], [0], LIMITS, probes=[probes(200, 200, 200)],
                           min_requests=5)[0]
    assert (item["source"], item["requests"], item["real_requests"], item["probes"]) == ("real", 103.0, 100.0, 3)


def test_too_little_real_traffic_is_judged_on_the_probes_and_marked_synthetic():
    """3 a.m.: CloudWatch saw only the monitor's own 4 probes; 1 of them answered 500."""
    item = hv.judge_series(BOUNDS, [raw(requests=4.0, errors=1.0)], [0], LIMITS, probes=[probes(200, 200, 500, 200)],
                           min_requests=5)[0]
    assert (item["source"], item["requests"], item["real_requests"], item["responses_5xx"]) == ("synthetic", 4.0, 0.0, 1.0)
    assert item["error_rate"] == 0.25 and item["verdict"] == "breach"
    quiet = hv.judge_series(BOUNDS, [NOTHING], [0], LIMITS, probes=[probes(200, 200)], min_requests=5)[0]
    assert (quiet["source"], quiet["verdict"], quiet["error_rate"]) == ("synthetic", "ok", 0.0)
    verdict = hv.window_verdict([quiet], 1, min_requests=5)
    assert verdict["status"] == "healthy" and verdict["synthetic_intervals"] == 1
    assert "judged on synthetic probes of the critical endpoints: fewer than 5 real requests" in verdict["reason"]
    assert hv.summarize([quiet])["synthetic_intervals"] == 1 and hv.table([quiet])[1].split()[-1] == "synthetic"


def test_unanswered_probes_count_as_errors_once_one_answered():
    item = hv.judge_series(BOUNDS, [NOTHING], [0], LIMITS, probes=[probes(200, None)], min_requests=5)[0]
    assert (item["source"], item["error_rate"], item["verdict"]) == ("synthetic", 0.5, "breach")


def test_neither_real_traffic_nor_an_answered_probe_is_no_data_and_says_why():
    item = hv.judge_series(BOUNDS, [NOTHING], [0], LIMITS, probes=[probes(None, None)], min_requests=5)[0]
    assert (item["source"], item["verdict"]) == ("real", "no_data")
    verdict = hv.window_verdict([item], 1, min_requests=5)
    assert verdict["status"] == "no_data"
    assert verdict["reason"] == ("no data to judge: 0 real requests in the window (fewer than 5 per interval) and none "
                                 "of the 2 synthetic probes of the critical endpoints got an answer (connection refused)")
    silent = hv.judge_series(BOUNDS, [NOTHING], [0], LIMITS, min_requests=5)
    assert "no synthetic probe was sent during it (none are without service_url and critical_endpoints)" in hv.window_verdict(
        silent, 1, min_requests=5)["reason"]


def test_a_breach_short_of_the_run_is_no_data_with_the_plain_reason():
    """First reading of a bad release: one breach of two needed, nothing ok yet."""
    item = hv.judge_series(BOUNDS, [raw(errors=40.0)], [0], LIMITS, probes=[probes(200, 500)], min_requests=5)[0]
    verdict = hv.window_verdict([item], 2, min_requests=5)
    assert verdict["status"] == "no_data"
    assert verdict["reason"] == "no interval showed the service answering requests within its limits"

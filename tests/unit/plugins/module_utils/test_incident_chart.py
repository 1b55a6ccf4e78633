"""incident_chart: the incident report's SVG (valid XML, both series, the limits, the marks, the gaps)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.lacrei.rollback.plugins.module_utils import incident_chart as chart

SVG = "{http://www.w3.org/2000/svg}"
T0 = datetime(2026, 11, 30, 8, 0, 0, tzinfo=timezone.utc)
THRESHOLDS = {"error_rate": 0.05, "latency_p95_ms": 1000}


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat()


def intervals(count=24, bad=range(6, 16), p95=True, missing=()) -> list[dict]:
    """5 s intervals: 30% errors and slow during ``bad``, none in ``missing`` (no requests)."""
    out = []
    for n in range(count):
        rate = None if n in missing else (0.3 if n in bad else 0.0)
        latency = None if n in missing else (900.0 if n in bad else 40.0)
        out.append({"start": at(5 * n), "end": at(5 * n + 5), "error_rate": rate,
                    "latency_p95_ms": latency if p95 else None, "latency_ms": latency,
                    "latency_basis": "p95" if p95 else "maximum"})
    return out


MARKS = [{"kind": "deploy", "label": "deploy v1.3.0", "at": at(28)},
         {"kind": "detection", "label": "detection", "at": at(50)},
         {"kind": "rollback", "label": "rollback", "at": at(60), "until": at(78)},
         {"kind": "recovery", "label": "recovery", "at": "2026-11-30T08:01:25Z"}]


def parse(svg: str) -> ET.Element:
    assert svg.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(svg.encode())  # raises on anything that is not well-formed XML


def series(root: ET.Element, key: str) -> ET.Element:
    found = [g for g in root.iter(SVG + "g") if g.get("class") == "series" and g.get("data-series") == key]
    assert len(found) == 1, key
    return found[0]


def ys(group: ET.Element) -> list[float]:
    return [float(pair.split(",")[1]) for line in group.iter(SVG + "polyline") for pair in line.get("points").split()]


def test_both_series_the_limits_and_every_mark_are_drawn():
    root = parse(chart.render_svg(intervals(), MARKS, THRESHOLDS, "Incident on lacrei-saude-backend"))
    assert root.tag == SVG + "svg" and root.find(SVG + "title").text == "Incident on lacrei-saude-backend"
    for key in ("error_rate", "latency"):
        points = ys(series(root, key))
        assert len(points) == 24
        assert min(points) < max(points)  # the bad intervals stand out (SVG y grows downwards)
    marks = {g.get("data-kind"): g for g in root.iter(SVG + "g") if g.get("class") == "mark"}
    assert set(marks) == {"deploy", "detection", "rollback", "recovery"}
    assert marks["recovery"].get("data-at") == "2026-11-30T08:01:25+00:00"
    assert marks["rollback"].find(SVG + "rect") is not None  # a mark with `until` is a band
    assert marks["deploy"].find(SVG + "rect") is None
    labels = [t.text for t in root.iter(SVG + "text") if t.get("class") == "mark-label"]
    assert "deploy v1.3.0 08:00:28" in labels and "recovery 08:01:25" in labels
    limits = [t.text for t in root.iter(SVG + "text") if t.get("class") == "limit-label"]
    assert limits == ["limit 5%", "limit 1000ms"]


def test_marks_sit_in_time_order_on_the_axis():
    root = parse(chart.render_svg(intervals(), MARKS, THRESHOLDS))
    xs = {g.get("data-kind"): float(g.find(SVG + "line").get("x1")) for g in root.iter(SVG + "g")
          if g.get("class") == "mark"}
    assert chart.LEFT < xs["deploy"] < xs["detection"] < xs["rollback"] < xs["recovery"] < chart.WIDTH - chart.RIGHT


def test_an_interval_without_data_breaks_the_line_instead_of_drawing_zero():
    root = parse(chart.render_svg(intervals(missing={10, 11}), [], THRESHOLDS))
    lines = list(series(root, "error_rate").iter(SVG + "polyline"))
    assert len(lines) == 2 and len(ys(series(root, "error_rate"))) == 22


def test_latency_without_p95_is_drawn_from_the_judged_latency_and_says_so():
    svg = chart.render_svg(intervals(p95=False), MARKS, THRESHOLDS)
    assert "Latency (maximum: no p95 from CloudWatch)" in svg
    assert len(ys(series(parse(svg), "latency"))) == 24


def test_marks_outside_the_window_are_named_under_the_chart_not_drawn():
    early = [{"kind": "deploy", "label": "deploy v1.3.0", "at": "2026-11-30T07:00:00Z"}] + MARKS[1:]
    root = parse(chart.render_svg(intervals(), early, THRESHOLDS))
    assert "deploy" not in {g.get("data-kind") for g in root.iter(SVG + "g") if g.get("class") == "mark"}
    notes = [t.text for t in root.iter(SVG + "text") if t.get("class") == "mark-outside"]
    assert notes == ["deploy v1.3.0 07:00:00 UTC (before the chart)"]


def test_text_is_escaped():
    root = parse(chart.render_svg(intervals(), [{"kind": "x", "label": "<b>&\"'", "at": at(10)}], {}, "a < b & c"))
    assert root.find(SVG + "title").text == "a < b & c"
    assert "<b>&\"' 08:00:10" in [t.text for t in root.iter(SVG + "text")]


def test_no_intervals_still_gives_a_valid_chart_saying_so():
    root = parse(chart.render_svg([], MARKS, THRESHOLDS))
    assert [t.text for t in root.iter(SVG + "text") if t.get("class") == "no-data"] == ["no data in the window"] * 2
    assert len([g for g in root.iter(SVG + "g") if g.get("class") == "mark"]) == 4  # the marks' span is the axis


@pytest.mark.parametrize("value, expected", [
    ("2026-11-30T08:00:05Z", T0 + timedelta(seconds=5)),
    ("2026-11-30T08:00:05+00:00", T0 + timedelta(seconds=5)),
    ("2026-11-30T08:00:05", T0 + timedelta(seconds=5)),  # naive means UTC
    (T0.timestamp() + 5, T0 + timedelta(seconds=5)),
    (str(T0.timestamp()), T0),
    (None, None), ("", None)])
def test_times_in_the_forms_the_roles_give(value, expected):
    assert chart.parse_time(value) == expected


def test_a_label_near_the_right_edge_ends_at_its_line_and_labels_do_not_overlap():
    marks = [{"kind": "rollback", "label": "rollback", "at": at(100)},
             {"kind": "detection", "label": "detection (procedure started)", "at": at(101)},
             {"kind": "recovery", "label": "recovery (validated)", "at": at(118)}]
    root = parse(chart.render_svg(intervals(), marks, THRESHOLDS))
    labels = {t.text.split(" ")[0]: t for t in root.iter(SVG + "text") if t.get("class") == "mark-label"}
    assert labels["recovery"].get("text-anchor") == "end"
    assert float(labels["recovery"].get("x")) < chart.WIDTH - chart.RIGHT
    assert labels["rollback"].get("text-anchor") == "start"
    assert labels["rollback"].get("y") != labels["detection"].get("y")  # close marks: their labels on two rows

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The incident report's picture: error rate and p95 latency over the incident window, as SVG.

Hand-written SVG (no plotting library): two panels sharing the time axis, one line per series
through the interval midpoints (broken where an interval has no value), the limits dashed, and
the incident's moments (deploy, detection, rollback, recovery...) as vertical marks, a mark with
an ``until`` as a band.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape, quoteattr

WIDTH, LEFT, RIGHT, TOP = 860, 72, 24, 100
PANEL_HEIGHT, PANEL_GAP, BOTTOM = 150, 46, 44
MARK_COLOURS = {"deploy": "#7b3fa0", "rise": "#d98a00", "detection": "#c0392b", "rollback": "#1f6fb2",
                "recovery": "#1e8449"}
SERIES = (
    # key, title, colour, threshold key, unit
    ("error_rate", "Error rate (5xx / requests)", "#c0392b", "error_rate", "%"),
    ("latency", "Latency p95", "#1f6fb2", "latency_p95_ms", "ms"),
)


def parse_time(value) -> datetime | None:
    """A timezone-aware datetime from ISO 8601 (``Z`` or an offset; naive means UTC) or epoch seconds."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc)
    else:
        text = str(value).strip()
        try:
            return datetime.fromtimestamp(float(text), timezone.utc)
        except ValueError:
            pass
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _latency(interval: dict) -> tuple[float | None, str]:
    """The interval's p95 latency, or the latency the monitor judged when CloudWatch gave no p95."""
    if interval.get("latency_p95_ms") is not None:
        return float(interval["latency_p95_ms"]), "p95"
    if interval.get("latency_ms") is not None:
        return float(interval["latency_ms"]), str(interval.get("latency_basis") or "judged")
    return None, ""


def series_points(intervals: list[dict]) -> dict:
    """{error_rate: [(midpoint, value or None)], latency: [...], latency_basis: 'p95' or the fallback}."""
    points = {"error_rate": [], "latency": []}
    bases = set()
    for interval in intervals:
        start, end = parse_time(interval.get("start")), parse_time(interval.get("end"))
        if start is None:
            continue
        middle = start + (end - start) / 2 if end else start
        rate = interval.get("error_rate")
        points["error_rate"].append((middle, None if rate is None else float(rate)))
        latency, basis = _latency(interval)
        points["latency"].append((middle, latency))
        if basis:
            bases.add(basis)
    points["latency_basis"] = "p95" if bases <= {"p95"} else "/".join(sorted(bases))
    return points


class _Scale:
    def __init__(self, low: float, high: float, out_low: float, out_high: float):
        self.low, self.high = low, high if high > low else low + 1.0
        self.out_low, self.out_high = out_low, out_high

    def __call__(self, value: float) -> float:
        return self.out_low + (value - self.low) * (self.out_high - self.out_low) / (self.high - self.low)


def _text(x: float, y: float, text: str, css: str, anchor: str = "start", colour: str = "#333") -> str:
    return (f'<text class="{css}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{colour}">'
            f"{escape(text)}</text>")


def _segments(points: list[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """Runs of consecutive points with a value (a missing value breaks the line)."""
    runs, current = [], []
    for x, y in points:
        if y is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((x, y))
    return runs + ([current] if current else [])


def _panel(index: int, key: str, title: str, colour: str, unit: str, values, limit, x_of, basis: str) -> list[str]:
    top = TOP + index * (PANEL_HEIGHT + PANEL_GAP)
    bottom = top + PANEL_HEIGHT
    scale_factor = 100.0 if unit == "%" else 1.0
    known = [value * scale_factor for _, value in values if value is not None]
    ceiling = max(known + ([limit * scale_factor] if limit is not None else []) + [5.0 if unit == "%" else 100.0])
    y_of = _Scale(0.0, ceiling * 1.15, bottom, top)
    label = title if key != "latency" or basis == "p95" else f"Latency ({basis}: no p95 from CloudWatch)"
    out = [f'<g class="panel" data-series={quoteattr(key)}>',
           f'<rect x="{LEFT}" y="{top}" width="{WIDTH - LEFT - RIGHT}" height="{PANEL_HEIGHT}" fill="#fafafa" stroke="#ccc"/>',
           _text(LEFT, top - 8, f"{label} ({unit})", "panel-title")]
    for fraction in (0.0, 0.5, 1.0):
        value = ceiling * 1.15 * fraction
        y = y_of(value)
        out.append(f'<line x1="{LEFT - 4}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#e3e3e3"/>')
        out.append(_text(LEFT - 8, y + 4, f"{value:.1f}" if unit == "%" else f"{value:.0f}", "tick", "end"))
    if limit is not None:
        y = y_of(limit * scale_factor)
        out.append(f'<line class="limit" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
                   f'stroke="{colour}" stroke-dasharray="6 4" stroke-opacity="0.6"/>')
        shown = f"{limit * scale_factor:g}{unit}"
        out.append(_text(WIDTH - RIGHT - 4, y - 4, f"limit {shown}", "limit-label", "end", colour))
    out.append(f'<g class="series" data-series={quoteattr(key)} stroke={quoteattr(colour)} fill={quoteattr(colour)}>')
    for run in _segments([(x_of(moment), value) for moment, value in values]):
        coords = " ".join(f"{x:.1f},{y_of(value * scale_factor):.1f}" for x, value in run)
        out.append(f'<polyline points="{coords}" fill="none" stroke-width="2"/>')
        out.extend(f'<circle cx="{x:.1f}" cy="{y_of(value * scale_factor):.1f}" r="2.5"/>' for x, value in run)
    if not known:
        out.append(_text((LEFT + WIDTH - RIGHT) / 2, (top + bottom) / 2, "no data in the window", "no-data", "middle"))
    out += ["</g>", "</g>"]
    return out


def _time_ticks(start: datetime, end: datetime, x_of, bottom: float) -> list[str]:
    span = (end - start).total_seconds()
    step = next((s for s in (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600) if span / s <= 8), 43200)
    first = int(start.timestamp()) // step * step + step
    out = []
    for stamp in range(first, int(end.timestamp()) + 1, step):
        x = x_of(datetime.fromtimestamp(stamp, timezone.utc))
        out.append(f'<line x1="{x:.1f}" y1="{bottom:.1f}" x2="{x:.1f}" y2="{bottom + 5:.1f}" stroke="#999"/>')
        moment = datetime.fromtimestamp(stamp, timezone.utc)
        out.append(_text(x, bottom + 18, moment.strftime("%H:%M:%S" if step < 60 else "%H:%M"), "tick", "middle"))
    return out


def _marks(marks: list[dict], start: datetime, end: datetime, x_of, bottom: float) -> tuple[list[str], list[str]]:
    """The marks inside the window (lines or bands, labels staggered on rows) and notes on those outside."""
    out, outside, last_end_by_row = [], [], {}
    for mark in sorted((m for m in marks if parse_time(m.get("at"))), key=lambda m: parse_time(m["at"])):
        kind = str(mark.get("kind") or "mark")
        at, until = parse_time(mark["at"]), parse_time(mark.get("until"))
        label = str(mark.get("label") or kind)
        if at > end or (until or at) < start:
            outside.append(f"{label} {at.strftime('%H:%M:%S')} UTC ({'before' if at < start else 'after'} the chart)")
            continue
        colour = MARK_COLOURS.get(kind, "#555")
        x = x_of(max(at, start))
        out.append(f'<g class="mark" data-kind={quoteattr(kind)} data-at={quoteattr(at.isoformat())}>')
        if until is not None and until > at:
            width = max(x_of(min(until, end)) - x, 1.0)
            out.append(f'<rect x="{x:.1f}" y="{TOP}" width="{width:.1f}" height="{bottom - TOP:.1f}" '
                       f'fill="{colour}" fill-opacity="0.12"/>')
        text = f"{label} {at.strftime('%H:%M:%S')}"
        width = 6.2 * len(text)
        # A label that would run off the right edge ends at its line instead.
        left, anchor, text_x = (x + 3, "start", x + 3) if x + 3 + width <= WIDTH else (x - 3 - width, "end", x - 3)
        row = next((r for r in range(4) if left > last_end_by_row.get(r, -1e9)), 3)
        last_end_by_row[row] = left + width + 8
        label_y = TOP - 62 + row * 12
        out.append(f'<line x1="{x:.1f}" y1="{label_y + 3:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" stroke="{colour}" '
                   f'stroke-width="1.5"/>')
        out.append(_text(text_x, label_y, text, "mark-label", anchor, colour))
        out.append("</g>")
    return out, outside


def render_svg(intervals: list[dict], marks: list[dict] | None = None, thresholds: dict | None = None,
               title: str = "") -> str:
    """The SVG document (a string) of ``intervals`` (as lacrei.rollback.apprunner_metrics_info returns
    them: start, end, error_rate, latency_p95_ms / latency_ms) with ``marks`` ({kind, label, at,
    until?}) and the ``thresholds`` (health_thresholds: error_rate, latency_p95_ms) dashed."""
    thresholds = thresholds or {}
    points = series_points(intervals or [])
    moments = [moment for moment, _ in points["error_rate"]]
    starts = [parse_time(i.get("start")) for i in intervals or [] if parse_time(i.get("start"))]
    ends = [parse_time(i.get("end")) for i in intervals or [] if parse_time(i.get("end"))]
    start = min(starts) if starts else None
    end = max(ends + moments) if (ends or moments) else None
    if start is None or end is None or end <= start:
        mark_times = [parse_time(m.get("at")) for m in marks or [] if parse_time(m.get("at"))]
        start, end = (min(mark_times), max(mark_times)) if mark_times else (None, None)
        if start is None:
            start = end = datetime.now(timezone.utc)
        if end <= start:
            end = start + timedelta(minutes=1)
    span = _Scale(start.timestamp(), end.timestamp(), LEFT, WIDTH - RIGHT)

    def x_of(moment: datetime) -> float:
        return span(moment.timestamp())

    bottom = TOP + 2 * PANEL_HEIGHT + PANEL_GAP
    height = bottom + BOTTOM
    heading = title or "Incident window"
    body = [f'<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0f}" '
            f'viewBox="0 0 {WIDTH} {height:.0f}" role="img" font-family="sans-serif" font-size="11">',
            f"<title>{escape(heading)}</title>",
            f'<rect width="{WIDTH}" height="{height:.0f}" fill="#fff"/>',
            _text(LEFT, 18, heading, "title", "start", "#111")]
    for index, (key, label, colour, limit_key, unit) in enumerate(SERIES):
        limit = thresholds.get(limit_key)
        body += _panel(index, key, label, colour, unit, points[key], None if limit is None else float(limit), x_of,
                       points["latency_basis"])
    body += _time_ticks(start, end, x_of, bottom)
    body.append(_text(WIDTH - RIGHT, bottom + 34, f"UTC, {start.strftime('%Y-%m-%d')}", "axis-label", "end"))
    drawn, outside = _marks(marks or [], start, end, x_of, bottom)
    body += drawn
    if outside:
        body.append(_text(LEFT, bottom + 34, "; ".join(outside), "mark-outside"))
    body.append("</svg>")
    return "\n".join(body) + "\n"

"""The lacrei.rollback.incident_chart filter: the SVG for good input, a clear error for bad input."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.lacrei.rollback.plugins.filter.incident_chart import FilterModule

incident_chart = FilterModule().filters()["incident_chart"]
INTERVALS = [{"start": "2026-11-30T08:00:00Z", "end": "2026-11-30T08:00:05Z", "error_rate": 0.3, "latency_p95_ms": 800},
             {"start": "2026-11-30T08:00:05Z", "end": "2026-11-30T08:00:10Z", "error_rate": 0.0, "latency_p95_ms": 40}]


def test_the_filter_gives_the_svg_document():
    svg = incident_chart(INTERVALS, [{"kind": "recovery", "label": "recovery", "at": "2026-11-30T08:00:06Z"}],
                         {"error_rate": 0.05}, "Incident")
    root = ET.fromstring(svg.encode())
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and "recovery 08:00:06" in svg
    assert incident_chart(INTERVALS).startswith("<?xml")  # marks, thresholds and title are optional


@pytest.mark.parametrize("intervals, marks, message", [
    ("not a list", None, "takes the list of intervals of lacrei.rollback.apprunner_metrics_info"),
    ([1, 2], None, "not list"),
    (INTERVALS, {"at": "x"}, "marks are a list of {kind, label, at, until?}"),
    ([{"start": "yesterday"}], None, "could not read a time or a value"),
    (INTERVALS, [{"kind": "deploy", "at": "08:00 on Monday"}], "could not read a time or a value"),
])
def test_bad_input_is_refused_saying_what_was_wrong(intervals, marks, message):
    with pytest.raises(AnsibleFilterError, match=re.escape(message)):
        incident_chart(intervals, marks)

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lacrei.rollback.incident_chart: the incident report's picture as an SVG document (a string)."""
from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.lacrei.rollback.plugins.module_utils.incident_chart import render_svg


def incident_chart(intervals, marks=None, thresholds=None, title=""):
    if not isinstance(intervals, list) or not all(isinstance(item, dict) for item in intervals):
        raise AnsibleFilterError("incident_chart takes the list of intervals of lacrei.rollback.apprunner_metrics_info "
                                 f"(dicts with start, end, error_rate, latency_p95_ms), not {type(intervals).__name__}")
    if marks is not None and (not isinstance(marks, list) or not all(isinstance(item, dict) for item in marks)):
        raise AnsibleFilterError("incident_chart's marks are a list of {kind, label, at, until?}")
    try:
        return render_svg(intervals, marks or [], thresholds or {}, str(title or ""))
    except (TypeError, ValueError) as error:
        raise AnsibleFilterError(f"incident_chart could not read a time or a value: {error}") from error


class FilterModule:
    def filters(self):
        return {"incident_chart": incident_chart}

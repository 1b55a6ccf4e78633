"""6. Drill time to recovery: playbooks/drill.yml (app_rollback), from its own JSON report."""
from __future__ import annotations

import json

from bench.session import Session
from bench.stats import Goal, Row, median, seconds


def run(session: Session, runs: int) -> tuple[list[Row], dict]:
    reports = []
    for _ in range(runs):
        result = session.playbook("drill.yml").check("drill.yml")
        audit = session.audit_lines()[-1]
        report = json.loads(open(audit["drill_report"], encoding="utf-8").read())
        reports.append({"seconds": result.seconds, "result": report["result"],
                        "time_to_detect_seconds": _float(report["time_to_detect_seconds"]),
                        "time_to_recover_seconds": _float(report["time_to_recover_seconds"]),
                        "phases": report.get("phases"), "report": audit["drill_report"]})
    ttd = median([r["time_to_detect_seconds"] for r in reports])
    ttr = median([r["time_to_recover_seconds"] for r in reports])
    passed = sum(r["result"] == "pass" for r in reports)
    rows = [
        Row.judged("drill app_rollback: time to detect", "-", seconds(ttd), None,
                   Goal("report (no goal set)"), passed=passed),
        Row.judged("drill app_rollback: time to recover", "-",
                   f"{seconds(ttr)} ({passed}/{len(reports)} passed)", None, Goal("report (no goal set)")),
    ]
    return rows, {"runs": reports}


def _float(value) -> float | None:
    return None if value in (None, "", "None") else float(value)

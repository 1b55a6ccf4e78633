"""The emergency procedure's incident report renders even when the procedure stopped early.

A run refused in "execute" (no earlier good release known) has no monitor reading after the
rollback and no identify summary: the report must still be written, saying so.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
TEMPLATE = REPO / "roles" / "emergency" / "templates" / "incident_report.md.j2"
STOPPED_EARLY = {
    "service": "lacrei-saude-backend", "service_arn": "arn:aws:apprunner:us-east-1:1:service/x/y",
    "inventory": "sandbox", "run_by": "oncall", "result": "failed",
    "failure": {"phase": "execute", "task": "Refuse when no earlier good release is known",
                "message": "No earlier good release known"},
    "started_at": "2026-11-29T10:00:00Z", "validated_at": None, "time_to_recovery_seconds": None,
    "from": {}, "to": {}, "suspect": {}, "error_rise": {}, "operations": [],
    "requested": {"target": "previous", "with_database": True}, "schema_plan": None,
    "metrics_before": {"window": {}, "summary": {}}, "metrics_after": {"window": {}, "summary": {}, "verdict": {}},
    "latest_error_lines": [], "notifications": [], "contacts": [], "phases": [],
}


def render(report: dict, tmp_path: Path) -> str:
    variables = tmp_path / "vars.json"
    variables.write_text(json.dumps({"__emergency_report": report}))
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ansible"), "localhost", "-i", "localhost,", "-c", "local",
         "-m", "ansible.builtin.debug", "-a", f"msg={{{{ lookup('ansible.builtin.template', '{TEMPLATE}') }}}}",
         "-e", f"@{variables}"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_report_of_a_procedure_stopped_before_the_monitor(tmp_path):
    text = render(STOPPED_EARLY, tmp_path)
    assert "| Requests | n/a | n/a |" in text
    assert "No earlier good release known" in text and "not recovered" in text
    assert "No chart: no metrics were read." in text  # a report of an older run (no chart, no status page)
    assert r"   - [ ] Atualizar status page (se houver)\n3. Executar Rollback" in text


def test_report_shows_the_schema_check_plan(tmp_path):
    summary = ["Plan: unapply_then_deploy (1 migration(s) ahead of the target, 1 incompatible)",
               "  appointments.0003_appointment_booking_channel [AddField]: INCOMPATIBLE, reversible"]
    plan = {"plan": "unapply_then_deploy", "summary": summary,
            "database": {"unapplied": ["appointments.0003_appointment_booking_channel"], "backup_path": "/b/x.dump"}}
    chart = {"path": "incident-x.svg", "source": "incident window a to b", "intervals": 12, "error": None,
             "marks": [{"kind": "deploy", "label": "deploy v1.3.0", "at": "t1"},
                       {"kind": "rollback", "label": "rollback", "at": "t2", "until": "t3"}]}
    not_configured = {"action": "open", "sent": False, "status": None, "incident_id": None, "at": "t0",
                      "error": "no status page configured (inventory status_page: url, page_id)"}
    report = dict(STOPPED_EARLY, result="recovered", failure=None, schema_plan=plan, chart=chart,
                  status_page=[not_configured], phases=[{"name": "execute", "started_at": "t", "outcome": "ok"}])

    text = render(report, tmp_path)

    assert "![Error rate and p95 latency over the incident window" in text and "](incident-x.svg)" in text
    assert "12 intervals (incident window a to b); marks: deploy v1.3.0 t1; rollback t2 to t3." in text
    assert "| open | t0 | **no** | - | no status page configured (inventory status_page: url, page_id) |" in text
    assert "- [ ] Atualizar status page (se houver) (NOT updated: no status page configured" in text

    assert ("| Schema check | **unapply_then_deploy**: unapplied appointments.0003_appointment_booking_channel with "
            "the running release's code, behind backup /b/x.dump |") in text
    assert "[x] Se necessário, fazer rollback do banco de dados" in text and summary[1] in text

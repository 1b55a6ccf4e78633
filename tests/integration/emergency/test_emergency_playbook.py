"""playbooks/emergency.yml end to end, against a private live sandbox (`python -m sandbox up` in a temp
SANDBOX_DIR): the pipeline deploys v1.3.0 (GET /api/appointments/ answers 500) while traffic runs; the
procedure identifies v1.3.0, tells the team through the webhook, rolls back to v1.2.0, validates and
writes the incident report (with its chart, an SVG next to it). The sandbox's status page gets an incident
opened at the start and resolved once validated. With the webhook and the status page unreachable (or the
status page refusing the token) it still rolls back and reports what was not delivered. The webhook URL and
the status page token (secrets) never reach the output, the reports or the audit trail.
"""
from __future__ import annotations

import json
import subprocess
import time
import xml.etree.ElementTree as ET
from typing import NamedTuple

import pytest
from emergency_sandbox import (clients, deploy, run_emergency, sandbox_command, serving_image, start_traffic,
                               stop_traffic, wait_for_5xx_since, wait_for_requests_since)

from sandbox import envfile, postgres, procs

SECRET = "s3cr3tTOKEN"
SECRET_PATH = f"/hooks/T000/B000/{SECRET}"
PHASES = ["identify", "communicate", "execute", "validate", "postmortem"]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    state = tmp_path_factory.mktemp("emergency") / "state"
    try:
        started = sandbox_command(state, "up", "--deploy-seconds", "1", "--rows", "200")
        assert started.returncode == 0, started.stdout + started.stderr
        yield state
    finally:
        sandbox_command(state, "down", timeout=120)


class Incident(NamedTuple):
    operation: str              # the pipeline's deployment of v1.3.0
    traffic: subprocess.Popen   # running until the test ends (or stops it)


@pytest.fixture
def incident(sandbox):
    """Traffic running (until the test ends), then the pipeline deploys v1.3.0 and its errors reach CloudWatch."""
    started = time.time()
    traffic = start_traffic(sandbox)
    try:
        wait_for_requests_since(sandbox, started)
        since = time.time()
        operation = deploy(sandbox, "v1.3.0")
        wait_for_5xx_since(sandbox, since)
        yield Incident(operation, traffic)
    finally:
        stop_traffic(traffic)


def secret_webhook(state) -> str:
    """The sandbox receiver, addressed through a Slack-like path with a secret-looking token."""
    return envfile.read(state / "env")["WEBHOOK_URL"].split("/hooks/")[0] + SECRET_PATH


def messages(state) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted((state / "notifications").glob("*.json"))]


def incidents(state) -> list[dict]:
    """What the sandbox's status page holds, oldest first."""
    return [json.loads(path.read_text()) for path in sorted((state / "status-page" / "incidents").glob("*.json"))]


def assert_no_secret(run) -> None:
    token = envfile.read(run.state / "env")["LACREI_STATUS_PAGE_TOKEN"]
    chart = run.reports()[-1].with_suffix(".svg")
    artefacts = {"output": run.out, "markdown report": run.markdown(), "json report": run.reports()[-1].read_text(),
                 "audit trail": (run.state / "audit.jsonl").read_text(),
                 "chart": chart.read_text() if chart.exists() else ""}
    leaked = [name for name, text in artefacts.items() if SECRET in text or SECRET_PATH in text or token in text]
    assert not leaked, f"webhook URL or status page token leaked into {leaked}"


def assert_chart(run) -> None:
    """The report's picture: an SVG next to the Markdown, embedded in it, both series and the four moments."""
    chart = run.reports()[-1].with_suffix(".svg")
    assert f"]({chart.name})" in run.markdown()
    root = ET.fromstring(chart.read_bytes())
    groups = list(root.iter("{http://www.w3.org/2000/svg}g"))
    assert {g.get("data-series") for g in groups if g.get("class") == "series"} == {"error_rate", "latency"}
    assert {"deploy", "detection", "rollback", "recovery"} <= {g.get("data-kind") for g in groups if g.get("class") == "mark"}


def assert_back_on_v120(state, run) -> None:
    sha = envfile.read(state / "env")["RELEASE_V1_2_0_SHA"]
    assert serving_image(state).endswith(":" + sha)
    report = run.report()
    assert report["from"]["version"] == "v1.3.0" and report["to"]["version"] == "v1.2.0"


def assert_check_mode_changes_nothing(state) -> None:
    """--check runs identify and shows what execute would do (database plan included); nothing is
    deployed, migrated, backed up, sent or written."""
    before = serving_image(state)
    run = run_emergency(state, "--check", "-e", f"notify_webhook_url={secret_webhook(state)}")
    assert run.rc == 0, run.out[-4000:]
    assert "SUSPECTED DEPLOY: v1.3.0" in run.out
    assert "(check mode: would deploy)" in run.out
    assert "Plan: app_only (0 migration(s) ahead of the target" in run.out  # the schema check, v1.3.0 -> v1.2.0
    assert not list((state / "backups").glob("*"))
    assert before.endswith(":" + envfile.read(state / "env")["RELEASE_V1_3_0_SHA"])
    assert serving_image(state) == before
    assert not messages(state) and not list((state / "reports").glob("incident-*"))
    assert not incidents(state) and "Status page open" not in run.out
    assert SECRET not in run.out


def test_emergency_rolls_back_notifies_and_reports(sandbox, incident):
    assert_check_mode_changes_nothing(sandbox)
    run = run_emergency(sandbox, "-e", f"notify_webhook_url={secret_webhook(sandbox)}")
    assert run.rc == 0, run.out[-6000:]

    # identify: the suspect shown plainly, with the operation the pipeline started.
    assert "SUSPECTED DEPLOY: v1.3.0" in run.out
    report = run.report()
    assert report["suspect"]["version"] == "v1.3.0" and report["suspect"]["operation_id"] == incident.operation
    assert report["error_rise"]["start"]

    # communicate + validate: two messages, to the secret path, naming service, suspect, operator, contacts.
    received = messages(sandbox)
    assert [item["path"] for item in received] == [SECRET_PATH, SECRET_PATH]
    started, outcome = (item["message"]["text"] for item in received)
    assert "Emergency rollback started" in started and "`lacrei-saude-backend`" in started
    assert "v1.3.0" in started and "*Run by:*" in started
    assert "devops-lead@lacrei.example" in started and "oncall@lacrei.example" in started
    assert "recovered" in outcome and "v1.3.0 -> v1.2.0" in outcome

    # execute: back on v1.2.0 (boto3 against the emulator), validation passed, recovery timed.
    assert_back_on_v120(sandbox, run)
    assert report["result"] == "recovered" and report["failure"] is None
    assert report["metrics_after"]["verdict"]["status"] == "healthy"
    assert report["metrics_after"]["judged_on"] == "real traffic"  # traffic runs: no synthetic interval
    assert 0 < report["time_to_recovery_seconds"]
    assert [phase["name"] for phase in report["phases"]] == PHASES
    assert all(phase["outcome"] == "ok" for phase in report["phases"][:-1])

    # the monitor shows the error rate falling.
    assert report["metrics_before"]["summary"]["error_rate"] > 0.2
    assert report["metrics_after"]["summary"]["error_rate"] < report["metrics_before"]["summary"]["error_rate"] / 4

    markdown = run.markdown()
    assert "## Timeline" in markdown and "| identify |" in markdown and "| validate |" in markdown
    assert f"| **Time to recovery** | **{report['time_to_recovery_seconds']:.1f} s**" in markdown
    assert "## Root cause" in markdown and "### 2. Deploy Gradual" in markdown
    assert "- [x] Notificar a equipe" in markdown

    # the status page: one incident on the component, opened when the procedure started, resolved once
    # validated; the receiver only takes the inventory's token (the secret status_page_token).
    [incident] = incidents(sandbox)
    assert incident["name"] == "Elevated errors on lacrei-saude-backend" and incident["status"] == "resolved"
    assert [update["status"] for update in incident["incident_updates"]] == ["resolved", "identified"]
    assert "after the deploy of v1.3.0" in incident["incident_updates"][-1]["body"]
    assert incident["components"] == [{"id": "consultas-api", "status": "operational"}]
    assert [(u["action"], u["sent"], u["incident_id"]) for u in report["status_page"]] == [
        ("open", True, incident["id"]), ("resolve", True, incident["id"])]
    assert f"Status page resolve: done, incident {incident['id']} resolved (HTTP 200)" in run.out
    assert f"- [x] Atualizar status page (se houver) (incident {incident['id']} opened, then resolved)" in markdown
    assert_chart(run)

    audit = run.audit()[-1]
    assert audit["runbook"] == "emergency" and audit["result"] == "ok" and audit["outcome"] == "recovered"
    assert audit["suspect"]["version"] == "v1.3.0" and audit["to_version"] == "v1.2.0"
    assert set(PHASES[:4]) <= set(audit["phase_seconds"])
    assert [u["action"] for u in audit["status_page"]] == ["open", "resolve"]
    assert_no_secret(run)


def test_unreachable_webhook_still_rolls_back_and_reports_it(sandbox, incident):
    """Also the quiet hours: the traffic stops once the incident is on record, so the validation
    after the rollback sees no real request and is judged on the monitor's synthetic probes."""
    stop_traffic(incident.traffic)
    port = procs.free_port()
    closed = f"http://127.0.0.1:{port}{SECRET_PATH}"
    page = {"status_page": {"url": f"http://127.0.0.1:{port}", "page_id": "lacrei-sandbox", "component_id": "consultas-api"}}
    delivered_before, incidents_before = len(messages(sandbox)), incidents(sandbox)
    run = run_emergency(sandbox, "-e", f"notify_webhook_url={closed}", "-e", json.dumps(page))
    assert run.rc == 0, run.out[-6000:]
    assert "Notification started: NOT delivered" in run.out
    assert len(messages(sandbox)) == delivered_before
    # the status page unreachable: reported, not retried at the end, never blocking the rollback.
    assert "Status page open: NOT updated: " in run.out and "The runbook goes on." in run.out
    assert incidents(sandbox) == incidents_before
    [opening] = run.report()["status_page"]
    assert (opening["action"], opening["sent"]) == ("open", False) and "Connection refused" in opening["error"]
    assert "- [ ] Atualizar status page (se houver) (NOT updated: " in run.markdown()

    assert_back_on_v120(sandbox, run)
    report = run.report()
    assert report["suspect"]["operation_id"] == incident.operation  # this deploy of v1.3.0, not the earlier one
    after = report["metrics_after"]
    assert (after["verdict"]["status"], after["judged_on"]) == ("healthy", "synthetic probes"), after
    assert after["synthetic_intervals"] == 1 and after["summary"]["probes"] >= 3
    assert "judged on synthetic probes of the critical endpoints" in after["verdict"]["reason"]
    assert "**Synthetic:** too little real traffic after the rollback, so 1 of 1 monitor intervals" in run.markdown()
    assert "synthetic" in run.out.split("verdict: healthy", 1)[1].splitlines()[0]
    assert [(item["event"], item["sent"]) for item in report["notifications"]] == [("started", False), ("outcome", False)]
    assert "Connection refused" in report["notifications"][0]["error"]
    assert "| started |" in run.markdown() and "**no**" in run.markdown()
    assert "- [ ] Notificar a equipe (the notification was NOT delivered" in run.markdown()
    assert [item["sent"] for item in run.audit()[-1]["notifications"]] == [False, False]
    assert_no_secret(run)


def applied_migrations(state, app: str) -> list[str]:
    return [name for (name,) in postgres.query(envfile.read(state / "env")["DATABASE_URL"],
                                               "SELECT name FROM django_migrations WHERE app = %s ORDER BY name", (app,))]


def test_emergency_rolls_the_database_back_when_the_schema_check_says_so(sandbox):
    """Last in this module. The pipeline deploys v1.5.0 (its release phase adds appointments.booking_channel,
    NOT NULL, which v1.2.0's code cannot insert without); asked for v1.2.0, the procedure's schema check
    says unapply_then_deploy: a verified backup, the migration unapplied with v1.5.0's code, then v1.2.0.
    Nobody types an app or a migration."""
    deploy(sandbox, "v1.5.0")
    assert "0003_appointment_booking_channel" in applied_migrations(sandbox, "appointments")
    backups_before = set((sandbox / "backups").glob("*"))
    v120 = envfile.read(sandbox / "env")["RELEASE_V1_2_0_SHA"]

    # Two Django releases, a backup, an unapply and a deploy: more than the default budget on a busy machine.
    # ... with a status page token the page refuses: reported (HTTP 401), the rollback goes on.
    run = run_emergency(sandbox, "-e", f"notify_webhook_url={secret_webhook(sandbox)}", "-e", f"sha={v120}",
                        "-e", "status_page_token=not-the-token", timeout=360)

    assert run.rc == 0, run.out[-6000:]
    assert [(u["action"], u["sent"], u["status"]) for u in run.report()["status_page"]] == [("open", False, 401)]
    assert "HTTP 401: Could not authenticate" in run.report()["status_page"][0]["error"]
    assert "0003_appointment_booking_channel" not in applied_migrations(sandbox, "appointments")
    new = sorted(set((sandbox / "backups").glob("*")) - backups_before)
    manifests = [path for path in new if path.name.endswith(".manifest.json")]
    assert len(manifests) == 1 and len(new) == 2, new  # one archive, published with its manifest
    manifest = json.loads(manifests[0].read_text())
    assert "0003_appointment_booking_channel" in manifest["migrations"]["appointments"] and manifest["sha256"]
    assert serving_image(sandbox).endswith(":" + v120)
    report = run.report()
    assert report["result"] == "recovered" and report["from"]["version"] == "v1.5.0"
    assert report["schema_plan"]["plan"] == "unapply_then_deploy"
    assert report["schema_plan"]["database"]["unapplied"] == ["appointments.0003_appointment_booking_channel"]
    markdown = run.markdown()
    assert "| Schema check | **unapply_then_deploy**: unapplied appointments.0003_appointment_booking_channel" in markdown
    assert "booking_channel is added NOT NULL without a database default" in markdown
    assert "- [x] Se necessário, fazer rollback do banco de dados" in markdown
    audit = run.audit()[-1]
    assert audit["runbook"] == "emergency" and audit["result"] == "ok"
    assert audit["schema_plan"]["plan"] == "unapply_then_deploy"
    assert_no_secret(run)

"""playbooks/deploy.yml (guarded deploy, runbook section 7.2) end to end, against a private live
sandbox at v1.2.0: bad input refused before any change; --check predicts v1.5.0's release phase
and touches nothing; v1.3.0 (GET /api/appointments/ answers 500 while /health/ passes, so App
Runner never notices) deployed under traffic is caught by the bake and rolled back to v1.2.0 on its
own, with a report and the audit line; v1.5.0 (a migration) ships behind a verified backup, and a
second deploy of it changes nothing. The bake is 10 s of 5 s intervals (the sandbox inventory's)."""
from __future__ import annotations

import json
import subprocess
import time

import pytest

from sandbox import envfile, postgres
from tests.integration.emergency.emergency_sandbox import start_traffic, stop_traffic, wait_for_requests_since
from tests.integration.sandbox_fixture import ANSIBLE_PLAYBOOK, REPO, Run, private_sandbox, process_env

HOST = "lacrei-saude-backend"
SHORT_BAKE = ("-e", "bake=10s", "-e", "guarded_deploy_breach_intervals=1", "-e", "guarded_deploy_validate_delay=1")
# A business bug passes App Runner's health check: validate /health/ only, so the bake must catch it.
HEALTH_ONLY = ("-e", json.dumps({"guarded_deploy_validate_endpoints": [{"path": "/health/", "status": 200}]}))
# A deploy, its bake and a rollback, each with a Django release or two, on a machine shared with other suites.
DEPLOY_TIMEOUT = 1200


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SANDBOX_LIVE_FLUSH_SECONDS", "1")  # metrics reach CloudWatch within a 5 s interval
        with private_sandbox(tmp_path_factory, "guarded-deploy", rows=50) as box:
            yield box


def deploy(sandbox, *args: str) -> Run:
    done = subprocess.run([ANSIBLE_PLAYBOOK, "playbooks/deploy.yml", *args], cwd=REPO, env=process_env(sandbox.state),
                          capture_output=True, text=True, timeout=DEPLOY_TIMEOUT, check=False)
    return Run(done.returncode, done.stdout + done.stderr)


def files(folder) -> set:
    return set(folder.glob("*")) if folder.exists() else set()


def applied(sandbox, app: str) -> list[str]:
    return [name for (name,) in postgres.query(sandbox.env["DATABASE_URL"],
                                               "SELECT name FROM django_migrations WHERE app = %s ORDER BY name", (app,))]


def reports(sandbox) -> list:
    return sorted((sandbox.state / "reports").glob("deploy-*.json"))


def test_bad_input_is_refused_before_any_change(sandbox):
    running, operations = sandbox.running(), len(sandbox.operations())
    for args, message in ((("-e", "sha=v1.3.0"),
                           "sha must be a git SHA of 7 to 40 hex digits, got 'v1.3.0'"),
                          (("-e", f"sha={sandbox.sha('v1.5.0')}", "-e", "bake=5x"),
                           "bake must be a duration such as 30s, 10m or 1h, got '5x'"),
                          # a well-formed bake too short for the monitor: only that is named, with what would do
                          (("-e", f"sha={sandbox.sha('v1.5.0')}", "-e", "bake=5s"),
                           "Refused, nothing was changed: -e bake=5s is shorter than the 2 monitor interval(s) of 5s"
                           " it must hold: give at least 10s.")):
        run = deploy(sandbox, *args)
        assert run.rc != 0 and message in run.out and "Refused, nothing was changed" in run.out, run.out[-3000:]
        assert "say which release" not in run.out  # the SHA was given: not named as a problem
        assert "Take the service's lease" not in run.out
        assert sandbox.audit()[-1]["result"] == "refused" and sandbox.audit()[-1]["runbook"] == "deploy"
    assert sandbox.running() == running and len(sandbox.operations()) == operations
    assert not files(sandbox.state / "backups") and not reports(sandbox)


def test_check_mode_predicts_the_release_phase_and_touches_nothing(sandbox):
    running, operations = sandbox.running(), len(sandbox.operations())
    run = deploy(sandbox, "-e", f"sha={sandbox.sha('v1.5.0')}", "--check")
    assert run.rc == 0, run.out[-4000:]
    assert "v1.5.0 brings 1 migration(s): appointments.0003_appointment_booking_channel" in run.out
    assert "check mode: would back up" in run.out and "v1.2.0 -> v1.5.0 (check mode: would deploy" in run.out
    assert "Check mode: nothing was backed up, migrated, deployed, sent or written" in run.out
    assert "judged on the monitor alone" in run.out  # no alarm lacrei-rollback-<svc>-* exists here
    assert sandbox.running() == running and len(sandbox.operations()) == operations
    assert "0003_appointment_booking_channel" not in applied(sandbox, "appointments")
    assert not files(sandbox.state / "backups") and not reports(sandbox)
    assert sandbox.audit()[-1]["outcome"] == "check mode: would deploy v1.5.0"


def test_a_business_bug_is_caught_by_the_bake_and_rolled_back_automatically(sandbox):
    v120, v130 = sandbox.image("v1.2.0"), sandbox.sha("v1.3.0")
    assert sandbox.running() == v120
    messages_before = files(sandbox.state / "notifications")
    traffic = start_traffic(sandbox.state)
    try:
        wait_for_requests_since(sandbox.state, time.time())
        run = deploy(sandbox, "-e", f"sha={v130}", *SHORT_BAKE, *HEALTH_ONLY)
    finally:
        stop_traffic(traffic)

    assert run.rc != 0, run.out[-4000:]
    assert "was ROLLED BACK AUTOMATICALLY: it failed the bake" in run.out
    assert sandbox.running() == v120 and sandbox.get("/api/appointments/")[0] == 200
    ops = sandbox.operations()
    assert [op["Status"] for op in ops[:2]] == ["SUCCEEDED", "SUCCEEDED"]  # v1.3.0 went live, then v1.2.0 again

    report = json.loads(reports(sandbox)[-1].read_text())
    assert (report["result"], report["release"]["version"], report["serving"]) == ("rolled back", "v1.3.0", "v1.2.0")
    assert report["tripped"]["phase"] == "bake" and "error_rate" in report["tripped"]["message"]
    assert report["monitor"]["verdict"]["status"] == "unhealthy"
    assert report["time_to_detect_seconds"] > 0 and report["time_to_recover_seconds"] > 0
    assert report["database"]["rollback_plan"]["plan"] == "app_only"
    markdown = reports(sandbox)[-1].with_suffix(".md").read_text()
    assert "# Guarded deploy of v1.3.0 to lacrei-saude-backend: rolled back" in markdown
    assert f"| **Time to detect** | **{report['time_to_detect_seconds']:.1f} s** |" in markdown
    assert "## What tripped" in markdown and "Phase: **bake**" in markdown

    audit = sandbox.audit()[-1]
    assert (audit["runbook"], audit["result"]) == ("deploy", "failed")
    assert audit["outcome"].startswith("rolled back automatically: v1.3.0 failed the bake")
    assert (audit["to_version"], audit["serving_version"]) == ("v1.3.0", "v1.2.0")
    assert audit["to_image"] == sandbox.image("v1.3.0") and audit["rolled_back_to"] == v120
    assert audit["time_to_detect_seconds"] == report["time_to_detect_seconds"]
    assert audit["deploy_report"].endswith(".md")

    sent = [json.loads(path.read_text()) for path in sorted(files(sandbox.state / "notifications") - messages_before)]
    assert len(sent) == 1 and "v1.3.0 rolled back automatically" in sent[0]["message"]["text"]


def test_a_good_release_ships_behind_a_backup_and_a_second_deploy_changes_nothing(sandbox):
    v150 = sandbox.sha("v1.5.0")
    run = deploy(sandbox, "-e", f"sha={v150}", *SHORT_BAKE)
    assert run.rc == 0, run.out[-4000:]
    assert sandbox.running() == sandbox.image("v1.5.0")
    assert "0003_appointment_booking_channel" in applied(sandbox, "appointments")
    manifests = [path for path in files(sandbox.state / "backups") if path.name.endswith(".manifest.json")]
    assert len(manifests) == 1
    manifest = json.loads(manifests[0].read_text())
    assert "0003_appointment_booking_channel" not in manifest["migrations"]["appointments"]  # taken before migrating

    report = json.loads(reports(sandbox)[-1].read_text())
    assert (report["result"], report["serving"], report["tripped"]) == ("released", "v1.5.0", None)
    assert report["monitor"]["verdict"]["status"] == "healthy"
    assert report["database"]["migrations"] == ["appointments.0003_appointment_booking_channel"]
    audit = sandbox.audit()[-1]
    assert (audit["runbook"], audit["result"]) == ("deploy", "ok")
    assert audit["outcome"] == "released: v1.5.0 serves after a 10s bake"
    assert audit["database"]["backup_path"] == report["database"]["backup_path"]

    operations, report_count = len(sandbox.operations()), len(reports(sandbox))
    again = deploy(sandbox, "-e", f"sha={v150}", *SHORT_BAKE)
    assert again.rc == 0, again.out[-4000:]
    assert again.recap(HOST)["changed"] == 0
    assert f"{HOST} already serves" in again.out
    assert len(sandbox.operations()) == operations and len(reports(sandbox)) == report_count
    assert sandbox.audit()[-1]["outcome"] == "already serving v1.5.0: nothing deployed"

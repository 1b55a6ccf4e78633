"""Two (or more) operators at once: of N runs of one changing runbook started together on one
service, exactly one changes anything; the others refuse before any change, naming the run that
holds the service's lease; every audit line is true.

One private sandbox for the module; runs start together through a barrier file (each waits for
it, then execs ansible-playbook). App Runner operations are slowed down while a group runs so that
the winner still holds the lease when the others ask for it.
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from sandbox import postgres
from tests.integration.sandbox_fixture import ANSIBLE_PLAYBOOK, REPO, Run, private_sandbox, process_env

HOST = "lacrei-saude-backend"
# Generous: several playbooks at once on a busy 2-core machine; a deadline, not a duration.
RUN_TIMEOUT = 600
WAIT_THEN_EXEC = ("import os, sys, time\n"
                  "deadline = time.monotonic() + 60\n"
                  "while not os.path.exists(sys.argv[1]) and time.monotonic() < deadline:\n"
                  "    time.sleep(0.01)\n"
                  "os.execv(sys.argv[2], sys.argv[2:])\n")
EMERGENCY_WINDOWS = ("-e", "emergency_identify_window=2m", "-e", "emergency_identify_period=5s",
                     "-e", "emergency_monitor_window=5s", "-e", "emergency_monitor_interval=5s",
                     "-e", "emergency_monitor_metrics_delay=2s", "-e", "emergency_monitor_breach_intervals=1",
                     "-e", "emergency_validate_delay=1", "-e", "emergency_notify=false")


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    with private_sandbox(tmp_path_factory, "two-operators-sandbox", rows=20) as sandbox:
        sandbox.ssm = sandbox.client("ssm", "AWS_ENDPOINT_URL_SSM")
        yield sandbox


def together(box, count: int, playbook: str, *args: str) -> list[Run]:
    """``count`` runs of ``playbook`` released at the same instant; their Runs, in start order."""
    barrier = box.state / f"go-{uuid.uuid4().hex}"
    argv = [sys.executable, "-c", WAIT_THEN_EXEC, str(barrier), ANSIBLE_PLAYBOOK, f"playbooks/{playbook}", *args]
    runs = [subprocess.Popen(argv, cwd=REPO, env=process_env(box.state), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True) for _ in range(count)]
    barrier.touch()
    return [_finish(run) for run in runs]


def _finish(run) -> Run:
    out, _ = run.communicate(timeout=RUN_TIMEOUT)
    return Run(run.returncode, out)


def audit_lines(box, runbook: str, since: int) -> list[dict]:
    return [line for line in box.audit()[since:] if line.get("runbook") == runbook]


def lease_now(box):
    try:
        return json.loads(box.ssm.get_parameter(Name=f"/lacrei-rollback/leases/{HOST}")["Parameter"]["Value"])
    except box.ssm.exceptions.ParameterNotFound:
        return None


def one_winner(box, runs: list[Run], runbook: str, since: int) -> dict:
    """Exactly one run changed something; every other one refused naming it (or, started after it had
    released the lease, found nothing left to do). The winner's audit line."""
    changed = [run for run in runs if run.rc == 0 and run.recap(HOST)["changed"] > 0]
    assert len(changed) == 1, "\n\n".join(run.out[-3000:] for run in runs)
    lines = audit_lines(box, runbook, since)
    assert len(lines) == len(runs)
    winner = next(line for line in lines if line["result"] != "refused" and line.get("run_id"))
    refused = [line for line in lines if line["result"] == "refused"]
    assert refused, "no run was refused: the runs did not overlap"
    for line in refused:
        assert line["run_id"] != winner["run_id"]
        assert f"is being changed by another run: {winner['runbook']} by " in line["message"]
        assert f"(run {winner['run_id']}, pid " in line["message"] and "Nothing was changed" in line["message"]
        assert line["failed_task"].endswith("Take the service's lease")
    for run in runs:
        if run is not changed[0] and run.rc != 0:
            assert "is being changed by another run" in run.out and "-e break_lease=" in run.out
    assert lease_now(box) is None  # every run released what it held, refused ones touched nothing
    return winner


def applied(box) -> list:
    return [name for (name,) in postgres.query(
        box.env["DATABASE_URL"], "SELECT name FROM django_migrations WHERE app = 'professionals' ORDER BY id")]


def test_migration_rollbacks_then_restores_at_once(box):
    since = len(box.audit())
    assert applied(box)[-1] == "0005_council_registration_index"
    runs = together(box, 2, "rollback_migration.yml", "-e", "app=professionals", "-e", "migration=0004_normalize_emails")
    winner = one_winner(box, runs, "db-rollback-migration", since)
    assert winner["result"] == "ok" and applied(box)[-1] == "0004_normalize_emails"
    backups = [line["backup_path"] for line in audit_lines(box, "db-rollback-migration", since) if line.get("backup_path")]
    assert backups == [winner["backup_path"]]  # one backup: the refused run took none

    since = len(box.audit())
    runs = together(box, 2, "restore_db.yml", "-e", f"backup_file={winner['backup_path']}", "-e", "db_restore_validate=false")
    restored = one_winner(box, runs, "db-restore", since)
    assert restored["result"] == "ok" and applied(box)[-1] == "0005_council_registration_index"


def test_app_rollbacks_at_once(box):
    since, before = len(box.audit()), {op["Id"] for op in box.operations()}
    target = box.image("v1.1.0")
    box.faults(deploy_seconds=8)
    try:
        # Behind v1.2.0's irreversible migration: the schema check would refuse every run (not this test's subject).
        runs = together(box, 3, "rollback_app.yml", "-e", f"sha={box.sha('v1.1.0')}", "-e", "app_rollback_validate=false",
                        "-e", "schema_check=skip")
    finally:
        box.faults(deploy_seconds=1)
    winner = one_winner(box, runs, "app-rollback", since)
    started = [op for op in box.operations() if op["Id"] not in before]
    assert [op["Type"] for op in started] == ["UPDATE_SERVICE"] and box.running() == target
    assert winner["result"] == "ok" and winner["operation_id"] == started[0]["Id"]


def test_config_rollbacks_at_once_and_a_dead_holders_lease_is_taken_over(box):
    assert box.playbook("snapshot_config.yml").rc == 0
    box.update_outside(lambda repo: repo["ImageConfiguration"].setdefault("RuntimeEnvironmentVariables", {}).update(
        FEATURE_APPOINTMENTS="off"))
    gone = subprocess.Popen(["true"])
    gone.wait()  # a run killed with -9 on this host: its lease must not block the next run until it expires
    started = datetime.now(timezone.utc) - timedelta(minutes=1)
    box.ssm.put_parameter(Name=f"/lacrei-rollback/leases/{HOST}", Type="String", Value=json.dumps({
        "owner": f"ana@{socket.gethostname()}", "run_id": "killed0run", "runbook": "config-rollback",
        "started": started.isoformat(timespec="seconds"), "host": socket.gethostname(), "pid": gone.pid,
        "expires": (started + timedelta(hours=1)).isoformat(timespec="seconds")}))
    since, before = len(box.audit()), {op["Id"] for op in box.operations()}
    box.faults(deploy_seconds=8)
    try:
        runs = together(box, 2, "rollback_config.yml", "-e", "config_version=previous", "-e",
                        "config_rollback_validate=false")
    finally:
        box.faults(deploy_seconds=1)
    winner = one_winner(box, runs, "config-rollback", since)
    assert winner["result"] == "ok"
    assert winner["lease_takeover"]["previous_run_id"] == "killed0run"
    assert winner["lease_takeover"]["reason"] == f"its ansible-playbook process {gone.pid} on {socket.gethostname()} is gone"
    assert sum("lease_takeover" in line for line in audit_lines(box, "config-rollback", since)) == 1
    assert len([op for op in box.operations() if op["Id"] not in before]) == 1
    variables = box.service()["SourceConfiguration"]["ImageRepository"]["ImageConfiguration"]["RuntimeEnvironmentVariables"]
    assert variables.get("FEATURE_APPOINTMENTS") != "off"


def test_emergencies_at_once_and_break_lease(box):
    box.ssm.put_parameter(Name=f"/lacrei-rollback/leases/{HOST}", Type="String", Value=json.dumps({
        "owner": "bruno@elsewhere", "run_id": "stuck0run", "runbook": "app-rollback", "host": "elsewhere",
        "pid": 1, "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "expires": (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat(timespec="seconds")}))
    refused = box.playbook("emergency.yml", *EMERGENCY_WINDOWS, "-e", f"sha={box.sha('v1.0.0')}")
    assert refused.rc != 0 and "app-rollback by bruno@elsewhere (run stuck0run, pid 1 on elsewhere)" in refused.out
    assert lease_now(box)["run_id"] == "stuck0run"  # a live holder elsewhere is never taken over silently

    since, before = len(box.audit()), {op["Id"] for op in box.operations()}
    box.faults(deploy_seconds=8)
    try:
        runs = together(box, 2, "emergency.yml", *EMERGENCY_WINDOWS, "-e", f"sha={box.sha('v1.0.0')}", "-e", "schema_check=skip",
                        "-e", "break_lease=stuck0run")
    finally:
        box.faults(deploy_seconds=1)
    lines = audit_lines(box, "emergency", since)
    broke = [line for line in lines if "lease_takeover" in line]
    assert len(broke) == 1 and broke[0]["lease_takeover"]["reason"] == "broken on request (break_lease)"
    assert [line["result"] for line in lines].count("refused") == 1
    assert len([op for op in box.operations() if op["Id"] not in before]) == 1 and box.running() == box.image("v1.0.0")
    assert lease_now(box) is None
    assert all(run.out.count("Take the service's lease") >= 1 for run in runs)

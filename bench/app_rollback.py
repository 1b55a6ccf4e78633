"""1. App rollback: rollback_app.yml (validation on) vs. the same AWS calls scripted with boto3."""
from __future__ import annotations

import json
import sys

from bench.session import ROOT, Session, timed
from bench.stats import Goal, Row, interleave, median, ratio, seconds
from bench.timing import operation_ended_at, task_end

BASELINE = ROOT / "bench" / "baselines" / "rollback_boto3.py"
ENDPOINTS = ("/health/", "/api/professionals/", "/api/appointments/")
TARGETS = ("RELEASE_V1_1_0_SHA", "RELEASE_V1_2_0_SHA")  # each run moves the service to the other one
# Like for like with the boto3 script, which has no schema check (and v1.2.0 -> v1.1.0 crosses v1.2.0's
# irreversible data migration: the check would refuse it, restore_required).
SKIP_SCHEMA_CHECK = ("-e", "schema_check=skip")
# Issue 18's goals: the tool's own time matters less the longer App Runner takes.
GOAL = Goal("<= 1.4x", 1.4)
LONG_GOAL = Goal("<= 1.05x", 1.05)


def run_long(session: Session, runs: int, deploy_seconds: float) -> tuple[list[Row], dict]:
    """The same comparison with deployments of ``deploy_seconds`` (the emulator's, put back after)."""
    session.set_deploy_seconds(deploy_seconds)
    try:
        rows, raw = run(session, runs, deploy_seconds=deploy_seconds, goal=LONG_GOAL, lag_row=False)
    finally:
        session.set_deploy_seconds(session.deploy_seconds)
    return rows, dict(raw, deploy_seconds=deploy_seconds)


def run(session: Session, runs: int, *, deploy_seconds: float | None = None, goal: Goal = GOAL,
        lag_row: bool = True) -> tuple[list[Row], dict]:
    deploy_seconds = session.deploy_seconds if deploy_seconds is None else deploy_seconds
    arn = session.env["APPRUNNER_SERVICE_ARN"]
    apprunner = session.client("apprunner")

    def next_sha() -> str:
        return other_release(session, apprunner, arn)

    def ours(i: int) -> dict:
        timing = session.dir / f"timing-rollback-{i}.jsonl"
        sha = next_sha()
        result = session.playbook("rollback_app.yml", "-e", f"sha={sha}", *SKIP_SCHEMA_CHECK, timing_file=timing).check("rollback_app.yml")
        audit = session.audit_lines()[-1]
        ended = operation_ended_at(apprunner, arn, audit["operation_id"])
        seen = task_end(timing, "apprunner_deploy")
        return {"seconds": result.seconds, "sha": sha, "operation_id": audit["operation_id"],
                "lag_seconds": _lag(seen, ended), "phase_seconds": audit.get("phase_seconds")}

    def baseline(_i: int) -> dict:
        sha = next_sha()
        urls = [session.env["SERVICE_URL"] + path for path in ENDPOINTS]
        result = timed([sys.executable, str(BASELINE), arn, session.env["ECR_REPOSITORY"], sha, *urls],
                       session.aws_env()).check("baseline rollback script")
        out = _last_json(result.stdout)
        ended = operation_ended_at(apprunner, arn, out["operation_id"])
        return {"seconds": result.seconds, "sha": sha, "operation_id": out["operation_id"],
                "lag_seconds": _lag(out["seen_at"], ended)}

    ours_runs, base_runs = interleave(runs, ours, baseline)
    ours_s, base_s = median([r["seconds"] for r in ours_runs]), median([r["seconds"] for r in base_runs])
    ours_lag, base_lag = median([r["lag_seconds"] for r in ours_runs]), median([r["lag_seconds"] for r in base_runs])
    rows = [
        Row.judged("app rollback wall time (deploy fixed at %gs)" % deploy_seconds,
                   f"boto3 script {seconds(base_s)}", f"rollback_app.yml {seconds(ours_s)}",
                   ratio(ours_s, base_s), goal),
        Row.judged("app rollback detection lag (EndedAt -> moving on)", f"1 s polling {seconds(base_lag)}",
                   f"apprunner_deploy {seconds(ours_lag)}", None, Goal("<= 1 s", 1.0), judged_value=ours_lag),
    ]
    return rows[:1 + lag_row], {"ours": ours_runs, "baseline": base_runs}


def other_release(session: Session, apprunner, arn: str) -> str:
    """Whichever of the two target releases the service does not run now."""
    running = apprunner.describe_service(ServiceArn=arn)["Service"]["SourceConfiguration"]["ImageRepository"]
    first, second = (session.env[name] for name in TARGETS)
    return second if running["ImageIdentifier"].endswith(first) else first


def _lag(seen: float | None, ended: float | None) -> float | None:
    return None if seen is None or ended is None else round(seen - ended, 3)


def _last_json(text: str) -> dict:
    return json.loads([line for line in text.splitlines() if line.startswith("{")][-1])


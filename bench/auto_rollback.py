"""7. The automatic path (event-driven responder) beside the manual drill: time to detect, time to recover.

Automatic: traffic running, the responder listening (`python -m sandbox responder --background`), the
alarms in place (playbooks/alarms.yml, subscribed to the responder) and the sandbox's alarm evaluator
watching; the pipeline deploys v1.3.0; nobody types anything; the audit line of the responder's run gives
the timeline (deploy -> alarm = time to detect, alarm -> service validated = time to recover).
Manual: the drill (playbooks/drill.yml, app_rollback), whose report gives the same two numbers for a
rollback a person starts (its detection is the drill's own check right after the deploy).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from bench.session import ROOT, Session
from bench.stats import Goal, Row, median, seconds

ACT_TIMEOUT = 1200


def run(session: Session, runs: int) -> tuple[list[Row], dict]:
    automatic = [_automatic(session) for _ in range(runs)]
    manual = []
    for _ in range(runs):
        session.playbook("drill.yml").check("drill.yml")
        report = json.loads(open(session.audit_lines()[-1]["drill_report"], encoding="utf-8").read())
        manual.append({"result": report["result"], "time_to_detect_seconds": _float(report["time_to_detect_seconds"]),
                       "time_to_recover_seconds": _float(report["time_to_recover_seconds"])})
    rows = []
    for key, label in (("time_to_detect_seconds", "time to detect"), ("time_to_recover_seconds", "time to recover")):
        ours, baseline = median([r[key] for r in automatic]), median([r[key] for r in manual])
        rows.append(Row.judged(f"automatic rollback (alarm -> responder): {label}", f"manual drill {seconds(baseline)}",
                               f"{seconds(ours)} ({sum(r['result'] == 'ok' for r in automatic)}/{len(automatic)} ok)",
                               None, Goal("report (no goal set); nobody typed a command")))
    return rows, {"automatic": automatic, "manual": manual}


def _automatic(session: Session) -> dict:
    env = session.base_env()
    sandbox = [sys.executable, "-m", "sandbox"]
    traffic = subprocess.Popen([*sandbox, "traffic", "--rate", "5", "--seconds", str(ACT_TIMEOUT)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # --cooldown 0: each run rolls back (the default would leave a second alarm to a person)
        subprocess.run([*sandbox, "responder", "--background", "--cooldown", "0"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        session.playbook("alarms.yml").check("alarms.yml")  # subscribes the responder's URL
        _wait_for_alarm(session, "OK")
        seen = len(session.audit_lines())
        subprocess.run([*sandbox, "deploy", "v1.3.0"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        line = _wait_for_acted(session, seen)
    finally:
        subprocess.run([*sandbox, "responder", "--stop"], cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL)
        traffic.kill()
        traffic.wait(timeout=30)
    timeline = line.get("timeline") or {}
    return {"result": line.get("result"), "from": line.get("from_version"), "to": line.get("to_version"),
            "time_to_detect_seconds": _float(timeline.get("time_to_detect_seconds")),
            "time_to_recover_seconds": _float(timeline.get("time_to_recover_seconds")),
            "incident_report": line.get("incident_report")}


def _wait_for_alarm(session: Session, state: str, timeout: float = 300) -> None:
    """The sandbox's alarm evaluator judged the service's error-rate alarm ``state``."""
    name = f"lacrei-rollback-{session.env['APPRUNNER_SERVICE_NAME']}-error-rate"
    cloudwatch = session.client("cloudwatch")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
        if found and found[0]["StateValue"] == state:
            return
        time.sleep(2)
    raise RuntimeError(f"{name} not {state} after {timeout:.0f} s")


def _wait_for_acted(session: Session, seen: int) -> dict:
    deadline = time.monotonic() + ACT_TIMEOUT
    while time.monotonic() < deadline:
        for line in session.audit_lines()[seen:]:
            if line.get("runbook") == "auto_rollback" and line.get("decision") == "acted":
                return line
        time.sleep(2)
    log = session.dir / "logs" / "responder.log"
    raise RuntimeError("the responder did not roll back within "
                       f"{ACT_TIMEOUT} s; its log: {log if os.path.exists(log) else 'none'}")


def _float(value) -> float | None:
    return None if value in (None, "", "None") else float(value)

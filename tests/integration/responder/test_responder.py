"""The event-driven responder end to end, against a private live sandbox: ansible-rulebook with
rulebooks/auto_rollback.yml started in the background (`python -m sandbox responder --background`),
fed SNS-format alarm notifications over HTTP with the sandbox's bearer token.

- killed (SIGKILL of its whole process tree) after deciding to act on a notification posted here: the
  audit trail holds the decision (result in_progress) and no end, the lease names the killed run, and
  the killed playbook run's private data folder goes when the responder is stopped;
- traffic running, alarms.yml subscribing the responder, the pipeline deploys v1.3.0: the sandbox's alarm
  evaluator fires and the responder rolls back to v1.2.0 once, with nobody posting or typing anything;
  a second alarm within the cooldown does nothing but say so;
- the guard (playbooks/auto_rollback.yml) leaves a cleared alarm, an unknown service and production
  without the inventory's opt-in alone, each decision an audit line.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from sandbox import envfile, procs
from sandbox import responder as sandbox_responder
from tests.integration.responder import sns
from tests.integration.sandbox_fixture import REPO, private_sandbox, process_env

pytestmark = pytest.mark.slow

# The emergency procedure's windows, short (as tests/integration/emergency does).
SHORT_WINDOWS = {"emergency_identify_window": "2m", "emergency_identify_period": "5s",
                 "emergency_monitor_window": "5s", "emergency_monitor_interval": "5s",
                 "emergency_monitor_metrics_delay": "2s", "emergency_monitor_breach_intervals": 1,
                 "emergency_validate_delay": 1}
ACT_TIMEOUT = 1200  # the whole emergency procedure, on a busy 2-core machine
DECIDE_TIMEOUT = 300


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with private_sandbox(tmp_path_factory, "responder", rows=200) as sandbox:
        folder = sandbox.write_inventory(sandbox.state / "inventory", {})
        (folder / "group_vars" / "app_services.yml").write_text(yaml.safe_dump(SHORT_WINDOWS))
        sandbox.inventory = folder
        sandbox.service_name = sandbox.env["APPRUNNER_SERVICE_NAME"]
        sandbox.cloudwatch = sandbox.client("cloudwatch", "AWS_ENDPOINT_URL_CLOUDWATCH")
        sandbox.ssm = sandbox.client("ssm", "AWS_ENDPOINT_URL_SSM")
        try:
            yield sandbox
        finally:
            responder(sandbox, "--stop")


def responder(sandbox, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "sandbox", "responder", *args], cwd=REPO,
                          env=process_env(sandbox.state), capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    sandbox.env = envfile.read(sandbox.state / "env")
    return done


def start_responder(sandbox, cooldown: int) -> None:
    responder(sandbox, "--background", "--inventory", str(sandbox.inventory), "--cooldown", str(cooldown))


def firing_alarm(sandbox) -> str:
    """The service's error-rate alarm, made to stay in ALARM whatever the sandbox's evaluator reads (every
    datapoint, missing ones included, breaches): the notification posted here is never out of date."""
    name = sns.alarm_name(sandbox.service_name)
    sandbox.cloudwatch.put_metric_alarm(
        AlarmName=name, AlarmDescription=json.dumps({"service": sandbox.service_name, "service_arn": sandbox.arn,
                                                     "managed_by": "lacrei.rollback"}),
        Namespace="AWS/AppRunner", MetricName="5xxStatusResponses", Statistic="Sum", Period=10,
        EvaluationPeriods=1, Threshold=1e9, ComparisonOperator="LessThanThreshold", TreatMissingData="breaching",
        ActionsEnabled=False)
    sandbox.cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="test")
    return name


def notify(sandbox, token: str | None = "from-env") -> int:
    token = sandbox.env["SANDBOX_RESPONDER_TOKEN"] if token == "from-env" else token
    return sns.post(sandbox.env["SANDBOX_RESPONDER_URL"], sns.notification(sandbox.service_name,
                                                                           service_arn=sandbox.arn), token)


def wait_for_line(sandbox, seen: int, predicate, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in sandbox.audit()[seen:]:
            if line.get("runbook") == "auto_rollback" and predicate(line):
                return line
        time.sleep(1)
    log = (sandbox.state / "logs" / "responder.log")
    tail = log.read_text()[-4000:] if log.exists() else "(no responder log)"
    raise AssertionError(f"no matching audit line within {timeout:.0f}s; responder log tail:\n{tail}")


def wait_for_alarm(sandbox, state: str, timeout: float = 300) -> None:
    name = sns.alarm_name(sandbox.service_name)
    deadline = time.monotonic() + timeout
    while True:
        found = sandbox.cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
        if found and found[0]["StateValue"] == state:
            return
        assert time.monotonic() < deadline, f"{name} not {state}: {found[0]['StateValue'] if found else 'missing'}"
        time.sleep(1)


def guard(sandbox, *args: str):
    return sandbox.playbook("auto_rollback.yml", "-e", f"alarm_name={sns.alarm_name(sandbox.service_name)}", *args,
                            inventory=sandbox.inventory)


def test_a_notification_without_the_token_is_refused(sandbox):
    start_responder(sandbox, cooldown=0)
    seen = len(sandbox.audit())
    assert notify(sandbox, token="wrong") == 401 and notify(sandbox, token=None) == 401
    assert len(sandbox.audit()) == seen


def test_killed_after_deciding_to_act_the_audit_trail_says_so(sandbox):
    assert sandbox.pipeline_deploy("v1.3.0") == "SUCCEEDED"
    firing_alarm(sandbox)
    start_responder(sandbox, cooldown=0)
    seen = len(sandbox.audit())
    assert notify(sandbox) == 200
    acting = wait_for_line(sandbox, seen, lambda line: line.get("decision") == "acting", DECIDE_TIMEOUT)

    pid = procs.read_pid("responder", sandbox.state)
    tree = [pid, *sandbox_responder.descendants(pid)]
    assert any("ansible-playbook" in open(f"/proc/{p}/cmdline").read() for p in tree if procs.pid_alive(p))
    # the running playbook's private data folder is in the responder's own TMPDIR, not in the run's
    scratch = sandbox_responder.scratch_dir(sandbox.state)
    assert scratch is not None and scratch.parent == Path(os.environ["TMPDIR"]), scratch
    assert list(scratch.glob("eda*")), list(scratch.iterdir())
    for each in tree:  # kill -9, the whole tree at once
        try:
            os.kill(each, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 30
    while any(procs.pid_alive(each) for each in tree):
        assert time.monotonic() < deadline, "processes of the killed responder still alive"
        time.sleep(0.2)
    responder(sandbox, "--stop")
    assert not scratch.exists(), list(scratch.iterdir())  # what the killed run left goes with the responder

    assert acting["result"] == "in_progress" and acting["service"] == sandbox.service_name
    assert acting["alarm"]["name"] == sns.alarm_name(sandbox.service_name) and acting["run_id"]
    ended = [line for line in sandbox.audit() if line.get("run_id") == acting["run_id"] and line is not acting
             and line.get("result") != "in_progress"]
    assert ended == []  # a person reads: decided to act at <at>, never finished
    lease = json.loads(sandbox.ssm.get_parameter(Name=f"/lacrei-rollback/leases/{sandbox.service_name}")
                       ["Parameter"]["Value"])
    assert lease["run_id"] == acting["run_id"] and lease["runbook"] in ("auto_rollback", "emergency")
    sandbox.settle()


def test_traffic_v130_deployed_the_alarm_fires_and_the_responder_rolls_back_once(sandbox):
    """The whole story with the sandbox's alarm evaluator: nobody posts or types anything."""
    sandbox.settle()
    if sandbox.running() != sandbox.image("v1.2.0"):
        assert sandbox.pipeline_deploy("v1.2.0") == "SUCCEEDED"
    sandbox.cloudwatch.delete_alarms(AlarmNames=[sns.alarm_name(sandbox.service_name)])  # the kill test's stand-in
    traffic = subprocess.Popen([sys.executable, "-m", "sandbox", "traffic", "--rate", "5", "--seconds", "1500"],
                               cwd=REPO, env=process_env(sandbox.state), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        start_responder(sandbox, cooldown=0)  # writes SANDBOX_RESPONDER_URL: alarm_subscriptions names it
        alarms = sandbox.playbook("alarms.yml", inventory=sandbox.inventory)
        assert alarms.rc == 0, alarms.out
        wait_for_alarm(sandbox, "OK")  # the evaluator judged v1.2.0's traffic
        seen = len(sandbox.audit())
        assert sandbox.pipeline_deploy("v1.3.0") == "SUCCEEDED"
        acted = wait_for_line(sandbox, seen, lambda line: line.get("decision") == "acted", ACT_TIMEOUT)
        assert acted["result"] == "ok", acted
        assert acted["from_version"] == "v1.3.0" and acted["to_version"] == "v1.2.0"
        assert sandbox.running() == sandbox.image("v1.2.0")
        assert acted["alarm"]["name"].startswith(f"lacrei-rollback-{sandbox.service_name}-")
        assert acted["alarm"]["message_id"] and acted["alarm"]["changed_at"]
        timeline = acted["timeline"]
        assert timeline["time_to_detect_seconds"] >= 0 and timeline["time_to_recover_seconds"] > 0
        report = open(acted["incident_report"], encoding="utf-8").read()
        assert "Detection and recovery without a person" in report and "Time to detect:" in report
        # Once: the decisions after it (another alarm of the same incident, queued) never act again.
        wait_for_alarm(sandbox, "OK")
    finally:
        responder(sandbox, "--stop")
        traffic.kill()
        traffic.wait(timeout=30)
    later = [line for line in sandbox.audit()[seen:] if line.get("runbook") == "auto_rollback"]
    assert [line["decision"] for line in later].count("acted") == 1
    assert {line["decision"] for line in later} <= {"acting", "acted", "skipped_handled", "skipped_cleared"}


def test_a_second_alarm_within_the_cooldown_does_nothing_but_say_so(sandbox):
    operations = len(sandbox.operations())
    seen = len(sandbox.audit())
    # The alarm already cleared (the evaluator): the state is not read again, so only the cooldown decides.
    second = guard(sandbox, "-e", "auto_rollback_recheck=false")
    assert second.rc == 0, second.out
    [skipped] = [line for line in sandbox.audit()[seen:] if line.get("runbook") == "auto_rollback"]
    assert skipped["decision"] == "skipped_cooldown" and skipped["result"] == "ok"
    assert "within the cooldown of 900 s" in skipped["decision_reason"]
    assert skipped["notifications"][0]["sent"] is True
    assert len(sandbox.operations()) == operations and sandbox.running() == sandbox.image("v1.2.0")


def test_the_guard_leaves_cleared_unknown_and_not_opted_in_alarms_to_a_person(sandbox):
    wait_for_alarm(sandbox, "OK")
    operations = len(sandbox.operations())
    seen = len(sandbox.audit())

    cleared = guard(sandbox, "-e", "alarm_state=ALARM", "-e", "auto_rollback_cooldown=0")
    assert cleared.rc == 0, cleared.out
    prod = guard(sandbox, "-e", "lacrei_environment=prod")
    assert prod.rc == 0, prod.out
    unknown = sandbox.playbook("auto_rollback.yml", "-e", "alarm_name=lacrei-rollback-nobody-error-rate",
                               inventory=sandbox.inventory)
    assert unknown.rc == 0, unknown.out
    bad = guard(sandbox, "-e", "alarm_state=FIRING")
    assert bad.rc != 0 and "FIRING" in bad.out and "alarm_state" in bad.out

    lines = [line for line in sandbox.audit()[seen:] if line.get("runbook") == "auto_rollback"]
    assert [line["decision"] for line in lines] == ["skipped_cleared", "skipped_not_opted_in",
                                                     "skipped_unknown_service"]
    assert "is OK now" in lines[0]["decision_reason"]
    assert "auto_rollback: true" in lines[1]["decision_reason"] and lines[1]["notifications"][0]["sent"] is True
    assert lines[2]["service"] == "nobody"
    assert len(sandbox.operations()) == operations

"""The audit callback's own logic, in-process with stand-ins for Ansible's task/result/stats objects."""
from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.lacrei.rollback.plugins.callback import audit


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class Task:
    def __init__(self, name, tags):
        self._uuid, self.tags, self.name = name, tags, name

    def get_name(self):
        return self.name


class Host:
    def __init__(self, name):
        self.name = name

    def get_name(self):
        return self.name


class Result:
    def __init__(self, task, host, **result):
        self._task, self._host, self._result = task, Host(host), result


class Stats:
    def __init__(self, custom, failures=()):
        self.custom, self.failures = custom, set(failures)

    def summarize(self, host):
        return {"failures": int(host in self.failures), "unreachable": 0}


@pytest.fixture
def callback():
    plugin = audit.CallbackModule()
    plugin.clock = Clock()
    return plugin


def run_task(plugin, host, name, tags, seconds, failed=False, msg=""):
    task = Task(name, tags)
    plugin.v2_playbook_on_task_start(task, False)
    plugin.clock.now += seconds
    result = Result(task, host, msg=msg)
    if failed:
        plugin.v2_runner_on_failed(result)
    else:
        plugin.v2_runner_on_ok(result)


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_one_line_per_audited_host_with_phases_and_who(callback, tmp_path):
    log = tmp_path / "state" / "audit.jsonl"
    run_task(callback, "api", "gate", ["always", "gate"], 0.5)
    run_task(callback, "api", "describe", ["preflight"], 1.25)
    run_task(callback, "api", "deploy", ["deploy"], 3.0)
    run_task(callback, "api", "deploy report", ["deploy"], 1.0)
    data = {"runbook": "app-rollback", "service": "api", "audit_log_path": str(log), "from_image": "r:1",
            "aws_caller_arn": "arn:aws:sts::1:user/maria"}
    callback.v2_playbook_on_stats(Stats({"api": {"lacrei_audit": data}, "other": {"unrelated": 1}, "_run": {}}))

    [line] = lines(log)
    assert line["result"] == "ok" and line["runbook"] == "app-rollback" and line["from_image"] == "r:1"
    assert line["phase_seconds"] == {"gate": 0.5, "preflight": 1.25, "deploy": 4.0}
    assert line["who"]["aws_caller_arn"] == "arn:aws:sts::1:user/maria" and line["who"]["os_user"]
    assert "audit_log_path" not in line and line["host"] == "api" and line["check_mode"] is False
    assert stat.S_IMODE(os.stat(log).st_mode) == 0o600


def test_failure_in_preflight_is_a_refusal_later_a_failure(callback, tmp_path):
    log = tmp_path / "audit.jsonl"
    run_task(callback, "a", "resolve", ["preflight"], 1, failed=True, msg="No image in ECR")
    run_task(callback, "b", "deploy", ["deploy"], 1, failed=True, msg="ended ROLLBACK_SUCCEEDED")
    custom = {host: {"lacrei_audit": {"service": host, "audit_log_path": str(log)}} for host in ("a", "b", "c")}
    callback.v2_playbook_on_stats(Stats(custom, failures={"a", "b"}))

    by_host = {line["host"]: line for line in lines(log)}
    assert by_host["a"]["result"] == "refused" and by_host["a"]["message"] == "No image in ECR"
    assert by_host["b"]["result"] == "failed" and by_host["b"]["failed_task"] == "deploy"
    assert by_host["c"]["result"] == "ok" and "message" not in by_host["c"]


def test_ignored_errors_do_not_fail_the_record(callback, tmp_path):
    log = tmp_path / "audit.jsonl"
    task = Task("probe", ["verify"])
    callback.v2_playbook_on_task_start(task, False)
    callback.v2_runner_on_failed(Result(task, "a", msg="retrying"), ignore_errors=True)
    callback.v2_playbook_on_stats(Stats({"a": {"lacrei_audit": {"audit_log_path": str(log)}}}))
    assert lines(log)[0]["result"] == "ok"


def test_a_failure_handled_by_rescue_leaves_the_run_ok(callback, tmp_path):
    # Ansible's counters (summarize) leave out rescued failures: a drill's detection step fails
    # on purpose and is rescued, and its run must not be recorded as failed.
    log = tmp_path / "audit.jsonl"
    run_task(callback, "a", "detect the failure", ["detect"], 1, failed=True, msg="answered 500")
    callback.v2_playbook_on_stats(Stats({"a": {"lacrei_audit": {"audit_log_path": str(log)}}}, failures=()))
    [line] = lines(log)
    assert line["result"] == "ok" and "failed_task" not in line


def test_secrets_never_written(callback, tmp_path):
    log = tmp_path / "audit.jsonl"
    data = {"audit_log_path": str(log), "db_password": "hunter2", "nested": {"api_token": "t0k", "keep": 1},
            "database_url": "postgresql://consultas:s3cr3t@db:5432/consultas", "secret_key": "x", "key": "y"}
    run_task(callback, "a", "restore", ["act"], 1, failed=True, msg="psql postgresql://u:p4ss@h/db failed")
    callback.v2_playbook_on_stats(Stats({"a": {"lacrei_audit": data}}, failures={"a"}))

    text = log.read_text()
    for secret in ("hunter2", "t0k", "s3cr3t", "p4ss"):
        assert secret not in text
    line = json.loads(text)
    assert line["nested"] == {"keep": 1} and line["database_url"] == "postgresql://consultas:***@db:5432/consultas"
    assert "key" not in line and "secret_key" not in line


def test_unwritable_path_warns_without_failing(callback, tmp_path, monkeypatch):
    warnings = []
    monkeypatch.setattr(callback._display, "warning", warnings.append)
    blocker = tmp_path / "file"
    blocker.write_text("")
    callback.v2_playbook_on_stats(Stats({"a": {"lacrei_audit": {"audit_log_path": str(blocker / "audit.jsonl")}}}))
    assert warnings and "cannot write" in warnings[0]


class Play:
    def __init__(self):
        self.vars = {}


def test_loaded_twice_one_line_and_the_play_knows(tmp_path):
    """Beside the playbooks and enabled in ansible.cfg: both instances see the run, one writes."""
    import importlib.util
    from pathlib import Path

    beside = Path(__file__).resolve().parents[4] / "playbooks" / "callback_plugins" / "lacrei_audit.py"
    spec = importlib.util.spec_from_file_location("lacrei_audit_beside", beside)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.CallbackModule.CALLBACK_NEEDS_ENABLED is False
    instances = [audit.CallbackModule(), module.CallbackModule()]
    play = Play()
    for plugin in instances:
        plugin.v2_playbook_on_play_start(play)
    assert play.vars == {audit.ACTIVE_VAR: True}
    log = tmp_path / "audit.jsonl"
    stats = Stats({"api": {"lacrei_audit": {"service": "api", "audit_log_path": str(log)}}})
    for plugin in instances:
        plugin.v2_playbook_on_stats(stats)
    assert len(lines(log)) == 1


def test_a_checkpoint_is_written_at_once_and_once(tmp_path):
    log = tmp_path / "audit.jsonl"
    first, second = audit.CallbackModule(), audit.CallbackModule()  # loaded twice, as in the playbooks
    task = Task("decide", ["decide"])
    data = {"lacrei_audit_checkpoint": {"runbook": "auto_rollback", "decision": "acting", "checkpoint_id": "run-1:act",
                                        "audit_log_path": str(log), "notify_token": "s3cret"}}
    for plugin in (first, second):
        plugin.v2_playbook_on_task_start(task, False)
        plugin.v2_runner_on_ok(Result(task, "api", ansible_stats={"data": data, "per_host": True}))
    [line] = lines(log)
    assert line["result"] == "in_progress" and line["decision"] == "acting" and line["host"] == "api"
    assert line["checkpoint_id"] == "run-1:act" and "notify_token" not in line and "audit_log_path" not in line


def test_results_without_a_checkpoint_write_nothing_at_once(callback, tmp_path):
    run_task(callback, "api", "deploy", ["deploy"], 1.0)
    task = Task("stats", ["audit"])
    callback.v2_runner_on_ok(Result(task, "api", ansible_stats={"data": {"lacrei_audit": {
        "audit_log_path": str(tmp_path / "a.jsonl")}}}))
    assert not (tmp_path / "a.jsonl").exists()

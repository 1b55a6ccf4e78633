"""The machinery under every runbook, on local fixture playbooks: outputs, failures, refusals,
streaming, cancelling, timeouts, isolation of parallel runs, and secrets kept off the disk."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from tests.integration.python_api.api_playbooks import playbook

from lacrei_rollback import Cancelled, Control, PlaybookFailed, Refused, TimedOut
from lacrei_rollback.client import ClientBase


def test_outputs_and_host_outcomes_come_from_events(local_client, tmp_path):
    local_client.environment["SANDBOX_DIR"] = str(tmp_path)
    result = local_client.run_playbook(playbook("echo"), {"marker": "m-1"})
    assert result.status == "successful" and result.rc == 0 and result.ok
    assert set(result.hosts) == {"service-a", "service-b"}
    assert all(outcome.outcome == "ok" for outcome in result.hosts.values())
    assert result.output("lacrei_audit", host="service-a") == {
        "marker": "m-1", "sandbox_dir": str(tmp_path), "leaked_marker": ""}
    assert result.output("run_marker") == "m-1"
    assert result.events[-1]["event"] == "playbook_on_stats"
    assert result.duration > 0 and not result.changed


def test_failure_raises_with_the_failing_task(local_client):
    with pytest.raises(PlaybookFailed) as caught:
        local_client.run_playbook(playbook("refuse"), {"allowed": True}, limit="service-a")
    failed = caught.value.result.failed_task
    assert (failed.task, failed.host, failed.message) == ("Act", "service-a", "the act phase broke")
    assert caught.value.result.hosts["service-a"].outcome == "failed"
    assert "the act phase broke" in str(caught.value)


def test_preflight_failure_is_a_refusal(local_client):
    with pytest.raises(Refused) as caught:
        local_client.run_playbook(playbook("refuse"))
    assert caught.value.result.status == "refused"
    assert caught.value.result.failed_task.message == "not allowed here"


def test_no_raising_when_asked(local_client):
    result = local_client.run_playbook(playbook("refuse"), control=Control(raise_on_failure=False))
    assert result.status == "refused" and result.rc != 0


def test_a_playbook_that_cannot_start_reports_ansible_error(local_client, tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("- name: Broken\n  hosts: all\n  tasks: [{name: x, no_such_module: {}}]\n")
    with pytest.raises(PlaybookFailed) as caught:
        local_client.run_playbook(broken)
    assert "no_such_module" in caught.value.result.failed_task.message


def test_event_handler_streams_every_event_as_it_happens(local_client):
    seen = []
    result = local_client.run_playbook(playbook("echo"), control=Control(event_handler=seen.append))
    assert [event["uuid"] for event in seen] == [event["uuid"] for event in result.events]
    assert "runner_on_ok" in {event["event"] for event in seen}


def test_a_broken_event_handler_does_not_break_the_run(local_client):
    def explode(_event):
        raise RuntimeError("observer bug")

    assert local_client.run_playbook(playbook("echo"), control=Control(event_handler=explode)).ok


def test_cancel_from_another_thread(local_client):
    cancel = threading.Event()

    def cancel_when_waiting(event):
        if event.get("event") == "runner_on_start":
            threading.Thread(target=cancel.set).start()

    with pytest.raises(Cancelled) as caught:
        local_client.run_playbook(playbook("slow"), control=Control(event_handler=cancel_when_waiting, cancel=cancel))
    assert caught.value.result.status == "canceled"


def test_timeout_always_applies(local_client):
    with pytest.raises(TimedOut) as caught:
        local_client.run_playbook(playbook("slow"), control=Control(timeout=2))
    assert caught.value.result.status == "timeout"


def test_parallel_runs_do_not_share_variables_or_artifacts(local_client):
    results, errors = {}, []

    def run(marker):
        try:
            results[marker] = local_client.run_playbook(playbook("echo"), {"marker": marker, "pause_seconds": 1})
        except Exception as exc:  # pragma: no cover - shown by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(marker,)) for marker in ("left", "right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    left, right = results["left"], results["right"]
    assert left.output("lacrei_audit", host="service-b")["marker"] == "left"
    assert right.output("lacrei_audit", host="service-b")["marker"] == "right"
    assert left.private_data_dir != right.private_data_dir
    assert left.artifact_dir.parent.parent == left.private_data_dir
    for mine, other in ((left, "right"), (right, "left")):
        assert other not in _text_of(mine.private_data_dir)
        assert oct(mine.private_data_dir.stat().st_mode & 0o777) == "0o700"


def _text_of(folder: Path) -> str:
    return "\n".join(path.read_text(errors="replace") for path in folder.rglob("*") if path.is_file())


def test_secrets_never_reach_the_disk(runs_dir, monkeypatch):
    webhook = "https://hooks.example.invalid/T000/B000/" + "s3cr3t-webhook-" + os.urandom(6).hex()
    password = "pg-" + os.urandom(8).hex()
    monkeypatch.setenv("MY_API_TOKEN", "tok-" + os.urandom(8).hex())  # the caller's own secret env
    client = ClientBase(playbook("inventory").parent / "inventory.yml", runs_dir=runs_dir,
                        secrets={"PGPASSWORD": password})
    result = client.run_playbook(playbook("secret"), secret_vars={"webhook_url": webhook})
    assert result.output("lacrei_audit", host="service-a") == {
        "webhook_length": len(webhook), "pgpassword_length": len(password)}
    assert not (result.private_data_dir / "env").exists()
    written = _text_of(runs_dir)
    assert "PATH" in written  # the scan does read the saved environment
    for secret in (webhook, password, os.environ["MY_API_TOKEN"]):
        assert secret not in written
        assert all(secret not in str(event) for event in result.events)


def test_runs_are_rotated_to_a_bounded_count(runs_dir):
    client = ClientBase(playbook("inventory").parent / "inventory.yml", runs_dir=runs_dir, keep_runs=2)
    kept = [client.run_playbook(playbook("echo"), limit="service-a").private_data_dir for _ in range(3)]
    assert sorted(runs_dir.iterdir()) == sorted(kept[1:])


def test_runs_without_the_venv_on_path(local_client, monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert local_client.run_playbook(playbook("echo"), limit="service-a").ok


def test_no_matching_host_is_a_failure_not_an_empty_success(local_client, tmp_path):
    with pytest.raises(PlaybookFailed, match="no hosts to target") as caught:
        local_client.run_playbook(playbook("echo"), limit="no-such-service")
    assert "lacrei-rollback-secrets" not in caught.value.result.failed_task.message
    nobody = tmp_path / "nobody.yml"
    nobody.write_text("- name: Nobody\n  hosts: no_such_group\n  gather_facts: false\n  tasks: []\n")
    with pytest.raises(PlaybookFailed, match="no host matched"):
        local_client.run_playbook(nobody)

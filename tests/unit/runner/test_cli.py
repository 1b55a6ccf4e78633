"""The console entry point: options from the runbook signatures, exit codes from the outcome."""
from __future__ import annotations

import functools
import json

import pytest

from lacrei_rollback import cli
from lacrei_rollback.records import Image
from lacrei_rollback.results import build_result
from lacrei_rollback.runbooks import Client, runbook_names


def test_every_bound_runbook_is_a_command():
    assert {"list_images", "rollback_app", "drill"} <= set(runbook_names())
    args = cli.build_parser().parse_args(["-i", "prod", "rollback_app", "--sha", "abcdef1", "--check"])
    assert (args.inventory, args.runbook, args.sha, args.check, args.target) == ("prod", "rollback_app", "abcdef1", True, None)


def test_bad_argument_exits_2_before_running(capsys):
    assert cli.main(["rollback_app", "--sha", "nothex!"]) == 2
    assert "7 to 40 hex" in capsys.readouterr().err


def _refused():
    events = [{"event": "runner_on_failed", "event_data": {"host": "svc", "task": "Gate", "role": "production_gate",
                                                           "res": {"msg": "Refused"}}}]
    return build_result("rollback_app", "failed", 2, 0.5, events)


def test_refusal_exits_3_and_prints_the_result(monkeypatch, capsys):
    from lacrei_rollback.errors import error_for

    @functools.wraps(Client.rollback_app)
    def refuse(self, **kwargs):
        assert kwargs["target"] == "previous"
        raise error_for(_refused())

    monkeypatch.setattr(Client, "rollback_app", refuse)
    assert cli.main(["--json", "rollback_app", "--target", "previous"]) == 3
    out = capsys.readouterr()
    assert json.loads(out.out)["failed_task"]["role"] == "production_gate" and "Refused" in out.err


def test_results_and_images_are_printed(monkeypatch, capsys):
    image = Image("svc", "a" * 40, ("a" * 40, "v1.2.0"), "sha256:a", "2024-01-01", running=True, ran="ok")
    monkeypatch.setattr(Client, "list_images", functools.wraps(Client.list_images)(lambda self, **kwargs: [image]))
    assert cli.main(["list_images"]) == 0
    assert capsys.readouterr().out.split() == ["a" * 40, "v1.2.0", "2024-01-01", "ok", "<-", "running"]
    ok = build_result("drill", "successful", 0, 1.0, [
        {"event": "runner_on_ok", "event_data": {"host": "svc", "task_action": "set_stats",
                                                 "res": {"ansible_stats": {"data": {"r": 1}, "per_host": True}}}},
        {"event": "playbook_on_stats", "event_data": {"ok": {"svc": 1}}}])
    monkeypatch.setattr(Client, "drill", functools.wraps(Client.drill)(lambda self, **kwargs: ok))
    assert cli.main(["-v", "drill"]) == 0
    assert capsys.readouterr().out.splitlines() == ["drill: successful in 1.0s", 'svc: {"r": 1}']


def test_stream_prints_event_output(capsys):
    cli._stream({"stdout": "TASK [x]"})
    cli._stream({"stdout": ""})
    assert capsys.readouterr().err == "TASK [x]\n"


def test_python_dash_m_runs_the_cli(monkeypatch, capsys):
    import runpy
    import sys

    monkeypatch.setattr(sys, "argv", ["lacrei-rollback", "--help"])
    with pytest.raises(SystemExit) as caught:
        runpy.run_module("lacrei_rollback", run_name="__main__")
    assert caught.value.code == 0 and "rollback_app" in capsys.readouterr().out


def test_integer_options_are_converted_and_records_print_one_line_each(monkeypatch, capsys):
    from lacrei_rollback.records import Backup

    args = cli.build_parser().parse_args(["rollback_git", "HEAD", "--mainline", "1"])
    assert (args.commit, args.mainline) == ("HEAD", 1)
    backup = Backup("svc", "/b/x.dump", "db", "custom", 10, "2026-01-02T00:00:00+00:00", verified=True)
    monkeypatch.setattr(Client, "list_backups", functools.wraps(Client.list_backups)(lambda self, **kwargs: [backup]))
    assert cli.main(["list_backups", "--verify"]) == 0
    assert capsys.readouterr().out.split() == ["2026-01-02T00:00:00+00:00", "/b/x.dump", "custom", "10", "-", "ok", "-"]


def test_a_rollback_plan_prints_its_summary(monkeypatch, capsys):
    from lacrei_rollback.plans import plan_of

    plan = plan_of("svc", {"plan": "app_only", "compatible": True, "summary": ["Plan: app_only (0 migration(s) ...)"]})
    monkeypatch.setattr(Client, "rollback_plan", functools.wraps(Client.rollback_plan)(lambda self, **kwargs: plan))
    assert cli.main(["rollback_plan", "--target", "previous"]) == 0
    assert capsys.readouterr().out.splitlines() == ["svc:", "Plan: app_only (0 migration(s) ...)"]
    args = cli.build_parser().parse_args(["rollback_app", "--sha", "abcdef1", "--with-database"])
    assert args.with_database is True


def test_help_says_where_the_runbooks_come_from(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    for needed in ("--project-dir", "LACREI_ROLLBACK_PROJECT", "ANSIBLE_COLLECTIONS_PATH",
                   "ansible-galaxy collection install", "aws_region", "exit codes"):
        assert needed in text, needed


def test_no_project_exits_2_naming_what_to_set(capsys, tmp_path):
    assert cli.main(["--project-dir", str(tmp_path), "list_images"]) == 2
    err = capsys.readouterr().err
    assert "is neither a lacrei.rollback checkout or installed collection" in err and str(tmp_path) in err

"""Every runbook method refuses bad arguments before any playbook starts (no run directory appears)."""
from __future__ import annotations

import pytest

from lacrei_rollback import InvalidArgument
from lacrei_rollback.runbooks import Client

REJECTED = [
    ("show_migrations", {"app": "professionals; drop"}, "app label"),
    ("show_migrations", {"app": "1app"}, "app label"),
    ("rollback_migration", {"app": "professionals", "migration": "initial"}, "migration name"),
    ("rollback_migration", {"app": "professionals", "migration": "001_initial"}, "migration name"),
    ("rollback_migration", {"app": "pro-fessionals", "migration": "zero"}, "app label"),
    ("rollback_migration", {"app": "professionals", "migration": "zero", "confirm": "a\nb"}, "single-line"),
    ("backup_db", {"check": "yes"}, "True or False"),
    ("list_backups", {"verify": 1}, "True or False"),
    ("restore_db", {"backup_file": "/nonexistent/backup.dump"}, "does not exist"),
    ("restore_db", {"backup_file": ""}, "single-line"),
    ("snapshot_config", {"reason": "two\nlines"}, "single-line"),
    ("rollback_config", {}, "exactly one of config_version or config_ref"),
    ("rollback_config", {"config_version": "previous", "config_ref": "v1.2.0"}, "exactly one"),
    ("rollback_config", {"config_version": 0}, "positive integer"),
    ("rollback_config", {"config_version": "yesterday"}, "'previous', 'latest' or a snapshot number"),
    ("rollback_config", {"config_ref": "v1.0.0..v1.2.0"}, "git ref"),
    ("rollback_config", {"config_version": "previous", "env_file": ".env"}, "env_file goes with config_ref"),
    ("rollback_git", {"commit": "main"}, "HEAD or a git SHA"),
    ("rollback_git", {"commit": "HEAD", "mainline": 0}, "positive integer"),
    ("rollback_git", {"commit": "HEAD", "app_repo_path": "/nonexistent/repo"}, "existing directory"),
    ("rollback_git", {"commit": "HEAD", "app_repo_branch": "--force"}, "git ref"),
    ("emergency", {"sha": "v1.2.0"}, "7 to 40 hex"),
    ("emergency", {"with_database": "yes"}, "with_database must be True or False"),
    ("rollback_app", {"sha": "abcdef1", "with_database": 1}, "with_database must be True or False"),
    ("rollback_app", {"target": "previous", "skip_schema_check": "yes"}, "skip_schema_check must be True or False"),
    ("rollback_app", {"target": "previous", "stop_in_flight": "yes"}, "stop_in_flight must be True or False"),
    ("rollback_plan", {"sha": "abcdef1", "target": "previous"}, "exactly one of sha or target"),
    ("rollback_plan", {"sha": "v1.2.0"}, "7 to 40 hex"),
    ("emergency", {"webhook_url": "not a url s3cr3t"}, "not shown"),
    ("emergency", {"monitor_window": "5 minutes"}, "duration"),
    ("deploy", {"sha": "v1.3.0"}, "7 to 40 hex"),
    ("deploy", {"sha": None}, "single-line"),
    ("deploy", {"sha": "abcdef1", "bake": "5 minutes"}, "duration"),
    ("deploy", {"sha": "abcdef1", "bake": "0s"}, "duration"),
    ("deploy", {"sha": "abcdef1", "confirm": "x; rm"}, "service name"),
]


@pytest.mark.parametrize("runbook, arguments, message", REJECTED, ids=[f"{r[0]}-{i}" for i, r in enumerate(REJECTED)])
def test_bad_arguments_are_rejected_before_anything_runs(tmp_path, runbook, arguments, message):
    runs = tmp_path / "runs"
    client = Client("sandbox", sandbox_dir=tmp_path, runs_dir=runs)
    with pytest.raises(InvalidArgument, match=message) as caught:
        getattr(client, runbook)(**arguments)
    assert not runs.exists()
    assert "s3cr3t" not in str(caught.value)


def test_every_runbook_playbook_is_bound():
    from pathlib import Path

    from lacrei_rollback.project import find_project
    from lacrei_rollback.runbooks import runbook_names

    playbooks = {path.stem for path in (find_project() / "playbooks").glob("*.yml")}
    assert playbooks <= set(runbook_names()), f"playbooks without a method: {playbooks - set(runbook_names())}"
    assert all(Path(find_project() / "playbooks" / f"{name}.yml").is_file() for name in runbook_names())


@pytest.mark.parametrize("runbook, arguments", [
    ("rollback_app", {"target": "previous"}), ("emergency", {}), ("rollback_config", {"config_version": "previous"}),
    ("rollback_migration", {"app": "professionals", "migration": "zero"}), ("restore_db", {"backup_file": __file__}),
    ("deploy", {"sha": "abcdef1"}),
])
def test_break_lease_reaches_the_playbook_of_every_lease_holding_runbook(tmp_path, monkeypatch, runbook, arguments):
    sent = {}
    monkeypatch.setattr(Client, "run_playbook", lambda self, playbook, extravars=None, **_: sent.update(extravars))
    client = Client("sandbox", sandbox_dir=tmp_path, runs_dir=tmp_path / "runs")
    getattr(client, runbook)(**arguments, break_lease="0c6f0e4b8a7d4b53")
    assert sent["break_lease"] == "0c6f0e4b8a7d4b53"
    getattr(client, runbook)(**arguments)
    assert sent["break_lease"] is None


def test_stop_in_flight_reaches_rollback_app_as_a_bool(tmp_path, monkeypatch):
    sent = {}
    monkeypatch.setattr(Client, "run_playbook", lambda self, playbook, extravars=None, **_: sent.update(extravars))
    client = Client("sandbox", sandbox_dir=tmp_path, runs_dir=tmp_path / "runs")
    client.rollback_app(target="previous", stop_in_flight=True)
    assert sent["stop_in_flight"] is True
    client.rollback_app(target="previous")
    assert sent["stop_in_flight"] is False

"""Hostile input through the Python API: every argument of every runbook method, and the client's own,
refused before any playbook starts (no run directory appears), with a message naming the argument.

The cases are listed in docs/reliability.md ("Hostile input", Python API).
"""
from __future__ import annotations

import pytest

from lacrei_rollback import InvalidArgument
from lacrei_rollback.execution import Control
from lacrei_rollback.runbooks import Client

HUGE = "a" * 100_000
SHELL = "$(touch /tmp/lacrei-pwned)"

# (runbook method, arguments, the argument the refusal must name)
HOSTILE = [
    ("rollback_app", {"sha": "--upload-pack=touch x"}, "sha"),
    ("rollback_app", {"sha": "abcdef1\x00"}, "sha"),
    ("rollback_app", {"sha": "ａｂｃｄｅｆ１"}, "sha"),  # full-width unicode digits and letters
    ("rollback_app", {"target": "previous; reboot"}, "target"),
    ("rollback_app", {"target": "previous", "confirm": "lacrei-saude-backend\nrm -rf /"}, "confirm"),
    ("rollback_app", {"target": "previous", "confirm": "lacrei/../other-service"}, "confirm"),
    ("rollback_app", {"target": "previous", "confirm": HUGE}, "confirm"),
    ("rollback_git", {"commit": "--upload-pack=touch x"}, "commit"),
    ("rollback_git", {"commit": "HEAD", "mainline": "1; id"}, "mainline"),
    ("rollback_git", {"commit": "HEAD", "mainline": 10**9}, "mainline"),
    ("rollback_git", {"commit": "HEAD", "app_repo_path": "/nonexistent\x00/repo"}, "app_repo_path"),
    ("rollback_git", {"commit": "HEAD", "app_repo_remote": "--upload-pack=touch x"}, "app_repo_remote"),
    ("rollback_git", {"commit": "HEAD", "app_repo_remote": "ext::sh -c touch% x"}, "app_repo_remote"),
    ("rollback_git", {"commit": "HEAD", "app_repo_branch": "main@{1}"}, "app_repo_branch"),
    ("emergency", {"sha": SHELL}, "sha"),
    ("emergency", {"with_database": "yes"}, "with_database"),
    ("emergency", {"confirm": "svc; id"}, "confirm"),
    ("rollback_app", {"target": "previous", "with_database": "true"}, "with_database"),
    ("rollback_app", {"target": "previous", "skip_schema_check": 1}, "skip_schema_check"),
    ("rollback_plan", {"sha": "HEAD~1"}, "sha"),
    ("rollback_plan", {"target": "latest"}, "target"),
    ("emergency", {"webhook_url": "http://hooks.example/\x00token"}, "webhook_url"),
    ("emergency", {"monitor_window": "-5m"}, "monitor_window"),
    ("emergency", {"monitor_interval": "60s\n"}, "monitor_interval"),
    ("drill", {"name": "app_rollback; id"}, "name"),
    ("drill", {"good_release": "--upload-pack=x"}, "good_release"),
    ("drill", {"release_under_test": "v1.2.0\nv1.3.0"}, "release_under_test"),
    ("monitor", {"window": HUGE}, "window"),
    ("monitor", {"interval": "10m;reboot"}, "interval"),
    ("monitor", {"breach_intervals": -3}, "breach_intervals"),
    ("monitor", {"baseline_end": "yesterday; id"}, "baseline_end"),
    ("monitor", {"baseline_end": "2024-05-02T13:30:00"}, "baseline_end"),  # no time zone
    ("monitor", {"baseline_window": "ⅿ30"}, "baseline_window"),
    ("show_migrations", {"app": "professionals\x00"}, "app"),
    ("rollback_migration", {"app": "professionals", "migration": "0001; DROP TABLE x"}, "migration"),
    ("rollback_migration", {"app": "professionals;", "migration": "zero"}, "app"),
    ("rollback_migration", {"app": "professionals", "migration": "zero", "confirm": "-e x"}, "confirm"),
    ("restore_db", {"backup_file": "../../etc/passwd-does-not-exist"}, "backup_file"),
    ("restore_db", {"backup_file": "/tmp/\x00backup.dump"}, "backup_file"),
    ("list_backups", {"verify": "yes"}, "verify"),
    ("snapshot_config", {"reason": HUGE}, "reason"),
    ("snapshot_config", {"reason": "ok\r\nInjected: header"}, "reason"),
    ("rollback_config", {"config_version": "1; DROP TABLE"}, "config_version"),
    ("rollback_config", {"config_ref": "-Ufoo"}, "config_ref"),
    ("rollback_config", {"config_ref": "main", "env_file": "../../etc/passwd"}, "env_file"),
    ("rollback_config", {"config_ref": "main", "env_file": "/etc/passwd"}, "env_file"),
    ("rollback_config", {"config_ref": "main", "env_file": "-x"}, "env_file"),
    ("backup_db", {"check": "true"}, "check"),
    ("backup_db", {"limit": "--become"}, "limit"),
    ("list_images", {"limit": "svc\nother"}, "limit"),
    ("rollback_app", {"target": "previous", "break_lease": "--force"}, "break_lease"),
    ("emergency", {"break_lease": "run; id"}, "break_lease"),
    ("rollback_config", {"config_version": "previous", "break_lease": "a" * 65}, "break_lease"),
    ("rollback_migration", {"app": "professionals", "migration": "zero", "break_lease": "../lease"}, "break_lease"),
    ("restore_db", {"backup_file": __file__, "break_lease": "run\nid"}, "break_lease"),
    ("alarms", {"state": "absent; id"}, "state"),
    ("dashboard", {"confirm": "svc\n-e x"}, "confirm"),
    ("auto_rollback", {"alarm_name": "--extra-vars=@/etc/passwd"}, "alarm_name"),
    ("auto_rollback", {"alarm_name": "lacrei-rollback-svc-error-rate", "alarm_state": "ALARM; id"}, "alarm_state"),
    ("auto_rollback", {"alarm_name": "lacrei-rollback-svc-error-rate", "alarm_service": "svc\nother"}, "alarm_service"),
    ("auto_rollback", {"alarm_name": "lacrei-rollback-svc-error-rate", "alarm_changed_at": "now; id"}, "alarm_changed_at"),
    ("auto_rollback", {"alarm_name": "lacrei-rollback-svc-error-rate", "alarm_message_id": "../x"}, "alarm_message_id"),
]


@pytest.mark.parametrize("runbook, arguments, named", HOSTILE,
                         ids=[f"{case[0]}-{case[2]}-{number}" for number, case in enumerate(HOSTILE)])
def test_hostile_argument_is_refused_naming_it(tmp_path, runbook, arguments, named):
    runs = tmp_path / "runs"
    client = Client("sandbox", sandbox_dir=tmp_path, runs_dir=runs)
    with pytest.raises(InvalidArgument) as caught:
        getattr(client, runbook)(**arguments)
    message = str(caught.value)
    assert message.startswith(named + " ") or f" {named} " in f" {message}", message
    assert not runs.exists()  # nothing ran
    assert len(message) < 400  # a huge value is cut, not echoed


@pytest.mark.parametrize("arguments, named", [
    ({"environment": {"A B; touch x": "1"}}, "environment key"),
    ({"environment": {"AWS_PROFILE": "dev\nX=1"}}, "environment[AWS_PROFILE]"),
    ({"secrets": {"PGPASSWORD": "pw\x00d"}}, "secrets[PGPASSWORD]"),
    ({"secrets": {"-PGPASSWORD": "pw"}}, "secrets key"),
    ({"control": Control(timeout=0)}, "control.timeout"),
], ids=["env-key", "env-value", "secret-nul", "secret-key", "timeout"])
def test_hostile_client_settings_are_refused_naming_them(tmp_path, arguments, named):
    with pytest.raises(InvalidArgument) as caught:
        Client("sandbox", sandbox_dir=tmp_path, runs_dir=tmp_path / "runs", **arguments)
    assert named in str(caught.value)
    assert "pw" not in str(caught.value).replace("PGPASSWORD", "")  # a secret is never shown


@pytest.mark.parametrize("good", [
    ("rollback_app", {"sha": "ABCDEF1"}),
    ("rollback_git", {"commit": "HEAD", "app_repo_remote": "upstream", "app_repo_branch": "release/1.2"}),
    ("rollback_config", {"config_ref": "v1.2.0", "env_file": "config/.env.example"}),
    ("rollback_migration", {"app": "professionals", "migration": "0001_initial", "confirm": "svc-a, svc-b"}),
], ids=["sha", "git", "env-file", "confirm"])
def test_ordinary_values_pass_the_checks(tmp_path, monkeypatch, good):
    """The checks refuse the hostile, not the ordinary: these reach the run (stopped here)."""
    started = []
    monkeypatch.setattr(Client, "run_playbook", lambda self, name, extravars=None, **kw: started.append(name))
    runbook, arguments = good
    getattr(Client("sandbox", sandbox_dir=tmp_path), runbook)(**arguments)
    assert started == [runbook]

"""Configuration rollback end to end against a private sandbox (live runtime behind the service URL).

The story: a snapshot is taken, someone turns FEATURE_APPOINTMENTS off outside the collection
(/api/appointments/ answers 503), rollback_config.yml -e config_version=previous restores it (200
again), and a second run does not bring the bad value back. A secret-named variable and a secret
reference ride along; their values must never show up anywhere.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SECRET_VALUE = "Tr0ub4dor-never-print-me-5521"
REFERENCED_VALUE = "referenced-secret-value-never-read-9043"


@pytest.fixture(scope="module")
def with_secrets(sandbox):
    arn = sandbox.secrets.create_secret(Name="consultas/api-token", SecretString=REFERENCED_VALUE)["ARN"]
    sandbox.update_variables({"DJANGO_SECRET_KEY": SECRET_VALUE}, {"API_TOKEN": arn})
    return sandbox


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert SECRET_VALUE not in text and REFERENCED_VALUE not in text


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={"PATH": os.environ["PATH"], "HOME": str(cwd), "LC_ALL": "C",
                               "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
                               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}).stdout.strip()


def test_snapshot_break_rollback_and_rollback_again(with_secrets):
    box = with_secrets
    assert box.status("/api/appointments/") == 200
    rc, first = box.playbook("snapshot_config.yml", "-e", "reason=before the campaign")
    assert rc == 0, first
    assert "saved snapshot 1" in first
    rc, again = box.playbook("snapshot_config.yml")
    assert rc == 0 and "nothing changed since snapshot 1" in again, again
    assert box.snapshot_versions() == [1]

    box.update_variables({"FEATURE_APPOINTMENTS": "off"})
    assert box.status("/api/appointments/") == 503

    rc, checked = box.playbook("rollback_config.yml", "-e", "config_version=previous", "--check")
    assert rc == 0 and "check mode: would be" in checked, checked
    assert box.variables()["FEATURE_APPOINTMENTS"] == "off" and box.snapshot_versions() == [1]

    rc, rolled = box.playbook("rollback_config.yml", "-e", "config_version=previous")
    assert rc == 0, rolled
    assert "FEATURE_APPOINTMENTS=off" in rolled and "FEATURE_APPOINTMENTS=on" in rolled  # the diff
    assert "DJANGO_SECRET_KEY=********" in rolled
    assert box.variables()["FEATURE_APPOINTMENTS"] == "on"
    assert box.variables()["DJANGO_SECRET_KEY"] == SECRET_VALUE
    assert "API_TOKEN" in box.image_configuration()["RuntimeEnvironmentSecrets"]
    assert box.status("/api/appointments/") == 200
    assert box.snapshot_versions() == [1, 2]

    rc, twice = box.playbook("rollback_config.yml", "-e", "config_version=previous")
    assert rc == 0, twice
    assert "already runs that configuration" in twice
    assert box.variables()["FEATURE_APPOINTMENTS"] == "on"
    assert box.snapshot_versions() == [1, 2]

    rc, listed = box.playbook("list_configs.yml")
    assert rc == 0, listed
    assert "2 | " in listed and "(rolled back from)" in listed and "FEATURE_APPOINTMENTS=off" in listed
    assert "DJANGO_SECRET_KEY=********" in listed and "secrets: API_TOKEN" in listed

    audit = [line for line in box.audit() if line.get("runbook", "").startswith("config-")]
    assert [(a["runbook"], a["result"], a["check_mode"]) for a in audit] == [
        ("config-snapshot", "ok", False), ("config-snapshot", "ok", False), ("config-rollback", "ok", True),
        ("config-rollback", "ok", False), ("config-rollback", "ok", False)]
    assert audit[3]["variables_changed"] == ["FEATURE_APPOINTMENTS"] and audit[3]["to"]["version"] == 1
    assert audit[3]["validation"] == "passed" and audit[3]["snapshot_before"] == 2
    assert_no_secret(first, again, checked, rolled, twice, listed, (box.state / "audit.jsonl").read_text())


@pytest.fixture
def env_repo(tmp_path):
    repo = tmp_path / "app"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    commits = {}
    for name, text in (("good", "FEATURE_APPOINTMENTS=on\nALLOWED_HOSTS=*\nLOG_LEVEL=debug\nDJANGO_SECRET_KEY=change-me\n"),
                       ("placeholder", "FEATURE_APPOINTMENTS=<on-or-off>\nALLOWED_HOSTS=*\nLOG_LEVEL=info\n")):
        (repo / ".env.example").write_text(text)
        git(repo, "add", ".env.example")
        git(repo, "commit", "--quiet", "-m", f"{name} settings")
        commits[name] = git(repo, "rev-parse", "HEAD")
    return repo, commits


def test_restore_from_a_git_ref(with_secrets, env_repo):
    box, (repo, commits) = with_secrets, env_repo
    box.update_variables({"FEATURE_APPOINTMENTS": "off"})
    before = box.snapshot_versions()
    rc, refused = box.playbook("rollback_config.yml", "-e", f"config_ref={commits['placeholder']}",
                               "-e", f"app_repo_path={repo}")
    assert rc != 0 and "FEATURE_APPOINTMENTS" in refused and "placeholder" in refused, refused
    assert box.variables()["FEATURE_APPOINTMENTS"] == "off" and box.snapshot_versions() == before

    rc, restored = box.playbook("rollback_config.yml", "-e", f"config_ref={commits['good'][:8]}",
                                "-e", "env_file=.env.example", "-e", f"app_repo_path={repo}")
    assert rc == 0, restored
    variables = box.variables()
    assert variables["FEATURE_APPOINTMENTS"] == "on" and variables["LOG_LEVEL"] == "debug"
    assert variables["DJANGO_SECRET_KEY"] == SECRET_VALUE  # secrets never come from a file in git
    assert box.status("/api/appointments/") == 200
    assert box.snapshot_versions() == before + [before[-1] + 1]
    assert_no_secret(refused, restored)


def test_secret_never_in_ansible_runner_artifacts(with_secrets, tmp_path, monkeypatch):
    ansible_runner = pytest.importorskip("ansible_runner")
    from tests.integration.sandbox_fixture import REPO, process_env

    box = with_secrets
    assert box.playbook("snapshot_config.yml")[0] == 0
    box.update_variables({"FEATURE_APPOINTMENTS": "off"})
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    private = tmp_path / "runner"
    private.mkdir()
    result = ansible_runner.run(
        private_data_dir=str(private), project_dir=str(REPO), playbook=str(REPO / "playbooks/rollback_config.yml"),
        inventory=str(REPO / "inventories/sandbox"), cmdline="-e config_version=previous --diff",
        envvars={key: value for key, value in process_env(box.state).items()
                 if key in ("SANDBOX_DIR", "ANSIBLE_CONFIG", "PYTHONPATH")}, quiet=True)
    assert result.rc == 0, result.stdout.read()
    assert box.variables()["FEATURE_APPOINTMENTS"] == "on"
    scanned, named = 0, 0
    for path in private.rglob("*"):
        if path.is_file():
            scanned += 1
            data = path.read_bytes()
            assert SECRET_VALUE.encode() not in data, path
            assert REFERENCED_VALUE.encode() not in data, path
            named += b"DJANGO_SECRET_KEY=********" in data  # the masked diff is there, so the scan saw results
    assert scanned > 10 and named > 0 and any(private.rglob("job_events/*.json"))

"""Modules run in the task's worker on the control node, and Ansible's usual way (AnsiballZ, a new
Python) elsewhere: both give the same result, with module_defaults, check mode and the task's
``environment`` applied (the AWS endpoints and credentials below reach moto only through it)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
OTHER_PYTHON = "/usr/bin/python3"


def play(environment: dict, sha: str) -> list:
    return [{
        "hosts": "all", "gather_facts": False,
        "module_defaults": {"group/lacrei.rollback.aws": {"region": "us-east-1"}},
        "tasks": [
            {"name": "Refuse or accept a SHA", "lacrei.rollback.input_check": {
                "inputs": {"sha": {"value": sha, "kind": "git_sha"}}}},
            {"name": "Ask AWS who runs this", "lacrei.rollback.aws_caller_info": {},
             "environment": environment, "register": "caller"},
            {"name": "Show it", "ansible.builtin.debug": {"msg": "CALLER={{ caller.account }}"}},
        ]}]


def run(tmp_path: Path, aws_env: dict, interpreter: str, sha: str = "0123abcd", *extra: str):
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "play.yml").write_text(yaml.safe_dump(play(aws_env, sha)))
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_LOCAL_TEMP=str(tmp_path / "local-tmp"),
               ANSIBLE_REMOTE_TMP=str(tmp_path / "remote-tmp"), AWS_CONFIG_FILE=os.devnull,
               AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    return subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-vvv", "-i", "probe,", "-c", "local",
                           "-e", f"ansible_python_interpreter={interpreter}", str(tmp_path / "play.yml"), *extra],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def test_in_process_runs_start_no_python_and_see_the_tasks_environment(tmp_path, aws_env):
    inside = run(tmp_path, aws_env, sys.executable)
    assert inside.returncode == 0, inside.stdout[-3000:] + inside.stderr
    assert "CALLER=123456789012" in inside.stdout  # moto's account, reached through the task's environment
    assert "AnsiballZ_" not in inside.stdout  # no payload written, no Python started for it
    checked = run(tmp_path / "check", aws_env, sys.executable, "0123abcd", "--check")
    assert checked.returncode == 0 and "CALLER=123456789012" in checked.stdout


def test_a_refusal_in_process_fails_the_task_with_the_modules_message(tmp_path, aws_env):
    refused = run(tmp_path, aws_env, sys.executable, "--upload-pack=x")
    assert refused.returncode != 0
    assert "sha" in refused.stdout and "Ask AWS who runs this" not in refused.stdout


@pytest.mark.skipif(not Path(OTHER_PYTHON).exists() or Path(OTHER_PYTHON).resolve() == Path(sys.executable).resolve(),
                    reason="needs a second Python")
def test_another_interpreter_takes_ansibles_usual_path(tmp_path):
    # No boto3 there, so only the pure module: it runs from an AnsiballZ payload and says the same.
    (tmp_path / "play.yml").write_text(yaml.safe_dump([{"hosts": "all", "gather_facts": False, "tasks": [
        {"lacrei.rollback.input_check": {"inputs": {"sha": {"value": "0123abcd", "kind": "git_sha"}}},
         "register": "checked"},
        {"ansible.builtin.debug": {"msg": "CHECKED={{ checked.changed }}"}}]}]))
    env = dict(os.environ, HOME=str(tmp_path), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "local-tmp"), ANSIBLE_REMOTE_TMP=str(tmp_path / "remote-tmp"))
    usual = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-vvv", "-i", "probe,", "-c", "local",
                            "-e", f"ansible_python_interpreter={OTHER_PYTHON}", str(tmp_path / "play.yml")],
                           cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert usual.returncode == 0, usual.stdout[-3000:] + usual.stderr
    assert "AnsiballZ_input_check.py" in usual.stdout and "CHECKED=False" in usual.stdout

"""lacrei.rollback.env_file in a real playbook run: an environment file as one dict (prefix and
exclude applied), {} for a missing file, lines that are not NAME=value left out, and the sandbox
inventory's sandbox_env / lacrei_aws_environment built on it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
ENV = (
    "# Written by `make sandbox`\n"
    "AWS_REGION=us-east-1\n"
    "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI\n"
    "export AWS_ENDPOINT_URL_ECR=http://127.0.0.1:4566\n"
    "APP_REPO='/tmp/with space/app-repo'\n"
    "SERVICE_URL=http://127.0.0.1:8000  # the proxy\n"
)


def playbook(tmp_path: Path, tasks: list, *args: str) -> subprocess.CompletedProcess:
    (tmp_path / "play.yml").write_text(yaml.safe_dump([{"hosts": "all", "gather_facts": False, "tasks": tasks}]))
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "SANDBOX_"))}
    env.update(HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_LOCAL_TEMP=str(tmp_path / "local-tmp"), SANDBOX_DIR=str(tmp_path))
    return subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), *args, str(tmp_path / "play.yml")],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def shown(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("env-file")
    (tmp_path / "env").write_text(ENV)
    (tmp_path / "bad.env").write_text("AWS_REGION=us-east-1\nnot a variable\nexport SERVICE_URL=x\n")
    lookup = "lookup('lacrei.rollback.env_file', '{path}'{options})"
    values = {"all": lookup.format(path=tmp_path / "env", options=""),
              "aws": lookup.format(path=tmp_path / "env", options=", prefix='AWS_', exclude=['AWS_SECRET_ACCESS_KEY']"),
              "missing": lookup.format(path=tmp_path / "not-started" / "env", options=""),
              "inventory": "{'sandbox_env': sandbox_env, 'aws': lacrei_aws_environment, 'app_repo': app_repo_path}"}
    tasks = [{"name": f"Write {name}", "ansible.builtin.copy": {"content": "{{ " + value + " | to_json }}",
                                                             "dest": str(tmp_path / f"{name}.json"), "mode": "0600"}}
             for name, value in values.items()]
    values["bad"] = lookup.format(path=tmp_path / "bad.env", options="")
    tasks.append({"name": "Write bad", "ansible.builtin.copy": {"content": "{{ " + values["bad"] + " | to_json }}",
                                                               "dest": str(tmp_path / "bad.json"), "mode": "0600"}})
    done = playbook(tmp_path, tasks, "-i", str(REPO / "inventories" / "sandbox"), "-l", "lacrei-saude-backend")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return {name: json.loads((tmp_path / f"{name}.json").read_text()) for name in values}


def test_the_files_variables_as_one_dict(shown):
    assert shown["all"] == {
        "AWS_REGION": "us-east-1", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI", "AWS_ENDPOINT_URL_ECR": "http://127.0.0.1:4566",
        "APP_REPO": "/tmp/with space/app-repo", "SERVICE_URL": "http://127.0.0.1:8000"}


def test_prefix_and_exclude_pick_the_variables(shown):
    assert shown["aws"] == {"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_ECR": "http://127.0.0.1:4566"}


def test_a_missing_file_is_an_empty_dict(shown):
    assert shown["missing"] == {}


def test_a_line_that_is_not_name_value_is_left_out(shown):
    assert shown["bad"] == {"AWS_REGION": "us-east-1", "SERVICE_URL": "x"}


def test_the_sandbox_inventory_builds_its_variables_on_it(shown):
    inventory = shown["inventory"]
    assert inventory["sandbox_env"]["APP_REPO"] == "/tmp/with space/app-repo" == inventory["app_repo"]
    # the play environment the modules get: the AWS settings, never the credentials
    assert inventory["aws"] == {"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_ECR": "http://127.0.0.1:4566"}

"""drill.yml, emergency.yml and deploy.yml on an ECS host that does not name its service: refused before any
AWS call, saying what the platform needs (no sandbox: nothing listens at the AWS endpoint)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")


def inventory(tmp_path: Path) -> Path:
    host = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
            "platform": "ecs", "ecs_cluster": "lacrei", "service_arn": "",  # ecs_service missing
            "service_url": "http://127.0.0.1:9", "ecr_repository": "consultas", "aws_region": "us-east-1",
            # Nothing listens there: any AWS call would fail the run with another message.
            "lacrei_aws_environment": {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "x",
                                       "AWS_SECRET_ACCESS_KEY": "x", "AWS_REGION": "us-east-1"},
            "lacrei_environment": "staging", "audit_log_path": str(tmp_path / "audit.jsonl"),
            "reports_dir": str(tmp_path / "reports")}
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump({"app_services": {"hosts": {"consultas-ecs": host}}}))
    return path


def run(tmp_path: Path, playbook: str, *args: str) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "SANDBOX_", "ANSIBLE_"))}
    env.update(ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", HOME=str(tmp_path),
               XDG_STATE_HOME=str(tmp_path / "state"))
    done = subprocess.run([ANSIBLE_PLAYBOOK, "-i", str(inventory(tmp_path)), f"playbooks/{playbook}", *args], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode != 0
    return done.stdout + done.stderr


@pytest.mark.parametrize("playbook, refusal, needs, first_aws_task, args", [
    ("drill.yml", "platform ecs with service_arn -, ecs_service -", "ecs ecs_service", "Find the image of", ()),
    ("emergency.yml", "Refused, nothing was changed: the service for platform ecs", "ecs: ecs_service unset",
     "Read the current image", ()),
    ("deploy.yml", "Refused, nothing was changed: consultas-ecs: platform ecs needs", "ecs_cluster and ecs_service",
     "Decide the deploy", ("-e", "sha=" + "a" * 40)),
])
def test_an_ecs_host_without_its_service_is_refused_before_any_aws_call(tmp_path, playbook, refusal, needs,
                                                                        first_aws_task, args):
    out = " ".join(run(tmp_path, playbook, *args).split())
    assert refusal in out, out[-3000:]
    assert needs in out, out[-3000:]
    assert first_aws_task not in out
    assert not (tmp_path / "reports").exists()

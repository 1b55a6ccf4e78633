"""playbooks/emergency.yml refuses, before any AWS call, where production needs a confirmation."""
from __future__ import annotations

import json
import subprocess

import yaml
from emergency_sandbox import ANSIBLE_PLAYBOOK, REPO, clean_env


def test_refused_without_confirmation_before_any_aws_call(tmp_path):
    inventory = {"app_services": {"hosts": {"consultas-prod": {
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "service_arn": "arn:aws:apprunner:us-east-1:123456789012:service/consultas-prod/0123456789abcdef",
        "service_url": "https://consultas.example", "ecr_repository": "consultas", "aws_region": "us-east-1",
        # Nothing listens there: any AWS call would fail the run with another message.
        "lacrei_aws_environment": {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "x",
                                   "AWS_SECRET_ACCESS_KEY": "x", "AWS_REGION": "us-east-1"},
        "lacrei_environment": "prod", "lacrei_require_confirmation": True,
        "audit_log_path": str(tmp_path / "audit.jsonl"), "reports_dir": str(tmp_path / "reports")}}}}
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump(inventory))
    done = subprocess.run([ANSIBLE_PLAYBOOK, "-i", str(tmp_path / "hosts.yml"), "playbooks/emergency.yml"], cwd=REPO,
                          env=clean_env(tmp_path), capture_output=True, text=True, timeout=120, check=False)
    out = done.stdout + done.stderr
    assert done.returncode != 0
    assert "Refused, nothing was changed: prod requires a confirmation. Run again with -e confirm=consultas-prod" in out
    assert "Identify the problem" not in out
    assert not (tmp_path / "reports").exists()
    audit = json.loads((tmp_path / "audit.jsonl").read_text().splitlines()[-1])
    assert audit["runbook"] == "emergency" and audit["result"] == "refused"

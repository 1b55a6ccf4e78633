"""playbooks/alarms.yml refuses bad input before any AWS call: a state other than present/absent,
and an inventory whose health_thresholds lack a limit an alarm needs."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[3]
ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")
ARN = "arn:aws:apprunner:us-east-1:123456789012:service/svc-api/0123456789abcdef"


def run(tmp_path, *args):
    inventory = {"app_services": {"hosts": {"svc-api": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable, "service_arn": ARN,
        "aws_region": "us-east-1", "audit_log_path": str(tmp_path / "audit.jsonl"),
        # no AWS endpoint at all: any AWS call would fail differently
        "health_thresholds": {"error_rate": 0.05, "latency_p95_ms": 1000}}}}}
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump(inventory))
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", AWS_ENDPOINT_URL="http://127.0.0.1:9")
    done = subprocess.run([ANSIBLE_PLAYBOOK, "-i", str(tmp_path / "hosts.yml"), "playbooks/alarms.yml", *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    return done.returncode, done.stdout + done.stderr


def test_bad_state_and_missing_thresholds_are_refused_before_any_change(tmp_path):
    rc, out = run(tmp_path, "-e", "state=gone")
    assert rc != 0 and "value of alarms_state must be one of: present, absent, got: gone" in out, out
    rc, out = run(tmp_path)
    assert rc != 0 and "Refused, nothing was changed: health_thresholds lacks error_log_lines" in out, out
    assert "Put the alarm topic" not in out

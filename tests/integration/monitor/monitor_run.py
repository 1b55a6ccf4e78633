"""Running playbooks/monitor.yml as a person does (ansible-playbook), and reading what it left:
its output, the custom stats it returned (``lacrei_monitor``) and the audit trail."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[3]
ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")
TIMEOUT = 300


@dataclass
class MonitorRun:
    rc: int
    out: str
    audit_path: Path

    def custom_stats(self, host: str) -> dict:
        """The host's custom stats line after CUSTOM STATS (printed as JSON, one line per host)."""
        lines = self.out.split("CUSTOM STATS:", 1)[1].splitlines()
        line = next(line for line in lines if line.strip().startswith(f"{host}:"))
        return json.loads(line.split(":", 1)[1])

    def audit(self) -> list[dict]:
        return [json.loads(line) for line in self.audit_path.read_text().splitlines()] if self.audit_path.exists() else []


def write_inventory(folder: Path, hosts: dict, aws_environment: dict, **group_vars) -> Path:
    """``folder``/hosts.yml: one group (app_services) of local hosts; ``hosts`` maps name -> host vars.

    The audit trail goes to ``folder``/audit.jsonl.
    """
    folder.mkdir(parents=True, exist_ok=True)
    common = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    inventory = {"app_services": {
        "hosts": {name: dict(common, **extra) for name, extra in hosts.items()},
        "vars": {"lacrei_environment": "test", "lacrei_aws_environment": aws_environment,
                 "audit_log_path": str(folder / "audit.jsonl"), **group_vars}}}
    (folder / "hosts.yml").write_text(yaml.safe_dump(inventory, sort_keys=False))
    return folder / "hosts.yml"


def run_monitor(inventory: Path, *args: str, env: dict | None = None, audit_path: Path | None = None) -> MonitorRun:
    """ansible-playbook with the project's ansible.cfg; AWS settings come only from the inventory.

    Custom stats are shown (as JSON) so the test can read ``lacrei_monitor``.
    """
    process_env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    process_env.update(ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
                       ANSIBLE_CALLBACK_RESULT_FORMAT="json", ANSIBLE_SHOW_CUSTOM_STATS="1", PYTHONPATH=str(REPO), **(env or {}))
    done = subprocess.run([ANSIBLE_PLAYBOOK, "-i", str(inventory), "playbooks/monitor.yml", *args], cwd=REPO, env=process_env,
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)
    return MonitorRun(done.returncode, done.stdout + done.stderr, audit_path or inventory.parent / "audit.jsonl")

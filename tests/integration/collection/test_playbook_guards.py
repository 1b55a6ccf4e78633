"""What every playbook does before its runbook: refuse when no service matched, give the
inventory's region/profile to the AWS modules, load the audit trail; and the production gate's
refusal of a change that would leave no audit line."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
PLAYBOOKS = sorted((REPO / "playbooks").glob("*.yml"))
ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")
MODULE_DEFAULTS = {"group/lacrei.rollback.aws": {"region": "{{ aws_region | default(omit) }}",
                                                  "profile": "{{ aws_profile | default(omit) }}"}}


def run(argv, cwd=REPO, **env):
    environment = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1", **env}
    done = subprocess.run([ANSIBLE_PLAYBOOK, *argv], cwd=cwd, env=environment, capture_output=True, text=True,
                          timeout=180, check=False)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize("playbook", PLAYBOOKS, ids=lambda path: path.stem)
def test_every_playbook_guards_and_passes_the_aws_settings(playbook):
    guard, *plays = yaml.safe_load(playbook.read_text())
    assert guard["hosts"] == "app_services,all,localhost"
    assert guard["roles"] == [{"role": "lacrei.rollback.require_services"}]
    [play] = plays
    assert play["hosts"] == "app_services"
    assert play["module_defaults"] == MODULE_DEFAULTS
    shim = yaml.safe_load((REPO / playbook.name).read_text())
    assert shim == [{"name": play["name"], "ansible.builtin.import_playbook": f"playbooks/{playbook.name}"}]


def test_every_aws_module_is_in_the_action_group():
    groups = yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())["action_groups"]
    aws_modules = {path.stem for path in (REPO / "plugins" / "modules").glob("*.py")
                   if "aws_module(" in path.read_text()}
    assert aws_modules and set(groups["aws"]) == aws_modules
    # the modules that name a service by platform take the roles' service target as module_defaults
    service_modules = {path.stem for path in (REPO / "plugins" / "modules").glob("*.py")
                       if "SERVICE_SPEC" in path.read_text()}
    assert service_modules and set(groups["service"]) == service_modules


def test_no_service_matched_from_the_repository_root():
    rc, out = run(["-i", "localhost,", "rollback_app.yml", "-e", "sha=abc1234"])
    assert rc != 0 and "no service matched app_services in the inventory localhost," in out, out
    rc, out = run(["-i", "localhost,", "playbooks/backup_db.yml", "--limit", "localhost"])
    assert rc != 0 and "no service matched app_services with --limit localhost" in out, out


GATED = textwrap.dedent("""\
    - name: A team's own playbook calling the production gate
      hosts: svc-api
      gather_facts: false
      roles:
        - role: lacrei.rollback.production_gate
          vars:
            production_gate_require_confirmation: true
            production_gate_confirm: svc-api
            production_gate_service_name: svc-api
    """)


def test_production_change_refused_without_the_audit_trail(tmp_path):
    """A playbook outside the collection (no callback beside it) and a config that does not enable
    the audit callback: a confirmed production change is refused; --check is not."""
    (tmp_path / "gated.yml").write_text(GATED)
    config = tmp_path / "ansible.cfg"
    config.write_text(f"[defaults]\ncollections_path = {REPO / '.collections'}\n")
    inventory = ["-i", "svc-api,", "-c", "local", "-e", f"ansible_python_interpreter={sys.executable}"]
    rc, out = run([*inventory, "gated.yml"], cwd=tmp_path, ANSIBLE_CONFIG=str(config))
    assert rc != 0 and "Refused, nothing was changed: this run writes no audit line" in out, out
    rc, out = run([*inventory, "gated.yml", "--check"], cwd=tmp_path, ANSIBLE_CONFIG=str(config))
    assert rc == 0, out
    rc, out = run([*inventory, "gated.yml"], cwd=tmp_path, ANSIBLE_CONFIG=str(config),
                  ANSIBLE_CALLBACKS_ENABLED="lacrei.rollback.audit")
    assert rc == 0, out

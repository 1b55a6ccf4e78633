"""The test run has its own HOME and XDG folders (tests/home_isolation.py): the runbooks' default
audit trail, ``~/.local/state/lacrei-rollback/audit.jsonl``, resolves inside them, in this process
and in the ansible-playbook runs the tests start, and the person's real audit trail is untouched."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests import home_isolation
from tests.integration.reliability.kill_harness import kill_tree

REPO = Path(__file__).resolve().parents[3]
DEFAULT_AUDIT = "~/.local/state/lacrei-rollback/audit.jsonl"


def test_home_and_xdg_point_inside_the_run_s_temporary_folder():
    home = Path(os.environ[home_isolation.MARKER])
    assert Path(os.environ["HOME"]) == home and home != home_isolation.real_home()
    for name in ("XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        assert Path(os.environ[name]).is_relative_to(home), name
    assert Path(os.path.expanduser(DEFAULT_AUDIT)).is_relative_to(home)


def test_a_playbook_without_audit_log_path_writes_its_audit_line_in_the_temporary_home(tmp_path):
    """A refused monitor run (an inventory placeholder, so no AWS call) with no audit_log_path: its
    line goes to the default path, which is the temporary HOME's, never the real one."""
    real = home_isolation.real_audit_trail()
    before = home_isolation.fingerprint(real)
    inventory = {"app_services": {"hosts": {"isolated-svc": {
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "service_arn": "arn:aws:apprunner:us-east-1:123456789012:service/REPLACE_ME/0123456789abcdef",
        "lacrei_environment": "test"}}}}
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump(inventory))
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "ANSIBLE_"))}
    env.update(ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    done = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(tmp_path / "hosts.yml"),
                           "playbooks/monitor.yml"], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=180, check=False)
    assert done.returncode != 0 and "REPLACE_ME" in done.stdout + done.stderr, done.stdout + done.stderr
    written = Path(os.environ["HOME"]) / ".local" / "state" / "lacrei-rollback" / "audit.jsonl"
    lines = [json.loads(line) for line in written.read_text().splitlines()]
    assert any(line["service"] == "REPLACE_ME" and line["result"] == "refused" for line in lines), lines
    assert home_isolation.fingerprint(real) == before


def test_modules_ansible_copies_over_land_in_the_temporary_home(tmp_path):
    """A module that does not run in-process (ansible.builtin.command) is copied into remote_tmp:
    the project's ansible.cfg puts it under $HOME (Ansible's default ~/.ansible/tmp is the account's
    real home, whatever HOME says). Kept with ANSIBLE_KEEP_REMOTE_FILES, so it can be found."""
    real_tmp = home_isolation.real_home() / ".ansible" / "tmp"
    before = set(real_tmp.glob("ansible-tmp-*"))
    (tmp_path / "copy.yml").write_text(yaml.safe_dump([{
        "name": "One copied module", "hosts": "localhost", "gather_facts": False, "connection": "local",
        "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "tasks": [{"name": "Run a command", "ansible.builtin.command": "true", "changed_when": False}]}]))
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "ANSIBLE_"))}
    env.update(ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_KEEP_REMOTE_FILES="1")
    done = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,",
                           str(tmp_path / "copy.yml")], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=180, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    kept = list((Path(os.environ["HOME"]) / ".ansible" / "tmp").glob("ansible-tmp-*/AnsiballZ_command.py"))
    assert kept, done.stdout
    assert set(real_tmp.glob("ansible-tmp-*")) == before


def test_a_killed_playbook_leaves_its_temporary_files_in_the_run_s_tmpdir(tmp_path):
    """ansible-playbook keeps its local RPC socket in a pymp-* folder of TMPDIR, which a kill -9 leaves:
    it lands in the run's TMPDIR (removed with the run), and nothing new appears in the system's."""
    run_tmp = Path(os.environ["TMPDIR"])
    assert run_tmp.is_dir() and run_tmp != home_isolation.system_tmp()
    assert len(str(run_tmp)) < 60  # the RPC socket's path (AF_UNIX: 107 bytes) is built on it
    before_system, before_run = home_isolation.leftovers(), set(run_tmp.glob("pymp-*"))
    (tmp_path / "wait.yml").write_text(yaml.safe_dump([{
        "name": "Waits to be killed", "hosts": "localhost", "gather_facts": False, "connection": "local",
        "tasks": [{"name": "Wait", "ansible.builtin.wait_for": {"timeout": 600}}]}]))
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "ANSIBLE_"))}
    env.update(ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    with subprocess.Popen([str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,",
                           str(tmp_path / "wait.yml")], cwd=REPO, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, start_new_session=True) as playbook:
        try:
            for line in playbook.stdout:  # bounded by the task's own timeout
                if "TASK [Wait]" in line:
                    break
            made = set(run_tmp.glob("pymp-*")) - before_run
        finally:
            # the whole tree: the task's worker runs in a session of its own, and its wait_for (600 s)
            # outlived a kill of the playbook's process group
            kill_tree(playbook.pid)
    assert made, "no pymp-* folder in the run's TMPDIR while ansible-playbook ran"
    assert all(folder.exists() for folder in made)  # left by the kill, removed with the run
    assert home_isolation.leftovers() - before_system == set()

"""The project's Ansible settings, as Ansible reads them: ansible.cfg, and molecule/base.yml's copy (Molecule
replaces ANSIBLE_CONFIG with a file of its own, so base.yml repeats what the drills need)."""
from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[3]
ANSIBLE_CONFIG = Path(sys.executable).parent / "ansible-config"


def changed_settings(config: Path, home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env.update(ANSIBLE_CONFIG=str(config), HOME=str(home))
    done = subprocess.run([str(ANSIBLE_CONFIG), "dump", "--only-changed"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120, check=True)
    settings = {}
    for line in done.stdout.splitlines():
        name, _, rest = line.partition("(")
        settings[name.strip()] = rest.partition("=")[2].strip()
    return settings


def test_the_playbooks_process_looks_for_results_every_20_ms_not_every_millisecond(tmp_path):
    """Ansible's default (1 ms) costs the playbook's process a thousand wake-ups a second while a task
    waits on a deployment or a monitor interval; the key must be one Ansible reads (it has no
    environment variable)."""
    assert changed_settings(REPO / "ansible.cfg", tmp_path)["DEFAULT_INTERNAL_POLL_INTERVAL"] == "0.02"


def test_molecule_repeats_the_settings_the_drills_need():
    project = configparser.ConfigParser(interpolation=None)
    project.read(REPO / "ansible.cfg")
    molecule = yaml.safe_load((REPO / "molecule" / "base.yml").read_text())["ansible"]["cfg"]["defaults"]
    for key in ("internal_poll_interval", "callbacks_enabled", "stdout_callback", "interpreter_python"):
        assert str(molecule[key]) == project["defaults"][key], key

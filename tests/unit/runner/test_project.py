"""Finding the project, its inventories, playbooks and the Ansible tools."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lacrei_rollback import InvalidArgument, project

REPO = Path(__file__).resolve().parents[3]


def test_find_project_from_the_package_and_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(project.PROJECT_ENV, raising=False)
    assert project.find_project() == REPO
    monkeypatch.setenv(project.PROJECT_ENV, str(tmp_path))
    assert project.find_project() == tmp_path.resolve()
    monkeypatch.delenv(project.PROJECT_ENV)
    with pytest.raises(FileNotFoundError, match="no lacrei.rollback checkout"):
        project.find_project(tmp_path / "x.py")


def test_inventory_by_name_or_path(tmp_path):
    assert project.inventory_path(REPO, "prod") == REPO / "inventories" / "prod"
    assert project.inventory_path(REPO, tmp_path) == tmp_path
    with pytest.raises(InvalidArgument, match="neither one of sandbox, staging, prod"):
        project.inventory_path(REPO, "qa")


def test_playbook_path():
    assert project.playbook_path(REPO, "rollback_app").name == "rollback_app.yml"
    with pytest.raises(FileNotFoundError, match="no playbook"):
        project.playbook_path(REPO, "no_such_runbook")


def test_tools_are_found_beside_the_interpreter(monkeypatch, tmp_path):
    assert project.tool("ansible-playbook") == str(Path(sys.executable).parent / "ansible-playbook")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="neither beside"):
        project.tool("ansible-playbook")

"""Finding the project, its inventories, playbooks and the Ansible tools."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lacrei_rollback import InvalidArgument, project

REPO = Path(__file__).resolve().parents[3]


def installed(base: Path) -> Path:
    """A stand-in installed collection (what ansible-galaxy collection install -p base lays out)."""
    root = base / "ansible_collections" / "lacrei" / "rollback"
    for folder in ("playbooks", "roles"):
        (root / folder).mkdir(parents=True)
    return root


@pytest.fixture
def no_project_settings(monkeypatch, tmp_path):
    for name in (project.PROJECT_ENV, *project.COLLECTIONS_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(project, "DEFAULT_COLLECTIONS_PATHS", (str(tmp_path / "none"),))
    monkeypatch.setattr(sys, "path", [p for p in sys.path if ".collections" not in p])
    return monkeypatch


def test_find_project_from_the_package_and_from_the_environment(no_project_settings, tmp_path):
    assert project.find_project() == REPO
    no_project_settings.setenv(project.PROJECT_ENV, str(REPO / "playbooks" / ".."))
    assert project.find_project() == REPO
    no_project_settings.setenv(project.PROJECT_ENV, str(tmp_path))
    with pytest.raises(project.ProjectNotFound, match=f"{project.PROJECT_ENV} .* is neither"):
        project.find_project()


def test_installed_collection_from_the_collections_path(no_project_settings, tmp_path):
    root = installed(tmp_path / "collections")
    outside = tmp_path / "site-packages" / "lacrei_rollback" / "project.py"
    with pytest.raises(project.ProjectNotFound) as caught:
        project.find_project(outside)
    assert "no lacrei.rollback checkout" in str(caught.value)
    assert "ANSIBLE_COLLECTIONS_PATH=<path>" in str(caught.value)
    assert "project_dir" in str(caught.value) and project.PROJECT_ENV in str(caught.value)
    for name in project.COLLECTIONS_ENV:
        no_project_settings.setenv(name, f"{tmp_path / 'empty'}:{tmp_path / 'collections'}")
        assert project.find_project(outside) == root.resolve()
        no_project_settings.delenv(name)
    # the folder ansible_collections itself, as ansible-galaxy's -p sometimes is given
    no_project_settings.setenv("ANSIBLE_COLLECTIONS_PATH", str(tmp_path / "collections" / "ansible_collections"))
    assert project.find_project(outside) == root.resolve()


def test_explicit_project_folder(tmp_path):
    root = installed(tmp_path / "c")
    assert project.project_folder(root) == root.resolve()
    assert project.project_folder(tmp_path / "c") == root.resolve()
    with pytest.raises(project.ProjectNotFound, match="neither a lacrei.rollback checkout"):
        project.project_folder(tmp_path)


def test_ansible_environment_of_a_checkout_and_an_installed_collection(monkeypatch, tmp_path):
    assert project.ansible_environment(REPO) == {"ANSIBLE_CONFIG": str(REPO / "ansible.cfg")}
    root = installed(tmp_path / "c")
    monkeypatch.delenv("ANSIBLE_COLLECTIONS_PATHS", raising=False)
    monkeypatch.setenv("ANSIBLE_COLLECTIONS_PATH", "/elsewhere")
    assert project.ansible_environment(root) == {"ANSIBLE_COLLECTIONS_PATH": f"{tmp_path / 'c'}:/elsewhere"}
    monkeypatch.delenv("ANSIBLE_COLLECTIONS_PATH")
    assert project.ansible_environment(root) == {"ANSIBLE_COLLECTIONS_PATH": str(tmp_path / "c")}
    assert project.ansible_environment(tmp_path) == {}


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

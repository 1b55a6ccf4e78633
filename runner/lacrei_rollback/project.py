"""Where things are: the project (collection checkout), its inventories, playbooks and tools."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from lacrei_rollback.errors import InvalidArgument

INVENTORY_NAMES = ("sandbox", "staging", "prod")
PROJECT_ENV = "LACREI_ROLLBACK_PROJECT"


def find_project(start: Path | None = None) -> Path:
    """The repository root: $LACREI_ROLLBACK_PROJECT, else the checkout holding this package."""
    if os.environ.get(PROJECT_ENV):
        return Path(os.environ[PROJECT_ENV]).resolve()
    here = (start or Path(__file__)).resolve()
    for folder in (here, *here.parents):
        if (folder / "ansible.cfg").is_file() and (folder / "galaxy.yml").is_file():
            return folder
    raise FileNotFoundError(f"no lacrei.rollback checkout above {here}; set {PROJECT_ENV}")


def inventory_path(project: Path, inventory: str | os.PathLike) -> Path:
    """An inventory by name (sandbox|staging|prod) or by path."""
    text = os.fspath(inventory)
    path = project / "inventories" / text if text in INVENTORY_NAMES else Path(text).expanduser()
    if not path.exists():
        raise InvalidArgument(f"inventory {text!r} is neither one of {', '.join(INVENTORY_NAMES)} "
                              "nor an existing path")
    return path.absolute()


def playbook_path(project: Path, runbook: str) -> Path:
    path = project / "playbooks" / f"{runbook}.yml"
    if not path.is_file():
        raise FileNotFoundError(f"runbook {runbook!r} has no playbook at {path}")
    return path


def tool(name: str) -> str:
    """An Ansible tool installed beside this Python (works when the venv's bin is not on PATH)."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} is neither beside {sys.executable} nor on PATH")
    return found

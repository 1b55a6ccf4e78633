"""Where things are: the project (a checkout or an installed collection), its inventories,
playbooks and tools.

A project is a folder with ``playbooks/`` and ``roles/`` of the ``lacrei.rollback`` collection:
either a checkout of the repository (it has ``ansible.cfg``, which the runs use) or the
collection installed with ``ansible-galaxy collection install`` (``<path>/ansible_collections/
lacrei/rollback``; the runs get ``<path>`` on ANSIBLE_COLLECTIONS_PATH). :func:`find_project`
looks, in this order, at: ``$LACREI_ROLLBACK_PROJECT``; the checkout holding this package; the
collection under each folder of ``$ANSIBLE_COLLECTIONS_PATH`` (or the older
``$ANSIBLE_COLLECTIONS_PATHS``), then Ansible's defaults (``~/.ansible/collections``,
``/usr/share/ansible/collections``) and the Python path.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from lacrei_rollback.errors import InvalidArgument

INVENTORY_NAMES = ("sandbox", "staging", "prod")
PROJECT_ENV = "LACREI_ROLLBACK_PROJECT"
COLLECTIONS_ENV = ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS")
DEFAULT_COLLECTIONS_PATHS = ("~/.ansible/collections", "/usr/share/ansible/collections")
COLLECTION_PARTS = ("ansible_collections", "lacrei", "rollback")
WHAT_TO_SET = (
    "install the collection (ansible-galaxy collection install -p <path> lacrei-rollback-<version>.tar.gz) and set "
    "ANSIBLE_COLLECTIONS_PATH=<path>, or give the folder explicitly (Client(project_dir=...), lacrei-rollback "
    f"--project-dir, or {PROJECT_ENV}=<checkout or installed collection>)")


class ProjectNotFound(InvalidArgument):
    """Neither a checkout nor an installed lacrei.rollback collection was found."""


def is_project(folder: Path) -> bool:
    return (folder / "playbooks").is_dir() and (folder / "roles").is_dir()


def _checkout_above(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / "ansible.cfg").is_file() and (folder / "galaxy.yml").is_file():
            return folder
    return None


def collection_search_paths() -> list[Path]:
    """Where Ansible looks for collections: the variables' folders, its defaults, the Python path."""
    configured = next((os.environ[name] for name in COLLECTIONS_ENV if os.environ.get(name, "").strip()), None)
    folders = configured.split(os.pathsep) if configured else list(DEFAULT_COLLECTIONS_PATHS)
    return [Path(folder).expanduser() for folder in [*folders, *sys.path] if folder]


def installed_collection(paths: list[Path] | None = None) -> Path | None:
    """The installed lacrei.rollback collection of the first search path that holds one."""
    for base in paths if paths is not None else collection_search_paths():
        root = base.parent if base.name == COLLECTION_PARTS[0] else base
        candidate = root.joinpath(*COLLECTION_PARTS)
        if is_project(candidate):
            return candidate.resolve()
    return None


def find_project(start: Path | None = None) -> Path:
    """The project folder: $LACREI_ROLLBACK_PROJECT, the checkout holding this package, or the
    installed collection; :class:`ProjectNotFound` (saying what to set) when there is none."""
    if os.environ.get(PROJECT_ENV, "").strip():
        return project_folder(os.environ[PROJECT_ENV], PROJECT_ENV)
    here = (start or Path(__file__)).resolve()
    found = _checkout_above(here) or installed_collection()
    if found is None:
        raise ProjectNotFound(f"no lacrei.rollback checkout above {here.parent} and no installed lacrei.rollback "
                              f"collection in {os.pathsep.join(map(str, collection_search_paths()[:4]))}: {WHAT_TO_SET}")
    return found


def project_folder(path: str | os.PathLike, given_as: str = "project_dir") -> Path:
    """A project folder given explicitly: a checkout, an installed collection, or a collections
    path holding one."""
    folder = Path(path).expanduser().resolve()
    if is_project(folder):
        return folder
    inside = installed_collection([folder])
    if inside is not None:
        return inside
    raise ProjectNotFound(f"{given_as} {str(folder)!r} is neither a lacrei.rollback checkout or installed collection "
                          "(no playbooks/ and roles/) nor a collections path holding one")


def ansible_environment(project: Path) -> dict[str, str]:
    """What ansible-playbook needs to find the collection: a checkout's ansible.cfg, or the
    installed collection's path put first on ANSIBLE_COLLECTIONS_PATH."""
    config = project / "ansible.cfg"
    if config.is_file():
        return {"ANSIBLE_CONFIG": str(config)}
    if project.parts[-3:] == COLLECTION_PARTS:
        collections = str(project.parents[2])
        configured = next((os.environ[name] for name in COLLECTIONS_ENV if os.environ.get(name, "").strip()), "")
        return {"ANSIBLE_COLLECTIONS_PATH": os.pathsep.join(filter(None, [collections, configured]))}
    return {}


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

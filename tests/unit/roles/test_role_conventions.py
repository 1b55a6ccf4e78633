"""The roles speak one way (docs/dev/conventions.md): one Ansible version everywhere, argument specs that
state the closed values' choices and defaults, and include_* only where a static import cannot do."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
ROLES = sorted(path.parent.parent for path in REPO.glob("roles/*/meta/main.yml"))


def lower_bound(requirement: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.search(r">=\s*([0-9.]+)", requirement)[1].rstrip(".").split("."))[:2]


def test_every_role_and_the_collection_require_the_ansible_core_the_project_installs():
    runtime = lower_bound(yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())["requires_ansible"])
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert lower_bound(next(dep for dep in project if dep.startswith("ansible-core"))) == runtime
    for role in ROLES:
        meta = yaml.safe_load((role / "meta" / "main.yml").read_text())
        assert lower_bound(">=" + str(meta["galaxy_info"]["min_ansible_version"])) == runtime, role.name


# Defaults computed from other values (the environment, the pipeline), said in the description instead.
DERIVED = {"auto_rollback_production", "git_revert_wait_for_deploy"}


def closed_options():
    for role in ROLES:
        if not (role / "meta" / "argument_specs.yml").exists():
            continue
        specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
        for entry, spec in specs.items():
            for name, option in (spec.get("options") or {}).items():
                if option.get("choices") or option.get("type") == "bool":
                    yield pytest.param(role.name, name, option, id=f"{role.name}.{entry}.{name}")


@pytest.mark.parametrize(("role", "name", "option"), list(closed_options()))
def test_a_closed_option_states_its_default(role, name, option):
    """A value from a closed set (choices, or a bool) says its default in the spec (ansible-doc shows it),
    and that default is one of the choices. Derived defaults (computed from the inventory) are exempt."""
    if option.get("required") or name in DERIVED:
        return
    assert "default" in option, f"{name} has no default in roles/{role}/meta/argument_specs.yml"
    if option.get("choices"):
        assert option["default"] in option["choices"]


def include_tasks_of(path: Path):
    """(line number, task, the comment lines just above it) of every include_* task in a tasks/playbook file."""
    lines = path.read_text().splitlines()

    def walk(tasks):
        for task in tasks or []:
            if not isinstance(task, dict):
                continue
            for key in ("block", "rescue", "always", "tasks", "pre_tasks", "post_tasks"):
                yield from walk(task.get(key))
            if any(key in task for key in ("ansible.builtin.include_tasks", "ansible.builtin.include_role")):
                yield task

    for task in walk(yaml.safe_load(path.read_text())):
        number = next(n for n, line in enumerate(lines) if line.strip().startswith("- name:")
                      and line.split("- name:", 1)[1].strip() == task["name"])
        above = []
        while number - 1 - len(above) >= 0 and lines[number - 1 - len(above)].strip().startswith("#"):
            above.append(lines[number - 1 - len(above)].strip())
        yield number + 1, task, above


INCLUDES = [pytest.param(path, number, task, above, id=f"{path.relative_to(REPO)}:{number}")
            for path in sorted([*REPO.glob("roles/*/tasks/*.yml"), *REPO.glob("playbooks/*.yml")])
            for number, task, above in include_tasks_of(path)]


@pytest.mark.parametrize(("path", "number", "task", "above"), INCLUDES)
def test_an_include_is_there_for_a_dynamic_reason(path, number, task, above):
    """docs/dev/conventions.md: import_* by default; an include loops, takes a file/tasks_from chosen by a
    variable, or says why above it (# include: ...)."""
    args = task.get("ansible.builtin.include_tasks") or task.get("ansible.builtin.include_role")
    looped = any(key == "loop" or key.startswith("with_") for key in task)
    chosen = "{{" in str(args.get("file", "")) + str(args.get("tasks_from", ""))
    assert looped or chosen or any(line.startswith("# include:") for line in above), \
        f"{path.relative_to(REPO)}:{number} '{task['name']}' could be an import (or say why not with # include:)"


@pytest.mark.parametrize(("path", "number", "task", "above"), INCLUDES)
def test_a_tagged_include_applies_its_tags_to_what_it_holds(path, number, task, above):
    """docs/dev/conventions.md: an include's own tags do not reach the tasks it loads; a tagged include of a
    phase passes them on with apply (so --tags and the audit trail's phases work as with an import)."""
    args = task.get("ansible.builtin.include_tasks") or task.get("ansible.builtin.include_role")
    own = [tag for tag in task.get("tags", []) if tag != "always"]
    if not own:
        return
    applied = (args.get("apply") or {}).get("tags", [])
    assert own[0] in applied, \
        f"{path.relative_to(REPO)}:{number} '{task['name']}' is tagged {own} but applies {applied} to what it holds"

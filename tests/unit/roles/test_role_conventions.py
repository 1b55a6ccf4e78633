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

"""ONE private sandbox with ECS for every test of this folder (package scope): starting one costs
the ECS emulator and two more app instances, so the runbooks on ECS share it. Each test leaves the
services serving, whatever release it ends on; each states what it needs first."""
from __future__ import annotations

import pytest
from ecs_sandbox import ECS_HOST, EXPRESS_HOST, EcsSandbox

from tests.integration.sandbox_fixture import private_sandbox


@pytest.fixture(scope="package")
def box(tmp_path_factory):
    with private_sandbox(tmp_path_factory, "ecs-runbooks", EcsSandbox, rows=20, ecs=True) as sandbox:
        yield sandbox


@pytest.fixture(scope="package")
def inventory(box, tmp_path_factory):
    """The sandbox inventory with one host per ECS platform (the inventory contract's host vars)."""
    return box.write_inventory(tmp_path_factory.mktemp("ecs-inventory") / "inventory", box.hosts())

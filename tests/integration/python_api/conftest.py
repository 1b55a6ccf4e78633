"""Fixtures for the Python API: a client on local fixture playbooks, and a private sandbox."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from lacrei_rollback.client import ClientBase
from tests.integration.sandbox_fixture import Sandbox, private_sandbox

from tests.integration.python_api.api_playbooks import PLAYBOOKS


@pytest.fixture
def runs_dir(tmp_path) -> Path:
    return tmp_path / "runs"


@pytest.fixture
def local_client(runs_dir) -> ClientBase:
    """A client on two local hosts (no AWS), for the machinery every runbook shares."""
    return ClientBase(PLAYBOOKS / "inventory.yml", runs_dir=runs_dir)


@pytest.fixture(scope="session")
def api_sandbox(tmp_path_factory) -> Sandbox:
    """A sandbox of this test session's own (its state in a temporary SANDBOX_DIR)."""
    with private_sandbox(tmp_path_factory, "python-api-sandbox") as box:
        yield box


@pytest.fixture(scope="session")
def sandbox_dir(api_sandbox) -> Path:
    return api_sandbox.state


@pytest.fixture(scope="session")
def sandbox_env(api_sandbox) -> dict[str, str]:
    return api_sandbox.env


@pytest.fixture(scope="session")
def sandbox_inventory() -> str:
    """The inventory the runbook tests use: the project's sandbox inventory (by name)."""
    return os.environ.get("LACREI_API_TEST_INVENTORY", "sandbox")


@pytest.fixture
def sandbox_client(sandbox_dir, sandbox_inventory, runs_dir):
    from lacrei_rollback.runbooks import Client

    return Client(sandbox_inventory, sandbox_dir=sandbox_dir, runs_dir=runs_dir)

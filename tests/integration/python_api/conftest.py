"""Fixtures for the Python API: a client on local fixture playbooks, and a private sandbox."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lacrei_rollback.client import ClientBase

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
PLAYBOOKS = HERE / "playbooks"


def playbook(name: str) -> Path:
    return PLAYBOOKS / f"{name}.yml"


@pytest.fixture
def runs_dir(tmp_path) -> Path:
    return tmp_path / "runs"


@pytest.fixture
def local_client(runs_dir) -> ClientBase:
    """A client on two local hosts (no AWS), for the machinery every runbook shares."""
    return ClientBase(PLAYBOOKS / "inventory.yml", runs_dir=runs_dir)


def _sandbox(command: str, state: Path, *extra: str) -> None:
    env = {**os.environ, "SANDBOX_DIR": str(state)}
    subprocess.run([sys.executable, "-m", "sandbox", command, *extra], cwd=REPO, env=env, check=True,
                   stdout=subprocess.DEVNULL, timeout=300)


@pytest.fixture(scope="session")
def sandbox_dir(tmp_path_factory) -> Path:
    """A sandbox of this test session's own (its state in a temporary SANDBOX_DIR)."""
    state = tmp_path_factory.mktemp("python-api-sandbox")
    try:
        _sandbox("up", state, "--deploy-seconds", "1")
        yield state
    finally:
        _sandbox("down", state)


@pytest.fixture(scope="session")
def sandbox_env(sandbox_dir) -> dict[str, str]:
    lines = (sandbox_dir / "env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


@pytest.fixture(scope="session")
def sandbox_inventory() -> str:
    """The inventory the runbook tests use: the project's sandbox inventory (by name)."""
    return os.environ.get("LACREI_API_TEST_INVENTORY", "sandbox")


@pytest.fixture
def sandbox_client(sandbox_dir, sandbox_inventory, runs_dir):
    from lacrei_rollback.runbooks import Client

    return Client(sandbox_inventory, sandbox_dir=sandbox_dir, runs_dir=runs_dir)

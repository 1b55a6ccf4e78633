"""A private sandbox for the configuration rollback playbooks (started once for this folder)."""
from __future__ import annotations

import pytest

from config_sandbox import ConfigSandbox


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    state = tmp_path_factory.mktemp("config-sandbox")
    box = ConfigSandbox.up(state)
    yield box
    ConfigSandbox.down(state)

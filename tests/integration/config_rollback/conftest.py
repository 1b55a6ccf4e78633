"""A private sandbox for the configuration rollback playbooks (one per test module)."""
from __future__ import annotations

import pytest

from config_sandbox import ConfigSandbox
from tests.integration.sandbox_fixture import private_sandbox


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with private_sandbox(tmp_path_factory, "config-sandbox", ConfigSandbox, rows=20) as box:
        yield box

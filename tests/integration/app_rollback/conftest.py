"""Each test module gets its own sandbox (`python -m sandbox up --deploy-seconds 1`), stopped
with `python -m sandbox down` at the end of the module."""
from __future__ import annotations

import pytest
from rollback_sandbox import Sandbox


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    state = tmp_path_factory.mktemp("app-rollback-sandbox")
    try:
        yield Sandbox.up(state)
    finally:
        Sandbox.down(state)

"""Each test module gets its own sandbox (`python -m sandbox up --deploy-seconds 1`), stopped
with `python -m sandbox down` at the end of the module."""
from __future__ import annotations

import pytest

from tests.integration.sandbox_fixture import private_sandbox


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with private_sandbox(tmp_path_factory, "app-rollback-sandbox", rows=50) as box:
        yield box

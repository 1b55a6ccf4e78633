"""One sandbox for this folder's tests (`python -m sandbox up --deploy-seconds 1` in a temp
SANDBOX_DIR, `python -m sandbox down` at the end); the sandbox inventory has the database variables."""
from __future__ import annotations

import pytest

from tests.integration.sandbox_fixture import private_sandbox


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with private_sandbox(tmp_path_factory, "db-playbooks-sandbox", rows=50) as box:
        yield box

"""One sandbox for this folder's tests (`python -m sandbox up --deploy-seconds 1` in a temp
SANDBOX_DIR, `python -m sandbox down` at the end), with the database inventory variables added."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.integration.app_rollback.rollback_sandbox import Sandbox

DB_VARS = Path(__file__).resolve().parent / "sandbox_db_vars.yml"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    state = tmp_path_factory.mktemp("db-playbooks-sandbox")
    try:
        box = Sandbox.up(state)
        shutil.copy(DB_VARS, box.inventory / "group_vars" / "app_services.yml")
        yield box
    finally:
        Sandbox.down(state)

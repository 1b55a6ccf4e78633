"""Each module gets a private sandbox and the collection built and installed in a temporary folder."""
from __future__ import annotations

import pytest

from tests.integration.installed.team import Team, build_and_install
from tests.integration.sandbox_fixture import private_sandbox


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    with private_sandbox(tmp_path_factory, "installed-sandbox") as box:
        root = tmp_path_factory.mktemp("installed")
        yield Team(box, root, build_and_install(root / "build"))

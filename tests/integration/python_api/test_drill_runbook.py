"""drill through the Python API: the report comes back as data (after test_app_runbooks)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from lacrei_rollback import InvalidArgument, Refused
from lacrei_rollback.runbooks import Client


def test_drill_returns_its_report(sandbox_client):
    result = sandbox_client.drill("app_rollback")
    assert result.ok and result.audit["drill_result"] in ("pass", "passed")
    report = json.loads(Path(result.audit["drill_report"]).read_text())
    assert report["result"] == result.audit["drill_result"]


def test_drill_arguments_are_checked(sandbox_client, runs_dir):
    with pytest.raises(InvalidArgument, match="version tag"):
        sandbox_client.drill(good_release="latest")
    assert not runs_dir.exists()


def test_drill_is_refused_in_prod(sandbox_dir, runs_dir):
    with pytest.raises(Refused):
        Client("prod", sandbox_dir=sandbox_dir, runs_dir=runs_dir).drill()

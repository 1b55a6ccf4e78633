"""drill through the Python API: its arguments are checked, and it is refused in prod.

The drill itself runs through the API once in the suite, in
tests/integration/reliability/test_secrets_never_leak.py (at verbosity 4, on its own sandbox), where
``test_the_api_drill_returns_its_report`` checks that it passes and gives its report back as data: a
second drill here cost about 20 CPU-seconds and 35-100 s of this folder's one worker."""
from __future__ import annotations


import pytest

from lacrei_rollback import InvalidArgument, Refused
from lacrei_rollback.runbooks import Client


def test_drill_arguments_are_checked(sandbox_client, runs_dir):
    with pytest.raises(InvalidArgument, match="version tag"):
        sandbox_client.drill(good_release="latest")
    assert not runs_dir.exists()


def test_drill_is_refused_in_prod(sandbox_dir, runs_dir):
    with pytest.raises(Refused):
        Client("prod", sandbox_dir=sandbox_dir, runs_dir=runs_dir).drill()

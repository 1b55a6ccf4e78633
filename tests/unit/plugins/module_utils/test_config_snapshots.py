"""What ``previous`` means: pure logic over snapshot lists (newest first)."""
from __future__ import annotations

from ansible_collections.lacrei.rollback.plugins.module_utils.config_snapshots import (
    Snapshot, resolve_previous, unchanged_since)

GOOD, BAD, OTHER = {"FEATURE": "on"}, {"FEATURE": "off"}, {"FEATURE": "on", "LOG_LEVEL": "debug"}


def state(variables, image="repo:abc"):
    return {"image_identifier": image, "port": "8000", "start_command": None,
            "environment_variables": dict(variables), "environment_secrets": {}}


def snap(version, variables, rolled_back_from=False, restored=None):
    return Snapshot(version, f"/p/{version}", "2025-01-01T00:00:00+00:00", "on-demand", "", state(variables),
                    rolled_back_from, {"version": restored} if restored else None)


def test_previous_is_the_newest_that_differs():
    found, why = resolve_previous([snap(2, GOOD), snap(1, OTHER)], state(BAD))
    assert found.version == 2 and "differs" in why
    assert resolve_previous([snap(2, BAD), snap(1, GOOD)], state(BAD))[0].version == 1


def test_configurations_rolled_back_from_are_never_previous():
    history = [snap(4, GOOD), snap(3, BAD, rolled_back_from=True, restored=1), snap(2, BAD), snap(1, GOOD)]
    found, why = resolve_previous(history, state(GOOD))
    assert found.version == 1 and "already restored" in why
    found, _ = resolve_previous([snap(5, OTHER), *history], state(OTHER))
    assert found.version == 4


def test_nothing_to_go_back_to():
    assert resolve_previous([], state(GOOD))[0] is None
    assert resolve_previous([snap(1, GOOD)], state(GOOD))[0] is None
    after_git = [snap(2, BAD, rolled_back_from=True), snap(1, BAD)]
    assert resolve_previous(after_git, state(OTHER))[0] is None


def test_unchanged_since_compares_image_and_configuration():
    assert unchanged_since([snap(1, GOOD)], state(GOOD))
    assert not unchanged_since([snap(1, GOOD)], state(GOOD, image="repo:def"))
    assert not unchanged_since([], state(GOOD))

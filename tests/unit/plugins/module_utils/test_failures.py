"""failures: ActionFailed carries the message and result keys; fail_on_error reports it once."""
from __future__ import annotations

import pytest

from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed, fail_on_error


class FailJsonRecorder:
    """Records fail_json like AnsibleModule does (it exits)."""

    def __init__(self):
        self.failures = []

    def fail_json(self, **kwargs):
        self.failures.append(kwargs)
        raise SystemExit(1)


def test_fail_on_error_reports_plain_action_failures():
    module = FailJsonRecorder()
    with pytest.raises(SystemExit):
        with fail_on_error(module):
            raise ActionFailed("Malformed git SHA", candidates=["a"])
    assert module.failures == [{"msg": "Malformed git SHA", "candidates": ["a"]}]


def test_other_exceptions_pass_through_untouched():
    module = FailJsonRecorder()
    with pytest.raises(KeyError):
        with fail_on_error(module):
            raise KeyError("not an action failure")
    assert module.failures == []


def test_nothing_raised_nothing_reported():
    module = FailJsonRecorder()
    with fail_on_error(module):
        pass
    assert module.failures == []

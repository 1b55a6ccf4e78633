# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A failure a module reports as is, and the one place a module turns it into ``fail_json``.

Library code raises ``ActionFailed`` (or a subclass: ``aws_errors.AwsActionFailed`` for an AWS
call, ``command.CommandFailed`` for a program, ``input_checks.InputRefused``...) with the message
and the extra result keys. A module's ``main()`` wraps its work in ``fail_on_error(module)``
once, which turns any ``ActionFailed`` into a single ``fail_json``.
"""
from __future__ import annotations

from contextlib import contextmanager


class ActionFailed(Exception):
    """A failure a module reports as is: ``msg`` plus extra result keys in ``details``."""

    def __init__(self, msg: str, **details):
        super().__init__(msg)
        self.msg = msg
        self.details = details


@contextmanager
def fail_on_error(module):
    """Report any ActionFailed raised inside through ``module.fail_json`` (exactly once)."""
    try:
        yield
    except ActionFailed as exc:
        module.fail_json(msg=exc.msg, **exc.details)

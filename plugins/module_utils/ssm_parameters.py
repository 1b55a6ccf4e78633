# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Conditional writes to SSM Parameter Store that survive a lost answer.

``create_once`` creates a parameter only where none exists (``Overwrite=False``). When the
answer of PutParameter is lost (a 5xx, a timeout, a dropped connection: the write may or may
not have happened) it reads the parameter back: our value there means our write took effect;
another value means someone else's did; no parameter means it did not, and the conditional
put is sent again (safe: if the first one lands later, the retry is refused and read back).
"""
from __future__ import annotations

from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import AwsActionFailed, aws_action

from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed

PUT_ATTEMPTS = 3


def read(ssm, name: str) -> dict | None:
    """The parameter (Name, Value, Version, ...), decrypted; None when there is none."""
    try:
        with aws_action(f"read parameter {name}"):
            return ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    except AwsActionFailed as exc:
        if exc.code == "ParameterNotFound":
            return None
        raise


def create_once(ssm, name: str, value: str, what: str, **put_options) -> bool:
    """Create ``name`` = ``value`` unless it exists: True when this call's value is in place, False
    when another value was there first. ActionFailed when three lost answers leave it unknown."""
    for _attempt in range(PUT_ATTEMPTS):
        try:
            with aws_action(f"save {what} {name}"):
                ssm.put_parameter(Name=name, Value=value, Overwrite=False, **put_options)
            return True
        except AwsActionFailed as exc:
            if exc.code == "ParameterAlreadyExists":
                return _ours(ssm, name, value)
            if not exc.ambiguous:
                raise
            found = read(ssm, name)
            if found is not None:
                return found["Value"] == value
            lost = exc
    raise ActionFailed(f"Cannot tell whether {what} {name} was saved: {PUT_ATTEMPTS} answers were lost "
                       f"({lost.code}: {lost.message}) and it is not there yet. Check `aws ssm get-parameter "
                       f"--name {name}` and run this again.", error=lost.code, ambiguous_write=True)


def _ours(ssm, name: str, value: str) -> bool:
    """After ParameterAlreadyExists: whether what exists is our own earlier (lost-answer) write."""
    found = read(ssm, name)
    return found is not None and found["Value"] == value

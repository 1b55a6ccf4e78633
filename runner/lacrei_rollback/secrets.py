"""Which values are secret, and how they reach a playbook without being written anywhere.

Secrets travel only in memory: in the run's ``passwords`` answer to the launcher (see
``_launch.py``), never in ansible-runner's environment (which it saves to artifacts), argv,
extra-vars files or ``env/``. A secret runbook argument becomes an extra var that is a lookup of
an environment variable, so the command line holds the lookup, not the value.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping

SECRET_NAME = re.compile(
    r"PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE|SESSION|API_KEY|ACCESS_KEY|WEBHOOK|DATABASE_URL|DSN",
    re.IGNORECASE)
ARGUMENT_PREFIX = "LACREI_SECRET_"


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name))


def split_environment(env: MutableMapping[str, str]) -> dict[str, str]:
    """Remove secret-looking variables from ``env`` (in place) and return them."""
    secret = {name: value for name, value in env.items() if is_secret_name(name)}
    for name in secret:
        del env[name]
    return secret


def argument_variable(name: str) -> str:
    """The environment variable that carries the secret runbook argument ``name``."""
    return ARGUMENT_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def argument_reference(name: str) -> str:
    """The extra-var value that reads the secret argument ``name`` back inside Ansible."""
    return "{{ lookup('ansible.builtin.env', '%s') }}" % argument_variable(name)


def secret_arguments(values: Mapping[str, str | None]) -> tuple[dict[str, str], dict[str, str]]:
    """(extra vars referencing the secrets, environment variables holding them) for set values."""
    given = {name: value for name, value in values.items() if value is not None}
    return ({name: argument_reference(name) for name in given},
            {argument_variable(name): value for name, value in given.items()})

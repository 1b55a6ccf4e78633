# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which environment variables are secret, and their values masked for output.

A variable is secret when its name matches one of a list of shell-style patterns
(case-insensitive): its value is never shown, only its name. ``env_changes`` compares two
sets of variables by name and is what a diff of a configuration change shows.
"""
from __future__ import annotations

from fnmatch import fnmatchcase

# The same names as the Python API's (runner/lacrei_rollback/secrets.py): a DSN (Sentry's holds its
# key), a webhook URL and a session secret are secrets too.
DEFAULT_SECRET_PATTERNS = ("*SECRET*", "*PASSWORD*", "*PASSWD*", "*TOKEN*", "*KEY*", "*CREDENTIAL*",
                           "*PRIVATE*", "*DSN*", "*WEBHOOK*", "*SESSION*", "DATABASE_URL")
MASK = "********"
# The option of the modules that mask (doc fragment lacrei.rollback.apprunner_service.secret_names);
# no_log=False: its values are name patterns, not secrets.
SECRET_NAMES_SPEC = dict(secret_patterns=dict(type="list", elements="str", default=list(DEFAULT_SECRET_PATTERNS),
                                              no_log=False))


def is_secret(name: str, patterns=DEFAULT_SECRET_PATTERNS) -> bool:
    upper = name.upper()
    return any(fnmatchcase(upper, pattern.upper()) for pattern in patterns)


def masked(variables: dict | None, patterns=DEFAULT_SECRET_PATTERNS) -> dict:
    """A copy of ``variables`` with the value of every secret name replaced by the mask."""
    return {name: MASK if is_secret(name, patterns) else value
            for name, value in sorted((variables or {}).items())}


def secret_values(variables: dict | None, patterns=DEFAULT_SECRET_PATTERNS, min_length: int = 3) -> set:
    """Values of secret names, for AnsibleModule.no_log_values (too short ones would mask everything)."""
    return {str(value) for name, value in (variables or {}).items()
            if is_secret(name, patterns) and len(str(value)) >= min_length}


def env_changes(before: dict | None, after: dict | None) -> dict:
    """Names added, removed and changed from ``before`` to ``after`` (sorted lists)."""
    before, after = before or {}, after or {}
    return {
        "added": sorted(set(after) - set(before)),
        "removed": sorted(set(before) - set(after)),
        "changed": sorted(name for name in set(before) & set(after) if before[name] != after[name]),
    }


def has_changes(changes: dict) -> bool:
    return any(changes.values())

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where a module (or a runbook's input check) refuses hostile input.

Each *kind* is what a value must look like before it reaches a program's argv, a path or an
AWS call: a git SHA, a git ref that git cannot take for an option, a Django app label or
migration, a file inside a folder... ``check(name, value, kind)`` returns the value or raises
``InputRefused`` (an ``ActionFailed``) whose message names the argument, says what it must be
and that nothing was changed. ``refuse_bad_params(module, {option: kind})`` checks a module's
options before it does anything; a module calls it first, so it is the last line of defence
whatever the role in front of it checked.
"""
from __future__ import annotations

import os
import re

from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed

MAX_TEXT = 1000  # characters of any one-line value: enough for a path, a reason or an ARN
SHOWN = 60  # characters of a refused value shown back

# kind -> (pattern the whole value must match, what it must be)
KINDS = {
    "git_sha": (r"[0-9a-fA-F]{7,40}", "a git SHA of 7 to 40 hex digits"),
    "git_ref": (r"(?!.*\.\.)(?!.*//)(?!.*@\{)(?!.*\.lock$)(?!.*/$)[A-Za-z0-9][A-Za-z0-9._/^~-]{0,199}",
                "a git ref such as HEAD, HEAD~1, main, v1.2.0 or a SHA (not starting with '-', no '..')"),
    "git_remote": (r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", "a git remote name such as origin"),
    "app_label": (r"[A-Za-z_][A-Za-z0-9_]{0,99}", "a Django app label such as professionals"),
    "migration": (r"zero|[A-Za-z0-9_]{1,200}", "a migration name, its unique prefix (0001) or zero"),
    "service_name": (r"[A-Za-z0-9][A-Za-z0-9_-]{3,39}", "an App Runner service name (4-40 letters, digits, - and _)"),
    "service_names": (r"[A-Za-z0-9][A-Za-z0-9_-]{3,39}( *, *[A-Za-z0-9][A-Za-z0-9_-]{3,39})*",
                      "service names separated by commas"),
    "duration": (r"[1-9][0-9]{0,5}[smh]", "a duration such as 30s, 10m or 1h"),
    "release": (r"v[0-9]+\.[0-9]+\.[0-9]+|[0-9a-fA-F]{7,40}", "a version tag such as v1.2.0 or a git SHA"),
    "config_version": (r"previous|latest|[1-9][0-9]{0,8}", "previous, latest or a snapshot number"),
    "relative_path": (r"(?!/)(?!-)(?!.*(^|/)\.\.(/|$))[^\x00-\x1f\x7f]{1,%d}" % MAX_TEXT,
                      "a path relative to the repository, without '..', not starting with '/' or '-'"),
    "number": (r"[0-9]{1,6}", "a whole number"),
    "timestamp": (r"[0-9]{1,12}|[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?",
                  "ISO 8601 (2024-05-02T13:30:00Z) or epoch seconds"),
    "line": (r"[^\x00-\x1f\x7f]{1,%d}" % MAX_TEXT, "a single line of at most %d characters" % MAX_TEXT),
    "path": (r"(?!-)[^\x00-\x1f\x7f]{1,%d}" % MAX_TEXT,
             "a path of at most %d characters, without control characters, not starting with '-'" % MAX_TEXT),
}
_COMPILED = {kind: re.compile(pattern) for kind, (pattern, _what) in KINDS.items()}


class InputRefused(ActionFailed):
    """A value that must not be used; nothing was changed."""

    def __init__(self, name: str, must_be: str, value: object):
        super().__init__(f"Refused, nothing was changed: {name} must be {must_be}, got {shown(value)}.",
                         refused_argument=name)
        self.name = name


def shown(value: object) -> str:
    """A refused value as it can be shown: repr, cut to SHOWN characters with its length."""
    text = repr(value)
    return text if len(text) <= SHOWN else f"{text[:SHOWN]}... ({len(str(value))} characters)"


def check(name: str, value: object, kind: str, choices: tuple | list | None = None) -> object:
    """``value`` when it is a ``kind`` (or one of ``choices``); else InputRefused naming ``name``."""
    if choices is not None:
        if value not in choices:
            raise InputRefused(name, "one of " + ", ".join(str(choice) for choice in choices), value)
        return value
    pattern = _COMPILED[kind]
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InputRefused(name, KINDS[kind][1], value)
    return value


def inside(name: str, path: str, folder: str) -> str:
    """``path`` (absolute, symlinks resolved) when it lies inside ``folder``; else InputRefused."""
    check(name, path, "path")
    real, root = os.path.realpath(path), os.path.realpath(folder)
    if os.path.commonpath([real, root]) != root or real == root:
        raise InputRefused(name, f"a file inside {folder} (the backups folder)", path)
    return real


def refuse_bad_params(module, kinds: dict) -> None:
    """fail_json (nothing done yet) when an option of ``kinds`` ({option: kind}) holds a bad value.

    An option of a dict option is named with a dot (``from_git.ref``). Options that are None are
    not checked (their module's own defaults apply)."""
    try:
        for option, kind in kinds.items():
            value = module.params
            for key in option.split("."):
                value = value.get(key) if isinstance(value, dict) else None
            if value is not None:
                check(option, value, kind)
    except InputRefused as refused:
        module.fail_json(msg=refused.msg, **refused.details)

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Environment files (``.env``, ``.env.example``): parsing and refusing unusable values.

The format is the common one: ``NAME=value`` lines, optional ``export``, ``#`` comments,
single or double quotes around a value. A value is unusable for a required variable when it
is empty or a placeholder (``REPLACE_ME``, ``changeme``, ``<your-token>``, ``xxx``...).
"""
from __future__ import annotations

import re

from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed

LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")
PLACEHOLDERS = (
    r"REPLACE[_-]?ME", r"CHANGE[_-]?ME", r"TODO", r"FIXME", r"TBD", r"x{3,}", r"\*{3,}", r"\.\.\.+",
    r"<[^>]*>", r"\$\{[^}]*\}", r"your[_-].*", r"example[_-]?(value|secret|password|token)?",
)
PLACEHOLDER = re.compile(r"^(?:%s)$" % "|".join(PLACEHOLDERS), re.IGNORECASE)


class EnvFileError(ActionFailed):
    """The file cannot be used; nothing was changed."""


def parse(text: str, source: str = "the file", strict: bool = True) -> dict:
    """``{NAME: value}`` from the file's text; raises EnvFileError on a line it cannot read, or
    (``strict=False``, a file a shell sources too) leaves that line out."""
    variables = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = LINE.match(line)
        if not match and not strict:
            continue
        if not match:
            raise EnvFileError(f"Cannot read line {number} of {source}: expected NAME=value")
        variables[match.group(1)] = _value(match.group(2))
    return variables


def _value(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return raw[1:-1]
    return re.sub(r"\s+#.*$", "", raw)  # an unquoted value ends at an inline comment


def is_placeholder(value: str) -> bool:
    return not value.strip() or bool(PLACEHOLDER.match(value.strip()))


def unusable(variables: dict, required=None) -> dict:
    """``{"missing": [...], "placeholder": [...]}``: required names absent, empty or placeholders.

    ``required`` None means every variable in the file is required.
    """
    names = sorted(variables) if required is None else sorted(required)
    return {"missing": [name for name in names if name not in variables],
            "placeholder": [name for name in names if name in variables and is_placeholder(variables[name])]}


def require_usable(variables: dict, source: str, required=None) -> dict:
    """``variables`` when usable, else EnvFileError naming (never showing) the unusable ones."""
    if not variables:
        raise EnvFileError(f"{source} defines no variables; nothing was changed")
    problems = unusable(variables, required)
    if any(problems.values()):
        parts = [f"{kind} {', '.join(names)}" for kind, names in
                 (("missing:", problems["missing"]), ("empty or placeholder value:", problems["placeholder"]))
                 if names]
        raise EnvFileError(f"Refused {source}, nothing was changed; required variables with "
                           f"{'; '.join(parts)}", unusable_variables=problems)
    return variables

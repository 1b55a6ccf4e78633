# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""CloudWatch Logs term filter patterns, applied client-side, and log lines made safe to show.

CloudWatch Logs filters events server-side with ``filterPattern``; the same pattern is applied
again here to the events that came back, so the count is right even where the server ignores a
syntax it does not know (moto, for one, matches everything for ``?A ?B`` patterns). Only the term
syntax is evaluated here: ``TERM`` (must appear), ``"a phrase"``, ``?TERM`` (any of these must
appear), ``-TERM`` (must not appear); matching is case-sensitive, as in CloudWatch. JSON
(``{ ... }``) and space-delimited (``[ ... ]``) patterns are left to the server.
"""
from __future__ import annotations

import re

from ansible_collections.lacrei.rollback.plugins.module_utils.env_masking import MASK, is_secret

TOKEN = re.compile(r'([?-]?)(?:"([^"]*)"|(\S+))')
URL_PASSWORD = re.compile(r"(://[^:/@\s]+):[^@/\s]+@")
ASSIGNMENT = re.compile(r"\b([A-Za-z_][A-Za-z0-9_.-]*)(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|\S+)")
BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
EXTRA_SECRET_NAMES = ("AUTHORIZATION", "PWD")
MAX_LINE = 500


def parse_pattern(pattern: str) -> tuple[list[str], list[str], list[str]] | None:
    """(required, any_of, excluded) terms of a term pattern; None for JSON/space-delimited ones."""
    text = (pattern or "").strip()
    if text.startswith(("{", "[")):
        return None
    required, any_of, excluded = [], [], []
    for prefix, phrase, word in TOKEN.findall(text):
        term = phrase if phrase or word == "" else word
        {"": required, "?": any_of, "-": excluded}[prefix].append(term)
    return required, any_of, excluded


def matches(pattern: str, message: str) -> bool:
    """Whether ``message`` matches the term pattern (always true for patterns left to the server)."""
    terms = parse_pattern(pattern)
    if terms is None:
        return True
    required, any_of, excluded = terms
    return (all(term in message for term in required)
            and not any(term in message for term in excluded)
            and (not any_of or any(term in message for term in any_of)))


def _mask_assignment(found: re.Match) -> str:
    name = found[1]
    if is_secret(name) or name.upper() in EXTRA_SECRET_NAMES:
        return f"{name}{found[2]}{MASK}"
    return found[0]


def safe_line(message: str, limit: int = MAX_LINE) -> str:
    """A log line fit for output: URL passwords, bearer tokens and ``SECRET_NAME=value`` masked
    (secret names as in ``env_masking``), cut to ``limit`` characters."""
    line = URL_PASSWORD.sub(rf"\1:{MASK}@", message.rstrip("\n"))
    line = BEARER.sub(rf"\1 {MASK}", line)
    line = ASSIGNMENT.sub(_mask_assignment, line)
    return line if len(line) <= limit else line[:limit - 1] + "…"

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

TOKEN = re.compile(r'([?-]?)(?:"([^"]*)"|(\S+))')
URL_PASSWORD = re.compile(r"(://[^:/@\s]+):[^@/\s]+@")
SECRET_VALUE = re.compile(
    r"(?i)\b(password|passwd|pwd|secret[_a-z]*|token|api[_-]?key|authorization)(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|\S+)")
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


def safe_line(message: str, limit: int = MAX_LINE) -> str:
    """A log line fit for output: passwords in URLs and secret-looking ``key=value`` masked, cut."""
    line = URL_PASSWORD.sub(r"\1:***@", message.rstrip("\n"))
    line = SECRET_VALUE.sub(r"\1\2***", line)
    return line if len(line) <= limit else line[:limit - 1] + "…"

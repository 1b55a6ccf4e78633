"""log_filter: CloudWatch Logs term patterns applied client-side; log lines made safe to show."""
from __future__ import annotations

import pytest

from ansible_collections.lacrei.rollback.plugins.module_utils import log_filter

DEFAULT = '?ERROR ?Traceback ?" 500 "'


@pytest.mark.parametrize("pattern, message, expected", [
    (DEFAULT, "ERROR django.request: boom", True),
    (DEFAULT, "Traceback (most recent call last):", True),
    (DEFAULT, '127.0.0.1 "GET /api/ HTTP/1.1" 500 12', True),
    (DEFAULT, '127.0.0.1 "GET /api/ HTTP/1.1" 200 5000', False),   # 5000 is not " 500 "
    (DEFAULT, "error in lower case", False),                        # case-sensitive, like CloudWatch
    ("ERROR db", "ERROR in db", True),
    ("ERROR db", "ERROR elsewhere", False),
    ("ERROR -healthcheck", "ERROR healthcheck flapped", False),
    ("ERROR -healthcheck", "ERROR real failure", True),
    ('"Internal Server Error"', "x Internal Server Error y", True),
    ("", "anything", True),
    ('{ $.level = "ERROR" }', "not json at all", True),              # JSON patterns: the server's job
    ("[ip, user, status=5*]", "whatever", True),                     # space-delimited: the server's job
])
def test_term_patterns(pattern, message, expected):
    assert log_filter.matches(pattern, message) is expected


def test_parse_pattern_splits_required_any_and_excluded():
    assert log_filter.parse_pattern('ERROR ?A ?"b c" -skip') == (["ERROR"], ["A", "b c"], ["skip"])


M = "********"  # env_masking.MASK


@pytest.mark.parametrize("line, safe", [
    ("connect postgres://app:s3cr3t@db:5432/x failed", f"connect postgres://app:{M}@db:5432/x failed"),
    ("password=hunter2 user=app", f"password={M} user=app"),
    ("SECRET_KEY: 'abc def' DEBUG=1", f"SECRET_KEY: {M} DEBUG=1"),
    ("DATABASE_URL=postgres://app:pw@db/x", f"DATABASE_URL={M}"),
    ("Authorization: Bearer abc.def", f"Authorization: {M} {M}"),
    ("curl -H 'Bearer abc.def'", f"curl -H 'Bearer {M}'"),
    ("api_key=123 token=xyz ERROR: boom", f"api_key={M} token={M} ERROR: boom"),
    ("plain line\n", "plain line"),
])
def test_safe_line_masks_secrets(line, safe):
    assert log_filter.safe_line(line) == safe


def test_safe_line_cuts_long_lines():
    line = log_filter.safe_line("x" * 2000, limit=100)
    assert len(line) == 100 and line.endswith("…")

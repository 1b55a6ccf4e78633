# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Timestamps as modules return them: ISO 8601 in UTC."""
from __future__ import annotations

from datetime import datetime, timezone


def iso8601(value) -> str | None:
    """An ISO 8601 UTC string for a datetime (or epoch seconds); None stays None."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        value = datetime.fromtimestamp(value, timezone.utc)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""CloudWatch Logs as the collection reads it: App Runner's log-group names, and the one reader
of ``FilterLogEvents``, always bounded by a time window and a number of pages.

App Runner writes a service's output to ``/aws/apprunner/<service name>/<service id>/application``
and its deployment events to ``.../service``; ``log_group`` is the only place that name is built
(roles reach it through the ``lacrei.rollback.apprunner_log_group`` filter).
"""
from __future__ import annotations

from dataclasses import dataclass

LOG_GROUP_KINDS = ("application", "service")
# A page of FilterLogEvents holds up to 10,000 events or 1 MB: 20 pages is more than any question
# the collection asks, and a group that keeps answering nextToken cannot hold a module forever.
DEFAULT_MAX_PAGES = 20


def log_group(service_name: str, service_id: str, kind: str = "application") -> str:
    """The log group App Runner writes ``kind`` (``application`` or ``service``) of a service to."""
    if kind not in LOG_GROUP_KINDS:
        raise ValueError(f"App Runner log groups are {' or '.join(LOG_GROUP_KINDS)}, not {kind!r}")
    if not service_name or not service_id:
        raise ValueError("an App Runner log group needs the service name and the service id")
    return f"/aws/apprunner/{service_name}/{service_id}/{kind}"


@dataclass
class LogEvents:
    """Events of a window in the order CloudWatch gave them; ``truncated`` when there were more."""

    events: list
    truncated: bool


def filter_events(client, group: str, start_ms: int, end_ms: int, pattern: str | None = None,
                  max_pages: int = DEFAULT_MAX_PAGES, max_events: int | None = None) -> LogEvents:
    """The events of ``group`` between ``start_ms`` and ``end_ms`` (epoch milliseconds, inclusive).

    Reads at most ``max_pages`` pages and keeps at most ``max_events`` events. AWS errors are
    raised as botocore gives them: callers label them with ``aws_action``.
    """
    if start_ms is None or end_ms is None or end_ms < start_ms:
        raise ValueError(f"filter_events needs a time window, not [{start_ms}, {end_ms}]")
    if max_pages < 1:
        raise ValueError(f"filter_events needs at least one page, not {max_pages}")
    request = {"logGroupName": group, "startTime": int(start_ms), "endTime": int(end_ms)}
    if pattern:
        request["filterPattern"] = pattern
    events: list = []
    for _ in range(max_pages):
        page = client.filter_log_events(**request)
        events.extend(page.get("events") or [])
        token = page.get("nextToken")
        if max_events is not None and len(events) >= max_events:
            return LogEvents(events[:max_events], len(events) > max_events or bool(token))
        if not token:
            return LogEvents(events, False)
        request["nextToken"] = token
    return LogEvents(events, True)

"""cloudwatch_logs: App Runner's log-group names, and FilterLogEvents read within a window and a page budget.

The reads use a stand-in client: a log group that never stops answering ``nextToken`` cannot be
had from moto, and it is what the page bound is for.
"""
from __future__ import annotations

import pytest

from ansible_collections.lacrei.rollback.plugins.module_utils import cloudwatch_logs
from sandbox.live import telemetry

START, END = 1_700_000_000_000, 1_700_000_600_000


class EndlessGroup:
    """Answers every FilterLogEvents with one event and a next token; refuses to be read unbounded."""

    def __init__(self, pages_before_end: int | None = None):
        self.requests: list[dict] = []
        self.pages_before_end = pages_before_end

    def filter_log_events(self, **request):
        self.requests.append(request)
        if len(self.requests) > 1000:
            raise AssertionError("FilterLogEvents read without a page bound")
        page = {"events": [{"timestamp": START + len(self.requests), "message": f"line {len(self.requests)}"}]}
        if self.pages_before_end is None or len(self.requests) < self.pages_before_end:
            page["nextToken"] = f"t{len(self.requests)}"
        return page


def test_every_request_carries_the_window_and_the_pattern():
    group = EndlessGroup(pages_before_end=3)
    read = cloudwatch_logs.filter_events(group, "/g", START, END, pattern="?ERROR")
    assert [event["message"] for event in read.events] == ["line 1", "line 2", "line 3"]
    assert read.truncated is False
    assert all((r["startTime"], r["endTime"], r["filterPattern"]) == (START, END, "?ERROR") for r in group.requests)
    assert [r.get("nextToken") for r in group.requests] == [None, "t1", "t2"]


def test_a_group_that_never_ends_is_read_for_max_pages_only():
    group = EndlessGroup()
    read = cloudwatch_logs.filter_events(group, "/g", START, END, max_pages=4)
    assert len(group.requests) == 4 and len(read.events) == 4
    assert read.truncated is True


def test_the_default_page_budget_holds_too():
    group = EndlessGroup()
    assert cloudwatch_logs.filter_events(group, "/g", START, END).truncated is True
    assert len(group.requests) == cloudwatch_logs.DEFAULT_MAX_PAGES


def test_max_events_stops_the_read_and_says_there_was_more():
    group = EndlessGroup()
    read = cloudwatch_logs.filter_events(group, "/g", START, END, max_events=2)
    assert len(read.events) == 2 and read.truncated is True and len(group.requests) == 2


@pytest.mark.parametrize("start, end, pages", [(None, END, 1), (START, None, 1), (END, START, 1), (START, END, 0)])
def test_no_read_without_a_window_and_a_page(start, end, pages):
    group = EndlessGroup()
    with pytest.raises(ValueError, match="time window|one page"):
        cloudwatch_logs.filter_events(group, "/g", start, end, max_pages=pages)
    assert group.requests == []


def test_log_group_names():
    assert cloudwatch_logs.log_group("api", "8f2e") == "/aws/apprunner/api/8f2e/application"
    assert cloudwatch_logs.log_group("api", "8f2e", "service") == "/aws/apprunner/api/8f2e/service"
    with pytest.raises(ValueError, match="application or service"):
        cloudwatch_logs.log_group("api", "8f2e", "system")
    with pytest.raises(ValueError, match="service name and the service id"):
        cloudwatch_logs.log_group("api", "")


@pytest.mark.parametrize("kind", cloudwatch_logs.LOG_GROUP_KINDS)
def test_the_collection_reads_the_groups_the_sandbox_writes(kind):
    """The sandbox plays App Runner and names its groups itself; the two must agree."""
    assert cloudwatch_logs.log_group("api", "8f2e", kind) == telemetry.log_group("api", "8f2e", kind)

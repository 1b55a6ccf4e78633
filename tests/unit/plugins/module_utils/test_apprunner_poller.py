"""The App Runner operation poller, driven by a fake clock and a scripted ListOperations.

The scripted client stands in only for the timing (the module tests run the same poller
against the emulator); it answers ListOperations pages the way App Runner does.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.lacrei.rollback.plugins.module_utils import apprunner_poller as poller

ARN = "arn:aws:apprunner:us-east-1:123456789012:service/api/abc"
T0 = datetime(2024, 5, 2, 13, 0, tzinfo=timezone.utc)


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class ScriptedOperations:
    """list_operations answers from a list of statuses for operation 'op-2', one per call."""

    def __init__(self, statuses, page_size=1):
        self.statuses = list(statuses)
        self.calls = 0
        self.page_size = page_size

    def _operations(self):
        status = self.statuses[min(self.calls - 1, len(self.statuses) - 1)]
        target = {"Id": "op-2", "Type": "UPDATE_SERVICE", "Status": status, "StartedAt": T0}
        if status in poller.TERMINAL_STATUSES:
            target["EndedAt"] = T0 + timedelta(seconds=42)
        older = {"Id": "op-1", "Type": "CREATE_SERVICE", "Status": "SUCCEEDED", "StartedAt": T0}
        return [older, target] if status == "hidden" else [target, older]

    def list_operations(self, ServiceArn, MaxResults, NextToken=None):
        assert ServiceArn == ARN
        start = int(NextToken or 0)
        if start == 0:
            self.calls += 1
        ops = self._operations()
        page = {"OperationSummaryList": ops[start:start + self.page_size]}
        if start + self.page_size < len(ops):
            page["NextToken"] = str(start + self.page_size)
        return page


def wait(client, clock, timeout=60):
    return poller.wait_for_operation(client, ARN, "op-2", timeout, sleep=clock.sleep, clock=clock)


def test_waits_until_terminal_and_reports_duration():
    clock = FakeClock()
    client = ScriptedOperations(["PENDING", "IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"])
    result = wait(client, clock)
    assert result.status == "SUCCEEDED" and result.succeeded
    assert result.operation_type == "UPDATE_SERVICE"
    assert result.duration_seconds == 42.0
    assert client.calls == 4
    assert clock.sleeps == [0.5, 0.75, 1.0]  # capped at INTERVAL_MAX (1 s): an ended deployment is seen within a second
    assert result.waited_seconds == pytest.approx(2.25)


def test_rollback_is_returned_not_succeeded():
    result = wait(ScriptedOperations(["IN_PROGRESS", "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCEEDED"]), FakeClock())
    assert result.status == "ROLLBACK_SUCCEEDED"
    assert result.succeeded is False


def test_interval_grows_to_a_ceiling():
    steps = poller.intervals(1.0, 5.0, 2.0)
    assert [next(steps) for _ in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_follows_pages_to_find_the_operation():
    client = ScriptedOperations(["hidden", "SUCCEEDED"], page_size=1)
    assert poller.find_operation(client, ARN, "op-2")["Id"] == "op-2"
    assert poller.find_operation(client, ARN, "op-404") is None


def test_timeout_names_the_operation_and_last_status():
    clock = FakeClock()
    with pytest.raises(poller.WaitTimeout) as caught:
        wait(ScriptedOperations(["IN_PROGRESS"]), clock, timeout=10)
    assert "op-2" in caught.value.msg and "last status: IN_PROGRESS" in caught.value.msg
    assert caught.value.details["operation_id"] == "op-2"
    assert clock.now == pytest.approx(10)
    assert max(clock.sleeps) <= poller.INTERVAL_MAX


def test_operation_never_listed_times_out_clearly():
    class Empty:
        def list_operations(self, **kwargs):
            return {"OperationSummaryList": []}

    with pytest.raises(poller.WaitTimeout) as caught:
        wait(Empty(), FakeClock(), timeout=3)
    assert "not listed yet" in caught.value.msg


def test_service_settles():
    statuses = iter(["OPERATION_IN_PROGRESS", "OPERATION_IN_PROGRESS", "RUNNING"])

    class Service:
        def describe_service(self, ServiceArn):
            return {"Service": {"ServiceArn": ServiceArn, "Status": next(statuses)}}

    clock = FakeClock()
    service = poller.wait_for_service_settled(Service(), ARN, 30, sleep=clock.sleep, clock=clock)
    assert service["Status"] == "RUNNING"
    assert len(clock.sleeps) == 2


def test_a_person_watching_sees_the_status_and_elapsed_time(monkeypatch):
    from ansible_collections.lacrei.rollback.plugins.module_utils import progress

    monkeypatch.setenv("LACREI_PROGRESS_SECONDS", "2")
    lines = []
    progress.set_sink(lines.append)
    try:
        clock = FakeClock()
        wait(ScriptedOperations(["IN_PROGRESS"] * 8 + ["SUCCEEDED"]), clock)
    finally:
        progress.set_sink(None)
    # 7 s of polls one second apart at most: a line every 2 s, each with the status and the time so far
    assert len(lines) == 3, lines
    assert all("App Runner operation op-2" in line and "IN_PROGRESS" in line for line in lines)
    assert [line.rsplit(", ", 1)[1] for line in lines] == ["2s elapsed", "4s elapsed", "6s elapsed"]


def test_without_a_sink_nothing_is_shown_and_a_bad_setting_falls_back(monkeypatch):
    from ansible_collections.lacrei.rollback.plugins.module_utils import progress

    monkeypatch.setenv("LACREI_PROGRESS_SECONDS", "soon")
    assert progress.every() == progress.EVERY_DEFAULT <= 15
    ticker = progress.Ticker("x", clock=lambda: 1000.0)
    ticker.started = ticker.last = 0.0
    ticker.tick("IN_PROGRESS")  # no sink: nothing to call, nothing raised

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one poller: ``wait_until`` calls a check until it answers, and App Runner's waits on it.

botocore has no App Runner waiters: ``wait_for_operation``, ``wait_for_new_operation`` and
``wait_for_service_settled`` poll ListOperations / DescribeService through the same loop, and
the ECS platforms wait for their service deployments with ``wait_until`` (``ecs_deployments``).
The interval starts short (deployments in a sandbox take seconds) and grows to a ceiling (real
ones take minutes). ``sleep`` and ``clock`` are parameters so the loop can be driven by a fake
clock in tests.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from ansible_collections.lacrei.rollback.plugins.module_utils import progress
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import aws_action

from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed

TERMINAL_STATUSES = frozenset({"SUCCEEDED", "FAILED", "ROLLBACK_SUCCEEDED", "ROLLBACK_FAILED"})
ACTIVE_STATUSES = frozenset({"PENDING", "IN_PROGRESS", "ROLLBACK_IN_PROGRESS"})
INTERVAL_START = 0.5
# Polls every second at most once running: an ended deployment is noticed within a second
# (the benchmark goal for detection lag), for one ListOperations call per second per service.
INTERVAL_MAX = 1.0
INTERVAL_GROWTH = 1.5
PAGE_SIZE = 20


@dataclass(frozen=True)
class OperationResult:
    operation_id: str
    operation_type: str | None
    status: str
    started_at: datetime | None
    ended_at: datetime | None
    waited_seconds: float

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    @property
    def duration_seconds(self) -> float | None:
        """How long App Runner says the operation took (None when it did not say)."""
        if self.started_at is None or self.ended_at is None:
            return None
        return round((self.ended_at - self.started_at).total_seconds(), 3)


class WaitTimeout(ActionFailed):
    """The operation (or service) did not reach an end state in time."""


def intervals(start: float = INTERVAL_START, maximum: float = INTERVAL_MAX, growth: float = INTERVAL_GROWTH):
    """Endless polling intervals: start, start*growth, ... capped at maximum."""
    interval = start
    while True:
        yield interval
        interval = min(interval * growth, maximum)


def iter_operations(client, service_arn: str, limit: int | None = None):
    """Operation summaries of a service, newest first, following NextToken."""
    kwargs = {"ServiceArn": service_arn, "MaxResults": PAGE_SIZE}
    seen = 0
    while True:
        with aws_action(f"list operations of {service_arn}"):
            page = client.list_operations(**kwargs)
        for summary in page.get("OperationSummaryList") or []:
            if limit is not None and seen >= limit:
                return
            seen += 1
            yield summary
        if not page.get("NextToken"):
            return
        kwargs["NextToken"] = page["NextToken"]


def find_operation(client, service_arn: str, operation_id: str) -> dict | None:
    return next((op for op in iter_operations(client, service_arn) if op.get("Id") == operation_id), None)


def _poll(check, what: str, timeout: float, interval_start: float, sleep, clock, status=None):
    """Call ``check()`` until it returns something truthy; WaitTimeout after ``timeout``. A person
    watching sees ``status()`` (or "not ended yet") and the time elapsed now and then (module_utils/progress)."""
    started = clock()
    ticker = progress.Ticker(what, clock)
    for interval in intervals(interval_start):
        found = check()
        if found:
            return found, clock() - started
        ticker.tick(status() if status else None)
        remaining = timeout - (clock() - started)
        if remaining <= 0:
            raise WaitTimeout(f"Timed out after {timeout:g}s waiting for {what}", timeout=timeout)
        sleep(min(interval, remaining))


def wait_until(check, what: str, timeout: float, interval_start: float = INTERVAL_START,
               sleep=time.sleep, clock=time.monotonic, status=None):
    """The same loop for other end conditions: ``(check()'s first truthy answer, seconds waited)``."""
    return _poll(check, what, timeout, interval_start, sleep, clock, status)


def wait_for_operation(client, service_arn: str, operation_id: str, timeout: float,
                       interval_start: float = INTERVAL_START, sleep=time.sleep,
                       clock=time.monotonic) -> OperationResult:
    """Wait until App Runner operation ``operation_id`` of ``service_arn`` ends.

    Returns the end state whatever it is (SUCCEEDED, FAILED, ROLLBACK_SUCCEEDED,
    ROLLBACK_FAILED); callers decide what counts as success. Raises WaitTimeout.
    """
    last = {}

    def ended():
        summary = find_operation(client, service_arn, operation_id)
        last["summary"] = summary
        return summary if summary and summary.get("Status") in TERMINAL_STATUSES else None

    what = f"App Runner operation {operation_id} on {service_arn}"
    try:
        summary, waited = _poll(ended, what, timeout, interval_start, sleep, clock,
                                status=lambda: (last.get("summary") or {}).get("Status", "not listed yet"))
    except WaitTimeout as exc:
        status = (last.get("summary") or {}).get("Status", "not listed yet")
        raise WaitTimeout(f"{exc.msg} (last status: {status}); the operation goes on in App Runner",
                          operation_id=operation_id, operation_status=status, timeout=timeout) from None
    return OperationResult(operation_id, summary.get("Type"), summary["Status"],
                           summary.get("StartedAt"), summary.get("EndedAt"), round(waited, 3))


def wait_for_new_operation(client, service_arn: str, known_ids, operation_type: str, timeout: float,
                           interval_start: float = INTERVAL_START, sleep=time.sleep,
                           clock=time.monotonic) -> dict | None:
    """The newest operation of ``operation_type`` whose id is not in ``known_ids`` (the operations
    listed before a write), waiting up to ``timeout`` for it to be listed; None when none shows."""
    def new():
        return next((op for op in iter_operations(client, service_arn, PAGE_SIZE)
                     if op.get("Id") not in known_ids and op.get("Type") == operation_type), None)

    try:
        return _poll(new, f"a new {operation_type} operation on {service_arn}", timeout, interval_start,
                     sleep, clock)[0]
    except WaitTimeout:
        return None


def wait_for_service_settled(client, service_arn: str, timeout: float,
                             interval_start: float = INTERVAL_START, sleep=time.sleep,
                             clock=time.monotonic) -> dict:
    """Wait until the service status leaves OPERATION_IN_PROGRESS; returns the Service."""
    def settled():
        with aws_action(f"describe service {service_arn}"):
            service = client.describe_service(ServiceArn=service_arn)["Service"]
        return service if service.get("Status") != "OPERATION_IN_PROGRESS" else None

    return _poll(settled, f"service {service_arn} to leave OPERATION_IN_PROGRESS",
                 timeout, interval_start, sleep, clock)[0]

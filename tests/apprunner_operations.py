"""Waiting for an App Runner operation in tests (the emulator's and the live sandbox's)."""
from __future__ import annotations

import time


def wait_operation(client, service_arn: str, operation_id: str, timeout: float = 20.0, interval: float = 0.05) -> dict:
    """Poll ListOperations until the operation leaves PENDING/IN_PROGRESS; returns its summary."""
    deadline = time.monotonic() + timeout
    while True:
        operations = client.list_operations(ServiceArn=service_arn)["OperationSummaryList"]
        summary = next(op for op in operations if op["Id"] == operation_id)
        if summary["Status"] not in ("PENDING", "IN_PROGRESS"):
            return summary
        if time.monotonic() > deadline:
            raise TimeoutError(f"operation {operation_id} still {summary['Status']} after {timeout}s")
        time.sleep(interval)

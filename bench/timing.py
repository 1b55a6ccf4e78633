"""Reading the bench_timing callback's lines and App Runner's own operation times."""
from __future__ import annotations

import json
from pathlib import Path


def task_end(timing_file: Path, action: str, host: str | None = None) -> float | None:
    """Wall-clock end of the (last) task running ``action`` (on ``host``)."""
    if not timing_file.exists():
        return None
    ends = [line["end"] for line in map(json.loads, timing_file.read_text().splitlines())
            if line["action"].endswith(action) and (host is None or line["host"] == host)]
    return ends[-1] if ends else None


def operation_ended_at(apprunner, service_arn: str, operation_id: str) -> float | None:
    """EndedAt of an operation, as ListOperations reports it (epoch seconds)."""
    for op in apprunner.list_operations(ServiceArn=service_arn)["OperationSummaryList"]:
        if op["Id"] == operation_id and op.get("EndedAt"):
            return op["EndedAt"].timestamp()
    return None

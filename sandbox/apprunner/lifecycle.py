"""Operations in progress: start, run in the background, end; and resolution after a restart.

Every mutating call starts one operation: the service turns ``OPERATION_IN_PROGRESS``, an
``IN_PROGRESS`` OperationSummary is recorded, and a thread does the work (``Runtime.deploy``
or ``Runtime.stop``) for at least the deploy seconds (the fault's value, read while it waits, so
changing it also ends or stretches an operation in progress), then ends it:

=================  =====================  ============================================
operation          success                failure (image missing, health check, fault)
=================  =====================  ============================================
CREATE_SERVICE     SUCCEEDED, RUNNING     FAILED, CREATE_FAILED
UPDATE_SERVICE     SUCCEEDED, RUNNING     ROLLBACK_SUCCEEDED, RUNNING on the previous
START_DEPLOYMENT                          configuration
RESUME_SERVICE     SUCCEEDED, RUNNING     FAILED, PAUSED
PAUSE_SERVICE      SUCCEEDED, PAUSED      (cannot fail)
DELETE_SERVICE     SUCCEEDED, DELETED     (cannot fail)
=================  =====================  ============================================

After a restart, an operation that was in progress when the emulator died is resolved as a
failure of that table (interrupted PAUSE/DELETE: FAILED, the service keeps its prior status),
then ``Runtime.restore`` is called for every RUNNING service.
"""
from __future__ import annotations

import copy
import logging
import threading
import time

from sandbox.awsjson.faults import Faults

from . import defaults
from .runtime import DeployResult, Runtime
from .state import Store

LOG = logging.getLogger(__name__)

DEPLOYING = {"CREATE_SERVICE", "UPDATE_SERVICE", "START_DEPLOYMENT", "RESUME_SERVICE"}
HOLD_POLL_SECONDS = 0.05
SUCCESS_STATUS = {"PAUSE_SERVICE": "PAUSED", "DELETE_SERVICE": "DELETED"}  # else RUNNING


class Lifecycle:
    def __init__(self, store: Store, runtime: Runtime, faults: Faults):
        self.store = store
        self.runtime = runtime
        self.faults = faults

    def begin(self, record: dict, op_type: str, previous: dict | None) -> str:
        """Start ``op_type`` on ``record`` (caller holds the store lock); returns its id."""
        now = time.time()
        service = record["service"]
        op_id = defaults.operation_id()
        record["operations"].append({
            "Id": op_id, "Type": op_type, "Status": "IN_PROGRESS",
            "TargetArn": service["ServiceArn"], "StartedAt": now, "UpdatedAt": now,
        })
        record["pending"] = {"OperationId": op_id, "Type": op_type, "prior_status": service["Status"],
                             "previous": copy.deepcopy(previous)}
        service.update(Status="OPERATION_IN_PROGRESS", UpdatedAt=now)
        self.store.save()
        work = threading.Thread(target=self._run, name=f"op-{op_id}", daemon=True,
                                args=(service["ServiceArn"], op_id, self.store.generation))
        work.start()
        return op_id

    def _run(self, arn: str, op_id: str, generation: int) -> None:
        started = time.monotonic()
        with self.store.lock:
            record = self._current(arn, op_id, generation)
            if record is None:
                return
            pending = copy.deepcopy(record["pending"])
            service = copy.deepcopy(record["service"])
        result = self._work(pending, service)
        self._hold(started)
        with self.store.lock:
            record = self._current(arn, op_id, generation)
            if record is not None:
                self._end(record, result)
                self.store.save()

    def _hold(self, started: float) -> None:
        """Keep the operation in progress until it has lasted ``deploy_seconds``, read as it waits: a
        test holds an operation open with a long value and ends it by setting a short one."""
        while (left := self.faults.deploy_seconds - (time.monotonic() - started)) > 0:
            time.sleep(min(left, HOLD_POLL_SECONDS))

    def _current(self, arn: str, op_id: str, generation: int) -> dict | None:
        """The record whose pending operation is still ``op_id`` (None after a reset)."""
        record = self.store.services.get(arn)
        if generation != self.store.generation or not record:
            return None
        return record if (record.get("pending") or {}).get("OperationId") == op_id else None

    def _work(self, pending: dict, service: dict) -> DeployResult:
        op_type = pending["Type"]
        try:
            if op_type not in DEPLOYING:
                self.runtime.stop(service)
                return DeployResult(ok=True)
            if self.faults.deployment_fails():
                return DeployResult(ok=False, reason="Health check failed (injected fault)")
            return self.runtime.deploy_operation(service, pending["previous"],
                                                 {"Id": pending["OperationId"], "Type": op_type})
        except Exception as err:  # noqa: BLE001 - a runtime crash is a failed deployment
            LOG.exception("runtime failed during %s", op_type)
            return DeployResult(ok=False, reason=f"Runtime error: {err}")

    def _end(self, record: dict, result: DeployResult) -> None:
        pending = record.pop("pending")
        service = record["service"]
        if result.ok:
            op_status, status = "SUCCEEDED", SUCCESS_STATUS.get(pending["Type"], "RUNNING")
            if result.service_url:
                service["ServiceUrl"] = result.service_url
        else:
            op_status, status = self._fail(record, pending)
            LOG.warning("%s of %s failed: %s", pending["Type"], service["ServiceArn"], result.reason)
        now = time.time()
        service = record["service"]
        service.update(Status=status, UpdatedAt=now)
        if status == "DELETED":
            service["DeletedAt"] = now
        operation = next(op for op in record["operations"] if op["Id"] == pending["OperationId"])
        operation.update(Status=op_status, UpdatedAt=now, EndedAt=now)

    @staticmethod
    def _fail(record: dict, pending: dict) -> tuple[str, str]:
        """Put the service back where it was; returns (operation status, service status)."""
        if pending["Type"] == "CREATE_SERVICE":
            return "FAILED", "CREATE_FAILED"
        if pending["previous"] is not None:
            url = record["service"].get("ServiceUrl")
            record["service"] = copy.deepcopy(pending["previous"])
            record["service"]["ServiceUrl"] = url
            return "ROLLBACK_SUCCEEDED", "RUNNING"
        return "FAILED", pending["prior_status"]

    def recover(self) -> None:
        """At start: resolve interrupted operations, then restore what was running."""
        with self.store.lock:
            interrupted = [rec for rec in self.store.services.values() if rec.get("pending")]
            for record in interrupted:
                self._end(record, DeployResult(ok=False, reason="interrupted by an emulator restart"))
            if interrupted:
                self.store.save()
            running = [copy.deepcopy(rec["service"]) for rec in self.store.services.values()
                       if rec["service"]["Status"] == "RUNNING"]
        for service in running:
            self.runtime.restore(service)

"""Service deployments in progress: start, run in the background, end; resolution after a restart.

Every CreateService, revision-changing UpdateService and Express Mode create/update starts one
service deployment: a ``ServiceRevision`` for the new task definition, a ``PRIMARY`` entry in the
service's ``deployments[]`` (``rolloutState`` ``IN_PROGRESS``; the former primary turns
``ACTIVE``), and a ``ServiceDeployment`` (``PENDING``), then a thread launches its task (the
runtime's ``deploy_operation`` on the revision's view, ``view.py``), for at least the deploy
seconds (read as it waits, as in the App Runner emulator), and judges:

=====================  ==================================================================
task healthy           ``SUCCESSFUL``; rolloutState ``COMPLETED``; the older deployments
                       drained; events "deployment completed", "has reached a steady state"
task failed            ``failedTasks`` and the circuit breaker's ``failureCount`` + 1; then
                       - circuit breaker enabled and ``failureCount`` >= its threshold
                         (ECS's: half the desired count, at least 3, at most 200):
                         ``TRIGGERED``, rolloutState ``FAILED``; with ``rollback``:
                         ``ROLLBACK_IN_PROGRESS`` -> ``ROLLBACK_SUCCESSFUL`` (a new
                         ``PRIMARY`` deployment of the source revision, ``COMPLETED``);
                         without: ``STOPPED`` (the previous tasks keep serving)
                       - else another task is launched (after 1, 2, 4 ... 30 s, starting
                         from the deploy seconds when shorter): without a circuit breaker a bad deployment stays ``IN_PROGRESS``, as in ECS
CANARY strategy        (Express Mode) a healthy canary bakes for the deploy seconds
                       (``lifecycleStage`` ``BAKE_TIME``) before the full shift; a canary
                       that fails (health check, or the ``fail_canary`` fault: its alarm)
                       is rolled back at once: ``ROLLBACK_SUCCESSFUL``
StopServiceDeployment  ``ROLLBACK``: ``ROLLBACK_REQUESTED`` -> the rollback above;
                       ``ABORT``: ``STOP_REQUESTED`` -> ``STOPPED``, nothing rolled back
a newer deployment     the older one in flight ends ``STOPPED`` (superseded)
=====================  ==================================================================

A rollback asks the runtime to ``restore`` the source revision's view (the live runtime reuses
the instance still serving it). The ``fail_next_deployment`` fault makes every task of the next
deployment fail. After a restart, a deployment that was in flight is rolled back
(``ROLLBACK_SUCCESSFUL``, or ``ROLLBACK_FAILED`` without a source revision), then
``Runtime.restore`` brings back what every ACTIVE service serves.
"""
from __future__ import annotations

import copy
import logging
import math
import threading
import time

from sandbox.apprunner.runtime import DeployResult, Runtime
from sandbox.awsjson.faults import Faults

from . import ids
from .services import add_event
from .state import Store
from .view import essential_container, runtime_view

LOG = logging.getLogger(__name__)
POLL_SECONDS = 0.05
IN_FLIGHT = ("PENDING", "IN_PROGRESS", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "STOP_REQUESTED")
MAX_RETRY_SECONDS = 30.0


def threshold(desired: int) -> int:
    return max(3, min(200, math.ceil(0.5 * desired)))


class Lifecycle:
    def __init__(self, store: Store, runtime: Runtime, faults: Faults, lookups):
        self.store = store
        self.runtime = runtime
        self.faults = faults
        self.lookups = lookups  # task definitions by ARN, region and account

    # -- start -----------------------------------------------------------------------------------
    def begin(self, record: dict, target: str, trigger: str) -> dict:
        """Start a deployment of task definition ``target`` (caller holds the lock); saved."""
        now = time.time()
        service = record["service"]
        for older in record["deployments"]:
            if older["status"] in IN_FLIGHT and not older.get("_stop"):
                older["_stop"] = "SUPERSEDED"
        revision = self._revision(record, target, now)
        dep_id = ids.deployment_id()
        for entry in service["deployments"]:
            if entry["status"] == "PRIMARY":
                entry["status"] = "ACTIVE"
        service["deployments"].insert(0, self._deployment_entry(service, dep_id, target, now))
        config = copy.deepcopy(service["deploymentConfiguration"])
        breaker = config.get("deploymentCircuitBreaker") or {}
        cluster, name = service["clusterArn"].rsplit("/", 1)[-1], service["serviceName"]
        source = record.get("serving")
        deployment = {
            "serviceDeploymentArn": ids.service_deployment_arn(self.lookups.region, self.lookups.account, cluster, name),
            "serviceArn": service["serviceArn"], "clusterArn": service["clusterArn"],
            "createdAt": now, "updatedAt": now, "status": "PENDING",
            "sourceServiceRevisions": [_summary(source, service["desiredCount"], service["desiredCount"])] if source else [],
            "targetServiceRevision": _summary(revision, service["desiredCount"], 0),
            "deploymentConfiguration": config,
            "deploymentCircuitBreaker": {"status": "MONITORING" if breaker.get("enable") else "DISABLED",
                                         "failureCount": 0, "threshold": threshold(service["desiredCount"])},
            "alarms": {"status": "DISABLED"},
            "_deployment_id": dep_id, "_trigger": trigger,
        }
        record["deployments"].append(deployment)
        service.update(taskDefinition=target, currentServiceDeployment=deployment["serviceDeploymentArn"],
                       pendingCount=service["desiredCount"])
        add_event(service, f"has started a deployment {dep_id} of {target.rsplit('/', 1)[-1]} ({trigger}).")
        self.store.save()
        threading.Thread(target=self._run, name=f"deployment-{dep_id}", daemon=True,
                         args=(service["serviceArn"], deployment["serviceDeploymentArn"], self.store.generation)).start()
        return deployment

    def _revision(self, record: dict, target: str, now: float) -> str:
        service = record["service"]
        cluster = service["clusterArn"].rsplit("/", 1)[-1]
        arn = ids.service_revision_arn(self.lookups.region, self.lookups.account, cluster, service["serviceName"])
        task_definition = self.lookups.task_definition_by_arn(target) or {}
        record["revisions"][arn] = {
            "serviceRevisionArn": arn, "serviceArn": service["serviceArn"], "clusterArn": service["clusterArn"],
            "taskDefinition": target, "launchType": service.get("launchType"),
            "loadBalancers": service.get("loadBalancers") or [],
            "networkConfiguration": service.get("networkConfiguration"),
            "containerImages": [{"containerName": c.get("name"), "image": c.get("image")}
                                for c in task_definition.get("containerDefinitions") or []],
            "createdAt": now,
        }
        return arn

    @staticmethod
    def _deployment_entry(service: dict, dep_id: str, task_definition: str, now: float) -> dict:
        return {"id": dep_id, "status": "PRIMARY", "taskDefinition": task_definition,
                "desiredCount": service["desiredCount"], "pendingCount": 0, "runningCount": 0, "failedTasks": 0,
                "createdAt": now, "updatedAt": now, "launchType": service.get("launchType"),
                "rolloutState": "IN_PROGRESS", "rolloutStateReason": f"ECS deployment {dep_id} in progress."}

    # -- the background work -----------------------------------------------------------------------
    def _run(self, arn: str, sd_arn: str, generation: int) -> None:
        started = time.monotonic()
        with self.store.lock:
            found = self._current(arn, sd_arn, generation)
            if found is None:
                return
            record, deployment = found
            if not deployment.get("_stop"):
                deployment.update(status="IN_PROGRESS", startedAt=time.time(), updatedAt=time.time(),
                                  lifecycleStage="SCALE_UP")
                self.store.save()
            target = self._view(record, deployment["targetServiceRevision"]["arn"])
            source = self._view(record, _source_arn(deployment))
            canary = deployment["deploymentConfiguration"].get("strategy") == "CANARY"
            dep_id = deployment["_deployment_id"]
        forced = self.faults.deployment_fails()
        while True:
            if self._stop_of(arn, sd_arn, generation):
                break
            result = self._attempt(arn, sd_arn, generation, target, source, dep_id, forced, canary)
            self._hold(started, arn, sd_arn, generation)
            verdict = self._judge(arn, sd_arn, generation, result, canary)
            if verdict != "retry":
                break
            self._wait(self._retry_delay(arn, sd_arn), arn, sd_arn, generation)
        stop = self._stop_of(arn, sd_arn, generation)
        if stop == "ROLLBACK" or self._wants_rollback(arn, sd_arn, generation):
            self._roll_back(arn, sd_arn, generation, source)
        elif stop:
            self._stopped(arn, sd_arn, generation, stop)

    def _attempt(self, arn, sd_arn, generation, target, source, dep_id, forced, canary) -> DeployResult:
        if forced:
            return DeployResult(ok=False, reason="Task failed container health checks (injected fault)")
        try:
            result = self.runtime.deploy_operation(target, source, {"Id": dep_id, "Type": "UPDATE_SERVICE"})
        except Exception as err:  # noqa: BLE001 - a runtime crash is a failed task
            LOG.exception("runtime failed during %s", dep_id)
            return DeployResult(ok=False, reason=f"Runtime error: {err}")
        if not (canary and result.ok):
            return result
        with self.store.lock:
            found = self._current(arn, sd_arn, generation)
            if found:
                found[1].update(lifecycleStage="BAKE_TIME", updatedAt=time.time())
                add_event(found[0]["service"], f"(deployment {dep_id}) canary tasks are healthy; "
                          "baking with part of the production traffic.")
                self.store.save()
        self._wait(self.faults.deploy_seconds, arn, sd_arn, generation)
        if self.faults.take("fail_canary"):
            return DeployResult(ok=False, reason="the canary's alarm went off during its bake time (injected fault)",
                                service_url=result.service_url)
        return result

    def _judge(self, arn, sd_arn, generation, result: DeployResult, canary: bool) -> str:
        """Record one task's outcome; ``done``, ``retry`` or ``stop`` (a stop or a rollback follows)."""
        with self.store.lock:
            found = self._current(arn, sd_arn, generation)
            if found is None:
                return "done"
            record, deployment = found
            if deployment.get("_stop"):
                return "stop"
            if result.ok:
                self._succeed(record, deployment, result)
                return "done"
            return self._fail(record, deployment, result, canary)

    def _succeed(self, record: dict, deployment: dict, result: DeployResult) -> None:
        now = time.time()
        service = record["service"]
        entry = self._entry(service, deployment)
        desired = service["desiredCount"]
        entry.update(rolloutState="COMPLETED", rolloutStateReason=f"ECS deployment {entry['id']} completed.",
                     runningCount=desired, pendingCount=0, updatedAt=now)
        service["deployments"] = [entry]
        target = deployment["targetServiceRevision"]
        target.update(runningTaskCount=desired, pendingTaskCount=0)
        service.update(runningCount=desired, pendingCount=0,
                       currentServiceRevisions=[_summary(target["arn"], desired, desired)])
        record["serving"] = target["arn"]
        if result.service_url:
            record["url"] = result.service_url
        breaker = deployment["deploymentCircuitBreaker"]
        if breaker["status"] == "MONITORING":
            breaker["status"] = "MONITORING_COMPLETE"
        deployment.update(status="SUCCESSFUL", finishedAt=now, updatedAt=now, lifecycleStage="CLEAN_UP")
        add_event(service, f"(deployment {entry['id']}) deployment completed.")
        add_event(service, "has reached a steady state.")
        self.store.save()

    def _fail(self, record: dict, deployment: dict, result: DeployResult, canary: bool) -> str:
        service = record["service"]
        entry = self._entry(service, deployment)
        entry["failedTasks"] += 1
        breaker = deployment["deploymentCircuitBreaker"]
        breaker["failureCount"] += 1
        deployment["updatedAt"] = time.time()
        add_event(service, f"(task {ids.task_id()}) failed: {result.reason}")
        settings = deployment["deploymentConfiguration"].get("deploymentCircuitBreaker") or {}
        if canary:
            deployment["_rollback"] = f"Canary failed: {result.reason}"
            entry.update(rolloutState="FAILED", rolloutStateReason=f"ECS deployment {entry['id']} canary failed.")
        elif settings.get("enable") and breaker["failureCount"] >= breaker["threshold"]:
            breaker["status"] = "TRIGGERED"
            entry.update(rolloutState="FAILED",
                         rolloutStateReason="ECS deployment circuit breaker: tasks failed to start.")
            add_event(service, f"(deployment {entry['id']}) deployment failed: tasks failed to start.")
            if settings.get("rollback"):
                deployment["_rollback"] = "Circuit Breaker triggered: tasks failed to start."
            else:
                now = time.time()
                deployment.update(status="STOPPED", finishedAt=now, stoppedAt=now,
                                  statusReason="ECS deployment circuit breaker: tasks failed to start "
                                               "(rollback not enabled).")
        else:
            self.store.save()
            return "retry"
        self.store.save()
        return "done"

    def _wants_rollback(self, arn, sd_arn, generation) -> bool:
        with self.store.lock:
            found = self._current(arn, sd_arn, generation)
            return bool(found and found[1].get("_rollback"))

    def _roll_back(self, arn, sd_arn, generation, source: dict | None) -> None:
        with self.store.lock:
            found = self._current(arn, sd_arn, generation)
            if found is None:
                return
            record, deployment = found
            reason = deployment.get("_rollback") or "Stopped with ROLLBACK by StopServiceDeployment."
            if not self._start_rollback(record, deployment, reason):
                return
        ok, why = True, ""
        if source is not None:
            try:
                self.runtime.restore(source)
            except Exception as err:  # noqa: BLE001 - a failed restore is a failed rollback
                LOG.exception("rollback of %s failed", sd_arn)
                ok, why = False, str(err)
        with self.store.lock:
            found = self._current(arn, sd_arn, generation)
            if found is not None:
                self._end_rollback(*found, ok, why)

    def _start_rollback(self, record: dict, deployment: dict, reason: str) -> bool:
        now = time.time()
        service = record["service"]
        source = _source_arn(deployment)
        entry = self._entry(service, deployment) or {"id": deployment["_deployment_id"], "rolloutState": ""}
        if entry["rolloutState"] == "IN_PROGRESS":
            entry.update(rolloutState="FAILED", rolloutStateReason=f"ECS deployment {entry['id']} rolled back.")
        if source is None:
            deployment.update(status="ROLLBACK_FAILED", statusReason=f"{reason} No source service revision "
                              "to roll back to.", finishedAt=now, updatedAt=now)
            self.store.save()
            return False
        task_definition = record["revisions"][source]["taskDefinition"]
        rollback = self._deployment_entry(service, ids.deployment_id(), task_definition, now)
        entry["status"] = "ACTIVE"
        service["deployments"] = [rollback] + [e for e in service["deployments"] if e["status"] != "PRIMARY"]
        service["taskDefinition"] = task_definition
        deployment.update(status="ROLLBACK_IN_PROGRESS", updatedAt=now, statusReason=reason,
                          rollback={"reason": reason, "startedAt": now, "serviceRevisionArn": source})
        deployment["_rollback_entry"] = rollback["id"]
        add_event(service, f"(deployment {entry['id']}) rolling back to {task_definition.rsplit('/', 1)[-1]} "
                           f"(deployment {rollback['id']}): {reason}")
        self.store.save()
        return True

    def _end_rollback(self, record: dict, deployment: dict, ok: bool, why: str) -> None:
        now = time.time()
        service = record["service"]
        source = _source_arn(deployment)
        desired = service["desiredCount"]
        rollback = next((e for e in service["deployments"] if e["id"] == deployment.get("_rollback_entry")), None)
        if ok and rollback is not None:
            rollback.update(rolloutState="COMPLETED", runningCount=desired, updatedAt=now,
                            rolloutStateReason=f"ECS deployment {rollback['id']} completed.")
            service["deployments"] = [rollback]
            service.update(runningCount=desired, pendingCount=0,
                           currentServiceRevisions=[_summary(source, desired, desired)])
            record["serving"] = source
            add_event(service, f"(deployment {rollback['id']}) rollback completed; the previous revision serves.")
            add_event(service, "has reached a steady state.")
        deployment.update(status="ROLLBACK_SUCCESSFUL" if ok else "ROLLBACK_FAILED", finishedAt=now, updatedAt=now,
                          **({} if ok else {"statusReason": f"{deployment.get('statusReason')} Rollback failed: {why}"}))
        self.store.save()

    def _stopped(self, arn, sd_arn, generation, stop: str) -> None:
        with self.store.lock:
            found = self._current(arn, sd_arn, generation)
            if found is None:
                return
            record, deployment = found
            now = time.time()
            service = record["service"]
            entry = self._entry(service, deployment)
            reason = ("Superseded by a newer service deployment." if stop == "SUPERSEDED"
                      else "Stopped with ABORT by StopServiceDeployment.")
            if entry is not None and entry["status"] != "PRIMARY":
                service["deployments"] = [e for e in service["deployments"] if e is not entry]
            elif entry is not None:
                entry.update(rolloutState="FAILED", rolloutStateReason=reason, updatedAt=now)
            deployment.update(status="STOPPED", statusReason=reason, stoppedAt=now, finishedAt=now, updatedAt=now)
            self.store.save()

    # -- deletion ------------------------------------------------------------------------------------
    def delete(self, record: dict) -> None:
        """DeleteService (caller holds the lock): DRAINING now, INACTIVE once its tasks are stopped."""
        service = record["service"]
        for deployment in record["deployments"]:
            if deployment["status"] in IN_FLIGHT:
                deployment["_stop"] = "SUPERSEDED"
        service.update(status="DRAINING", desiredCount=0)
        view = self._view(record, record.get("serving"))
        self.store.save()
        threading.Thread(target=self._drain, args=(service["serviceArn"], view, self.store.generation),
                         daemon=True).start()

    def _drain(self, arn: str, view: dict | None, generation: int) -> None:
        if view is not None:
            try:
                self.runtime.stop(view)
            except Exception:  # noqa: BLE001 - the service goes away all the same
                LOG.exception("stopping %s failed", arn)
        with self.store.lock:
            record = self.store.services.get(arn)
            if record is None or generation != self.store.generation:
                return
            record["service"].update(status="INACTIVE", runningCount=0, pendingCount=0, deployments=[])
            if record.get("express"):
                record["express"]["statusCode"] = "INACTIVE"
            record["serving"] = None
            self.store.save()

    # -- restart -------------------------------------------------------------------------------------
    def recover(self) -> None:
        """At start: roll back interrupted deployments, finish drains, then restore what serves."""
        drained = []
        with self.store.lock:
            for record in self.store.services.values():
                for deployment in record["deployments"]:
                    if deployment["status"] in IN_FLIGHT:
                        deployment["_rollback"] = "Interrupted by an emulator restart."
                        if self._start_rollback(record, deployment, deployment["_rollback"]):
                            self._end_rollback(record, deployment, True, "")
                if record["service"]["status"] == "DRAINING":
                    drained.append((record["service"]["serviceArn"], self._view(record, record.get("serving"))))
            self.store.save()
            serving = [self._view(r, r.get("serving")) for r in self.store.services.values()
                       if r["service"]["status"] == "ACTIVE"]
        for arn, view in drained:
            self._drain(arn, view, self.store.generation)
        for view in serving:
            if view is not None:
                self.runtime.restore(view)

    def stop_all(self, records: list[dict]) -> list[str]:
        """Stop what every service of ``records`` runs (after a reset); their ARNs."""
        stopped = []
        for record in records:
            view = self._view(record, record.get("serving"))
            if view is not None and record["service"]["status"] != "INACTIVE":
                self.runtime.stop(view)
                stopped.append(record["service"]["serviceArn"])
        return stopped

    # -- helpers ---------------------------------------------------------------------------------------
    def view_of(self, record: dict) -> dict | None:
        return self._view(record, record.get("serving"))

    def _view(self, record: dict, revision_arn: str | None) -> dict | None:
        if not revision_arn or revision_arn not in record["revisions"]:
            return None
        task_definition = self.lookups.task_definition_by_arn(record["revisions"][revision_arn]["taskDefinition"])
        if task_definition is None or not essential_container(task_definition).get("image"):
            return None
        return copy.deepcopy(runtime_view(record, task_definition))

    def _current(self, arn: str, sd_arn: str, generation: int) -> tuple[dict, dict] | None:
        record = self.store.services.get(arn)
        if record is None or generation != self.store.generation:
            return None
        deployment = next((d for d in record["deployments"] if d["serviceDeploymentArn"] == sd_arn), None)
        if deployment is None or deployment["status"] not in IN_FLIGHT:
            return None
        return record, deployment

    def _stop_of(self, arn, sd_arn, generation) -> str | None:
        with self.store.lock:
            found = self._current(arn, sd_arn, generation)
            return "GONE" if found is None else found[1].get("_stop")

    def _retry_delay(self, arn: str, sd_arn: str) -> float:
        """Before the next task: 1 s (the deploy seconds when shorter), doubling per failure, at most 30 s."""
        with self.store.lock:
            record = self.store.services.get(arn) or {"deployments": []}
            deployment = next((d for d in record["deployments"] if d["serviceDeploymentArn"] == sd_arn), None)
            failures = deployment["deploymentCircuitBreaker"]["failureCount"] if deployment else 1
        return min(MAX_RETRY_SECONDS, min(1.0, self.faults.deploy_seconds) * 2.0 ** max(0, failures - 1))

    def _hold(self, started: float, arn, sd_arn, generation) -> None:
        """At least ``deploy_seconds`` (read as it waits) since ``started``, unless stopped."""
        while (left := self.faults.deploy_seconds - (time.monotonic() - started)) > 0:
            if self._stop_of(arn, sd_arn, generation):
                return
            time.sleep(min(left, POLL_SECONDS))

    def _wait(self, seconds: float, arn, sd_arn, generation) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self._stop_of(arn, sd_arn, generation):
                return
            time.sleep(min(left, POLL_SECONDS))

    @staticmethod
    def _entry(service: dict, deployment: dict) -> dict | None:
        return next((e for e in service["deployments"] if e["id"] == deployment["_deployment_id"]), None)


def _summary(revision_arn: str, requested: int, running: int) -> dict:
    return {"arn": revision_arn, "requestedTaskCount": requested, "runningTaskCount": running,
            "pendingTaskCount": max(0, requested - running)}


def _source_arn(deployment: dict) -> str | None:
    sources = deployment.get("sourceServiceRevisions") or []
    return sources[0]["arn"] if sources else None

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS App Runner behind the small "thing that runs an image" interface.

A compute platform offers: ``read(service)`` -> DescribeService's service, ``describe(service)``
-> normalized dict, ``deploy(service, image)`` -> operation id, ``configure(service,
image_configuration)`` -> operation id, ``list_operations(service, limit)``, ``wait(service,
operation_id, timeout)`` -> OperationResult, ``started(result, operation_id)``, ``finish(service,
result, timeout)`` -> the service after the operation and ``judge(result, what, now)`` (fail unless
it ended SUCCEEDED), ``ensure_idle(service)``. The writes take the service a caller already read
(``service=``), so one DescribeService serves the decision and the read-modify-write. Modules use
only these, so another platform (ECS) can sit beside this class.
"""
from __future__ import annotations

import copy

from ansible_collections.lacrei.rollback.plugins.module_utils import apprunner_poller as poller
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import AwsActionFailed, aws_action
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed
from ansible_collections.lacrei.rollback.plugins.module_utils.timefmt import iso8601

SETTLE_TIMEOUT = 60
# How long, after an UpdateService whose answer was lost, to look for the operation it started.
LOOKUP_TIMEOUT = 30
# Options of the modules that start an operation (doc fragment lacrei.rollback.apprunner_service.wait).
WAIT_SPEC = dict(wait=dict(type="bool", default=True), wait_timeout=dict(type="int", default=900))
HEALTH_CHECK_KEYS = {"Protocol": "protocol", "Path": "path", "Interval": "interval", "Timeout": "timeout",
                     "HealthyThreshold": "healthy_threshold", "UnhealthyThreshold": "unhealthy_threshold"}


class ServiceBusy(ActionFailed):
    """The service is running another operation; nothing was changed."""


class WriteOutcomeUnknown(ActionFailed):
    """A write's answer was lost and looking did not tell whether it took effect."""


def normalize_operation(summary: dict) -> dict:
    return {"id": summary.get("Id"), "type": summary.get("Type"), "status": summary.get("Status"),
            "started_at": iso8601(summary.get("StartedAt")), "ended_at": iso8601(summary.get("EndedAt"))}


def normalize_service(service: dict, include_env_values: bool = False) -> dict:
    """The parts of DescribeService a runbook needs; secrets' ARNs only with include_env_values."""
    image_repo = (service.get("SourceConfiguration") or {}).get("ImageRepository") or {}
    image_config = image_repo.get("ImageConfiguration") or {}
    variables = image_config.get("RuntimeEnvironmentVariables") or {}
    secrets = image_config.get("RuntimeEnvironmentSecrets") or {}
    instance = service.get("InstanceConfiguration") or {}
    health = service.get("HealthCheckConfiguration") or {}
    result = {
        "service_name": service.get("ServiceName"),
        "service_arn": service.get("ServiceArn"),
        "service_url": service.get("ServiceUrl"),
        "status": service.get("Status"),
        "image_identifier": image_repo.get("ImageIdentifier"),
        "image_repository_type": image_repo.get("ImageRepositoryType"),
        "port": image_config.get("Port"),
        "start_command": image_config.get("StartCommand"),
        "environment_variable_names": sorted(variables),
        "environment_secret_names": sorted(secrets),
        "health_check": {ours: health[theirs] for theirs, ours in HEALTH_CHECK_KEYS.items() if theirs in health},
        "cpu": instance.get("Cpu"),
        "memory": instance.get("Memory"),
        "updated_at": iso8601(service.get("UpdatedAt")),
    }
    if include_env_values:
        result["environment_variables"] = dict(variables)
        result["environment_secrets"] = dict(secrets)  # references (ARNs), never secret values
    return result


def as_requested(configured: dict, wanted: dict) -> bool:
    """Whether an image repository source has the image and environment of ``wanted``."""
    def key(repository):
        config = repository.get("ImageConfiguration") or {}
        return (repository.get("ImageIdentifier"), config.get("RuntimeEnvironmentVariables") or {},
                config.get("RuntimeEnvironmentSecrets") or {})
    return key(configured) == key(wanted)


class AppRunnerPlatform:
    name = "apprunner"

    def __init__(self, client, settle_timeout: float = SETTLE_TIMEOUT, lookup_timeout: float | None = None):
        self.client = client
        self.settle_timeout = settle_timeout
        self.lookup_timeout = LOOKUP_TIMEOUT if lookup_timeout is None else lookup_timeout
        # Writes whose answer was lost and that were found to have taken effect (for the result).
        self.recovered_writes: list[dict] = []

    def read(self, service_arn: str) -> dict:
        """DescribeService's ``Service`` (one request); ``normalize_service`` makes it readable."""
        with aws_action(f"describe App Runner service {service_arn}"):
            return self.client.describe_service(ServiceArn=service_arn)["Service"]

    def describe(self, service_arn: str, include_env_values: bool = False) -> dict:
        return normalize_service(self.read(service_arn), include_env_values)

    def list_operations(self, service_arn: str, limit: int = 5) -> list[dict]:
        return [normalize_operation(op) for op in poller.iter_operations(self.client, service_arn, limit)]

    def operation_in_progress(self, service_arn: str) -> dict | None:
        active = (op for op in poller.iter_operations(self.client, service_arn)
                  if op.get("Status") in poller.ACTIVE_STATUSES)
        found = next(active, None)
        return normalize_operation(found) if found else None

    def ensure_idle(self, service_arn: str, status: str | None = None) -> None:
        """Raise ServiceBusy when the service runs an operation (status given or looked up)."""
        status = status or self.read(service_arn).get("Status")
        if status == "OPERATION_IN_PROGRESS":
            raise self._busy(service_arn)

    def _busy(self, service_arn: str) -> ServiceBusy:
        op = self.operation_in_progress(service_arn) or {}
        running = (f"{op.get('type')} operation {op.get('id')} (status {op.get('status')}), "
                   f"started at {op.get('started_at')}") if op else "an operation (not listed yet)"
        return ServiceBusy(
            f"App Runner service {service_arn} is busy with {running}. Nothing was changed. Wait for "
            "that operation to end (App Runner console, or `aws apprunner list-operations "
            f"--service-arn {service_arn}`) and run this again.",
            error="InvalidStateException", operation_in_progress=op or None)

    def deploy(self, service_arn: str, image_identifier: str, service: dict | None = None) -> str:
        """Point the service at ``image_identifier``, keeping every other setting; the operation id.
        ``service``: what ``read`` returned, when the caller has just read it (not read again)."""
        source = self._image_source(service_arn, service)
        source["ImageRepository"]["ImageIdentifier"] = image_identifier
        return self._update_image_repository(service_arn, source, f"to {image_identifier}")

    @staticmethod
    def _image_repository(service: dict) -> dict:
        return (service.get("SourceConfiguration") or {}).get("ImageRepository") or {}

    def configure(self, service_arn: str, image_configuration: dict, service: dict | None = None) -> str:
        """Set keys of the image configuration (e.g. RuntimeEnvironmentVariables), keeping the image
        and every other setting; the operation id. A key set to None is removed."""
        source = self._image_source(service_arn, service)
        config = source["ImageRepository"].setdefault("ImageConfiguration", {})
        for key, value in image_configuration.items():
            if value is None:
                config.pop(key, None)
            else:
                config[key] = value
        return self._update_image_repository(service_arn, source,
                                             "image configuration (" + ", ".join(sorted(image_configuration)) + ")")

    def _image_source(self, service_arn: str, service: dict | None) -> dict:
        """A copy of the (given or read) service's source configuration, once it is known idle."""
        service = service if service is not None else self.read(service_arn)
        source = copy.deepcopy(service.get("SourceConfiguration") or {})
        if "ImageRepository" not in source:
            raise ActionFailed(f"App Runner service {service_arn} is built from source code, not from an "
                               "image; it cannot be pointed at an image")
        self.ensure_idle(service_arn, service.get("Status"))
        return source

    def _update_image_repository(self, service_arn: str, source: dict, what: str) -> str:
        """UpdateService with ``source`` (a read-modify-write's result); the operation id."""
        known = {op.get("Id") for op in poller.iter_operations(self.client, service_arn, poller.PAGE_SIZE)}
        try:
            with aws_action(f"update App Runner service {service_arn} {what}"):
                return self.client.update_service(ServiceArn=service_arn, SourceConfiguration=source)["OperationId"]
        except AwsActionFailed as exc:
            if exc.code == "InvalidStateException":
                raise self._busy(service_arn) from exc
            if exc.ambiguous:
                return self._find_lost_update(service_arn, exc, known, source["ImageRepository"])
            raise

    def _find_lost_update(self, service_arn: str, exc: AwsActionFailed, known: set, wanted: dict) -> str:
        """The operation a lost UpdateService started: a new UPDATE_SERVICE operation (not listed
        before the request) with the service configured as requested, or one that already failed or
        was rolled back (which leaves the old configuration). WriteOutcomeUnknown otherwise."""
        found = poller.wait_for_new_operation(self.client, service_arn, known, "UPDATE_SERVICE",
                                              self.lookup_timeout)
        if found is not None:
            configured = self._image_repository(self.read(service_arn))
            rolled_back = found.get("Status") in poller.TERMINAL_STATUSES - {"SUCCEEDED"}
            if as_requested(configured, wanted) or rolled_back:
                self.recovered_writes.append({
                    "action": exc.action, "error": f"{exc.code}: {exc.message}", "operation_id": found["Id"],
                    "found_by": "a new UPDATE_SERVICE operation listed after the request, "
                                "the service configured as requested"})
                return found["Id"]
        seen = (f"operation {found['Id']} ({found.get('Status')}) started, but the service is not configured "
                "as this run asked, so it may be someone else's" if found else
                f"no new UPDATE_SERVICE operation was listed within {self.lookup_timeout:g}s")
        raise WriteOutcomeUnknown(
            f"Cannot tell whether the request to {exc.action} took effect: its answer was lost ({exc.code}: "
            f"{exc.message}) and {seen}. Check `aws apprunner list-operations --service-arn {service_arn}` "
            f"and `aws apprunner describe-service --service-arn {service_arn}` (the image and its "
            "configuration); when no operation of this run is there, running this again is safe.",
            error=exc.code, ambiguous_write=True, operation_found=normalize_operation(found) if found else None)

    def wait(self, service_arn: str, operation_id: str, timeout: float) -> poller.OperationResult:
        result = poller.wait_for_operation(self.client, service_arn, operation_id, timeout)
        poller.wait_for_service_settled(self.client, service_arn, self.settle_timeout)
        return result

    def started(self, result: dict, operation_id: str) -> dict:
        """``result`` with the operation just started (and the lost answer it was found by, if any)."""
        result.update(changed=True, operation_id=operation_id, status="IN_PROGRESS")
        if self.recovered_writes:
            result["recovered_write"] = self.recovered_writes[-1]
        return result

    def finish(self, service_arn: str, result: dict, timeout: float) -> dict:
        """Wait for ``result``'s operation; ``result`` gains its status and durations. The service as it
        is after the operation (normalized). A WaitTimeout carries ``result``."""
        try:
            outcome = self.wait(service_arn, result["operation_id"], timeout)
        except poller.WaitTimeout as exc:
            exc.details.update(result)
            raise
        result.update(status=outcome.status, deployment_seconds=outcome.duration_seconds,
                      waited_seconds=outcome.waited_seconds)
        return self.describe(service_arn)

    @staticmethod
    def judge(result: dict, what: str, now: str) -> dict:
        """``result`` when its operation ended SUCCEEDED; else ActionFailed saying so. ``what`` names
        the change ("Deployment of ... to ..."), ``now`` tells a failed run's reader what runs now."""
        if result["status"] == "SUCCEEDED":
            return result
        rolled_back = result["status"] == "ROLLBACK_SUCCEEDED"
        how = "App Runner rolled the deployment back" if rolled_back else "the service may be left in between"
        raise ActionFailed(
            f"{what} ended {result['status']} (operation {result['operation_id']}): {how}; {now}. "
            "Check the service's deployment and application logs before trying again.",
            **dict(result, changed=not rolled_back))

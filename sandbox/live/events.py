"""Deployment events of a service, worded like App Runner's service log.

Written by the runtime to CloudWatch Logs group ``/aws/apprunner/<ServiceName>/<ServiceId>/service``,
stream ``events`` (and copied to ``<state>/live/services/<id>/service-events.log``). Other
components parse these lines (operation id -> image), so the wording below is a contract.
``<op>`` is the OperationId the App Runner API returned; ``<event>`` is ``SERVICE_CREATE``
(CreateService), ``SERVICE_UPDATE`` (UpdateService), ``MANUAL_DEPLOYMENT`` (StartDeployment) or
``SERVICE_RESUME`` (ResumeService); ``<uri>`` is the repository URI without tag or digest,
``<ref>`` the tag or the digest (``sha256:...``); ``<target>`` is ``path [/health/]`` (HTTP
check) or ``port [8080]`` (TCP check, the ImageConfiguration port).

Every deployment operation the runtime runs::

    [AppRunner] Deployment with ID : <op> started. Triggering event : <event>
    [AppRunner] Deployment Artifact: [Repo Type: ECR], [Image URL: <uri>], [Image Tag: <ref>]

then, when the image resolves::

    [AppRunner] Pulling image <uri> from ECR repository.
    [AppRunner] Successfully pulled your application image from ECR. [Revision: <git sha>]
    [AppRunner] Provisioning instances and deploying image.
    [AppRunner] Performing health check on <target>.

and it ends with exactly one of::

    [AppRunner] Health check on <target> is successful.
    [AppRunner] Successfully routed incoming traffic to application.
    [AppRunner] Deployment with ID : <op> completed successfully.

    [AppRunner] Health check on <target> failed: <result>. Check your health check configuration. For more information, read the application logs.
    [AppRunner] Deployment with ID : <op> failed. Failure reason : Health check failed.

    [AppRunner] Failed to pull your application image. Reason: <why>
    [AppRunner] Deployment with ID : <op> failed. Failure reason : Image pull failed.

    [AppRunner] <why the instance could not start (checkout, secrets)>
    [AppRunner] Deployment with ID : <op> failed. Failure reason : Instance creation failed.

A failed deployment that had a previous version (UpdateService, StartDeployment; the operation
ends ``ROLLBACK_SUCCEEDED``) is followed by::

    [AppRunner] Rolling back to the previous version: [Image URL: <uri>], [Image Tag: <ref>]
    [AppRunner] Rollback completed successfully. The previous version keeps serving.

So the images a service ran successfully are the ``Deployment Artifact`` lines of the operations
that have a ``completed successfully`` line (within one log group, an operation's lines are
written in order, one operation at a time). After an emulator restart the running version is
brought back with a line that is not a deployment::

    [AppRunner] Instance restarted after an emulator restart: [Image URL: <uri>], [Image Tag: <ref>]

Deployments failed by the emulator's injected fault (``fail_next_deployment``) never reach the
runtime and write nothing.
"""
from __future__ import annotations

import logging
from pathlib import Path

from .telemetry import LogWriter, log_group

LOG = logging.getLogger(__name__)
STREAM = "events"
TRIGGERS = {"CREATE_SERVICE": "SERVICE_CREATE", "UPDATE_SERVICE": "SERVICE_UPDATE",
            "START_DEPLOYMENT": "MANUAL_DEPLOYMENT", "RESUME_SERVICE": "SERVICE_RESUME"}
PREFIX = "[AppRunner] "


def artifact(uri: str, ref: str) -> str:
    return f"[Image URL: {uri}], [Image Tag: {ref}]"


def split_identifier(identifier: str) -> tuple[str, str]:
    """(repository URI, tag or digest) of an ImageIdentifier."""
    if "@" in identifier:
        uri, digest = identifier.split("@", 1)
        return uri, digest
    head, _, tag = identifier.rpartition(":")
    if head and "/" not in tag:
        return head, tag
    return identifier, "latest"


class ServiceEvents:
    """The service event log of one service; failures to reach CloudWatch are only logged."""

    def __init__(self, service: dict, local_copy: Path):
        self.group = log_group(service["ServiceName"], service["ServiceId"], "service")
        self.local_copy = Path(local_copy)
        self.writer: LogWriter | None = None

    def say(self, text: str) -> None:
        line = PREFIX + text
        with open(self.local_copy, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        try:
            self.writer = self.writer or LogWriter(self.group)
            self.writer.put(STREAM, [line])
        except Exception as err:  # noqa: BLE001 - the deployment goes on without CloudWatch
            LOG.warning("cannot write service event to %s: %s", self.group, err)

    # -- the sentences -----------------------------------------------------------------------
    def started(self, op_id: str, op_type: str, identifier: str) -> None:
        self.say(f"Deployment with ID : {op_id} started. Triggering event : {TRIGGERS.get(op_type, op_type)}")
        self.say(f"Deployment Artifact: [Repo Type: ECR], {artifact(*split_identifier(identifier))}")

    def pulled(self, uri: str, sha: str) -> None:
        self.say(f"Pulling image {uri} from ECR repository.")
        self.say(f"Successfully pulled your application image from ECR. [Revision: {sha}]")
        self.say("Provisioning instances and deploying image.")

    def checking(self, target: str) -> None:
        self.say(f"Performing health check on {target}.")

    def succeeded(self, op_id: str, target: str) -> None:
        self.say(f"Health check on {target} is successful.")
        self.say("Successfully routed incoming traffic to application.")
        self.say(f"Deployment with ID : {op_id} completed successfully.")

    def unhealthy(self, op_id: str, target: str, result: str) -> None:
        self.say(f"Health check on {target} failed: {result}. Check your health check configuration. "
                 "For more information, read the application logs.")
        self.failed(op_id, "Health check failed.")

    def pull_failed(self, op_id: str, why: str) -> None:
        self.say(f"Failed to pull your application image. Reason: {why}")
        self.failed(op_id, "Image pull failed.")

    def start_failed(self, op_id: str, why: str) -> None:
        self.say(why)
        self.failed(op_id, "Instance creation failed.")

    def failed(self, op_id: str, reason: str) -> None:
        self.say(f"Deployment with ID : {op_id} failed. Failure reason : {reason}")

    def rolled_back(self, previous_identifier: str) -> None:
        self.say(f"Rolling back to the previous version: {artifact(*split_identifier(previous_identifier))}")
        self.say("Rollback completed successfully. The previous version keeps serving.")

    def restarted(self, identifier: str) -> None:
        self.say(f"Instance restarted after an emulator restart: {artifact(*split_identifier(identifier))}")

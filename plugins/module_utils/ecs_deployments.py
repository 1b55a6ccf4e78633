# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ECS service deployments, shared by ECS services and Express Mode services (an Express
gateway service is an ECS service: the same ListServiceDeployments, DescribeServiceDeployments,
StopServiceDeployment and DescribeServiceRevisions calls work on it).

Waiting uses the one poller's loop (``apprunner_poller.wait_until``).
"""
from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.lacrei.rollback.plugins.module_utils import apprunner_poller as poller
from ansible_collections.lacrei.rollback.plugins.module_utils.apprunner import ServiceBusy
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import aws_action
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed
from ansible_collections.lacrei.rollback.plugins.module_utils.timefmt import iso8601

ENDED = frozenset({"SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"})
IN_FLIGHT = ("PENDING", "IN_PROGRESS", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "STOP_REQUESTED")
STOPPABLE = frozenset({"PENDING", "IN_PROGRESS"})
BATCH = 20  # DescribeServiceDeployments / DescribeServiceRevisions take 20 ARNs at most
SETTLE_TIMEOUT = 60
LOOKUP_TIMEOUT = 30


@dataclass(frozen=True)
class DeploymentResult:
    deployment_arn: str
    status: str
    reason: str | None
    started_at: str | None
    finished_at: str | None
    waited_seconds: float
    rollout_state: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCESSFUL"

    @property
    def rolled_back(self) -> bool:
        return self.status == "ROLLBACK_SUCCESSFUL"


def normalize_deployment(deployment: dict) -> dict:
    """A ListServiceDeployments or DescribeServiceDeployments entry, in snake_case."""
    target = deployment.get("targetServiceRevisionArn") or (deployment.get("targetServiceRevision") or {}).get("arn")
    breaker = deployment.get("deploymentCircuitBreaker") or {}
    return {
        "arn": deployment.get("serviceDeploymentArn"),
        "status": deployment.get("status"),
        "status_reason": deployment.get("statusReason"),
        "target_service_revision_arn": target,
        "rollback_reason": (deployment.get("rollback") or {}).get("reason"),
        "circuit_breaker_status": breaker.get("status"),
        "created_at": iso8601(deployment.get("createdAt")),
        "started_at": iso8601(deployment.get("startedAt")),
        "finished_at": iso8601(deployment.get("finishedAt")),
    }


class ServiceDeployments:
    """The service deployments of one ECS service (``service``: name or ARN, in ``cluster``)."""

    def __init__(self, client, cluster: str | None, settle_timeout: float = SETTLE_TIMEOUT,
                 lookup_timeout: float = LOOKUP_TIMEOUT):
        self.client = client
        self.cluster = cluster
        self.settle_timeout = settle_timeout
        self.lookup_timeout = lookup_timeout

    def _cluster_kwargs(self) -> dict:
        return {"cluster": self.cluster} if self.cluster else {}

    def summaries(self, service: str, limit: int | None = None, statuses=None):
        """ListServiceDeployments entries, newest first, following nextToken."""
        kwargs = dict(self._cluster_kwargs(), service=service, maxResults=BATCH)
        if statuses:
            kwargs["status"] = list(statuses)
        seen = 0
        while True:
            with aws_action(f"list the service deployments of ECS service {service}"):
                page = self.client.list_service_deployments(**kwargs)
            for summary in page.get("serviceDeployments") or []:
                if limit is not None and seen >= limit:
                    return
                seen += 1
                yield summary
            if not page.get("nextToken"):
                return
            kwargs["nextToken"] = page["nextToken"]

    def describe(self, arns: list[str]) -> list[dict]:
        found = []
        for start in range(0, len(arns), BATCH):
            with aws_action("describe ECS service deployments"):
                found += self.client.describe_service_deployments(
                    serviceDeploymentArns=arns[start:start + BATCH])["serviceDeployments"]
        return found

    def images_of_revisions(self, revision_arns: list[str]) -> dict:
        """Service revision ARN -> {container name: image} (DescribeServiceRevisions)."""
        images = {}
        unique = list(dict.fromkeys(arn for arn in revision_arns if arn))
        for start in range(0, len(unique), BATCH):
            with aws_action("describe ECS service revisions"):
                revisions = self.client.describe_service_revisions(
                    serviceRevisionArns=unique[start:start + BATCH])["serviceRevisions"]
            for revision in revisions:
                images[revision["serviceRevisionArn"]] = {
                    image.get("containerName"): image.get("image") for image in revision.get("containerImages") or []}
                images[revision["serviceRevisionArn"]]["__task_definition"] = revision.get("taskDefinition")
        return images

    def history(self, service: str, limit: int, container: str | None = None) -> list[dict]:
        """The ``limit`` most recent deployments, newest first, each with the image it deployed
        (``container``'s, else the first listed) and its task definition."""
        deployments = [normalize_deployment(d) for d in self.describe(
            [s["serviceDeploymentArn"] for s in self.summaries(service, limit)])]
        images = self.images_of_revisions([d["target_service_revision_arn"] for d in deployments])
        for deployment in deployments:
            containers = dict(images.get(deployment["target_service_revision_arn"]) or {})
            deployment["task_definition"] = containers.pop("__task_definition", None)
            deployment["image"] = containers.get(container) if container else next(iter(containers.values()), None)
        deployments.sort(key=lambda d: d["created_at"] or d["started_at"] or "", reverse=True)
        return deployments

    def in_flight(self, service: str) -> dict | None:
        """The newest deployment still running (a rollback or stop included), or None."""
        found = next(self.summaries(service, statuses=IN_FLIGHT), None)
        return normalize_deployment(found) if found else None

    def busy(self, service: str, what: str, deployment: dict) -> ServiceBusy:
        return ServiceBusy(
            f"{what} is busy with service deployment {deployment['arn']} (status {deployment['status']}, "
            f"started at {deployment['started_at']}). Nothing was changed. Wait for it to end (`aws ecs "
            f"describe-service-deployments --service-deployment-arns {deployment['arn']}`), or roll it back "
            "now with stop_in_flight=true, and run this again.",
            error="ServiceDeploymentInProgress", deployment_in_progress=deployment)

    def newest_other_than(self, service: str, known: str | None) -> str:
        """The ARN of the newest deployment that is not ``known`` (the one an update started),
        waiting up to the lookup timeout for ECS to list it."""
        def new():
            newest = next(self.summaries(service, 1), None)
            return newest["serviceDeploymentArn"] if newest and newest["serviceDeploymentArn"] != known else None
        try:
            return poller.wait_until(new, f"the service deployment of ECS service {service}", self.lookup_timeout)[0]
        except poller.WaitTimeout:
            raise ActionFailed(f"ECS service {service} was updated but no new service deployment was listed within "
                               f"{self.lookup_timeout:g}s; check `aws ecs list-service-deployments --service "
                               f"{service}`.") from None

    def stop(self, arn: str) -> None:
        with aws_action(f"stop ECS service deployment {arn} with ROLLBACK"):
            self.client.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")

    def wait(self, service: str, arn: str, timeout: float) -> DeploymentResult:
        """Wait until service deployment ``arn`` ends, then, when it succeeded, until the service's
        PRIMARY deployment's rolloutState leaves IN_PROGRESS. Any end status is returned."""
        last = {}

        def ended():
            last["deployment"] = self.describe([arn])[0]
            return last["deployment"] if last["deployment"].get("status") in ENDED else None

        try:
            deployment, waited = poller.wait_until(
                ended, f"ECS service deployment {arn}", timeout,
                status=lambda: (last.get("deployment") or {}).get("status", "not described yet"))
        except poller.WaitTimeout as exc:
            status = (last.get("deployment") or {}).get("status", "not described yet")
            raise poller.WaitTimeout(f"{exc.msg} (last status: {status}); the deployment goes on in ECS",
                                     deployment_arn=arn, deployment_status=status, timeout=timeout) from None
        rollout = self._settled_rollout(service) if deployment["status"] == "SUCCESSFUL" else None
        reason = (deployment.get("rollback") or {}).get("reason") or deployment.get("statusReason")
        return DeploymentResult(arn, deployment["status"], reason, iso8601(deployment.get("startedAt")),
                                iso8601(deployment.get("finishedAt")), round(waited, 3), rollout)

    def _settled_rollout(self, service: str) -> str | None:
        def settled():
            with aws_action(f"describe ECS service {service}"):
                found = self.client.describe_services(services=[service], **self._cluster_kwargs())["services"]
            primary = next((d for d in (found[0] if found else {}).get("deployments") or []
                            if d.get("status") == "PRIMARY"), {})
            state = primary.get("rolloutState")
            return state if state != "IN_PROGRESS" else None
        try:
            return poller.wait_until(settled, f"ECS service {service}'s rollout", self.settle_timeout)[0]
        except poller.WaitTimeout:
            return "IN_PROGRESS"


def failure_message(what: str, outcome: DeploymentResult, serving: str) -> str:
    """What a failed run says: how the deployment ended, why, and what runs now."""
    if outcome.rolled_back:
        how = f"ECS rolled it back ({outcome.reason})" if outcome.reason else "ECS rolled it back"
    else:
        how = f"{outcome.reason}; the service may be left in between" if outcome.reason else \
            "the service may be left in between"
    return (f"{what} ended {outcome.status} (service deployment {outcome.deployment_arn}): {how}; {serving}. "
            "Check the service's events and application logs before trying again.")

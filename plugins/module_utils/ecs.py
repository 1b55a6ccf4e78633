# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Amazon ECS services behind the "thing that runs an image" interface (beside
``apprunner.AppRunnerPlatform``): ``describe``, ``deployment_in_progress``/``ensure_idle``,
``plan_deploy`` (read-only) and ``deploy(service, image)`` -> service deployment ARN,
``configure(service, environment, secrets)``, ``stop_in_flight``, ``wait`` -> DeploymentResult,
``start_and_wait``.

Rolling back to an image reuses the task definition revision of the service's family that ran
that image (so every other setting is what it was then), else registers a new revision copied
from the current one with only the container's image changed.
"""
from __future__ import annotations

import copy

from ansible_collections.lacrei.rollback.plugins.module_utils import apprunner_poller as poller
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import aws_action
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed
from ansible_collections.lacrei.rollback.plugins.module_utils.ecs_deployments import (
    ServiceDeployments, failure_message)
from ansible_collections.lacrei.rollback.plugins.module_utils.timefmt import iso8601

# How many ACTIVE revisions of the family (newest first) are searched for one that ran an image.
REVISION_SEARCH_LIMIT = 100
WAIT_SPEC = dict(wait=dict(type="bool", default=True), wait_timeout=dict(type="int", default=900))


def revision_name(task_definition_arn: str | None) -> str | None:
    """``family:revision`` of a task definition ARN."""
    return task_definition_arn.rsplit("/", 1)[-1] if task_definition_arn else None


def pick_container(task_definition: dict, name: str | None = None) -> dict:
    """The container named ``name``, else the first essential one."""
    containers = task_definition.get("containerDefinitions") or []
    found = next((c for c in containers if c.get("name") == name) if name else
                 (c for c in containers if c.get("essential", True)), None)
    if found is None:
        names = ", ".join(c.get("name", "?") for c in containers) or "none"
        wanted = f"no container named {name!r}" if name else "no essential container"
        raise ActionFailed(f"Task definition {revision_name(task_definition.get('taskDefinitionArn'))} has {wanted} "
                           f"(its containers: {names}); set the option container to one of them.")
    return found


def normalize_service(service: dict, task_definition: dict, container: dict, include_env_values: bool) -> dict:
    variables = {e["name"]: e.get("value") for e in container.get("environment") or []}
    secrets = {s["name"]: s.get("valueFrom") for s in container.get("secrets") or []}
    breaker = (service.get("deploymentConfiguration") or {}).get("deploymentCircuitBreaker") or {}
    result = {
        "service_name": service.get("serviceName"),
        "service_arn": service.get("serviceArn"),
        "cluster_arn": service.get("clusterArn"),
        "status": service.get("status"),
        "task_definition": service.get("taskDefinition"),
        "task_definition_revision": revision_name(service.get("taskDefinition")),
        "container_name": container.get("name"),
        "image_identifier": container.get("image"),
        "environment_variable_names": sorted(variables),
        "environment_secret_names": sorted(secrets),
        "desired_count": service.get("desiredCount"),
        "running_count": service.get("runningCount"),
        "circuit_breaker": {"enable": bool(breaker.get("enable")), "rollback": bool(breaker.get("rollback"))},
        "deployments": [{"id": d.get("id"), "status": d.get("status"), "rollout_state": d.get("rolloutState"),
                         "task_definition_revision": revision_name(d.get("taskDefinition")),
                         "running_count": d.get("runningCount"), "failed_tasks": d.get("failedTasks"),
                         "created_at": iso8601(d.get("createdAt"))} for d in service.get("deployments") or []],
    }
    if include_env_values:
        result["environment_variables"] = variables
        result["environment_secrets"] = secrets  # references (ARNs), never secret values
    return result


def telemetry_of(service: dict, container: dict) -> dict:
    """Where CloudWatch files the service: its cluster and service names (AWS/ECS), its target
    groups (AWS/ApplicationELB) and the container's ``awslogs`` group (None for another driver)."""
    logs = container.get("logConfiguration") or {}
    return {"cluster": (service.get("clusterArn") or "").rsplit("/", 1)[-1] or None,
            "service_name": service.get("serviceName"),
            "target_groups": [lb["targetGroupArn"] for lb in service.get("loadBalancers") or []
                              if lb.get("targetGroupArn")],
            "log_group": (logs.get("options") or {}).get("awslogs-group") if logs.get("logDriver") == "awslogs" else None}


class EcsPlatform:
    name = "ecs"
    kind = "ECS service"

    def __init__(self, client, cluster: str | None, container: str | None = None, **timeouts):
        self.client = client
        self.cluster = cluster
        self.container = container
        self.deployments = ServiceDeployments(client, cluster, **timeouts)
        self.registered_revision: str | None = None

    # -- reading -------------------------------------------------------------------------------
    def _service(self, service: str) -> dict:
        kwargs = {"cluster": self.cluster} if self.cluster else {}
        with aws_action(f"describe ECS service {service}"):
            found = self.client.describe_services(services=[service], **kwargs)["services"]
        if not found or found[0].get("status") == "INACTIVE":
            raise ActionFailed(f"ECS service {service} is not in cluster {self.cluster or 'default'}: check the "
                               "cluster and service names (`aws ecs list-services --cluster ...`).")
        return found[0]

    def _task_definition(self, reference: str) -> dict:
        with aws_action(f"describe task definition {reference}"):
            return self.client.describe_task_definition(taskDefinition=reference)["taskDefinition"]

    def _current(self, service: str) -> tuple[dict, dict, dict]:
        described = self._service(service)
        task_definition = self._task_definition(described["taskDefinition"])
        return described, task_definition, pick_container(task_definition, self.container)

    def describe(self, service: str, include_env_values: bool = False) -> dict:
        return normalize_service(*self._current(service), include_env_values)

    def history(self, service: str, limit: int = 5) -> list[dict]:
        return self.deployments.history(service, limit, self.container)

    def telemetry(self, service: str) -> dict:
        described, _, container = self._current(service)
        return telemetry_of(described, container)

    def deployment_in_progress(self, service: str) -> dict | None:
        return self.deployments.in_flight(service)

    def ensure_idle(self, service: str, status: str | None = None) -> None:  # status: App Runner's signature
        found = self.deployment_in_progress(service)
        if found:
            raise self.deployments.busy(service, f"{self.kind} {service}", found)

    def revision_running(self, family: str, container: str, image: str) -> str | None:
        """The newest ACTIVE revision of ``family`` whose ``container`` runs ``image``."""
        kwargs = dict(familyPrefix=family, status="ACTIVE", sort="DESC")
        searched = 0
        while searched < REVISION_SEARCH_LIMIT:
            with aws_action(f"list the revisions of task definition family {family}"):
                page = self.client.list_task_definitions(**kwargs)
            for arn in page.get("taskDefinitionArns") or []:
                if revision_name(arn).rpartition(":")[0] != family:  # familyPrefix is a prefix
                    continue
                searched += 1
                containers = self._task_definition(arn).get("containerDefinitions") or []
                if any(c.get("name") == container and c.get("image") == image for c in containers):
                    return arn
                if searched >= REVISION_SEARCH_LIMIT:
                    break
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
        return None

    def plan_deploy(self, service: str, image: str) -> dict:
        """What deploying ``image`` would do, read-only: the revision it would run (an existing one
        that ran the image, or None: a new one registered from the current)."""
        described, task_definition, container = self._current(service)
        running = container.get("image") == image
        reuse = described["taskDefinition"] if running else \
            self.revision_running(task_definition["family"], container["name"], image)
        return {"service": normalize_service(described, task_definition, container, False),
                "task_definition": task_definition, "container_name": container["name"],
                "running": running, "reuse_task_definition": reuse}

    # -- changing ------------------------------------------------------------------------------
    def register_from(self, task_definition: dict, change) -> str:
        """A new revision copied from ``task_definition`` with ``change(copy)`` applied; its ARN."""
        members = self.client.meta.service_model.operation_model("RegisterTaskDefinition").input_shape.members
        request = {k: copy.deepcopy(v) for k, v in task_definition.items() if k in members}
        change(request)
        with aws_action(f"register a new revision of task definition family {task_definition['family']}"):
            arn = self.client.register_task_definition(**request)["taskDefinition"]["taskDefinitionArn"]
        self.registered_revision = arn
        return arn

    def _point(self, service: str, task_definition_arn: str) -> str:
        """UpdateService to ``task_definition_arn``; the ARN of the service deployment it started."""
        before = next(self.deployments.summaries(service, 1), {}).get("serviceDeploymentArn")
        kwargs = {"cluster": self.cluster} if self.cluster else {}
        with aws_action(f"update ECS service {service} to task definition {revision_name(task_definition_arn)}"):
            updated = self.client.update_service(service=service, taskDefinition=task_definition_arn,
                                                 **kwargs)["service"]
        started = updated.get("currentServiceDeployment")
        return started if started and started != before else self.deployments.newest_other_than(service, before)

    def deploy(self, service: str, image: str, plan: dict | None = None) -> str:
        """Run ``image``: the revision that ran it, else a new one; the service deployment ARN."""
        plan = plan or self.plan_deploy(service, image)
        self.ensure_idle(service)
        target = plan["reuse_task_definition"]
        if target is None:
            def set_image(request):
                pick_container(request, plan["container_name"])["image"] = image
            target = self.register_from(plan["task_definition"], set_image)
        return self._point(service, target)

    def configure(self, service: str, environment: dict | None = None, secrets: dict | None = None) -> str:
        """A new revision with the container's environment and/or secrets (name -> value / ARN)
        replaced, everything else kept; the service deployment ARN."""
        self.ensure_idle(service)
        _, task_definition, container = self._current(service)

        def set_environment(request):
            target = pick_container(request, container["name"])
            if environment is not None:
                target["environment"] = [{"name": k, "value": v} for k, v in sorted(environment.items())]
            if secrets is not None:
                target["secrets"] = [{"name": k, "valueFrom": v} for k, v in sorted(secrets.items())]
        return self._point(service, self.register_from(task_definition, set_environment))

    def stop_in_flight(self, service: str) -> dict | None:
        """Stop the deployment in flight with ROLLBACK; it (before the stop) or None when none was."""
        found = self.deployment_in_progress(service)
        if found is None or found["status"] not in ("PENDING", "IN_PROGRESS"):
            if found is not None:  # already rolling back or stopping: follow it
                return found
            return None
        self.deployments.stop(found["arn"])
        return found

    def wait(self, service: str, deployment_arn: str, timeout: float):
        return self.deployments.wait(service, deployment_arn, timeout)

    def serving_now(self, service: str) -> tuple[dict, str]:
        now = self.describe(service)
        return ({"serving_image": now["image_identifier"], "task_definition_revision": now["task_definition_revision"]},
                f"task definition revision {now['task_definition_revision']} runs {now['image_identifier']} now")

    def start_and_wait(self, service: str, start, result: dict, *, timeout: int | None, what: str,
                       expected: str = "SUCCESSFUL") -> dict:
        """Start one service deployment, wait for it and fail unless it ends ``expected``."""
        result.update(changed=True, deployment_arn=start(), status="IN_PROGRESS")
        if self.registered_revision:
            result["registered_task_definition"] = self.registered_revision
        if timeout is None:
            return result
        try:
            outcome = self.wait(service, result["deployment_arn"], timeout)
        except poller.WaitTimeout as exc:
            exc.details.update(result)
            raise
        fields, sentence = self.serving_now(service)
        result.update(fields, status=outcome.status, status_reason=outcome.reason, rollout_state=outcome.rollout_state,
                      waited_seconds=outcome.waited_seconds)
        if outcome.status == expected:
            return result
        raise ActionFailed(failure_message(what, outcome, sentence), **result)

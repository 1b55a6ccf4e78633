# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ECS Express Mode services behind the same interface as ``ecs.EcsPlatform``: the Express
gateway service's primary container image is what runs. An update starts a CANARY service
deployment; a canary that fails is rolled back by ECS (``ROLLBACK_SUCCESSFUL``), which a run
reports as a failure naming the image that serves.
"""
from __future__ import annotations

import copy

from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import aws_action

from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed
from ansible_collections.lacrei.rollback.plugins.module_utils.ecs import EcsPlatform, pick_container, revision_name, telemetry_of
from ansible_collections.lacrei.rollback.plugins.module_utils.ecs_deployments import ServiceDeployments
from ansible_collections.lacrei.rollback.plugins.module_utils.timefmt import iso8601


def serving_configuration(express: dict) -> dict:
    """The configuration that serves (the first active one; a baking canary's comes after it)."""
    active = express.get("activeConfigurations") or []
    if not active:
        raise ActionFailed(f"ECS Express service {express.get('serviceArn')} has no active configuration "
                           "(it has never served): deploy it once before rolling it back.")
    return active[0]


def normalize_express(express: dict, include_env_values: bool) -> dict:
    config = serving_configuration(express)
    container = config.get("primaryContainer") or {}
    variables = {e["name"]: e.get("value") for e in container.get("environment") or []}
    secrets = {s["name"]: s.get("valueFrom") for s in container.get("secrets") or []}
    result = {
        "service_name": express.get("serviceName"),
        "service_arn": express.get("serviceArn"),
        "cluster": express.get("cluster"),
        "status": (express.get("status") or {}).get("statusCode"),
        "task_definition": config.get("taskDefinitionArn"),
        "task_definition_revision": revision_name(config.get("taskDefinitionArn")),
        "container_name": "primaryContainer",
        "image_identifier": container.get("image"),
        "health_check_path": config.get("healthCheckPath"),
        "service_url": next((p.get("endpoint") for p in config.get("ingressPaths") or []), None),
        "current_deployment": express.get("currentDeployment"),
        "active_images": [(c.get("primaryContainer") or {}).get("image")
                          for c in express.get("activeConfigurations") or []],
        "environment_variable_names": sorted(variables),
        "environment_secret_names": sorted(secrets),
        "updated_at": iso8601(express.get("updatedAt")),
    }
    if include_env_values:
        result["environment_variables"] = variables
        result["environment_secrets"] = secrets
    return result


class EcsExpressPlatform(EcsPlatform):
    """``service`` is the Express gateway service ARN."""
    name = "ecs_express"
    kind = "ECS Express service"

    def __init__(self, client, **timeouts):
        super().__init__(client, None, **timeouts)
        self._timeouts = timeouts

    def _express(self, arn: str) -> dict:
        with aws_action(f"describe ECS Express service {arn}"):
            express = self.client.describe_express_gateway_service(serviceArn=arn)["service"]
        if self.deployments.cluster is None:  # the service deployment calls need its cluster
            self.deployments = ServiceDeployments(self.client, express.get("cluster"), **self._timeouts)
        return express

    def describe(self, arn: str, include_env_values: bool = False) -> dict:
        return normalize_express(self._express(arn), include_env_values)

    def telemetry(self, arn: str) -> dict:
        """The ECS service Express Mode runs (same ARN; its target group) and the serving task
        definition's container log group."""
        express = self._express(arn)
        task_definition = self._task_definition(serving_configuration(express)["taskDefinitionArn"])
        with aws_action(f"describe the ECS service of Express service {arn}"):
            found = self.client.describe_services(cluster=express.get("cluster"), services=[arn])["services"]
        service = found[0] if found else {"serviceName": express.get("serviceName"), "clusterArn": express.get("cluster")}
        return telemetry_of(service, pick_container(task_definition))

    def history(self, arn: str, limit: int = 5) -> list[dict]:
        self._express(arn)
        return self.deployments.history(arn, limit)

    def deployment_in_progress(self, arn: str) -> dict | None:
        self._express(arn)
        return self.deployments.in_flight(arn)

    def plan_deploy(self, arn: str, image: str) -> dict:
        service = self.describe(arn)
        return {"service": service, "running": service["image_identifier"] == image,
                "reuse_task_definition": None}

    def deploy(self, arn: str, image: str, plan: dict | None = None) -> str:
        """UpdateExpressGatewayService with the serving primary container, its image changed."""
        return self._update(arn, {"image": image}, f"to {image}")

    def configure(self, arn: str, environment: dict | None = None, secrets: dict | None = None) -> str:
        change = {}
        if environment is not None:
            change["environment"] = [{"name": k, "value": v} for k, v in sorted(environment.items())]
        if secrets is not None:
            change["secrets"] = [{"name": k, "valueFrom": v} for k, v in sorted(secrets.items())]
        return self._update(arn, change, "environment")

    def _update(self, arn: str, change: dict, what: str) -> str:
        express = self._express(arn)
        self.ensure_idle(arn)
        container = copy.deepcopy(serving_configuration(express).get("primaryContainer") or {})
        container.update(change)
        before = express.get("currentDeployment")
        with aws_action(f"update ECS Express service {arn} {what}"):
            self.client.update_express_gateway_service(serviceArn=arn, primaryContainer=container)
        started = self._express(arn).get("currentDeployment")
        return started if started and started != before else self.deployments.newest_other_than(arn, before)

    def serving_now(self, arn: str) -> tuple[dict, str]:
        now = self.describe(arn)
        return ({"serving_image": now["image_identifier"], "task_definition_revision": now["task_definition_revision"]},
                f"{now['image_identifier']} serves now")

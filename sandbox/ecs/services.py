"""Services and their deployments: CreateService, UpdateService, DescribeServices, ListServices,
DeleteService, ListServiceDeployments, DescribeServiceDeployments, StopServiceDeployment,
DescribeServiceRevisions. The deployments themselves run in ``lifecycle.py``."""
from __future__ import annotations

import copy
import time

from sandbox.awsjson.pagination import paginate

from . import ids
from .errors import conflict, invalid_parameter
from .lookups import PAGING, Lookups
from .view import health_check_path

DEPLOYMENT_DEFAULTS = {
    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
    "maximumPercent": 200, "minimumHealthyPercent": 100, "strategy": "ROLLING",
}
# UpdateService members that change the service revision, hence start a deployment.
REVISION_MEMBERS = ("taskDefinition", "capacityProviderStrategy", "networkConfiguration", "platformVersion",
                    "loadBalancers", "serviceRegistries", "serviceConnectConfiguration", "volumeConfigurations",
                    "vpcLatticeConfigurations")
IN_FLIGHT = ("PENDING", "IN_PROGRESS")
MAX_EVENTS = 100


class ServiceOps(Lookups):
    lifecycle = None  # set by api.Ecs

    def create_service(self, params: dict) -> dict:
        cluster = self.cluster(params.get("cluster"))
        if (params.get("deploymentController") or {}).get("type", "ECS") != "ECS":
            raise invalid_parameter("The sandbox emulates the ECS deployment controller only.")
        if not params.get("taskDefinition"):
            raise invalid_parameter("TaskDefinition must be specified for a service using the ECS deployment controller.")
        task_definition = self.task_definition(params["taskDefinition"])
        name = params["serviceName"]
        arn = ids.service_arn(self.region, self.account, cluster["clusterName"], name)
        existing = self.store.services.get(arn)
        if existing and existing["service"]["status"] != "INACTIVE":
            raise invalid_parameter("Creation of service was not idempotent.")
        record = self.new_record(params, cluster, task_definition, health_check_path(task_definition))
        self.lifecycle.begin(record, task_definition["taskDefinitionArn"], "CreateService")
        return {"service": record["service"]}

    def new_record(self, params: dict, cluster: dict, task_definition: dict, health_path: str) -> dict:
        now = time.time()
        members = {k: copy.deepcopy(v) for k, v in params.items()
                   if k not in ("cluster", "clientToken", "taskDefinition", "role", "tags")}
        service = {
            **members,
            "serviceArn": ids.service_arn(self.region, self.account, cluster["clusterName"], params["serviceName"]),
            "clusterArn": cluster["clusterArn"], "status": "ACTIVE",
            "desiredCount": params.get("desiredCount", 1), "runningCount": 0, "pendingCount": 0,
            "launchType": params.get("launchType") or ("FARGATE" if not params.get("capacityProviderStrategy") else None),
            "taskDefinition": task_definition["taskDefinitionArn"],
            "deploymentConfiguration": _with_defaults(params.get("deploymentConfiguration")),
            "deploymentController": {"type": "ECS"}, "schedulingStrategy": "REPLICA",
            "deployments": [], "events": [], "createdAt": now, "loadBalancers": params.get("loadBalancers") or [],
            "createdBy": f"arn:aws:iam::{self.account}:root", "tags": params.get("tags") or [],
        }
        record = {"service": {k: v for k, v in service.items() if v is not None}, "deployments": [],
                  "revisions": {}, "express": None, "url": None, "health_check_path": health_path}
        self.store.services[service["serviceArn"]] = record
        return record

    def update_service(self, params: dict) -> dict:
        record = self.service_record(params.get("cluster"), params["service"])
        service = record["service"]
        target = service["taskDefinition"]
        if params.get("taskDefinition"):
            task_definition = self.task_definition(params["taskDefinition"])
            target = task_definition["taskDefinitionArn"]
            if not record["express"]:  # Express Mode keeps its healthCheckPath
                record["health_check_path"] = health_check_path(task_definition)
        if "deploymentConfiguration" in params:
            service["deploymentConfiguration"] = _with_defaults(
                {**service["deploymentConfiguration"], **params["deploymentConfiguration"]})
        for name in ("desiredCount", "healthCheckGracePeriodSeconds", "enableExecuteCommand",
                     "enableECSManagedTags", "propagateTags", *REVISION_MEMBERS[1:]):
            if name in params:
                service[name] = copy.deepcopy(params[name])
        changes_revision = target != service["taskDefinition"] or params.get("forceNewDeployment") \
            or any(name in params for name in REVISION_MEMBERS[1:])
        if changes_revision:
            self.lifecycle.begin(record, target, "UpdateService")
        else:
            for deployment in service["deployments"]:
                if deployment["status"] == "PRIMARY":
                    deployment["desiredCount"] = service["desiredCount"]
            self.store.save()
        return {"service": service}

    def describe_services(self, params: dict) -> dict:
        cluster = self.cluster(params.get("cluster"))
        if len(params["services"]) > 10:
            raise invalid_parameter("services can have at most 10 items.")
        found, failures = [], []
        for name in params["services"]:
            arn = ids.service_arn(self.region, self.account, cluster["clusterName"], name.rsplit("/", 1)[-1])
            record = self.store.services.get(arn)
            if record is None:
                failures.append({"arn": arn, "reason": "MISSING"})
                continue
            service = dict(record["service"])
            if "TAGS" not in (params.get("include") or []):
                service.pop("tags", None)
            found.append(service)
        return {"services": found, "failures": failures}

    def list_services(self, params: dict) -> dict:
        cluster = self.cluster(params.get("cluster"))
        arns = sorted(arn for arn, r in self.store.services.items()
                      if r["service"]["clusterArn"] == cluster["clusterArn"] and r["service"]["status"] == "ACTIVE")
        return paginate(arns, str, params, "serviceArns", PAGING)

    def delete_service(self, params: dict) -> dict:
        record = self.service_record(params.get("cluster"), params["service"])
        service = record["service"]
        if service["desiredCount"] and not params.get("force"):
            raise invalid_parameter("The service cannot be stopped while it is scaled above 0.")
        self.lifecycle.delete(record)
        return {"service": service}

    # -- service deployments -------------------------------------------------------------------
    def list_service_deployments(self, params: dict) -> dict:
        record = self.service_record(params.get("cluster"), params["service"], active=False)
        wanted = set(params.get("status") or [])
        window = params.get("createdAt") or {}
        found = [_brief(d) for d in reversed(record["deployments"])
                 if (not wanted or d["status"] in wanted)
                 and (window.get("after") is None or d["createdAt"] >= window["after"])
                 and (window.get("before") is None or d["createdAt"] <= window["before"])]
        return paginate(found, lambda d: d["serviceDeploymentArn"], params, "serviceDeployments", PAGING)

    def describe_service_deployments(self, params: dict) -> dict:
        found, failures = [], []
        for arn in params["serviceDeploymentArns"]:
            try:
                found.append(self.deployment(arn)[1])
            except Exception:  # noqa: BLE001 - a missing one is a failure entry, as in ECS
                failures.append({"arn": arn, "reason": "MISSING"})
        return {"serviceDeployments": found, "failures": failures}

    def stop_service_deployment(self, params: dict) -> dict:
        record, deployment = self.deployment(params["serviceDeploymentArn"])
        stop_type = params.get("stopType") or "ROLLBACK"
        if deployment["status"] not in IN_FLIGHT:
            raise conflict(f"The service deployment {deployment['serviceDeploymentArn']} is "
                           f"{deployment['status']}; only a PENDING or IN_PROGRESS deployment can be stopped.")
        if stop_type == "ROLLBACK" and not deployment.get("sourceServiceRevisions"):
            raise conflict("The service deployment has no source service revision to roll back to.")
        deployment["_stop"] = stop_type
        deployment.update(status="ROLLBACK_REQUESTED" if stop_type == "ROLLBACK" else "STOP_REQUESTED",
                          updatedAt=time.time())
        self.store.save()
        return {"serviceDeploymentArn": deployment["serviceDeploymentArn"]}

    def describe_service_revisions(self, params: dict) -> dict:
        found, failures = [], []
        for arn in params["serviceRevisionArns"]:
            revision = next((r["revisions"][arn] for r in self.store.services.values() if arn in r["revisions"]), None)
            if revision is None:
                failures.append({"arn": arn, "reason": "MISSING"})
            else:
                found.append(revision)
        return {"serviceRevisions": found, "failures": failures}


def _with_defaults(configuration: dict | None) -> dict:
    merged = copy.deepcopy(DEPLOYMENT_DEFAULTS)
    for name, value in (configuration or {}).items():
        merged[name] = copy.deepcopy(value)
    return merged


def _brief(deployment: dict) -> dict:
    brief = {k: deployment.get(k) for k in ("serviceDeploymentArn", "serviceArn", "clusterArn", "startedAt",
                                             "createdAt", "finishedAt", "status", "statusReason")}
    brief["targetServiceRevisionArn"] = (deployment.get("targetServiceRevision") or {}).get("arn")
    return brief


def add_event(service: dict, message: str) -> None:
    """A service event, newest first, as DescribeServices lists them."""
    service["events"].insert(0, {"id": ids.event_id(), "createdAt": time.time(),
                                 "message": f"(service {service['serviceName']}) {message}"})
    del service["events"][MAX_EVENTS:]

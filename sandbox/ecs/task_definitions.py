"""RegisterTaskDefinition, DescribeTaskDefinition, ListTaskDefinitions, DeregisterTaskDefinition."""
from __future__ import annotations

import copy
import time

from sandbox.awsjson.model import service_model
from sandbox.awsjson.pagination import paginate

from . import ids
from .errors import client_error
from .lookups import PAGING, Lookups


class TaskDefinitionOps(Lookups):
    def register_task_definition(self, params: dict) -> dict:
        return {"taskDefinition": self.register(params), "tags": params.get("tags") or []}

    def register(self, params: dict) -> dict:
        """A new revision of ``params["family"]`` (caller holds the lock); saved."""
        family = params["family"]
        names = [c.get("name") for c in params["containerDefinitions"]]
        if not all(names) or len(set(names)) != len(names):
            raise client_error("Container definitions need unique, non-empty names.")
        revisions = self.store.task_definitions.setdefault(family, [])
        revision = len(revisions) + 1
        members = service_model("ecs").shape_for("TaskDefinition").members
        task_definition = {name: copy.deepcopy(value) for name, value in params.items() if name in members}
        for container in task_definition["containerDefinitions"]:
            container.setdefault("essential", True)
            container.setdefault("environment", [])
        task_definition.update(
            taskDefinitionArn=ids.task_definition_arn(self.region, self.account, family, revision),
            revision=revision, status="ACTIVE", registeredAt=time.time(),
            compatibilities=["EC2", "FARGATE"], requiresAttributes=[],
            registeredBy=f"arn:aws:iam::{self.account}:root")
        task_definition.setdefault("networkMode", "awsvpc" if "FARGATE" in params.get(
            "requiresCompatibilities", []) else "bridge")
        revisions.append(task_definition)
        self.store.save()
        return task_definition

    def describe_task_definition(self, params: dict) -> dict:
        return {"taskDefinition": self.task_definition(params["taskDefinition"]), "tags": []}

    def list_task_definitions(self, params: dict) -> dict:
        status = params.get("status") or "ACTIVE"
        prefix = params.get("familyPrefix")
        found = [td for family, revisions in sorted(self.store.task_definitions.items())
                 if prefix is None or family == prefix for td in revisions if td["status"] == status]
        arns = [td["taskDefinitionArn"] for td in found]
        if params.get("sort") == "DESC":
            arns.reverse()
        return paginate(arns, str, params, "taskDefinitionArns", PAGING)

    def deregister_task_definition(self, params: dict) -> dict:
        task_definition = self.task_definition(params["taskDefinition"])
        task_definition.update(status="INACTIVE", deregisteredAt=time.time())
        self.store.save()
        return {"taskDefinition": task_definition}

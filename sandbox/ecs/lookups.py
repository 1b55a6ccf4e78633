"""Finding the emulator's records by the names and ARNs ECS accepts (callers hold the lock)."""
from __future__ import annotations

from sandbox.awsjson.pagination import Paging

from . import ids
from .errors import (cluster_not_found, deployment_not_found, invalid_parameter, service_not_active,
                     service_not_found)
from .state import Store

PAGING = Paging(token="nextToken", limit="maxResults", invalid=invalid_parameter)


class Lookups:
    def __init__(self, store: Store, region: str, account: str):
        self.store = store
        self.region = region
        self.account = account

    def cluster(self, name_or_arn: str | None) -> dict:
        """The ACTIVE cluster (``default`` when none is named)."""
        name = (name_or_arn or "default").rsplit("/", 1)[-1]
        cluster = self.store.clusters.get(ids.cluster_arn(self.region, self.account, name))
        if cluster is None or cluster["status"] != "ACTIVE":
            raise cluster_not_found(name_or_arn or "default")
        return cluster

    def task_definition(self, reference: str) -> dict:
        """``family``, ``family:revision`` or the ARN; a bare family is its latest ACTIVE revision."""
        name = reference.split(":task-definition/", 1)[-1]
        family, _, revision = name.partition(":")
        revisions = self.store.task_definitions.get(family) or []
        if revision:
            found = [td for td in revisions if str(td["revision"]) == revision]
        else:
            found = [td for td in revisions if td["status"] == "ACTIVE"][-1:]
        if not found:
            raise invalid_parameter(f"Unable to describe task definition: {reference}")
        return found[0]

    def task_definition_by_arn(self, arn: str | None) -> dict | None:
        if not arn:
            return None
        family, _, revision = arn.split(":task-definition/", 1)[-1].partition(":")
        return next((td for td in self.store.task_definitions.get(family) or []
                     if str(td["revision"]) == revision), None)

    def service_record(self, cluster: str | None, service: str, active: bool = True) -> dict:
        cluster_arn = self.cluster(cluster)["clusterArn"]
        name = service.rsplit("/", 1)[-1]
        record = self.store.services.get(ids.service_arn(self.region, self.account,
                                                         cluster_arn.rsplit("/", 1)[-1], name))
        if record is None:
            raise service_not_found(service)
        if active and record["service"]["status"] != "ACTIVE":
            raise service_not_active(service)
        return record

    def deployment(self, arn: str) -> tuple[dict, dict]:
        """(service record, service deployment) of a service deployment ARN."""
        for record in self.store.services.values():
            for deployment in record["deployments"]:
                if deployment["serviceDeploymentArn"] == arn:
                    return record, deployment
        raise deployment_not_found(arn)

"""CreateCluster, DescribeClusters, ListClusters."""
from __future__ import annotations

from sandbox.awsjson.pagination import paginate

from . import ids
from .lookups import PAGING, Lookups


class ClusterOps(Lookups):
    def create_cluster(self, params: dict) -> dict:
        name = params.get("clusterName") or "default"
        arn = ids.cluster_arn(self.region, self.account, name)
        cluster = self.store.clusters.get(arn)
        if cluster is None or cluster["status"] != "ACTIVE":
            cluster = {"clusterArn": arn, "clusterName": name, "status": "ACTIVE",
                       "registeredContainerInstancesCount": 0, "runningTasksCount": 0,
                       "pendingTasksCount": 0, "activeServicesCount": 0, "tags": params.get("tags") or [],
                       "settings": params.get("settings") or [{"name": "containerInsights", "value": "disabled"}],
                       "capacityProviders": params.get("capacityProviders") or []}
            self.store.clusters[arn] = cluster
            self.store.save()
        return {"cluster": self._counted(cluster)}

    def describe_clusters(self, params: dict) -> dict:
        found, failures = [], []
        for reference in params.get("clusters") or ["default"]:
            name = reference.rsplit("/", 1)[-1]
            arn = ids.cluster_arn(self.region, self.account, name)
            if arn in self.store.clusters:
                found.append(self._counted(self.store.clusters[arn]))
            else:
                failures.append({"arn": arn, "reason": "MISSING"})
        return {"clusters": found, "failures": failures}

    def list_clusters(self, params: dict) -> dict:
        arns = sorted(arn for arn, c in self.store.clusters.items() if c["status"] == "ACTIVE")
        return paginate(arns, str, params, "clusterArns", PAGING)

    def _counted(self, cluster: dict) -> dict:
        services = [r["service"] for r in self.store.services.values()
                    if r["service"]["clusterArn"] == cluster["clusterArn"] and r["service"]["status"] == "ACTIVE"]
        return {**cluster, "activeServicesCount": len(services),
                "runningTasksCount": sum(s.get("runningCount", 0) for s in services),
                "pendingTasksCount": sum(s.get("pendingCount", 0) for s in services)}

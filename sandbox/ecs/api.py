"""The ECS operations the emulator implements (business rules, no HTTP)."""
from __future__ import annotations

from botocore import xform_name

from sandbox.apprunner.runtime import Runtime
from sandbox.awsjson.errors import ApiError
from sandbox.awsjson.faults import Faults

from .clusters import ClusterOps
from .express import ExpressOps
from .lifecycle import Lifecycle
from .services import ServiceOps
from .state import Store
from .task_definitions import TaskDefinitionOps

IMPLEMENTED = (
    "CreateCluster", "DescribeClusters", "ListClusters",
    "RegisterTaskDefinition", "DescribeTaskDefinition", "ListTaskDefinitions", "DeregisterTaskDefinition",
    "CreateService", "UpdateService", "DescribeServices", "ListServices", "DeleteService",
    "ListServiceDeployments", "DescribeServiceDeployments", "StopServiceDeployment", "DescribeServiceRevisions",
    "CreateExpressGatewayService", "DescribeExpressGatewayService", "UpdateExpressGatewayService",
    "DeleteExpressGatewayService",
)


class Ecs(ClusterOps, TaskDefinitionOps, ServiceOps, ExpressOps):
    def __init__(self, store: Store, runtime: Runtime, faults: Faults, region: str, account: str):
        super().__init__(store, region, account)
        self.lifecycle = Lifecycle(store, runtime, faults, self)

    def call(self, operation: str, params: dict) -> dict:
        """Run a validated request; the answer is still to be conformed to the output shape."""
        if operation not in IMPLEMENTED:
            raise ApiError("UnsupportedFeatureException",
                           f"{operation} is not implemented by the sandbox's ECS emulator", 400)
        with self.store.lock:
            return getattr(self, xform_name(operation))(params)

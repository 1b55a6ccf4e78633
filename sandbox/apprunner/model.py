"""botocore's App Runner service model; the shape walkers are shared (``sandbox.awsjson.model``)."""
from __future__ import annotations

from botocore.model import OperationModel, ServiceModel

from sandbox.awsjson import model as shared
from sandbox.awsjson.model import conform, merge, missing_required

__all__ = ["conform", "merge", "missing_required", "operation", "service_model"]
SERVICE = "apprunner"


def service_model() -> ServiceModel:
    return shared.service_model(SERVICE)


def operation(name: str) -> OperationModel:
    return shared.operation(SERVICE, name)

"""ECS's error codes, on the emulators' one error type (``sandbox.awsjson.errors.ApiError``)."""
from __future__ import annotations

from sandbox.awsjson.errors import ApiError


def invalid_parameter(message: str) -> ApiError:
    return ApiError("InvalidParameterException", message)


def client_error(message: str) -> ApiError:
    return ApiError("ClientException", message)


def server_error(message: str = "An internal error occurred") -> ApiError:
    return ApiError("ServerException", message, 500)


def cluster_not_found(cluster: str) -> ApiError:
    return ApiError("ClusterNotFoundException", f"Cluster not found: {cluster}")


def service_not_found(service: str) -> ApiError:
    return ApiError("ServiceNotFoundException", f"Service not found: {service}")


def service_not_active(service: str) -> ApiError:
    return ApiError("ServiceNotActiveException", f"Service was not ACTIVE: {service}")


def deployment_not_found(arn: str) -> ApiError:
    return ApiError("ServiceDeploymentNotFoundException", f"Service deployment not found: {arn}")


def conflict(message: str) -> ApiError:
    return ApiError("ConflictException", message)


def resource_not_found(arn: str) -> ApiError:
    return ApiError("ResourceNotFoundException", f"The specified resource was not found: {arn}")

"""Identifiers and the default settings App Runner fills in when a request leaves them out."""
from __future__ import annotations

import secrets
import uuid


def service_id() -> str:
    return uuid.uuid4().hex  # 32 hex digits, like App Runner's


def operation_id() -> str:
    return str(uuid.uuid4())


def service_arn(region: str, account_id: str, name: str, sid: str) -> str:
    return f"arn:aws:apprunner:{region}:{account_id}:service/{name}/{sid}"


def service_url(region: str) -> str:
    return f"{secrets.token_hex(5)}.{region}.awsapprunner.com"


def default_autoscaling_arn(region: str, account_id: str) -> str:
    return (f"arn:aws:apprunner:{region}:{account_id}:autoscalingconfiguration/"
            f"DefaultConfiguration/1/{uuid.uuid5(uuid.NAMESPACE_URL, account_id + region).hex}")


def autoscaling_summary(arn: str, created_at: float) -> dict:
    """The summary of an auto scaling configuration named by ``.../<name>/<revision>/<id>``."""
    parts = arn.split(":", 5)[-1].split("/")
    name = parts[1] if len(parts) > 1 else "DefaultConfiguration"
    revision = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 1
    return {
        "AutoScalingConfigurationArn": arn,
        "AutoScalingConfigurationName": name,
        "AutoScalingConfigurationRevision": revision,
        "Status": "active",
        "CreatedAt": created_at,
        "HasAssociatedService": True,
        "IsDefault": name == "DefaultConfiguration",
    }


# Defaults per top-level Service member; merged under what the request gives (model.merge).
SERVICE_DEFAULTS = {
    "InstanceConfiguration": {"Cpu": "1024", "Memory": "2048"},
    "HealthCheckConfiguration": {
        "Protocol": "TCP", "Path": "/", "Interval": 5, "Timeout": 2,
        "HealthyThreshold": 1, "UnhealthyThreshold": 5,
    },
    "NetworkConfiguration": {
        "EgressConfiguration": {"EgressType": "DEFAULT"},
        "IngressConfiguration": {"IsPubliclyAccessible": True},
        "IpAddressType": "IPV4",
    },
    "ObservabilityConfiguration": {"ObservabilityEnabled": False},
    # Auto deployments on image push are not emulated, hence off unless asked for.
    "SourceConfiguration": {"AutoDeploymentsEnabled": False},
}

IMAGE_CONFIGURATION_DEFAULTS = {"Port": "8080"}

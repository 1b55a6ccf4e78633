"""What the runtime sees of an ECS service revision: the App Runner-shaped service dict that
``sandbox.apprunner.runtime`` runtimes (``EcrRuntime``, ``sandbox.live``'s) take.

One container runs per revision: the task definition's first essential container (ECS runs the
others beside it; the sandbox does not). Its image, first port mapping, environment and secrets
become the ``ImageRepository``; the health check is an HTTP GET of the service's health check
path (the load balancer target group's in real ECS, which the sandbox does not emulate: it is
read from the container's ``healthCheck`` command when that names ``http://localhost:<port><path>``,
else ``/``; Express Mode's ``healthCheckPath``); the task size becomes the instance size.
``Telemetry`` tells the live runtime's proxy to publish ``AWS/ECS`` and ``AWS/ApplicationELB``
metrics and to ship the app's output to the container's ``awslogs`` group.
"""
from __future__ import annotations

import re

from . import ids

HEALTH_URL = re.compile(r"https?://(?:localhost|127\.0\.0\.1)(?::\d+)?(/[^\s'\"|;&]*)")
# The sandbox's health check timing (ALB defaults would take minutes: interval 30 s, 5 checks).
HEALTH_TIMING = {"Interval": 1, "Timeout": 2, "HealthyThreshold": 1, "UnhealthyThreshold": 3}


def essential_container(task_definition: dict) -> dict:
    containers = task_definition.get("containerDefinitions") or [{}]
    return next((c for c in containers if c.get("essential", True)), containers[0])


def health_check_path(task_definition: dict) -> str:
    command = " ".join((essential_container(task_definition).get("healthCheck") or {}).get("command") or [])
    match = HEALTH_URL.search(command)
    return match.group(1) if match else "/"


def container_port(container: dict) -> int:
    mappings = container.get("portMappings") or [{}]
    return int(mappings[0].get("containerPort") or 80)


def runtime_view(record: dict, task_definition: dict | None) -> dict | None:
    """The runtime's service dict for ``record``'s service running ``task_definition``."""
    if task_definition is None:
        return None
    service = record["service"]
    container = essential_container(task_definition)
    logs = (container.get("logConfiguration") or {}).get("options") or {}
    cluster = service["clusterArn"].rsplit("/", 1)[-1]
    load_balancer, target_group = ids.load_balancer(service["serviceName"], service["serviceArn"])
    return {
        "ServiceName": service["serviceName"],
        "ServiceId": ids.runtime_id(service["serviceArn"]),
        "ServiceArn": service["serviceArn"],
        "SourceConfiguration": {"ImageRepository": {
            "ImageIdentifier": container.get("image", ""),
            "ImageRepositoryType": "ECR",
            "ImageConfiguration": {
                "Port": str(container_port(container)),
                "RuntimeEnvironmentVariables": {e["name"]: e.get("value", "") for e in container.get("environment") or []},
                "RuntimeEnvironmentSecrets": {s["name"]: s["valueFrom"] for s in container.get("secrets") or []},
            }}},
        "HealthCheckConfiguration": {"Protocol": "HTTP", "Path": record.get("health_check_path") or "/",
                                     **HEALTH_TIMING},
        "InstanceConfiguration": {"Cpu": str(task_definition.get("cpu") or "1024"),
                                  "Memory": str(task_definition.get("memory") or "2048")},
        "Telemetry": {"platform": "ecs", "cluster": cluster, "service": service["serviceName"],
                      "log_group": logs.get("awslogs-group") or f"/ecs/{service['serviceName']}",
                      "log_stream_prefix": logs.get("awslogs-stream-prefix") or "ecs",
                      "container": container.get("name") or "app",
                      "load_balancer": load_balancer, "target_group": target_group},
    }

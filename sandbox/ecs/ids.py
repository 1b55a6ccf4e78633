"""ECS identifiers and ARNs, shaped like the real ones."""
from __future__ import annotations

import hashlib
import random
import secrets
import string
import uuid


def arn(region: str, account: str, resource: str) -> str:
    return f"arn:aws:ecs:{region}:{account}:{resource}"


def cluster_arn(region: str, account: str, name: str) -> str:
    return arn(region, account, f"cluster/{name}")


def task_definition_arn(region: str, account: str, family: str, revision: int) -> str:
    return arn(region, account, f"task-definition/{family}:{revision}")


def service_arn(region: str, account: str, cluster: str, name: str) -> str:
    return arn(region, account, f"service/{cluster}/{name}")


def service_deployment_arn(region: str, account: str, cluster: str, service: str) -> str:
    token = "".join(random.choices(string.ascii_letters + string.digits + "-_", k=22))  # noqa: S311 - an id
    return arn(region, account, f"service-deployment/{cluster}/{service}/{token}")


def service_revision_arn(region: str, account: str, cluster: str, service: str) -> str:
    return arn(region, account, f"service-revision/{cluster}/{service}/{_digits()}")


def deployment_id() -> str:
    return f"ecs-svc/{_digits()}"


def event_id() -> str:
    return str(uuid.uuid4())


def task_id() -> str:
    return secrets.token_hex(16)


def runtime_id(service_arn_: str) -> str:
    """The stable id the runtime files a service under (its proxy, instances, logs)."""
    return "ecs-" + hashlib.sha256(service_arn_.encode()).hexdigest()[:24]


def load_balancer(service: str, service_arn_: str) -> tuple[str, str]:
    """The AWS/ApplicationELB dimensions (LoadBalancer, TargetGroup) of a service's stand-in ALB."""
    digest = hashlib.sha256(service_arn_.encode()).hexdigest()
    return f"app/{service[:24]}-alb/{digest[:16]}", f"targetgroup/{service[:24]}-tg/{digest[16:32]}"


def target_group_arn(region: str, account: str, service: str, service_arn_: str) -> str:
    """The ARN of the target group ``load_balancer`` names (what a service's ``loadBalancers`` holds)."""
    return f"arn:aws:elasticloadbalancing:{region}:{account}:{load_balancer(service, service_arn_)[1]}"


def _digits() -> str:
    return str(random.randrange(10**18, 10**19))  # noqa: S311 - an id

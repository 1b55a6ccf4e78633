# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lacrei.rollback.service_target: the module options naming a service on its platform."""
from __future__ import annotations

from ansible.errors import AnsibleFilterError

PLATFORMS = ("apprunner", "ecs", "ecs_express")


def service_target(platform, service_arn="", cluster="", service="", container="", express_service_arn=""):
    """The options of the service modules (group lacrei.rollback.service) for ``platform``: App Runner
    ``service_arn``; ECS ``service`` with ``cluster`` and ``container`` when given (else ECS's default
    cluster and the first essential container); ECS Express Mode ``express_service_arn``."""
    platform = str(platform or "apprunner")
    if platform == "apprunner":
        return {"service_arn": str(service_arn or "")}
    if platform == "ecs":
        optional = {"cluster": cluster, "container": container}
        return dict({"service": str(service or "")}, **{key: str(value) for key, value in optional.items() if value})
    if platform == "ecs_express":
        return {"express_service_arn": str(express_service_arn or "")}
    raise AnsibleFilterError(f"service_target: platform must be one of {', '.join(PLATFORMS)}, not {platform!r}")


class FilterModule:
    def filters(self):
        return {"service_target": service_target}

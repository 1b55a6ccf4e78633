# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lacrei.rollback.service_name: a service's name, read from its App Runner ARN or from its service target."""
from __future__ import annotations

import re

_NAME = re.compile(r"service/([^/]+)/")


def service_name(service_arn, fallback=""):
    """``service_arn`` is an App Runner service ARN, or a service target (``lacrei.rollback.service_target``):
    an ECS service's name or ARN, or an ECS Express Mode service's ARN, whose last part is the name."""
    if isinstance(service_arn, dict):
        ecs = service_arn.get("service") or service_arn.get("express_service_arn")
        if ecs:
            return str(ecs).rstrip("/").split("/")[-1]
        service_arn = service_arn.get("service_arn")
    found = _NAME.search(str(service_arn or ""))
    return found[1] if found else str(fallback)


class FilterModule:
    def filters(self):
        return {"service_name": service_name}

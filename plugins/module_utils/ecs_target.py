# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options naming an ECS service or an ECS Express Mode service, and the platform for them
(doc fragment lacrei.rollback.ecs_service)."""
from __future__ import annotations

from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client
from ansible_collections.lacrei.rollback.plugins.module_utils.ecs import EcsPlatform
from ansible_collections.lacrei.rollback.plugins.module_utils.ecs_express import EcsExpressPlatform

SERVICE_SPEC = dict(
    cluster=dict(type="str"),
    service=dict(type="str"),
    express_service_arn=dict(type="str"),
    container=dict(type="str"),
)
SERVICE_RULES = dict(
    mutually_exclusive=[["service", "express_service_arn"], ["cluster", "express_service_arn"],
                        ["container", "express_service_arn"]],
    required_one_of=[["service", "express_service_arn"]],
)


def platform_for(params: dict, primary: bool = True):
    """(platform, the service as that platform names it); ``primary``: the module's
    ``endpoint_url`` is ECS's (else ECS's endpoint is boto3's own, E(AWS_ENDPOINT_URL_ECS))."""
    client = aws_client("ecs", params, primary=primary)
    if params.get("express_service_arn"):
        return EcsExpressPlatform(client), params["express_service_arn"]
    return EcsPlatform(client, params.get("cluster"), params.get("container")), params["service"]

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options naming the service a module works on, whatever its platform: an App Runner
service (``service_arn``), an ECS service (``cluster``, ``service``, ``container``) or an ECS
Express Mode service (``express_service_arn``); and the platform for them (doc fragments
lacrei.rollback.apprunner_service.any_platform and lacrei.rollback.ecs_service)."""
from __future__ import annotations

from ansible_collections.lacrei.rollback.plugins.module_utils import ecs_target
from ansible_collections.lacrei.rollback.plugins.module_utils.apprunner import AppRunnerPlatform
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client

SERVICE_SPEC = dict(service_arn=dict(type="str", aliases=["arn"]), **ecs_target.SERVICE_SPEC)
SERVICE_RULES = dict(
    mutually_exclusive=[["service_arn", "service", "express_service_arn"], ["service_arn", "cluster"],
                        ["service_arn", "container"], *ecs_target.SERVICE_RULES["mutually_exclusive"]],
    required_one_of=[["service_arn", "service", "express_service_arn"]],
)


def platform_name(params: dict) -> str:
    """``apprunner``, ``ecs`` or ``ecs_express``: which option names the service."""
    if params.get("express_service_arn"):
        return "ecs_express"
    return "ecs" if params.get("service") else "apprunner"


def platform_for(params: dict, primary: bool = True):
    """(platform, the service as that platform names it); ``primary`` as in ``aws_client``."""
    if platform_name(params) == "apprunner":
        return AppRunnerPlatform(aws_client("apprunner", params, primary=primary)), params["service_arn"]
    return ecs_target.platform_for(params, primary)

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # The ECS service (or ECS Express Mode service) a module works on
    # (plugins/modules/ecs_*.py SERVICE_SPEC; plugins/module_utils/ecs.py, ecs_express.py).
    DOCUMENTATION = r"""
options:
  cluster:
    description:
      - Name or ARN of the ECS cluster of O(service). ECS's C(default) cluster when not set.
    type: str
  service:
    description:
      - Name or ARN of the ECS service.
      - Exactly one of O(service) and O(express_service_arn) is required.
    type: str
  express_service_arn:
    description:
      - ARN of an ECS Express Mode (Express gateway) service; its primary container is the one
        that runs the image.
    type: str
  container:
    description:
      - Name of the container of the task definition that runs the application image.
      - The first essential container when not set. Not used with O(express_service_arn).
    type: str
"""

    # Waiting for the service deployment a module starts (plugins/module_utils/ecs.py WAIT_SPEC).
    WAIT = r"""
options:
  wait:
    description: Wait for the service deployment to end.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the service deployment. On timeout the module fails, and the
        deployment goes on in ECS.
    type: int
    default: 900
"""

#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: ecs_service_info
short_description: Describe an Amazon ECS service (or ECS Express Mode service), the image it runs and its deployments
description:
  - Returns the service's status, the task definition revision and container image it runs, the
    names of its environment variables and secrets, its C(deployments[]) (rolloutState), its most
    recent service deployments (C(ListServiceDeployments)) with the image each deployed, and the
    images it ran before (the previous good images, newest first).
  - Environment variable values are returned only with O(include_env_values=true); secret values
    are never read (only the names and the ARNs they refer to).
version_added: "0.2.0"
options:
  include_env_values:
    description: Also return the plain environment variables' values and the secrets' ARNs.
    type: bool
    default: false
  deployments_limit:
    description: How many of the most recent service deployments to return (and to read previous images from).
    type: int
    default: 10
extends_documentation_fragment:
  - lacrei.rollback.ecs_service
  - lacrei.rollback.aws
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Record what the ECS service runs before rolling back
  lacrei.rollback.ecs_service_info:
    cluster: lacrei
    service: lacrei-saude-backend-ecs
  register: before

- name: Show the running revision and the previous good image
  ansible.builtin.debug:
    msg: "{{ before.service.task_definition_revision }} runs {{ before.service.image_identifier }};
      previous: {{ before.previous_images[0].image | default('none') }}"

- name: Describe an Express Mode service
  lacrei.rollback.ecs_service_info:
    express_service_arn: "{{ express_service_arn }}"
"""

RETURN = r"""
service:
  description: The service, in snake_case.
  returned: always
  type: dict
  contains:
    service_name: {description: Service name., type: str, sample: lacrei-saude-backend-ecs}
    service_arn: {description: Service ARN., type: str, sample: "arn:aws:ecs:us-east-1:123456789012:service/lacrei/lacrei-saude-backend-ecs"}
    status: {description: Service status., type: str, sample: ACTIVE}
    task_definition: {description: ARN of the task definition revision it runs., type: str,
                      sample: "arn:aws:ecs:us-east-1:123456789012:task-definition/lacrei-saude-backend-ecs:7"}
    task_definition_revision: {description: "C(family:revision) it runs.", type: str, sample: "lacrei-saude-backend-ecs:7"}
    container_name: {description: The container that runs the application image., type: str, sample: api}
    image_identifier: {description: Image that container runs., type: str,
                       sample: "123456789012.dkr.ecr.us-east-1.amazonaws.com/lacrei-saude-backend:3f9c2ab04c5e0b7e4d8f1a2b3c4d5e6f7a8b9c0d"}
    environment_variable_names: {description: Names of the plain environment variables., type: list, elements: str, sample: [DJANGO_SETTINGS_MODULE]}
    environment_secret_names: {description: Names of the secrets., type: list, elements: str, sample: [DATABASE_URL]}
    environment_variables: {description: Plain environment variables., type: dict, returned: when O(include_env_values=true), sample: {DEBUG: "0"}}
    environment_secrets: {description: Secret name -> ARN it refers to (never the value)., type: dict,
                          returned: when O(include_env_values=true), sample: {DATABASE_URL: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db"}}
    deployments: {description: "ECS service only: the service's deployments[] (id, status, rollout_state, task_definition_revision,
                   running_count, failed_tasks, created_at).", type: list, elements: dict, returned: for an ECS service, sample: []}
    circuit_breaker: {description: "ECS service only: whether the deployment circuit breaker and its rollback are on.", type: dict,
                      returned: for an ECS service, sample: {enable: true, rollback: true}}
    service_url: {description: "Express Mode only: the service's endpoint.", type: str, returned: for an Express Mode service,
                  sample: "https://lacrei-saude-backend-express-1a2b.ecs.us-east-1.on.aws"}
    active_images: {description: "Express Mode only: images of the active configurations (two while a canary bakes).",
                    type: list, elements: str, returned: for an Express Mode service, sample: []}
  sample: {}
service_deployments:
  description: The most recent service deployments, newest first.
  returned: always
  type: list
  elements: dict
  contains:
    arn: {description: Service deployment ARN., type: str, sample: "arn:aws:ecs:us-east-1:123456789012:service-deployment/lacrei/api/Zk3M"}
    status: {description: "Status (SUCCESSFUL, ROLLBACK_SUCCESSFUL, IN_PROGRESS...).", type: str, sample: SUCCESSFUL}
    status_reason: {description: "Why, as ECS says.", type: str, sample: null}
    rollback_reason: {description: "Why it was rolled back (circuit breaker, alarm, canary, StopServiceDeployment).", type: str,
                      sample: "Circuit Breaker triggered"}
    image: {description: Image the deployment deployed., type: str, sample: "123456789012.dkr.ecr.us-east-1.amazonaws.com/lacrei-saude-backend:3f9c2ab"}
    task_definition: {description: Task definition ARN it deployed., type: str, sample: "arn:aws:ecs:us-east-1:123456789012:task-definition/api:7"}
    started_at: {description: "Start (ISO 8601, UTC).", type: str, sample: "2026-05-02T13:45:10+00:00"}
    finished_at: {description: "End (ISO 8601, UTC; null while running).", type: str, sample: "2026-05-02T13:49:02+00:00"}
  sample: []
operations:
  description:
    - The same service deployments in the shape lacrei.rollback.apprunner_service_info gives App Runner's
      operations (the emergency's identify phase reads one shape on every platform).
  returned: always
  type: list
  elements: dict
  contains:
    id: {description: Service deployment ARN., type: str, sample: "arn:aws:ecs:us-east-1:123456789012:service-deployment/lacrei/api/Zk3M"}
    type: {description: Always C(SERVICE_DEPLOYMENT)., type: str, sample: SERVICE_DEPLOYMENT}
    status: {description: Its status., type: str, sample: SUCCESSFUL}
    started_at: {description: "Start (ISO 8601, UTC; an empty string when unknown).", type: str, sample: "2026-05-02T13:45:10+00:00"}
    ended_at: {description: "End (ISO 8601, UTC; null while running).", type: str, sample: "2026-05-02T13:49:02+00:00"}
  sample: []
previous_images:
  description:
    - Images the service ran before, newest first, each once, from its SUCCESSFUL service deployments
      other than the image it runs now (the candidates for "previous good").
  returned: always
  type: list
  elements: dict
  contains:
    image: {description: Image., type: str, sample: "123456789012.dkr.ecr.us-east-1.amazonaws.com/lacrei-saude-backend:9b1d4e0"}
    task_definition: {description: Task definition ARN that ran it., type: str, sample: "arn:aws:ecs:us-east-1:123456789012:task-definition/api:6"}
    deployment_arn: {description: The service deployment that deployed it., type: str, sample: "arn:aws:ecs:..."}
    finished_at: {description: "When that deployment ended (ISO 8601, UTC).", type: str, sample: "2026-05-01T10:02:11+00:00"}
  sample: []
deployment_in_progress:
  description: The service deployment in flight (arn, status, started_at...), null when none.
  returned: always
  type: dict
  sample: null
"""

from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import fail_on_error
from ansible_collections.lacrei.rollback.plugins.module_utils.ecs_target import (
    SERVICE_RULES, SERVICE_SPEC, platform_for)

ARGUMENT_SPEC = dict(
    **SERVICE_SPEC,
    include_env_values=dict(type="bool", default=False),
    deployments_limit=dict(type="int", default=10),
)


def previous_images(deployments: list[dict], running: str | None) -> list[dict]:
    seen, found = {running}, []
    for deployment in deployments:
        if deployment["status"] == "SUCCESSFUL" and deployment["image"] not in seen:
            seen.add(deployment["image"])
            found.append({"image": deployment["image"], "task_definition": deployment["task_definition"],
                          "deployment_arn": deployment["arn"], "finished_at": deployment["finished_at"]})
    return found


def as_operations(deployments: list[dict]) -> list[dict]:
    """The service deployments as App Runner's operations look in apprunner_service_info's result."""
    return [{"id": deployment["arn"], "type": "SERVICE_DEPLOYMENT", "status": deployment["status"],
             "started_at": deployment["started_at"] or "", "ended_at": deployment["finished_at"]}
            for deployment in deployments]


def service_info(module, platform, service: str) -> dict:
    described = platform.describe(service, module.params["include_env_values"])
    deployments = platform.history(service, module.params["deployments_limit"])
    return {"service": described, "service_deployments": deployments, "operations": as_operations(deployments),
            "previous_images": previous_images(deployments, described["image_identifier"]),
            "deployment_in_progress": platform.deployment_in_progress(service)}


def main():
    module = aws_module(ARGUMENT_SPEC, **SERVICE_RULES)
    with fail_on_error(module):
        platform, service = platform_for(module.params)
        result = service_info(module, platform, service)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()

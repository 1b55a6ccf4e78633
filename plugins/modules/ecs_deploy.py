#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: ecs_deploy
short_description: Make an Amazon ECS service (or ECS Express Mode service) run a given container image
description:
  - "ECS service: runs the image with the task definition revision of the service's family that
    ran it, when one is ACTIVE (so every other setting is what it was then); otherwise registers a
    new revision copied from the current one with only the container's image changed. Then
    C(UpdateService) and waits for the service deployment."
  - "ECS Express Mode service: C(UpdateExpressGatewayService) with the serving primary container,
    only its image changed, and follows the canary deployment."
  - Fails unless the service deployment ends C(SUCCESSFUL). A circuit-breaker, alarm or canary
    rollback (C(ROLLBACK_SUCCESSFUL)) is a failure that says which revision and image run now.
  - With O(stop_in_flight=true), a service deployment still in flight is stopped with
    C(StopServiceDeployment) (C(ROLLBACK)), the fastest way back to what ran before it, and the
    rollback is waited for; then O(image), when given, is deployed if it is not what runs.
  - Idempotent; nothing is changed when the service already runs the image. Refuses, changing
    nothing, while a service deployment is in flight (unless O(stop_in_flight=true)), naming it.
version_added: "0.2.0"
options:
  image:
    description:
      - Full image URI to run, C(registry/repository:tag) or C(registry/repository@sha256:...).
      - Mutually exclusive with O(repository_uri) and O(tag).
    type: str
  repository_uri:
    description: Repository URI of the image; with O(tag).
    type: str
  tag:
    description: Image tag (a full git SHA for release images); with O(repository_uri).
    type: str
  pin_digest:
    description: Resolve the tag in ECR and deploy C(repository@sha256:...).
    type: bool
    default: false
  stop_in_flight:
    description:
      - Roll back a service deployment in flight with C(StopServiceDeployment) (C(ROLLBACK)) and
        wait for the rollback (requires O(wait=true) when an image is given too).
      - Without an image, only that; nothing is changed when no deployment is in flight.
    type: bool
    default: false
extends_documentation_fragment:
  - lacrei.rollback.ecs_service
  - lacrei.rollback.ecs_service.wait
  - lacrei.rollback.aws
notes:
  - Supports check mode (predicts C(changed), the image and the task definition revision it
    would reuse or register, and refuses a busy service, without writing) and diff mode.
  - The IAM actions it calls are in the collection's C(docs/iam-policy.json) (C(EcsRollback)).
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Roll the API back to the previous release's image
  lacrei.rollback.ecs_deploy:
    cluster: lacrei
    service: lacrei-saude-backend-ecs
    repository_uri: "{{ ecr_repository_uri }}"
    tag: "{{ previous_release_sha }}"
    wait_timeout: 1200
  register: rollback

- name: Say which task definition revision runs now
  ansible.builtin.debug:
    msg: "{{ rollback.from_image }} -> {{ rollback.serving_image }} ({{ rollback.task_definition_revision }})"

- name: Roll back the deployment in flight (StopServiceDeployment with ROLLBACK)
  lacrei.rollback.ecs_deploy:
    cluster: lacrei
    service: lacrei-saude-backend-ecs
    stop_in_flight: true

- name: Roll an Express Mode service back to an image pinned by digest
  lacrei.rollback.ecs_deploy:
    express_service_arn: "{{ express_service_arn }}"
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/lacrei-saude-backend@sha256:5e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7
"""

RETURN = r"""
from_image:
  description: Image the service ran before.
  returned: always
  type: str
  sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/lacrei-saude-backend:9b1d4e0c0a3f2e1d5c6b7a8f9e0d1c2b3a4f5e6d
to_image:
  description: Image requested (null with O(stop_in_flight=true) and no image).
  returned: always
  type: str
  sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/lacrei-saude-backend:3f9c2ab04c5e0b7e4d8f1a2b3c4d5e6f7a8b9c0d
serving_image:
  description: Image the service runs at the end (the prediction in check mode).
  returned: always
  type: str
  sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/lacrei-saude-backend:3f9c2ab04c5e0b7e4d8f1a2b3c4d5e6f7a8b9c0d
task_definition_revision:
  description: "C(family:revision) of the task definition the service runs at the end (null in check mode
    when a new revision would be registered)."
  returned: always
  type: str
  sample: lacrei-saude-backend-ecs:7
reused_task_definition:
  description: ARN of the existing revision that ran the image and is deployed again (null when none was).
  returned: always
  type: str
  sample: arn:aws:ecs:us-east-1:123456789012:task-definition/lacrei-saude-backend-ecs:7
registered_task_definition:
  description: ARN of the revision registered for the image (in check mode, true/false whether one would be).
  returned: when a new revision was (or would be) registered
  type: raw
  sample: arn:aws:ecs:us-east-1:123456789012:task-definition/lacrei-saude-backend-ecs:9
stopped_deployment:
  description:
    - ARN of the service deployment in flight that was (or would be) stopped with ROLLBACK
      (O(stop_in_flight=true)); one that ECS was already rolling back is followed, not stopped (C(changed=false)).
  returned: when a deployment in flight was (or would be) stopped
  type: str
  sample: arn:aws:ecs:us-east-1:123456789012:service-deployment/lacrei/lacrei-saude-backend-ecs/Yx2LkqcXZk
deployment_arn:
  description: ARN of the service deployment started (or of the rollback followed); null when none was.
  returned: always
  type: str
  sample: arn:aws:ecs:us-east-1:123456789012:service-deployment/lacrei/lacrei-saude-backend-ecs/Zk3MhLd7Qa
status:
  description: End status of that service deployment (C(SUCCESSFUL)), C(IN_PROGRESS) with O(wait=false), null when none.
  returned: always
  type: str
  sample: SUCCESSFUL
status_reason:
  description: Why the service deployment ended as it did, as ECS says (the rollback's reason for a rollback).
  returned: when a deployment was waited for
  type: str
  sample: "Circuit Breaker triggered: 3 tasks failed to start"
rollout_state:
  description: rolloutState of the service's PRIMARY deployment once a successful deployment ended.
  returned: when a deployment was waited for
  type: str
  sample: COMPLETED
waited_seconds:
  description: How long the module waited for the service deployment.
  returned: when a deployment was waited for
  type: float
  sample: 95.4
operation_id:
  description: The same as RV(deployment_arn), under the name lacrei.rollback.apprunner_deploy gives its operation.
  returned: always
  type: str
  sample: arn:aws:ecs:us-east-1:123456789012:service-deployment/lacrei/lacrei-saude-backend-ecs/Zk3MhLd7Qa
deployment_seconds:
  description: The same as RV(waited_seconds) (null when no deployment was waited for), as lacrei.rollback.apprunner_deploy names it.
  returned: always
  type: float
  sample: 95.4
"""

from ansible_collections.lacrei.rollback.plugins.module_utils import ecr
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client, aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed, fail_on_error
from ansible_collections.lacrei.rollback.plugins.module_utils.ecs import WAIT_SPEC
from ansible_collections.lacrei.rollback.plugins.module_utils.ecs_deployments import STOPPABLE
from ansible_collections.lacrei.rollback.plugins.module_utils.ecs_target import (
    SERVICE_RULES, SERVICE_SPEC, platform_for)

ARGUMENT_SPEC = dict(
    **SERVICE_SPEC,
    image=dict(type="str"),
    repository_uri=dict(type="str"),
    tag=dict(type="str"),
    pin_digest=dict(type="bool", default=False),
    stop_in_flight=dict(type="bool", default=False),
    **WAIT_SPEC,
)
MODULE_RULES = dict(
    mutually_exclusive=[*SERVICE_RULES["mutually_exclusive"], ["image", "repository_uri"], ["image", "tag"]],
    required_together=[["repository_uri", "tag"]],
    required_one_of=[*SERVICE_RULES["required_one_of"], ["image", "repository_uri", "stop_in_flight"]],
)


def target_image(params: dict) -> str | None:
    if not (params["image"] or params["repository_uri"]):
        return None
    identifier = params["image"] or ecr.image_uri(params["repository_uri"], params["tag"])
    ref = ecr.parse_image_identifier(identifier)
    if params["pin_digest"] and not ref.digest:
        identifier = ref.pinned(ecr.digest_of(aws_client("ecr", params, primary=False), identifier))
    return identifier


def timeout_of(params: dict) -> int | None:
    return params["wait_timeout"] if params["wait"] else None


def roll_back_in_flight(module, platform, service: str, result: dict) -> dict:
    """StopServiceDeployment (ROLLBACK) of the deployment in flight, followed to its end."""
    found = platform.deployment_in_progress(service)
    if found is None:
        return result
    result["stopped_deployment"] = found["arn"]
    # a deployment ECS is already rolling back (circuit breaker, alarm) is only followed
    stopping = found["status"] in STOPPABLE
    if module.check_mode:
        return dict(result, changed=stopping)
    result = platform.start_and_wait(
        service, lambda: (platform.stop_in_flight(service) or found)["arn"], result,
        timeout=timeout_of(module.params), expected="ROLLBACK_SUCCESSFUL",
        what=f"The rollback of service deployment {found['arn']} of {platform.kind} {service}")
    return dict(result, changed=stopping)


def deploy(module, platform, service: str) -> dict:
    params = module.params
    to_image = target_image(params)
    if params["stop_in_flight"] and to_image and not params["wait"]:
        raise ActionFailed("stop_in_flight=true with an image needs wait=true: the image can be deployed only "
                           "once the rollback of the deployment in flight has ended.")
    current = platform.describe(service)
    result = dict(changed=False, from_image=current["image_identifier"], to_image=to_image,
                  serving_image=current["image_identifier"],
                  task_definition_revision=current["task_definition_revision"], reused_task_definition=None,
                  deployment_arn=None, status=None)
    if params["stop_in_flight"]:
        result = roll_back_in_flight(module, platform, service, result)
        if module.check_mode and result.get("stopped_deployment"):
            # what runs once ECS has rolled back cannot be read before it has
            return dict(result, serving_image=None, task_definition_revision=None)
    if to_image is None:
        return result
    plan = platform.plan_deploy(service, to_image)
    if plan["running"]:
        return result
    if module._diff:
        result["diff"] = {"before": {"image": plan["service"]["image_identifier"]}, "after": {"image": to_image}}
    platform.ensure_idle(service)
    result.update(from_image=plan["service"]["image_identifier"], reused_task_definition=plan["reuse_task_definition"])
    if module.check_mode:
        revision = plan["reuse_task_definition"]
        return dict(result, changed=True, serving_image=to_image,
                    task_definition_revision=revision.rsplit("/", 1)[-1] if revision else None,
                    registered_task_definition=revision is None and platform.name == "ecs")
    return platform.start_and_wait(service, lambda: platform.deploy(service, to_image, plan), result,
                                   timeout=timeout_of(params),
                                   what=f"Deployment of {to_image} to {platform.kind} {service}")


def with_operation(result: dict) -> dict:
    """The service deployment and the wait also under App Runner's names (``operation_id``,
    ``deployment_seconds``): the runbooks read one shape on every platform (roles/image_deploy)."""
    return dict(result, operation_id=result.get("deployment_arn"), deployment_seconds=result.get("waited_seconds"))


def main():
    module = aws_module(ARGUMENT_SPEC, **MODULE_RULES)
    with fail_on_error(module):
        platform, service = platform_for(module.params)
        try:
            result = deploy(module, platform, service)
        except ActionFailed as exc:
            exc.details = with_operation(exc.details)
            raise
    module.exit_json(**with_operation(result))


if __name__ == "__main__":
    main()

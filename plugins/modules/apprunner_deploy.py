#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: apprunner_deploy
short_description: Make an AWS App Runner service run a given container image
description:
  - Points an App Runner service at an image (a release, or an older one to roll back to) by a
    read-modify-write of its source configuration; only the image identifier changes, the image
    configuration (port, start command, environment, secrets) and every other setting stay.
  - Idempotent; nothing is called when the service is already configured with that image.
  - Waits for the deployment operation and fails unless it ends C(SUCCEEDED). When App Runner rolls
    the deployment back (C(ROLLBACK_SUCCEEDED)), the failure says which image is serving now.
  - Refuses, changing nothing, while the service runs another operation, naming that operation.
version_added: "0.1.0"
options:
  service_arn:
    description: ARN of the App Runner service.
    type: str
    required: true
    aliases: [arn]
  image:
    description:
      - Full image identifier to run, C(registry/repository:tag) or C(registry/repository@sha256:...).
      - Mutually exclusive with O(repository_uri) and O(tag).
    type: str
  repository_uri:
    description: Repository URI of the image; with O(tag).
    type: str
  tag:
    description: Image tag (a full git SHA for release images); with O(repository_uri).
    type: str
  pin_digest:
    description:
      - Resolve the tag in ECR and deploy C(repository@sha256:...), so that a tag moved later cannot
        change what the service runs.
    type: bool
    default: false
  wait:
    description: Wait for the deployment operation to end.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the operation. On timeout the module fails, and the operation goes on
        in App Runner.
    type: int
    default: 900
extends_documentation_fragment:
  - lacrei.rollback.aws
notes:
  - Supports check mode (predicts C(changed) and the image, and refuses a busy service, without
    writing) and diff mode (before/after image identifier).
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Roll the API back to the previous release, pinned by digest
  lacrei.rollback.apprunner_deploy:
    service_arn: "{{ service_arn }}"
    repository_uri: "{{ ecr_repository_uri }}"
    tag: "{{ previous_release_sha }}"
    pin_digest: true
    wait_timeout: 1200
  register: rollback

- name: Report how long the deployment took
  ansible.builtin.debug:
    msg: "{{ rollback.from_image }} -> {{ rollback.to_image }} in {{ rollback.deployment_seconds }}s"
"""

RETURN = r"""
from_image:
  description: Image identifier the service was configured with before.
  returned: always
  type: str
  sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/consultas-api:9b1d4e0c0a3f2e1d5c6b7a8f9e0d1c2b3a4f5e6d
to_image:
  description: Image identifier requested (pinned by digest with O(pin_digest=true)).
  returned: always
  type: str
  sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/consultas-api@sha256:5e9f...
serving_image:
  description: Image identifier the service is configured with at the end (the prediction in check mode).
  returned: always
  type: str
  sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/consultas-api@sha256:5e9f...
operation_id:
  description: Id of the App Runner operation started (null when none was).
  returned: always
  type: str
  sample: 0f3c0a1e5d2b4c6e8a9b
status:
  description:
    - End status of the operation (C(SUCCEEDED)), C(IN_PROGRESS) with O(wait=false), null when no
      operation was started.
  returned: always
  type: str
  sample: SUCCEEDED
deployment_seconds:
  description: How long the operation took according to App Runner (null when not waited for).
  returned: always
  type: float
  sample: 184.2
waited_seconds:
  description: How long the module waited for the operation.
  returned: when an operation was waited for
  type: float
  sample: 186.0
"""

from ansible_collections.lacrei.rollback.plugins.module_utils import ecr
from ansible_collections.lacrei.rollback.plugins.module_utils.apprunner import AppRunnerPlatform
from ansible_collections.lacrei.rollback.plugins.module_utils.apprunner_poller import WaitTimeout
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client, aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import ActionFailed, fail_on_error

ARGUMENT_SPEC = dict(
    service_arn=dict(type="str", required=True, aliases=["arn"]),
    image=dict(type="str"),
    repository_uri=dict(type="str"),
    tag=dict(type="str"),
    pin_digest=dict(type="bool", default=False),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=900),
)
MODULE_RULES = dict(
    mutually_exclusive=[["image", "repository_uri"], ["image", "tag"]],
    required_together=[["repository_uri", "tag"]],
    required_one_of=[["image", "repository_uri"]],
)


def target_image(params: dict) -> str:
    identifier = params["image"] or ecr.image_uri(params["repository_uri"], params["tag"])
    ref = ecr.parse_image_identifier(identifier)
    if params["pin_digest"] and not ref.digest:
        identifier = ref.pinned(ecr.digest_of(aws_client("ecr", params, primary=False), identifier))
    return identifier


def rollback_failure(result: dict, arn: str) -> ActionFailed:
    rolled_back = result["status"] == "ROLLBACK_SUCCEEDED"
    what = "App Runner rolled the deployment back" if rolled_back else "the service may be left in between"
    return ActionFailed(
        f"Deployment of {result['to_image']} to App Runner service {arn} ended {result['status']} "
        f"(operation {result['operation_id']}): {what}; {result['serving_image']} is serving now. "
        "Check the service's deployment and application logs before trying again.",
        **dict(result, changed=not rolled_back))


def start_and_wait(params: dict, platform, result: dict) -> dict:
    arn = params["service_arn"]
    result.update(changed=True, operation_id=platform.deploy(arn, result["to_image"]), status="IN_PROGRESS")
    if not params["wait"]:
        return result
    try:
        outcome = platform.wait(arn, result["operation_id"], params["wait_timeout"])
    except WaitTimeout as exc:
        exc.details.update(result)
        raise
    result.update(status=outcome.status, deployment_seconds=outcome.duration_seconds,
                  waited_seconds=outcome.waited_seconds, serving_image=platform.describe(arn)["image_identifier"])
    if not outcome.succeeded:
        raise rollback_failure(result, arn)
    return result


def deploy(module, platform) -> dict:
    params = module.params
    current = platform.describe(params["service_arn"])
    to_image = target_image(params)
    result = dict(changed=False, from_image=current["image_identifier"], to_image=to_image,
                  serving_image=current["image_identifier"], operation_id=None, status=None,
                  deployment_seconds=None)
    if module._diff:
        result["diff"] = {"before": {"image_identifier": current["image_identifier"]},
                          "after": {"image_identifier": to_image}}
    if current["image_identifier"] == to_image:
        return result
    platform.ensure_idle(params["service_arn"], current["status"])
    if module.check_mode:
        return dict(result, changed=True, serving_image=to_image)
    return start_and_wait(params, platform, result)


def main():
    module = aws_module(ARGUMENT_SPEC, **MODULE_RULES)
    with fail_on_error(module):
        result = deploy(module, AppRunnerPlatform(aws_client("apprunner", module.params)))
    module.exit_json(**result)


if __name__ == "__main__":
    main()

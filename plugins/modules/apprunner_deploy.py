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
extends_documentation_fragment:
  - lacrei.rollback.apprunner_service
  - lacrei.rollback.apprunner_service.wait
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
extends_documentation_fragment:
  - lacrei.rollback.apprunner_service.operation_return
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
"""

from ansible_collections.lacrei.rollback.plugins.module_utils import ecr
from ansible_collections.lacrei.rollback.plugins.module_utils.apprunner import WAIT_SPEC, AppRunnerPlatform
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client, aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import fail_on_error

ARGUMENT_SPEC = dict(
    service_arn=dict(type="str", required=True, aliases=["arn"]),
    image=dict(type="str"),
    repository_uri=dict(type="str"),
    tag=dict(type="str"),
    pin_digest=dict(type="bool", default=False),
    **WAIT_SPEC,
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


def serving_image(service: dict) -> tuple[dict, str]:
    return {"serving_image": service["image_identifier"]}, f"{service['image_identifier']} is serving now"


def deploy(module, platform) -> dict:
    params, arn = module.params, module.params["service_arn"]
    current = platform.describe(arn)
    to_image = target_image(params)
    result = dict(changed=False, from_image=current["image_identifier"], to_image=to_image,
                  serving_image=current["image_identifier"], operation_id=None, status=None,
                  deployment_seconds=None)
    if module._diff:
        result["diff"] = {"before": {"image_identifier": current["image_identifier"]},
                          "after": {"image_identifier": to_image}}
    if current["image_identifier"] == to_image:
        return result
    platform.ensure_idle(arn, current["status"])
    if module.check_mode:
        return dict(result, changed=True, serving_image=to_image)
    return platform.start_and_wait(arn, lambda: platform.deploy(arn, to_image), result,
                                   timeout=params["wait_timeout"] if params["wait"] else None,
                                   what=f"Deployment of {to_image} to App Runner service {arn}",
                                   serving_now=serving_image)


def main():
    module = aws_module(ARGUMENT_SPEC, **MODULE_RULES)
    with fail_on_error(module):
        result = deploy(module, AppRunnerPlatform(aws_client("apprunner", module.params)))
    module.exit_json(**result)


if __name__ == "__main__":
    main()

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
  - Reads the service once (DescribeService), for the decision and the read-modify-write alike; or not
    at all when given the preflight's sealed read of it (O(sealed_service)), still fresh.
version_added: "0.1.0"
options:
  image:
    description:
      - Full image identifier to run, C(registry/repository:tag) or C(registry/repository@sha256:...).
      - Mutually exclusive with O(repository_uri), O(tag) and O(release).
    type: str
  release:
    description:
      - A release record, as P(lacrei.rollback.app_rollback_preflight#module) (RV(lacrei.rollback.app_rollback_preflight#module:target)),
        P(lacrei.rollback.ecr_image_info#module) (RV(lacrei.rollback.ecr_image_info#module:release)) or
        P(lacrei.rollback.apprunner_release_history#module) (RV(lacrei.rollback.apprunner_release_history#module:previous_release))
        return it. Its C(image_uri) is deployed, or with O(pin_digest=true) C(repository@digest) with
        its C(digest), without looking the digest up again.
    type: dict
  expected_image:
    description:
      - The image identifier the caller saw the service configured with (for example the preflight's
        RV(lacrei.rollback.app_rollback_preflight#module:service.image_identifier)).
      - When the service is configured with another image now, the module refuses, changing nothing
        (someone changed the service since the decision was taken).
    type: str
  repository_uri:
    description: Repository URI of the image; with O(tag).
    type: str
  tag:
    description: Image tag (a full git SHA for release images); with O(repository_uri).
    type: str
  snapshot_reason:
    description:
      - Save the service's configuration as a snapshot (trigger C(before-image-change), with this reason),
        as P(lacrei.rollback.config_snapshot#module) does, from the same read, just before the change;
        unless the newest snapshot already holds that configuration. Not in check mode.
    type: str
  pin_digest:
    description:
      - Deploy C(repository@sha256:...), so that a tag moved later cannot change what the service runs.
        The digest is the O(release)'s, else the tag's looked up in ECR.
    type: bool
    default: false
  sealed_service:
    description:
      - The service as P(lacrei.rollback.app_rollback_preflight#module) read it, sealed
        (RV(lacrei.rollback.app_rollback_preflight#module:sealed_service)), with the same O(seal_key).
        It serves the read-modify-write and the snapshot instead of a new DescribeService when it opens
        with O(seal_key) for O(service_arn), unaltered, and was read at most 120 seconds ago.
      - Otherwise (older, another service's or run's, altered, or C(cryptography) missing) the service is
        described again, as without it; RV(seal_unused) says why. Never a failure.
      - UpdateService still refuses when an operation started since the read (the service is busy).
    type: str
  seal_key:
    description:
      - The key O(sealed_service) was sealed with (the preflight's O(lacrei.rollback.app_rollback_preflight#module:seal_key));
        at least 32 characters. Required with O(sealed_service).
    type: str
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
- name: Deploy what the preflight decided, as it saw it
  lacrei.rollback.apprunner_deploy:
    service_arn: "{{ service_arn }}"
    release: "{{ preflight.target }}"
    expected_image: "{{ preflight.service.image_identifier }}"
    pin_digest: true

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
snapshot:
  description:
    - With O(snapshot_reason), the snapshot of the configuration before the change (as
      P(lacrei.rollback.config_snapshot#module) returns it; secret-named values masked); null otherwise.
  returned: always
  type: dict
  sample: {version: 4, trigger: before-image-change, image_tag: 9b1d4e0c0a3f2e1d5c6b7a8f9e0d1c2b3a4f5e6d}
serving_image:
  description: Image identifier the service is configured with at the end (the prediction in check mode).
  returned: always
  type: str
  sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/consultas-api@sha256:5e9f...
service_read:
  description: C(sealed) when the preflight's sealed read served, C(described) when the service was described here.
  returned: always
  type: str
  sample: sealed
seal_unused:
  description: Why O(sealed_service) was given but not used (the service was described again); null otherwise.
  returned: always
  type: str
  sample: it is 131s old (a sealed read serves for 120s)
"""

import getpass

from ansible_collections.lacrei.rollback.plugins.module_utils import config_snapshots as snaps
from ansible_collections.lacrei.rollback.plugins.module_utils import ecr
from ansible_collections.lacrei.rollback.plugins.module_utils import sealed_read
from ansible_collections.lacrei.rollback.plugins.module_utils.apprunner import (
    WAIT_SPEC, AppRunnerPlatform, normalize_service)
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client, aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed, fail_on_error
from ansible_collections.lacrei.rollback.plugins.module_utils.input_checks import refuse_bad_params
from ansible_collections.lacrei.rollback.plugins.module_utils.releases import deploy_identifier

ARGUMENT_SPEC = dict(
    service_arn=dict(type="str", required=True, aliases=["arn"]),
    image=dict(type="str"),
    repository_uri=dict(type="str"),
    tag=dict(type="str"),
    release=dict(type="dict"),
    expected_image=dict(type="str"),
    snapshot_reason=dict(type="str"),
    pin_digest=dict(type="bool", default=False),
    sealed_service=dict(type="str"),
    seal_key=dict(type="str", no_log=True),
    **WAIT_SPEC,
)
MODULE_RULES = dict(
    mutually_exclusive=[["image", "repository_uri", "release"], ["image", "tag"], ["release", "tag"]],
    required_together=[["repository_uri", "tag"]],
    required_one_of=[["image", "repository_uri", "release"]],
    required_by={"sealed_service": "seal_key"},
)


def target_image(params: dict) -> str:
    if params["release"] is not None:
        try:
            return deploy_identifier(params["release"], params["pin_digest"])
        except ValueError as exc:
            raise ActionFailed(f"Refused, nothing was changed: release is not a release record ({exc}); pass "
                               "the target of lacrei.rollback.app_rollback_preflight or the release of "
                               "lacrei.rollback.ecr_image_info") from exc
    identifier = params["image"] or ecr.image_uri(params["repository_uri"], params["tag"])
    ref = ecr.parse_image_identifier(identifier)
    if params["pin_digest"] and not ref.digest:
        identifier = ref.pinned(ecr.digest_of(aws_client("ecr", params, primary=False), identifier))
    return identifier


def refuse_if_changed(params: dict, current: dict) -> None:
    expected = params["expected_image"]
    if expected is not None and current["image_identifier"] != expected:
        raise ActionFailed(
            f"Refused, nothing was changed: App Runner service {params['service_arn']} runs "
            f"{current['image_identifier']} now, not {expected} as it did when this run decided what to "
            "deploy; someone changed it meanwhile. Look at what changed, then run this again.",
            from_image=current["image_identifier"])


def save_snapshot(params: dict, service: dict) -> dict:
    """The configuration about to be replaced, kept (or the newest snapshot that holds it)."""
    current = normalize_service(service, include_env_values=True)
    store = snaps.SnapshotStore(aws_client("ssm", params, primary=False), current["service_name"])
    return store.save_if_changed(current, "before-image-change", params["snapshot_reason"],
                                 taken_by=getpass.getuser()).summary()


def read_service(params: dict, platform) -> tuple[dict, dict]:
    """(DescribeService's service, how it was had): the preflight's sealed read when it opens and is
    fresh, else a new DescribeService."""
    service, why = sealed_read.unseal(params["seal_key"], params["sealed_service"], params["service_arn"])
    if service is not None:
        return service, dict(service_read="sealed", seal_unused=None)
    return platform.read(params["service_arn"]), dict(service_read="described", seal_unused=why)


def deploy(module, platform) -> dict:
    params, arn = module.params, module.params["service_arn"]
    to_image = target_image(params)
    service, how = read_service(params, platform)
    current = normalize_service(service)
    refuse_if_changed(params, current)
    result = dict(changed=False, from_image=current["image_identifier"], to_image=to_image,
                  serving_image=current["image_identifier"], operation_id=None, status=None,
                  deployment_seconds=None, snapshot=None, **how)
    if module._diff:
        result["diff"] = {"before": {"image_identifier": current["image_identifier"]},
                          "after": {"image_identifier": to_image}}
    if current["image_identifier"] == to_image:
        return result
    platform.ensure_idle(arn, current["status"])
    if module.check_mode:
        return dict(result, changed=True, serving_image=to_image)
    if params["snapshot_reason"]:
        result["snapshot"] = save_snapshot(params, service)
    platform.started(result, platform.deploy(arn, to_image, service))
    if not params["wait"]:
        return result
    serving = platform.finish(arn, result, params["wait_timeout"])["image_identifier"]
    result["serving_image"] = serving
    return platform.judge(result, f"Deployment of {to_image} to App Runner service {arn}", f"{serving} is serving now")


def main():
    module = aws_module(ARGUMENT_SPEC, **MODULE_RULES)
    refuse_bad_params(module, dict(snapshot_reason="line"))
    if sealed_read.key_problem(module.params["seal_key"]):
        module.fail_json(msg=sealed_read.key_problem(module.params["seal_key"]) + ". Nothing was changed.")
    with fail_on_error(module):
        result = deploy(module, AppRunnerPlatform(aws_client("apprunner", module.params)))
    module.exit_json(**result)


if __name__ == "__main__":
    main()

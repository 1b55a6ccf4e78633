#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: app_rollback_preflight
short_description: Decide an app rollback (App Runner, ECS or ECS Express Mode) in one read, changing nothing
description:
  - The preflight of the app rollback (runbook section 1) as one module run. It reads who runs it
    (STS GetCallerIdentity; a failure there is tolerated and only leaves RV(caller_arn) null), the
    service (one DescribeService), what the service is busy with when it is not C(RUNNING) (one
    ListOperations), and the target release, then returns one decision.
  - "The service is an App Runner service (O(service_arn)), an ECS service (O(service), with
    O(cluster) and O(container)) or an ECS Express Mode service (O(express_service_arn)). On ECS
    the service is described once; it must be C(ACTIVE) and is busy while a service deployment is
    in flight (RV(operation_in_progress) is then that service deployment); the previous good
    release comes from its service deployments (the image each one deployed, C(SUCCESSFUL) as a
    success, C(ROLLBACK_SUCCESSFUL) or C(ROLLBACK_FAILED) as a failure) and the audit trail."
  - The target is resolved by git SHA in ECR (O(sha), as P(lacrei.rollback.ecr_image_info#module)
    does) or is the previous good release (O(target=previous), as
    P(lacrei.rollback.apprunner_release_history#module) finds it), in both cases as a release record
    that P(lacrei.rollback.apprunner_deploy#module) takes as is (O(lacrei.rollback.apprunner_deploy#module:release)).
  - A refusal (the service is not C(RUNNING), the SHA is unknown or ambiguous, no earlier good release
    is known) does not fail the module; it is returned in RV(refusal), so that the caller can record
    what it saw before failing with that message.
version_added: "0.2.0"
options:
  sha:
    description:
      - A git SHA of 7 to 40 hexadecimal characters; the target is the one image of O(repository)
        whose full SHA tag it prefixes. Malformed values are refused before any AWS call.
      - Exactly one of O(sha) and O(target).
    type: str
  target:
    description: C(previous) for the previous good release of the service.
    type: str
    choices: [previous]
  repository:
    description: Name of the ECR repository O(sha) is resolved in. Required with O(sha).
    type: str
  registry_id:
    description: AWS account id of that repository's registry, when it is not the caller's own.
    type: str
  audit_log_path:
    description:
      - The collection's audit trail, evidence of what ran (O(target=previous)). A missing file is no
        evidence, not an error.
    type: path
  use_event_log:
    description: Read the App Runner service event log from CloudWatch Logs as evidence (O(target=previous)).
    type: bool
    default: true
  caller_identity:
    description: Look up the AWS caller identity (for the audit trail).
    type: bool
    default: true
  stop_in_flight:
    description:
      - ECS and ECS Express Mode only. A service deployment in flight is then no refusal; the decision
        names it (RV(operation_in_progress)) and a deployment is RV(needed), since stopping it with
        C(ROLLBACK) (P(lacrei.rollback.ecs_deploy#module) O(lacrei.rollback.ecs_deploy#module:stop_in_flight))
        is the rollback's first step.
      - App Runner cannot stop an operation, so the option is refused there.
    type: bool
    default: false
  purpose:
    description:
      - What the decision is for, which only changes the wording of a refusal. C(rollback) (the app
        rollback's) or C(deploy) (the guarded deploy's, P(lacrei.rollback.guarded_deploy#role), which
        decides with O(sha) set to the release to ship; a busy ECS service is then refused without
        the O(stop_in_flight) hint, which is for rollbacks only).
    type: str
    choices: [rollback, deploy]
    default: rollback
  shared:
    description:
      - What P(lacrei.rollback.app_rollback_shared_info#module) read once for every service of this
        account (a fleet run), its result as registered.
      - The caller identity is taken from it instead of STS, and the ECR listing when it is of
        O(repository) (and O(registry_id)); what it does not hold is read here, as without it.
      - Only for services whose AWS credentials, region and repository are those it was read with.
    type: dict
  seal_key:
    description:
      - A random key of this playbook run (at least 32 characters, never written anywhere; the
        C(app_rollback) role makes one per run). With it, an App Runner service's DescribeService read
        is returned sealed (RV(sealed_service)) for P(lacrei.rollback.apprunner_deploy#module) to reuse
        instead of describing the service again.
    type: str
extends_documentation_fragment:
  - lacrei.rollback.apprunner_service.any_platform
  - lacrei.rollback.ecs_service
  - lacrei.rollback.aws
notes:
  - Read-only; supports check mode (it runs the same reads).
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Decide the rollback to a git SHA
  lacrei.rollback.app_rollback_preflight:
    service_arn: "{{ service_arn }}"
    sha: 3f9c2ab
    repository: consultas-api
  register: preflight

- name: Decide the rollback of an ECS service to its previous good release
  lacrei.rollback.app_rollback_preflight:
    cluster: lacrei
    service: lacrei-saude-backend-ecs
    target: previous
    audit_log_path: /var/log/lacrei/audit.jsonl
  register: ecs_preflight

- name: Refuse what the preflight refused
  ansible.builtin.fail:
    msg: "{{ preflight.refusal }}"
  when: preflight.refusal

- name: Deploy the target as the preflight saw it
  lacrei.rollback.apprunner_deploy:
    service_arn: "{{ service_arn }}"
    release: "{{ preflight.target }}"
    expected_image: "{{ preflight.service.image_identifier }}"
  when: preflight.needed

- name: Make this run's sealing key (never shown, never written)
  ansible.builtin.set_fact:
    seal_key: "{{ lookup('ansible.builtin.password', '/dev/null', length=43, chars=['ascii_letters', 'digits']) }}"
  no_log: true

- name: Decide, keeping the service read sealed for the deploy
  lacrei.rollback.app_rollback_preflight:
    service_arn: "{{ service_arn }}"
    sha: 3f9c2ab
    repository: consultas-api
    seal_key: "{{ seal_key }}"
  register: sealed_preflight

- name: Deploy from the preflight's read (one DescribeService in all)
  lacrei.rollback.apprunner_deploy:
    service_arn: "{{ service_arn }}"
    release: "{{ sealed_preflight.target }}"
    expected_image: "{{ sealed_preflight.service.image_identifier }}"
    sealed_service: "{{ sealed_preflight.sealed_service or omit }}"
    seal_key: "{{ seal_key }}"
  when: sealed_preflight.needed
"""

RETURN = r"""
caller_arn:
  description: ARN of the AWS caller (null when it could not be found, or with O(caller_identity=false)).
  returned: always
  type: str
  sample: arn:aws:sts::123456789012:assumed-role/Deployer/maria
service:
  description:
    - The service as DescribeService showed it (the keys of P(lacrei.rollback.apprunner_service_info#module)'s
      RV(lacrei.rollback.apprunner_service_info#module:service)), with the image it runs.
    - C(image_digest) is null when the image is not in the target's ECR repository and not pinned.
    - On ECS, the keys of P(lacrei.rollback.ecs_service_info#module)'s RV(lacrei.rollback.ecs_service_info#module:service)
      (C(task_definition_revision) among them) with the same image keys.
  returned: always
  type: dict
  contains:
    image_identifier: {description: Image identifier the service runs., type: str, sample: "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:3f9c2ab0..."}
    image_repository: {description: Repository URI part of it., type: str, sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/api}
    image_tag: {description: Tag part of it (null when pinned by digest)., type: str, sample: 3f9c2ab04c5e0b7e4d8f1a2b3c4d5e6f7a8b9c0d}
    image_digest: {description: Its digest., type: str, sample: "sha256:5e9f..."}
    image_sha: {description: Its full git SHA tag (null when unknown)., type: str, sample: 3f9c2ab04c5e0b7e4d8f1a2b3c4d5e6f7a8b9c0d}
    image_tags:
      description: Its tags in ECR (version tags among them; empty when unknown).
      type: list
      elements: str
      sample: [3f9c2ab04c5e0b7e4d8f1a2b3c4d5e6f7a8b9c0d, v1.2.0]
    status: {description: Service status., type: str, sample: RUNNING}
  sample: {service_name: lacrei-saude-backend, status: RUNNING}
platform:
  description: C(apprunner), C(ecs) or C(ecs_express).
  returned: always
  type: str
  sample: ecs
operation_in_progress:
  description:
    - The operation the App Runner service is busy with when it is not C(RUNNING) (null otherwise).
    - On ECS, the service deployment in flight (C(arn), C(status), C(started_at)...).
  returned: always
  type: dict
  sample: {id: 0f3c0a1e, type: UPDATE_SERVICE, status: IN_PROGRESS, started_at: "2024-05-02T13:45:10+00:00"}
target:
  description:
    - The release to roll back to as a release record (null when refused before it was known), with the keys of
      P(lacrei.rollback.ecr_image_info#module)'s RV(lacrei.rollback.ecr_image_info#module:release)
      (C(sha), C(tags), C(version), C(digest), C(image_uri), C(pushed_at), C(ran)).
    - C(ran) is when the service last ran it successfully (previous good release), null when not looked up.
  returned: always
  type: dict
  sample: {sha: 9b1d4e0c0a3f2e1d5c6b7a8f9e0d1c2b3a4f5e6d, version: v1.2.0}
needed:
  description: Whether the service runs another image than RV(target) (compared by digest); false when refused.
  returned: always
  type: bool
  sample: true
running_sha:
  description: The git SHA of the release the service runs (null when unknown), for the schema check.
  returned: always
  type: str
  sample: 3f9c2ab04c5e0b7e4d8f1a2b3c4d5e6f7a8b9c0d
refusal:
  description: Why the rollback is refused, nothing having changed (null when it is not).
  returned: always
  type: str
  sample: "Refused: No earlier good release known for lacrei-saude-backend: ..."
refusal_details:
  description: What a refused SHA matched (C(candidates) when ambiguous, C(newest_tags) when unknown).
  returned: when O(sha) is refused by ECR
  type: dict
  sample: {newest_tags: [3f9c2ab04c5e0b7e4d8f1a2b3c4d5e6f7a8b9c0d]}
sealed_service:
  description:
    - The service's DescribeService read, encrypted and authenticated with O(seal_key) (AES-GCM) and bound to
      the service ARN and the time of the read, for P(lacrei.rollback.apprunner_deploy#module)'s
      O(lacrei.rollback.apprunner_deploy#module:sealed_service). It cannot be read without the key.
    - Only with O(seal_key), on App Runner, when a deployment is RV(needed); null otherwise, and when the
      Python library C(cryptography) is missing.
  returned: always
  type: str
  sample: "lacrei-sealed-read-v1:1767225600.125:q83v..."
history:
  description:
    - With O(target=previous), what P(lacrei.rollback.apprunner_release_history#module) returns.
    - On ECS the same keys; its C(sources) count the service deployments and audit entries read.
  returned: with O(target=previous) on a service that can be rolled back
  type: dict
  sample: {previous_reason: null, sources: {operations: 4}}
"""

import time

from ansible_collections.lacrei.rollback.plugins.module_utils import sealed_read
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client, aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import fail_on_error
from ansible_collections.lacrei.rollback.plugins.module_utils.input_checks import refuse_bad_params
from ansible_collections.lacrei.rollback.plugins.module_utils.service_target import (
    SERVICE_RULES, SERVICE_SPEC, platform_for)
from ansible_collections.lacrei.rollback.plugins.module_utils.rollback_preflight import (
    Clients, ecs_preflight, preflight, shared_catalog)

ARGUMENT_SPEC = dict(
    **SERVICE_SPEC,
    sha=dict(type="str"),
    target=dict(type="str", choices=["previous"]),
    repository=dict(type="str"),
    registry_id=dict(type="str"),
    audit_log_path=dict(type="path"),
    use_event_log=dict(type="bool", default=True),
    caller_identity=dict(type="bool", default=True),
    stop_in_flight=dict(type="bool", default=False),
    purpose=dict(type="str", choices=["rollback", "deploy"], default="rollback"),
    shared=dict(type="dict"),
    seal_key=dict(type="str", no_log=True),
)
SHARED_KEYS = frozenset({"caller_arn", "caller_unknown", "repository", "registry_id", "repository_uri", "images"})
MODULE_RULES = dict(
    required_one_of=[["sha", "target"], *SERVICE_RULES["required_one_of"]],
    mutually_exclusive=[["sha", "target"], *SERVICE_RULES["mutually_exclusive"]],
    required_by={"sha": "repository"},
)


def main():
    module = aws_module(ARGUMENT_SPEC, **MODULE_RULES)
    refuse_bad_params(module, dict(sha="git_sha"))
    params = module.params
    if sealed_read.key_problem(params["seal_key"]):
        module.fail_json(msg=sealed_read.key_problem(params["seal_key"]) + ". Nothing was read.")
    shared = params["shared"]
    missing = sorted(SHARED_KEYS - set(shared)) if shared is not None else []
    if missing:
        module.fail_json(msg=f"shared must be what lacrei.rollback.app_rollback_shared_info returned (it lacks "
                             f"{', '.join(missing)}); register that task's result and pass it as is, or leave "
                             "shared out. Nothing was read.")
    if shared and not params["caller_identity"]:
        shared = dict(shared, caller_arn=None, caller_unknown=None)
    listed = params["sha"] and shared_catalog(shared, params["repository"], params["registry_id"]) is not None
    with fail_on_error(module):
        clients = Clients(
            ecr=None if listed else aws_client("ecr", params, primary=False),
            sts=aws_client("sts", params, primary=False) if params["caller_identity"] and not shared else None,
            logs=aws_client("logs", params, primary=False) if params["use_event_log"] and params["service_arn"] else None)
        target = dict(sha=params["sha"], repository=params["repository"], registry_id=params["registry_id"],
                      audit_log_path=params["audit_log_path"], shared=shared or None, purpose=params["purpose"])
        platform, service = platform_for(params)
        if platform.name == "apprunner":
            if params["stop_in_flight"]:
                module.fail_json(msg="stop_in_flight=true is for ECS services (StopServiceDeployment): App Runner "
                                     "cannot stop an operation in progress; wait for it to end. Nothing was read.")
            read_at = time.time()
            read = platform.read(service)
            decision = preflight(platform, clients, service, read=read, **target)
            sealed = decision["needed"] and decision["refusal"] is None
            decision["sealed_service"] = sealed_read.seal(params["seal_key"], read, read_at) if sealed else None
        else:
            decision = ecs_preflight(platform, clients, service, stop_in_flight=params["stop_in_flight"], **target)
            decision["sealed_service"] = None
    why = decision.pop("caller_unknown")
    if why:
        module.warn(f"{why}; the audit trail will not name who ran this")
    module.exit_json(changed=False, platform=platform.name, **decision)


if __name__ == "__main__":
    main()

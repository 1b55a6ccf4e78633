#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: config_snapshot
short_description: Save or list versioned snapshots of an App Runner service's configuration
description:
  - With O(state=present), saves the service's current image configuration (environment
    variables, secret references, port, start command) and image identifier as the next
    snapshot, the SSM Parameter Store SecureString C(/lacrei-rollback/<service name>/config/<n>),
    with when and why it was taken.
  - With O(only_if_changed=true) (the default), nothing is saved when the newest snapshot already
    holds exactly that configuration and image.
  - With O(state=info), lists the snapshots newest first, or returns one (O(version)). Values of
    variables whose names match O(secret_patterns) are always masked; secret references are
    given by name only.
  - O(version=previous) is the snapshot a configuration rollback restores, the newest one whose
    variables and secrets differ from the running ones and from every configuration that was
    rolled back from.
version_added: "0.1.0"
options:
  service_arn:
    description: ARN of the App Runner service.
    type: str
    required: true
    aliases: [arn]
  state:
    description: C(present) saves a snapshot, C(info) reads them.
    type: str
    choices: [present, info]
    default: present
  reason:
    description: Why the snapshot is taken (stored with it and shown in listings).
    type: str
    default: on-demand snapshot
  trigger:
    description: What took the snapshot.
    type: str
    choices: [on-demand, before-config-change, before-config-rollback, before-image-change]
    default: on-demand
  only_if_changed:
    description: Save nothing when the newest snapshot already holds the current configuration.
    type: bool
    default: true
  version:
    description:
      - With O(state=info), the snapshot to return in RV(snapshot) - a number, C(latest) or
        C(previous). Fails when there is none.
    type: str
  secret_patterns:
    description:
      - Shell-style patterns (case-insensitive); variables whose names match one are secret and
        their values are never shown.
    type: list
    elements: str
    default: ['*SECRET*', '*PASSWORD*', '*PASSWD*', '*TOKEN*', '*KEY*', '*CREDENTIAL*', '*PRIVATE*', DATABASE_URL]
extends_documentation_fragment:
  - lacrei.rollback.aws
notes:
  - Supports check mode (O(state=present) predicts the version it would save).
  - Reads App Runner (DescribeService) and SSM (GetParametersByPath, PutParameter; SecureString
    with the account's default key).
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Snapshot the configuration before deploying another image
  lacrei.rollback.config_snapshot:
    service_arn: "{{ service_arn }}"
    trigger: before-image-change
    reason: "app rollback to {{ target_image }}"

- name: List the snapshots (secret values masked)
  lacrei.rollback.config_snapshot:
    service_arn: "{{ service_arn }}"
    state: info
  register: snapshots

- name: Find the configuration a rollback would restore
  lacrei.rollback.config_snapshot:
    service_arn: "{{ service_arn }}"
    state: info
    version: previous
  register: previous
"""

RETURN = r"""
snapshot:
  description:
    - The snapshot saved (O(state=present); the newest one when nothing was saved; the prediction in
      check mode), or the one asked for with O(version). Secret values masked.
  returned: when state=present, or state=info with version
  type: dict
  sample:
    version: 4
    name: /lacrei-rollback/lacrei-saude-backend/config/4
    taken_at: "2025-06-02T10:15:00+00:00"
    trigger: before-image-change
    reason: app rollback to v1.2.0
    rolled_back_from: false
    restored_to: null
    image_identifier: 123456789012.dkr.ecr.us-east-1.amazonaws.com/lacrei-saude-backend:66ddcf3
    image_tag: 66ddcf3
    environment_variables: {FEATURE_APPOINTMENTS: "on", DJANGO_SECRET_KEY: "********"}
    environment_secret_names: [DATABASE_URL]
saved:
  description: Whether a snapshot was saved (would be, in check mode).
  returned: when state=present
  type: bool
  sample: true
snapshots:
  description: Every snapshot of the service, newest first, secret values masked.
  returned: when state=info
  type: list
  elements: dict
  sample: [{version: 2, trigger: before-config-rollback, rolled_back_from: true}]
resolution:
  description: Why O(version=previous) resolved to RV(snapshot).
  returned: when version=previous
  type: str
  sample: snapshot 3 is the newest configuration that differs from the running one
service_name:
  description: The App Runner service name (part of the parameter path).
  returned: always
  type: str
  sample: lacrei-saude-backend
"""

import getpass

from ansible_collections.lacrei.rollback.plugins.module_utils import config_snapshots as snaps
from ansible_collections.lacrei.rollback.plugins.module_utils.apprunner import AppRunnerPlatform
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client, aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import fail_on_error
from ansible_collections.lacrei.rollback.plugins.module_utils.env_masking import DEFAULT_SECRET_PATTERNS

ARGUMENT_SPEC = dict(
    service_arn=dict(type="str", required=True, aliases=["arn"]),
    state=dict(type="str", choices=["present", "info"], default="present"),
    reason=dict(type="str", default="on-demand snapshot"),
    trigger=dict(type="str", choices=list(snaps.TRIGGERS), default="on-demand"),
    only_if_changed=dict(type="bool", default=True),
    version=dict(type="str"),
    secret_patterns=dict(type="list", elements="str", default=list(DEFAULT_SECRET_PATTERNS)),
)


def info(params: dict, store, current: dict) -> dict:
    patterns = params["secret_patterns"]
    snapshots = store.list()
    result = {"changed": False, "snapshots": [s.summary(patterns) for s in snapshots]}
    if params["version"]:
        found, why = snaps.pick(store, snapshots, params["version"].strip(), current)
        result["snapshot"] = found.summary(patterns)
        if why:
            result["resolution"] = why
    return result


def present(module, store, current: dict) -> dict:
    params = module.params
    snapshots = store.list()
    if params["only_if_changed"] and snaps.unchanged_since(snapshots, current):
        return {"changed": False, "saved": False, "snapshot": snapshots[0].summary(params["secret_patterns"])}
    if module.check_mode:
        predicted = snaps.Snapshot((snapshots[0].version if snapshots else 0) + 1, "", None, params["trigger"],
                                   params["reason"], snaps.state_of(current))
        predicted.name = f"{store.path}/{predicted.version}"
        return {"changed": True, "saved": True, "snapshot": predicted.summary(params["secret_patterns"])}
    saved = store.save(current, params["trigger"], params["reason"], taken_by=getpass.getuser())
    return {"changed": True, "saved": True, "snapshot": saved.summary(params["secret_patterns"])}


def run(module) -> dict:
    params = module.params
    current = AppRunnerPlatform(aws_client("apprunner", params)).describe(params["service_arn"], include_env_values=True)
    store = snaps.SnapshotStore(aws_client("ssm", params, primary=False), current["service_name"])
    result = info(params, store, current) if params["state"] == "info" else present(module, store, current)
    return dict(result, service_name=current["service_name"])


def main():
    module = aws_module(ARGUMENT_SPEC)
    with fail_on_error(module):
        result = run(module)
    module.exit_json(**result)


if __name__ == "__main__":
    main()

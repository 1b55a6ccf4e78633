#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: config_snapshot
short_description: Save a versioned snapshot of an App Runner service's configuration
description:
  - Saves the service's current image configuration (environment variables, secret references,
    port, start command) and image identifier as the next snapshot, the SSM Parameter Store
    SecureString C(/lacrei-rollback/<service name>/config/<n>), with when and why it was taken.
  - With O(only_if_changed=true) (the default), nothing is saved when the newest snapshot already
    holds exactly that configuration and image.
  - M(lacrei.rollback.config_snapshot_info) lists the snapshots and finds the one a rollback
    restores; M(lacrei.rollback.apprunner_config) restores one.
version_added: "0.1.0"
options:
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
extends_documentation_fragment:
  - lacrei.rollback.apprunner_service.any_platform
  - lacrei.rollback.ecs_service
  - lacrei.rollback.apprunner_service.secret_names
  - lacrei.rollback.aws
notes:
  - Supports check mode (predicts the version it would save).
  - Reads App Runner (DescribeService) and SSM (GetParametersByPath), writes SSM (PutParameter;
    SecureString with the account's default key).
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Snapshot the configuration before deploying another image
  lacrei.rollback.config_snapshot:
    service_arn: "{{ service_arn }}"
    trigger: before-image-change
    reason: "app rollback to {{ target_image }}"

- name: Snapshot it now, even when nothing changed since the last one
  lacrei.rollback.config_snapshot:
    service_arn: "{{ service_arn }}"
    reason: before the campaign
    only_if_changed: false
"""

RETURN = r"""
snapshot:
  description:
    - The snapshot saved (the newest one when nothing was saved; the prediction in check mode),
      secret values masked. Same keys as RV(lacrei.rollback.config_snapshot_info#module:snapshot).
  returned: always
  type: dict
  sample:
    version: 4
    name: /lacrei-rollback/lacrei-saude-backend/config/4
    trigger: before-image-change
    reason: app rollback to v1.2.0
    environment_variables: {FEATURE_APPOINTMENTS: "on", DJANGO_SECRET_KEY: "********"}
saved:
  description: Whether a snapshot was saved (would be, in check mode).
  returned: always
  type: bool
  sample: true
service_name:
  description: The service name, App Runner's or ECS's (part of the parameter path).
  returned: always
  type: str
  sample: lacrei-saude-backend
"""

import getpass

from ansible_collections.lacrei.rollback.plugins.module_utils import config_snapshots as snaps
from ansible_collections.lacrei.rollback.plugins.module_utils import service_target
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import fail_on_error
from ansible_collections.lacrei.rollback.plugins.module_utils.input_checks import refuse_bad_params
from ansible_collections.lacrei.rollback.plugins.module_utils.env_masking import SECRET_NAMES_SPEC

ARGUMENT_SPEC = dict(
    **service_target.SERVICE_SPEC,
    reason=dict(type="str", default="on-demand snapshot"),
    trigger=dict(type="str", choices=list(snaps.TRIGGERS), default="on-demand"),
    only_if_changed=dict(type="bool", default=True),
    **SECRET_NAMES_SPEC,
)


def save(module, store, current: dict) -> dict:
    params = module.params
    snapshots = store.list()
    if params["only_if_changed"] and snaps.unchanged_since(snapshots, current):
        return {"changed": False, "saved": False, "snapshot": snapshots[0].summary(params["secret_patterns"])}
    if module.check_mode:
        version = (snapshots[0].version if snapshots else 0) + 1
        predicted = snaps.Snapshot(version, f"{store.path}/{version}", None, params["trigger"], params["reason"],
                                   snaps.state_of(current))
        return {"changed": True, "saved": True, "snapshot": predicted.summary(params["secret_patterns"])}
    saved = store.save(current, params["trigger"], params["reason"], taken_by=getpass.getuser())
    return {"changed": True, "saved": True, "snapshot": saved.summary(params["secret_patterns"])}


def main():
    module = aws_module(ARGUMENT_SPEC, **service_target.SERVICE_RULES)
    refuse_bad_params(module, dict(reason="line"))
    with fail_on_error(module):
        current, store = snaps.open_store(module.params, *service_target.platform_for(module.params))
        result = dict(save(module, store, current), service_name=current["service_name"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()

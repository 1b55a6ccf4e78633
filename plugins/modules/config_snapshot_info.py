#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: config_snapshot_info
short_description: List the configuration snapshots of an App Runner service, or find one
description:
  - Lists the snapshots saved by M(lacrei.rollback.config_snapshot) and
    M(lacrei.rollback.apprunner_config) (SSM Parameter Store, C(/lacrei-rollback/<service name>/config/<n>)),
    newest first, or returns one (O(version)).
  - Values of variables whose names match O(secret_patterns) are always masked; secret references
    are given by name only.
  - O(version=previous) is the snapshot a configuration rollback restores, the newest one whose
    variables and secrets differ from the running ones and from every configuration that was
    rolled back from.
version_added: "0.1.0"
options:
  version:
    description:
      - The snapshot to return in RV(snapshot) - a number, C(latest) or C(previous). Fails when
        there is none.
    type: str
extends_documentation_fragment:
  - lacrei.rollback.apprunner_service.any_platform
  - lacrei.rollback.ecs_service
  - lacrei.rollback.apprunner_service.secret_names
  - lacrei.rollback.aws
notes:
  - Changes nothing; supports check mode.
  - Reads App Runner (DescribeService) and SSM (GetParametersByPath, decrypted).
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: List the snapshots (secret values masked)
  lacrei.rollback.config_snapshot_info:
    service_arn: "{{ service_arn }}"
  register: snapshots

- name: Find the configuration a rollback would restore
  lacrei.rollback.config_snapshot_info:
    service_arn: "{{ service_arn }}"
    version: previous
  register: previous
"""

RETURN = r"""
snapshots:
  description: Every snapshot of the service, newest first, secret values masked.
  returned: always
  type: list
  elements: dict
  sample: [{version: 2, trigger: before-config-rollback, rolled_back_from: true}]
snapshot:
  description: The snapshot asked for with O(version), secret values masked.
  returned: when version is given
  type: dict
  sample:
    version: 4
    name: /lacrei-rollback/lacrei-saude-backend/config/4
    taken_at: "2025-06-02T10:15:00+00:00"
    taken_by: deploy
    trigger: before-image-change
    reason: app rollback to v1.2.0
    rolled_back_from: false
    restored_to: null
    image_identifier: 123456789012.dkr.ecr.us-east-1.amazonaws.com/lacrei-saude-backend:66ddcf3
    image_tag: 66ddcf3
    port: "8000"
    environment_variables: {FEATURE_APPOINTMENTS: "on", DJANGO_SECRET_KEY: "********"}
    environment_secret_names: [DATABASE_URL]
resolution:
  description: Why O(version=previous) resolved to RV(snapshot).
  returned: when version=previous
  type: str
  sample: snapshot 3 is the newest configuration that differs from the running one
service_name:
  description: The service name, App Runner's or ECS's (part of the parameter path).
  returned: always
  type: str
  sample: lacrei-saude-backend
"""

from ansible_collections.lacrei.rollback.plugins.module_utils import config_snapshots as snaps
from ansible_collections.lacrei.rollback.plugins.module_utils import service_target
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import fail_on_error
from ansible_collections.lacrei.rollback.plugins.module_utils.env_masking import SECRET_NAMES_SPEC

ARGUMENT_SPEC = dict(
    **service_target.SERVICE_SPEC,
    version=dict(type="str"),
    **SECRET_NAMES_SPEC,
)


def read(params: dict, store, current: dict) -> dict:
    patterns = params["secret_patterns"]
    snapshots = store.list()
    result = {"changed": False, "snapshots": [s.summary(patterns) for s in snapshots]}
    if params["version"]:
        found, why = snaps.pick(store, snapshots, params["version"].strip(), current)
        result["snapshot"] = found.summary(patterns)
        if why:
            result["resolution"] = why
    return result


def main():
    module = aws_module(ARGUMENT_SPEC, **service_target.SERVICE_RULES)
    with fail_on_error(module):
        current, store = snaps.open_store(module.params, *service_target.platform_for(module.params))
        result = dict(read(module.params, store, current), service_name=current["service_name"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()

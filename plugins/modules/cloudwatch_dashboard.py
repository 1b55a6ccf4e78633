#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: cloudwatch_dashboard
short_description: Create, update or delete a CloudWatch dashboard
description:
  - Puts the dashboard (PutDashboard) when it does not exist or its body differs from O(body)
    (compared as JSON, so key order and spacing do not count); deletes it with O(state=absent).
version_added: "0.2.0"
options:
  name:
    description: The dashboard name.
    type: str
    required: true
  state:
    description: Whether the dashboard should exist.
    type: str
    choices: [present, absent]
    default: present
  body:
    description:
      - The dashboard body (C(widgets) and so on), as a dict or a JSON string; see the CloudWatch
        dashboard body structure. Required with O(state=present).
    type: raw
extends_documentation_fragment:
  - lacrei.rollback.aws
notes:
  - Supports check mode and diff mode (the body before and after).
  - Calls CloudWatch GetDashboard, PutDashboard and DeleteDashboards.
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: A dashboard with the request count
  lacrei.rollback.cloudwatch_dashboard:
    name: lacrei-rollback-lacrei-saude-backend
    body:
      widgets:
        - type: metric
          x: 0
          y: 0
          width: 12
          height: 6
          properties:
            title: Requests
            region: us-east-1
            stat: Sum
            period: 60
            metrics: [[AWS/AppRunner, Requests, ServiceName, lacrei-saude-backend]]

- name: Remove it
  lacrei.rollback.cloudwatch_dashboard:
    name: lacrei-rollback-lacrei-saude-backend
    state: absent
"""

RETURN = r"""
dashboard_arn:
  description: The dashboard's ARN once it exists; empty when absent (or not created yet in check mode).
  returned: always
  type: str
  sample: arn:aws:cloudwatch::123456789012:dashboard/lacrei-rollback-lacrei-saude-backend
body:
  description: The dashboard body after the run (as it would be, in check mode); empty when absent.
  returned: always
  type: dict
  sample: {widgets: []}
validation_messages:
  description: What CloudWatch said about the body it accepted.
  returned: when the dashboard was put
  type: list
  elements: dict
  sample: []
"""

import json

from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client, aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import aws_action
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed, fail_on_error

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    body=dict(type="raw"),
)


def desired_body(params: dict) -> dict:
    body = params["body"]
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError as exc:
            raise ActionFailed(f"Dashboard {params['name']}: body is not JSON ({exc}).") from exc
    if not isinstance(body, dict) or not isinstance(body.get("widgets"), list):
        raise ActionFailed(f"Dashboard {params['name']}: body must be a dict with a list of widgets "
                           "(the CloudWatch dashboard body structure).")
    return body


def current_dashboard(client, name: str) -> tuple[str, dict | None]:
    try:
        with aws_action(f"get dashboard {name}"):
            found = client.get_dashboard(DashboardName=name)
    except ActionFailed as exc:
        if getattr(exc, "code", "") in ("ResourceNotFound", "ResourceNotFoundException"):
            return "", None
        raise
    return found.get("DashboardArn", ""), json.loads(found["DashboardBody"])


def apply(module, client) -> dict:
    params, name = module.params, module.params["name"]
    if params["state"] == "present" and params["body"] is None:
        raise ActionFailed(f"Dashboard {name}: body is required with state=present.")
    desired = desired_body(params) if params["state"] == "present" else None
    arn, current = current_dashboard(client, name)
    changed = current != desired
    result = {"changed": changed, "dashboard_arn": arn if desired else "", "body": desired or {}}
    if changed and not module.check_mode:
        if desired is None:
            with aws_action(f"delete dashboard {name}"):
                client.delete_dashboards(DashboardNames=[name])
        else:
            with aws_action(f"put dashboard {name}"):
                answer = client.put_dashboard(DashboardName=name, DashboardBody=json.dumps(desired, sort_keys=True))
            result["validation_messages"] = answer.get("DashboardValidationMessages", [])
            result["dashboard_arn"] = current_dashboard(client, name)[0]
    if module._diff:
        result["diff"] = {"before": current or {}, "after": desired or {}}
    return result


def main():
    module = aws_module(ARGUMENT_SPEC)
    with fail_on_error(module):
        result = apply(module, aws_client("cloudwatch", module.params))
    module.exit_json(**result)


if __name__ == "__main__":
    main()

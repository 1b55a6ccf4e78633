#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: cloudwatch_alarm_info
short_description: The current state of CloudWatch metric alarms, by name
description:
  - Reads the named alarms (DescribeAlarms) and returns each one's state, when it last changed and
    its description, parsed when it is the JSON the collection's alarms carry (C(service), C(service_arn),
    C(managed_by)).
  - The event-driven responder reads an alarm's state again right before acting, so an alarm that
    cleared since its notification was sent is never acted on.
  - Read-only; runs the same way in check mode.
version_added: "0.1.0"
options:
  names:
    description: Alarm names (1 to 100).
    type: list
    elements: str
    required: true
extends_documentation_fragment:
  - lacrei.rollback.aws
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Is the error-rate alarm still firing?
  lacrei.rollback.cloudwatch_alarm_info:
    names: [lacrei-rollback-lacrei-saude-backend-error-rate]
  register: alarm_info

- name: Act only while it fires
  ansible.builtin.debug:
    msg: still in ALARM
  when: alarm_info.alarms[0].state_value | default('') == 'ALARM'
"""

RETURN = r"""
alarms:
  description: One entry per named alarm that exists, in the order of O(names).
  returned: always
  type: list
  elements: dict
  sample:
    - name: lacrei-rollback-lacrei-saude-backend-error-rate
      state_value: ALARM
      state_reason: Threshold Crossed
      state_updated: "2026-11-30T08:10:00+00:00"
      service: lacrei-saude-backend
      description: {"service": "lacrei-saude-backend", "managed_by": "lacrei.rollback"}
      alarm_arn: arn:aws:cloudwatch:us-east-1:123456789012:alarm:lacrei-rollback-lacrei-saude-backend-error-rate
missing:
  description: The names no alarm has.
  returned: always
  type: list
  elements: str
  sample: []
"""

import json

from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client, aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import (
    ActionFailed, aws_action, fail_on_error)

MAX_NAMES = 100


def parse_description(text: str | None) -> dict:
    """The alarm's description as data when it is a JSON object; {} otherwise."""
    try:
        value = json.loads(text or "")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def alarm_entry(alarm: dict) -> dict:
    description = parse_description(alarm.get("AlarmDescription"))
    updated = alarm.get("StateUpdatedTimestamp")
    return {
        "name": alarm.get("AlarmName"),
        "alarm_arn": alarm.get("AlarmArn"),
        "state_value": alarm.get("StateValue"),
        "state_reason": alarm.get("StateReason"),
        "state_updated": updated.isoformat() if hasattr(updated, "isoformat") else updated,
        "service": description.get("service"),
        "description": description,
    }


def alarm_states(client, names: list[str]) -> dict:
    if not names or len(names) > MAX_NAMES or any(not str(name).strip() for name in names):
        raise ActionFailed(f"names: give 1 to {MAX_NAMES} non-empty alarm names (got {len(names)}).")
    with aws_action("describe the CloudWatch alarms " + ", ".join(names)):
        found = client.describe_alarms(AlarmNames=list(names), AlarmTypes=["MetricAlarm"]).get("MetricAlarms", [])
    by_name = {alarm["AlarmName"]: alarm_entry(alarm) for alarm in found}
    return {"alarms": [by_name[name] for name in names if name in by_name],
            "missing": [name for name in names if name not in by_name]}


def main():
    module = aws_module({"names": {"type": "list", "elements": "str", "required": True}},
                        supports_check_mode=True)
    with fail_on_error(module):
        result = alarm_states(aws_client("cloudwatch", module.params), module.params["names"])
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()

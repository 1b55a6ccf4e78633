#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: cloudwatch_alarm_info
short_description: Read the state of a service's CloudWatch alarms
version_added: 0.3.0
description:
  - Lists the CloudWatch metric alarms whose name starts with O(name_prefix) (DescribeAlarms) with
    their state (C(OK), C(ALARM), C(INSUFFICIENT_DATA)), the reason and when the state last changed.
  - With O(changed_since), RV(tripped) holds the alarms in C(ALARM) that went there at or after
    that time, leaving out an alarm that was already in C(ALARM) before it.
  - The alarms themselves are managed by C(playbooks/alarms.yml) (C(lacrei-rollback-<service>-*)).
    No alarm with the prefix is an answer too (RV(alarms) empty), not a failure.
  - Read-only; check mode behaves the same.
options:
  name_prefix:
    description: Alarm name prefix, for example C(lacrei-rollback-lacrei-saude-backend-).
    type: str
    required: true
  changed_since:
    description:
      - A time, epoch seconds or ISO 8601; only alarms that entered C(ALARM) at or after it are in RV(tripped).
      - Default every alarm in C(ALARM).
    type: str
extends_documentation_fragment:
  - lacrei.rollback.aws
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Read the service's alarms
  lacrei.rollback.cloudwatch_alarm_info:
    name_prefix: lacrei-rollback-lacrei-saude-backend-
  register: alarms

- name: Which alarms went to ALARM since the deploy
  lacrei.rollback.cloudwatch_alarm_info:
    name_prefix: lacrei-rollback-lacrei-saude-backend-
    changed_since: "{{ deployed_at }}"
  register: since_deploy
"""

RETURN = r"""
alarms:
  description: The alarms with the prefix, by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Alarm name.
      type: str
    state:
      description: C(OK), C(ALARM) or C(INSUFFICIENT_DATA).
      type: str
    reason:
      description: CloudWatch's reason for the state.
      type: str
    updated_at:
      description: When the state last changed, ISO 8601 in UTC.
      type: str
    updated:
      description: The same as epoch seconds.
      type: float
    metric:
      description: The metric watched as namespace/name, else C(metric math).
      type: str
  sample:
    - name: lacrei-rollback-lacrei-saude-backend-error-rate
      state: ALARM
      reason: "Threshold Crossed: 2 out of the last 2 datapoints were greater than the threshold (0.05)."
      updated_at: "2026-05-02T13:31:10+00:00"
      updated: 1777728670.0
      metric: metric math
tripped:
  description: The alarms of RV(alarms) in C(ALARM) that entered it at or after O(changed_since) (all in C(ALARM) without it).
  returned: always
  type: list
  elements: dict
  sample: []
"""

from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client, aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import aws_action
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import fail_on_error
from ansible_collections.lacrei.rollback.plugins.module_utils.input_checks import refuse_bad_params
from ansible_collections.lacrei.rollback.plugins.module_utils.metrics import iso, parse_time


def alarm_of(found: dict) -> dict:
    updated = found.get("StateUpdatedTimestamp")
    metric = f"{found['Namespace']}/{found['MetricName']}" if found.get("MetricName") else "metric math"
    return {"name": found["AlarmName"], "state": found.get("StateValue"), "reason": found.get("StateReason", ""),
            "updated_at": iso(updated.timestamp()) if updated else None,
            "updated": updated.timestamp() if updated else None, "metric": metric}


def read_alarms(client, prefix: str) -> list[dict]:
    alarms = []
    with aws_action(f"describe the CloudWatch alarms {prefix}*"):
        for page in client.get_paginator("describe_alarms").paginate(AlarmNamePrefix=prefix, AlarmTypes=["MetricAlarm"]):
            alarms.extend(alarm_of(found) for found in page.get("MetricAlarms", []))
    return sorted(alarms, key=lambda alarm: alarm["name"])


def tripped(alarms: list[dict], since: float | None) -> list[dict]:
    return [alarm for alarm in alarms if alarm["state"] == "ALARM"
            and (since is None or (alarm["updated"] is not None and alarm["updated"] >= since))]


def main():
    module = aws_module(dict(name_prefix=dict(type="str", required=True), changed_since=dict(type="str")))
    with fail_on_error(module):
        refuse_bad_params(module, dict(name_prefix="line", changed_since="timestamp"))
        since = parse_time(module.params["changed_since"], "changed_since") if module.params["changed_since"] else None
        alarms = read_alarms(aws_client("cloudwatch", module.params), module.params["name_prefix"])
    module.exit_json(changed=False, alarms=alarms, tripped=tripped(alarms, since))


if __name__ == "__main__":
    main()

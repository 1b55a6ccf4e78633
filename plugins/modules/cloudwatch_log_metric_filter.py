#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: cloudwatch_log_metric_filter
short_description: Create, update or delete a CloudWatch Logs metric filter
description:
  - Puts the metric filter (PutMetricFilter) on a log group when it does not exist or differs from the
    options, so that each matching log event adds O(metric_value) to a CloudWatch metric; deletes it
    with O(state=absent). Nothing is sent when the filter already matches.
  - The log group must exist (App Runner creates a service's log groups when it starts).
version_added: "0.2.0"
options:
  name:
    description: The filter name.
    type: str
    required: true
  log_group:
    description: The log group the filter reads.
    type: str
    required: true
  state:
    description: Whether the filter should exist.
    type: str
    choices: [present, absent]
    default: present
  pattern:
    description: The CloudWatch Logs filter pattern (for example C(?ERROR ?Traceback)).
    type: str
    default: ""
  metric_namespace:
    description: The namespace of the metric the filter publishes. Required with O(state=present).
    type: str
  metric_name:
    description: The metric the filter publishes. Required with O(state=present).
    type: str
  metric_value:
    description: What each matching event adds to the metric.
    type: str
    default: "1"
  default_value:
    description: The value published for periods without a matching event (none when not set).
    type: float
  dimensions:
    description: Dimensions of the metric, name to value (a value may be a C($.field) of JSON events).
    type: dict
    default: {}
extends_documentation_fragment:
  - lacrei.rollback.aws
notes:
  - Supports check mode and diff mode.
  - Calls CloudWatch Logs DescribeLogGroups, DescribeMetricFilters, PutMetricFilter and DeleteMetricFilter.
  - CloudWatch does not allow O(default_value) together with O(dimensions).
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Count the error lines of the service's application log
  lacrei.rollback.cloudwatch_log_metric_filter:
    name: lacrei-rollback-lacrei-saude-backend-error-logs
    log_group: /aws/apprunner/lacrei-saude-backend/0123abcd/application
    pattern: '?ERROR ?Traceback'
    metric_namespace: LacreiRollback/Logs
    metric_name: ErrorLogEvents
    dimensions: {Service: lacrei-saude-backend}
"""

RETURN = r"""
metric_filter:
  description: The filter after the run (as it would be, in check mode); empty when absent.
  returned: always
  type: dict
  sample:
    filterName: lacrei-rollback-lacrei-saude-backend-error-logs
    filterPattern: "?ERROR ?Traceback"
    metricTransformations:
      - {metricNamespace: LacreiRollback/Logs, metricName: ErrorLogEvents, metricValue: "1",
         dimensions: {Service: lacrei-saude-backend}}
"""

from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client, aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import aws_action
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed, fail_on_error

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    log_group=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    pattern=dict(type="str", default=""),
    metric_namespace=dict(type="str"),
    metric_name=dict(type="str"),
    metric_value=dict(type="str", default="1"),
    default_value=dict(type="float"),
    dimensions=dict(type="dict", default={}),
)


def canonical(found: dict | None) -> dict:
    if not found:
        return {}
    transformations = []
    for item in found.get("metricTransformations") or []:
        shaped = {key: item[key] for key in ("metricNamespace", "metricName", "metricValue")}
        if item.get("defaultValue") is not None:
            shaped["defaultValue"] = float(item["defaultValue"])
        if item.get("dimensions"):
            shaped["dimensions"] = {str(k): str(v) for k, v in item["dimensions"].items()}
        transformations.append(shaped)
    return {"filterName": found["filterName"], "filterPattern": found.get("filterPattern") or "",
            "metricTransformations": transformations}


def desired_filter(params: dict) -> dict:
    name = params["name"]
    if not (params["metric_namespace"] and params["metric_name"]):
        raise ActionFailed(f"Metric filter {name}: metric_namespace and metric_name are required with state=present.")
    if params["dimensions"] and params["default_value"] is not None:
        raise ActionFailed(f"Metric filter {name}: CloudWatch refuses default_value together with dimensions; "
                           "drop one of them.")
    transformation = {"metricNamespace": params["metric_namespace"], "metricName": params["metric_name"],
                      "metricValue": params["metric_value"], "defaultValue": params["default_value"],
                      "dimensions": params["dimensions"]}
    return canonical({"filterName": name, "filterPattern": params["pattern"],
                      "metricTransformations": [transformation]})


def current_filter(client, params: dict) -> dict | None:
    """The filter as it is ({} when absent); None when the log group itself does not exist."""
    name, group = params["name"], params["log_group"]
    with aws_action(f"describe the metric filters of {group}"):
        if not any(item["logGroupName"] == group for item in
                   client.describe_log_groups(logGroupNamePrefix=group)["logGroups"]):
            return None
        found = client.describe_metric_filters(logGroupName=group, filterNamePrefix=name)["metricFilters"]
    return canonical(next((item for item in found if item["filterName"] == name), None))


def apply(module, client) -> dict:
    params, name, group = module.params, module.params["name"], module.params["log_group"]
    desired = desired_filter(params) if params["state"] == "present" else {}
    current = current_filter(client, params)
    if current is None and desired:
        raise ActionFailed(f"Metric filter {name}: the log group {group} does not exist (App Runner creates "
                           "it when the service starts); nothing was changed.")
    current = current or {}
    changed = current != desired
    if changed and not module.check_mode:
        if desired:
            with aws_action(f"put metric filter {name} on {group}"):
                client.put_metric_filter(logGroupName=group, filterName=name, filterPattern=desired["filterPattern"],
                                         metricTransformations=desired["metricTransformations"])
        else:
            with aws_action(f"delete metric filter {name} of {group}"):
                client.delete_metric_filter(logGroupName=group, filterName=name)
    result = {"changed": changed, "metric_filter": desired}
    if module._diff:
        result["diff"] = {"before": current, "after": desired}
    return result


def main():
    module = aws_module(ARGUMENT_SPEC)
    with fail_on_error(module):
        result = apply(module, aws_client("logs", module.params))
    module.exit_json(**result)


if __name__ == "__main__":
    main()

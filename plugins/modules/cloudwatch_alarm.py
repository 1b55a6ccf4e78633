#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: cloudwatch_alarm
short_description: Create, update or delete a CloudWatch metric alarm
description:
  - Puts a CloudWatch metric alarm (PutMetricAlarm) when it does not exist or differs from the
    options, deletes it with O(state=absent). Nothing is sent when the alarm already matches.
  - An alarm watches either one metric (O(metric_name), O(namespace), O(dimensions) and O(statistic)
    or O(extended_statistic), such as C(p95)) or a metric math expression (O(metrics), the
    C(MetricDataQuery) list of PutMetricAlarm, e.g. C(100*m2/m1) over two metrics).
  - The alarm's state is left to CloudWatch; the alarm's configuration is what this module manages.
version_added: "0.2.0"
options:
  name:
    description: The alarm name.
    type: str
    required: true
  state:
    description: Whether the alarm should exist.
    type: str
    choices: [present, absent]
    default: present
  description:
    description: The alarm description (the collection's playbooks put JSON naming the service there).
    type: str
    default: ""
  metric_name:
    description: The metric of a single-metric alarm.
    type: str
  namespace:
    description: The namespace of O(metric_name).
    type: str
  dimensions:
    description: The dimensions of O(metric_name), name to value.
    type: dict
    default: {}
  statistic:
    description: The statistic of O(metric_name).
    type: str
    choices: [SampleCount, Average, Sum, Minimum, Maximum]
  extended_statistic:
    description: A percentile statistic of O(metric_name), such as C(p95).
    type: str
  period:
    description: Seconds per datapoint (10, 30 or a multiple of 60) of a single-metric alarm.
    type: int
  unit:
    description: The unit of O(metric_name), when the metric is published with one.
    type: str
  metrics:
    description:
      - A metric math alarm, in PutMetricAlarm's C(Metrics) shape (keys C(Id), C(MetricStat),
        C(Expression), C(Label), C(ReturnData), C(Period)); exactly one query returns data.
      - Mutually exclusive with O(metric_name).
    type: list
    elements: dict
  comparison_operator:
    description: How the datapoint compares with O(threshold) to breach.
    type: str
    choices: [GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold]
    default: GreaterThanThreshold
  threshold:
    description: The value compared with each datapoint. Required with O(state=present).
    type: float
  evaluation_periods:
    description: How many of the latest periods are evaluated.
    type: int
    default: 1
  datapoints_to_alarm:
    description: How many breaching datapoints among O(evaluation_periods) set the alarm off (default all).
    type: int
  treat_missing_data:
    description: How a period without data counts.
    type: str
    choices: [missing, ignore, breaching, notBreaching]
    default: missing
  actions_enabled:
    description: Whether the actions run on a state change.
    type: bool
    default: true
  alarm_actions:
    description: ARNs notified when the alarm goes to ALARM (an SNS topic, for one).
    type: list
    elements: str
    default: []
  ok_actions:
    description: ARNs notified when the alarm goes back to OK.
    type: list
    elements: str
    default: []
  insufficient_data_actions:
    description: ARNs notified when the alarm goes to INSUFFICIENT_DATA.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - lacrei.rollback.aws
notes:
  - Supports check mode (says whether it would put or delete) and diff mode (the alarm's
    configuration before and after).
  - Calls CloudWatch DescribeAlarms, PutMetricAlarm and DeleteAlarms.
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Alarm on the 5xx rate (metric math), two breaching minutes out of two
  lacrei.rollback.cloudwatch_alarm:
    name: lacrei-rollback-lacrei-saude-backend-error-rate
    description: '{"service": "lacrei-saude-backend", "managed_by": "lacrei.rollback"}'
    metrics:
      - {Id: m1, ReturnData: false, MetricStat: {Stat: Sum, Period: 60, Metric: {Namespace: AWS/AppRunner,
         MetricName: Requests, Dimensions: [{Name: ServiceName, Value: lacrei-saude-backend}]}}}
      - {Id: m2, ReturnData: false, MetricStat: {Stat: Sum, Period: 60, Metric: {Namespace: AWS/AppRunner,
         MetricName: 5xxStatusResponses, Dimensions: [{Name: ServiceName, Value: lacrei-saude-backend}]}}}
      - {Id: e1, Expression: 100*m2/m1, Label: 5xx percent, ReturnData: true}
    threshold: 5
    evaluation_periods: 2
    treat_missing_data: notBreaching
    alarm_actions: ["{{ topic.topic_arn }}"]
    ok_actions: ["{{ topic.topic_arn }}"]

- name: Alarm on the p95 latency
  lacrei.rollback.cloudwatch_alarm:
    name: lacrei-rollback-lacrei-saude-backend-p95-latency
    namespace: AWS/AppRunner
    metric_name: RequestLatency
    dimensions: {ServiceName: lacrei-saude-backend}
    extended_statistic: p95
    period: 60
    threshold: 1000

- name: Remove the alarm
  lacrei.rollback.cloudwatch_alarm:
    name: lacrei-rollback-lacrei-saude-backend-p95-latency
    state: absent
"""

RETURN = r"""
alarm:
  description: The alarm's configuration as it is now (as it would be, in check mode); empty when absent.
  returned: always
  type: dict
  sample:
    AlarmName: lacrei-rollback-lacrei-saude-backend-p95-latency
    MetricName: RequestLatency
    Namespace: AWS/AppRunner
    ExtendedStatistic: p95
    Period: 60
    Threshold: 1000.0
    ComparisonOperator: GreaterThanThreshold
    EvaluationPeriods: 1
    TreatMissingData: missing
alarm_arn:
  description: The alarm's ARN, once it exists.
  returned: when the alarm exists
  type: str
  sample: arn:aws:cloudwatch:us-east-1:123456789012:alarm:lacrei-rollback-lacrei-saude-backend-p95-latency
state_value:
  description: The alarm's current state (OK, ALARM, INSUFFICIENT_DATA), once it exists.
  returned: when the alarm exists
  type: str
  sample: OK
"""

from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client, aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import aws_action
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed, fail_on_error

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    description=dict(type="str", default=""),
    metric_name=dict(type="str"),
    namespace=dict(type="str"),
    dimensions=dict(type="dict", default={}),
    statistic=dict(type="str", choices=["SampleCount", "Average", "Sum", "Minimum", "Maximum"]),
    extended_statistic=dict(type="str"),
    period=dict(type="int"),
    unit=dict(type="str"),
    metrics=dict(type="list", elements="dict"),
    comparison_operator=dict(type="str", default="GreaterThanThreshold",
                             choices=["GreaterThanOrEqualToThreshold", "GreaterThanThreshold",
                                      "LessThanThreshold", "LessThanOrEqualToThreshold"]),
    threshold=dict(type="float"),
    evaluation_periods=dict(type="int", default=1),
    datapoints_to_alarm=dict(type="int"),
    treat_missing_data=dict(type="str", choices=["missing", "ignore", "breaching", "notBreaching"],
                            default="missing"),
    actions_enabled=dict(type="bool", default=True),
    alarm_actions=dict(type="list", elements="str", default=[]),
    ok_actions=dict(type="list", elements="str", default=[]),
    insufficient_data_actions=dict(type="list", elements="str", default=[]),
)
# The keys of PutMetricAlarm this module manages (DescribeAlarms answers with the same names).
MANAGED_KEYS = ("AlarmName", "AlarmDescription", "MetricName", "Namespace", "Dimensions", "Statistic",
                "ExtendedStatistic", "Period", "Unit", "Metrics", "ComparisonOperator", "Threshold",
                "EvaluationPeriods", "DatapointsToAlarm", "TreatMissingData", "ActionsEnabled",
                "AlarmActions", "OKActions", "InsufficientDataActions")
PERIODS = (10, 30)


def _dimensions(dimensions) -> list[dict]:
    items = dimensions.items() if isinstance(dimensions, dict) else ((d["Name"], d["Value"]) for d in dimensions)
    return sorted(({"Name": str(name), "Value": str(value)} for name, value in items), key=lambda d: d["Name"])


def _query(query: dict) -> dict:
    """A MetricDataQuery in one comparable shape: defaults filled, dimensions sorted, Nones dropped."""
    shaped = {"Id": query["Id"], "ReturnData": bool(query.get("ReturnData", True))}
    for key in ("Expression", "Label", "Period"):
        if query.get(key) not in (None, ""):
            shaped[key] = query[key]
    stat = query.get("MetricStat")
    if stat:
        metric = stat["Metric"]
        shaped["MetricStat"] = {"Metric": {"Namespace": metric["Namespace"], "MetricName": metric["MetricName"],
                                           "Dimensions": _dimensions(metric.get("Dimensions") or [])},
                                "Period": int(stat["Period"]), "Stat": stat["Stat"]}
        if stat.get("Unit"):
            shaped["MetricStat"]["Unit"] = stat["Unit"]
    return shaped


def canonical(alarm: dict) -> dict:
    """An alarm (desired or described) reduced to the managed keys, in one comparable shape."""
    shaped = {key: alarm[key] for key in MANAGED_KEYS if alarm.get(key) not in (None, "", [])}
    for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        shaped[key] = sorted(alarm.get(key) or [])
    shaped["AlarmDescription"] = alarm.get("AlarmDescription") or ""
    shaped["ActionsEnabled"] = bool(alarm.get("ActionsEnabled", True))
    shaped["DatapointsToAlarm"] = int(alarm.get("DatapointsToAlarm") or alarm["EvaluationPeriods"])
    shaped["Threshold"] = float(alarm["Threshold"])
    if "Dimensions" in shaped:
        shaped["Dimensions"] = _dimensions(shaped["Dimensions"])
    if "Metrics" in shaped:
        shaped["Metrics"] = [_query(query) for query in shaped["Metrics"]]
    return shaped


def desired_alarm(params: dict) -> dict:
    """PutMetricAlarm's arguments from the options; bad combinations refused before any call."""
    name = params["name"]
    if params["threshold"] is None:
        raise ActionFailed(f"Alarm {name}: threshold is required with state=present.")
    single = [params[key] for key in ("metric_name", "namespace")]
    if bool(params["metrics"]) == any(single):
        raise ActionFailed(f"Alarm {name}: give either metrics (metric math) or metric_name and namespace, "
                           "not both and not neither.")
    if params["datapoints_to_alarm"] and not 1 <= params["datapoints_to_alarm"] <= params["evaluation_periods"]:
        raise ActionFailed(f"Alarm {name}: datapoints_to_alarm must be between 1 and evaluation_periods "
                           f"({params['evaluation_periods']}), not {params['datapoints_to_alarm']}.")
    alarm = {"AlarmName": name, "AlarmDescription": params["description"],
             "ComparisonOperator": params["comparison_operator"], "Threshold": params["threshold"],
             "EvaluationPeriods": params["evaluation_periods"],
             "DatapointsToAlarm": params["datapoints_to_alarm"] or params["evaluation_periods"],
             "TreatMissingData": params["treat_missing_data"], "ActionsEnabled": params["actions_enabled"],
             "AlarmActions": params["alarm_actions"], "OKActions": params["ok_actions"],
             "InsufficientDataActions": params["insufficient_data_actions"]}
    if params["metrics"]:
        if sum(1 for query in params["metrics"] if query.get("ReturnData", True)) != 1:
            raise ActionFailed(f"Alarm {name}: exactly one of metrics must have ReturnData true (the value "
                               "the alarm compares).")
        alarm["Metrics"] = params["metrics"]
        return canonical(alarm)
    if not all(single):
        raise ActionFailed(f"Alarm {name}: metric_name and namespace go together.")
    if bool(params["statistic"]) == bool(params["extended_statistic"]):
        raise ActionFailed(f"Alarm {name}: give exactly one of statistic and extended_statistic (such as p95).")
    period = params["period"]
    if not period or (period not in PERIODS and period % 60):
        raise ActionFailed(f"Alarm {name}: period must be 10, 30 or a multiple of 60 seconds, not {period}.")
    alarm.update(MetricName=params["metric_name"], Namespace=params["namespace"],
                 Dimensions=_dimensions(params["dimensions"]), Period=period, Unit=params["unit"],
                 Statistic=params["statistic"], ExtendedStatistic=params["extended_statistic"])
    return canonical(alarm)


def describe(client, name: str) -> dict | None:
    with aws_action(f"describe alarm {name}"):
        found = client.describe_alarms(AlarmNames=[name], AlarmTypes=["MetricAlarm"])["MetricAlarms"]
    return found[0] if found else None


def apply(module, client) -> dict:
    params, name = module.params, module.params["name"]
    desired = desired_alarm(params) if params["state"] == "present" else None
    current = describe(client, name)
    before = canonical(current) if current else {}
    after = desired or {}
    changed = before != after
    if changed and not module.check_mode:
        if desired:
            with aws_action(f"put alarm {name}"):
                client.put_metric_alarm(**desired)
        else:
            with aws_action(f"delete alarm {name}"):
                client.delete_alarms(AlarmNames=[name])
        current = describe(client, name) if desired else None
    result = {"changed": changed, "alarm": after}
    if current:
        result.update(alarm_arn=current.get("AlarmArn"), state_value=current.get("StateValue"))
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    return result


def main():
    module = aws_module(ARGUMENT_SPEC)
    with fail_on_error(module):
        result = apply(module, aws_client("cloudwatch", module.params))
    module.exit_json(**result)


if __name__ == "__main__":
    main()

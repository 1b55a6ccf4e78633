"""Put a CloudWatch metric alarm of the collection's shape in a state, in the sandbox's CloudWatch.

    python set_alarm.py ALARM_NAME STATE SERVICE_ARN

Stands in for playbooks/alarms.yml and the sandbox's alarm evaluator in the auto_rollback drill: the
responder's guard reads the alarm's state again before acting. boto3's standard configuration
(AWS_ENDPOINT_URL_CLOUDWATCH, the sandbox's credentials file) points it at the sandbox.
"""
from __future__ import annotations

import json
import sys

import boto3


def main(name: str, state: str, service_arn: str) -> int:
    service = service_arn.split("service/")[1].split("/")[0]
    cloudwatch = boto3.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=name, Namespace="AWS/AppRunner", MetricName="5xxStatusResponses", Statistic="Sum", Period=60,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold",
        AlarmDescription=json.dumps({"service": service, "service_arn": service_arn, "managed_by": "lacrei.rollback"}))
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason="the drill")
    print(f"{name}: {state}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))

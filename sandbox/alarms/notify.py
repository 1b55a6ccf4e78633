"""Alarm state changes as SNS delivers them to HTTP(S) subscribers: the CloudWatch alarm message
inside an SNS ``Notification``, POSTed with SNS's headers.

In the sandbox the message is not signed with an AWS key (``Signature`` holds a placeholder and
``SigningCertURL`` points at the real SNS host, which a verifier must not trust here); instead each
request carries ``Authorization: Bearer <SANDBOX_RESPONDER_TOKEN>`` when the sandbox has a token.
"""
from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone

LOG = logging.getLogger(__name__)
REGION_NAMES = {"us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)",
                "us-west-2": "US West (Oregon)", "sa-east-1": "South America (Sao Paulo)",
                "eu-west-1": "Europe (Ireland)"}
UNSIGNED = base64.b64encode(b"sandbox: not signed; authenticated by its bearer token").decode()


def _cloudwatch_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _sns_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _trigger(alarm: dict) -> dict:
    trigger = {"Period": alarm.get("Period") or 0, "EvaluationPeriods": alarm["EvaluationPeriods"],
               "DatapointsToAlarm": alarm.get("DatapointsToAlarm") or alarm["EvaluationPeriods"],
               "ComparisonOperator": alarm["ComparisonOperator"], "Threshold": alarm["Threshold"],
               "TreatMissingData": alarm.get("TreatMissingData") or "missing",
               "EvaluateLowSampleCountPercentile": alarm.get("EvaluateLowSampleCountPercentile") or ""}
    dims = lambda items: [{"value": d["Value"], "name": d["Name"]} for d in items or []]  # noqa: E731
    if alarm.get("Metrics"):
        trigger["Metrics"] = []
        for query in alarm["Metrics"]:
            item = {key: query[key] for key in ("Id", "Expression", "Label", "ReturnData") if key in query}
            if query.get("MetricStat"):
                stat, metric = query["MetricStat"], query["MetricStat"]["Metric"]
                item["MetricStat"] = {"Metric": {"Dimensions": dims(metric.get("Dimensions")),
                                                 "MetricName": metric["MetricName"],
                                                 "Namespace": metric["Namespace"]},
                                      "Period": stat["Period"], "Stat": stat["Stat"]}
                trigger["Period"] = trigger["Period"] or stat["Period"]
            trigger["Metrics"].append(item)
        return trigger
    trigger.update(MetricName=alarm["MetricName"], Namespace=alarm["Namespace"], Unit=alarm.get("Unit"),
                   Dimensions=dims(alarm.get("Dimensions")))
    if alarm.get("ExtendedStatistic"):
        trigger.update(StatisticType="ExtendedStatistic", ExtendedStatistic=alarm["ExtendedStatistic"])
    else:
        trigger.update(StatisticType="Statistic", Statistic=alarm["Statistic"].upper())
    return trigger


def alarm_message(alarm: dict, old: str, new: str, reason: str, region: str, when: datetime) -> dict:
    """The JSON CloudWatch puts in the SNS ``Message`` of an alarm state change."""
    account = alarm["AlarmArn"].split(":")[4]
    return {"AlarmName": alarm["AlarmName"], "AlarmDescription": alarm.get("AlarmDescription"),
            "AWSAccountId": account, "AlarmConfigurationUpdatedTimestamp":
                _cloudwatch_time(alarm["AlarmConfigurationUpdatedTimestamp"])
                if isinstance(alarm.get("AlarmConfigurationUpdatedTimestamp"), datetime) else None,
            "NewStateValue": new, "NewStateReason": reason, "StateChangeTime": _cloudwatch_time(when),
            "Region": REGION_NAMES.get(region, region), "AlarmArn": alarm["AlarmArn"], "OldStateValue": old,
            "OKActions": alarm.get("OKActions", []), "AlarmActions": alarm.get("AlarmActions", []),
            "InsufficientDataActions": alarm.get("InsufficientDataActions", []), "Trigger": _trigger(alarm)}


def notification(topic_arn: str, subscription_arn: str, message: dict, when: datetime) -> tuple[dict, dict]:
    """(headers, body) of the SNS HTTP(S) Notification carrying ``message``."""
    region = topic_arn.split(":")[3]
    message_id = str(uuid.uuid4())
    subject = f'{message["NewStateValue"]}: "{message["AlarmName"]}" in {message["Region"]}'
    body = {"Type": "Notification", "MessageId": message_id, "TopicArn": topic_arn, "Subject": subject[:100],
            "Message": json.dumps(message), "Timestamp": _sns_time(when), "SignatureVersion": "1",
            "Signature": UNSIGNED,
            "SigningCertURL": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-sandbox.pem",
            "UnsubscribeURL": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn="
                              f"{subscription_arn}"}
    headers = {"x-amz-sns-message-type": "Notification", "x-amz-sns-message-id": message_id,
               "x-amz-sns-topic-arn": topic_arn, "x-amz-sns-subscription-arn": subscription_arn,
               "Content-Type": "text/plain; charset=UTF-8", "User-Agent": "Amazon Simple Notification Service Agent"}
    return headers, body


def http_subscribers(sns, topic_arn: str) -> list[dict]:
    pages = sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn)
    return [item for page in pages for item in page["Subscriptions"] if item["Protocol"] in ("http", "https")]


def deliver(sns, topic_arn: str, message: dict, token: str | None = None, timeout: float = 5.0) -> list[dict]:
    """POST ``message`` to every HTTP(S) subscriber of ``topic_arn``; one record per delivery
    (endpoint, status or error). A subscriber that fails is logged and skipped, as SNS would retry it."""
    done = []
    when = datetime.now(timezone.utc)
    for subscription in http_subscribers(sns, topic_arn):
        headers, body = notification(topic_arn, subscription["SubscriptionArn"], message, when)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(subscription["Endpoint"], data=json.dumps(body).encode(), method="POST",
                                         headers=headers)
        record = {"endpoint": subscription["Endpoint"], "message_id": body["MessageId"]}
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - sandbox subscribers
                record["status"] = answer.status
        except urllib.error.HTTPError as exc:
            record["status"] = exc.code
        except OSError as exc:
            record["error"] = str(exc)
        LOG.info("notification %s -> %s", body["Subject"], record)
        done.append(record)
    return done

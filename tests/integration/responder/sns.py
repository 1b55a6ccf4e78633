"""SNS HTTP Notifications of CloudWatch alarm state changes, as SNS delivers them (the shared contract
of issue #15), signed with a key of the caller's when one is given (SignatureVersion 2)."""
from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone

TOPIC = "arn:aws:sns:us-east-1:123456789012:lacrei-rollback-{service}-alarms"
CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem"


def alarm_name(service: str, kind: str = "error-rate") -> str:
    return f"lacrei-rollback-{service}-{kind}"


def notification(service: str, state: str = "ALARM", old: str = "OK", name: str | None = None,
                 service_arn: str = "") -> dict:
    now = datetime.now(timezone.utc)
    name = name or alarm_name(service)
    message = {"AlarmName": name, "AWSAccountId": "123456789012", "NewStateValue": state, "OldStateValue": old,
               "AlarmDescription": json.dumps({"service": service, "service_arn": service_arn,
                                               "managed_by": "lacrei.rollback"}),
               "NewStateReason": "Threshold Crossed: 2 datapoints were greater than the threshold (0.05).",
               "StateChangeTime": now.strftime("%Y-%m-%dT%H:%M:%S.000+0000"), "Region": "US East (N. Virginia)",
               "Trigger": {"Period": 60, "EvaluationPeriods": 2, "ComparisonOperator": "GreaterThanThreshold",
                           "Threshold": 0.05}}
    return {"Type": "Notification", "MessageId": str(uuid.uuid4()), "TopicArn": TOPIC.format(service=service),
            "Subject": f'{state}: "{name}" in US East (N. Virginia)', "Message": json.dumps(message),
            "Timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "SignatureVersion": "2",
            "Signature": base64.b64encode(b"unsigned").decode(), "SigningCertURL": CERT_URL,
            "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe"}


def post(url: str, body: dict, token: str | None) -> int:
    headers = {"x-amz-sns-message-type": body["Type"], "x-amz-sns-message-id": body["MessageId"],
               "x-amz-sns-topic-arn": body["TopicArn"], "Content-Type": "text/plain; charset=UTF-8"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sns_alarm: an ansible-rulebook event filter for CloudWatch alarm notifications delivered by SNS.

Turns the body that ``eda.builtin.webhook`` received (an SNS HTTP(S) ``Notification`` whose
``Message`` is CloudWatch's alarm JSON) into an event the rules can match on:

    event.alarm = {name, state, old_state, reason, changed_at, region, account, service, service_arn}
    event.sns   = {message_id, topic_arn, timestamp, signature_verified}

(``service`` comes from the alarm description's JSON, else from the alarm name
``lacrei-rollback-<service>-<kind>``). Anything else is dropped with a log line: a body that is not
an SNS Notification, a Message that is not an alarm, and, with ``verify_signature``, a notification
whose signature does not verify.

Signature verification (real AWS): SNS signs each message with the key of an X.509 certificate it
publishes at ``SigningCertURL``; SignatureVersion 1 is SHA1withRSA, 2 is SHA256withRSA, over the
message's fields in SNS's order. The certificate URL must be HTTPS on an ``sns.<region>.amazonaws.com``
host (``cert_url_pattern``), the certificate within its validity dates. ``certificates`` maps a
certificate URL to a local PEM file (pinned copies; the tests' locally generated certificate).
``topics`` limits the topics accepted.

Options:
  verify_signature: bool (default false; true for real AWS, where no bearer token can be sent)
  certificates: dict URL -> PEM path (default {})
  cert_url_pattern: str (default the SNS hosts)
  topics: list of topic ARNs accepted (default: any)

Example:
  filters:
    - lacrei.rollback.sns_alarm:
        verify_signature: true
        topics: [arn:aws:sns:sa-east-1:123456789012:lacrei-rollback-lacrei-saude-backend-alarms]
"""
from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import urllib.request
from datetime import datetime, timezone
from typing import Any

LOG = logging.getLogger("lacrei.rollback.sns_alarm")
SNS_CERT_URL = r"^https://sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[^?#]+\.pem$"
ALARM_NAME = re.compile(r"^lacrei-rollback-(?P<service>.+)-(error-rate|p95-latency|error-logs)$")
SIGNED_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
    "UnsubscribeConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
}
CERT_FETCH_TIMEOUT = 5
_CERT_CACHE: dict[str, bytes] = {}


class Rejected(Exception):
    """The notification is not acted on; the message says why."""


def string_to_sign(body: dict) -> bytes:
    """SNS's canonical form: each signed field present, as ``name\\nvalue\\n``, in SNS's order."""
    fields = SIGNED_FIELDS.get(body.get("Type"))
    if fields is None:
        raise Rejected(f"unknown SNS message type {body.get('Type')!r}")
    return "".join(f"{name}\n{body[name]}\n" for name in fields if body.get(name) is not None).encode("utf-8")


def _certificate_pem(url: str, certificates: dict, pattern: str) -> bytes:
    if url in certificates:
        with open(certificates[url], "rb") as handle:
            return handle.read()
    if not re.match(pattern, url or ""):
        raise Rejected(f"SigningCertURL {url!r} is not an SNS certificate URL ({pattern})")
    if url not in _CERT_CACHE:
        with urllib.request.urlopen(url, timeout=CERT_FETCH_TIMEOUT) as answer:  # noqa: S310 - https SNS host only
            _CERT_CACHE[url] = answer.read()
    return _CERT_CACHE[url]


def verify_signature(body: dict, certificates: dict | None = None, pattern: str = SNS_CERT_URL,
                     now: datetime | None = None) -> None:
    """Raise Rejected unless ``body`` carries a valid SNS signature."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    version = str(body.get("SignatureVersion", ""))
    algorithm = {"1": hashes.SHA1, "2": hashes.SHA256}.get(version)
    if algorithm is None:
        raise Rejected(f"unsupported SignatureVersion {version!r} (SNS uses 1 or 2)")
    try:
        signature = base64.b64decode(body.get("Signature") or "", validate=True)
    except (binascii.Error, ValueError):
        raise Rejected("Signature is not base64") from None
    try:
        cert = x509.load_pem_x509_certificate(_certificate_pem(body.get("SigningCertURL"), certificates or {}, pattern))
    except (OSError, ValueError) as exc:
        raise Rejected(f"cannot load the signing certificate {body.get('SigningCertURL')!r}: {exc}") from None
    moment = now or datetime.now(timezone.utc)
    if not cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc:
        raise Rejected("the signing certificate is outside its validity dates")
    try:
        cert.public_key().verify(signature, string_to_sign(body), padding.PKCS1v15(), algorithm())
    except InvalidSignature:
        raise Rejected("the SNS signature does not verify: the message was not sent by SNS or was altered") from None


def alarm_of(body: dict) -> dict:
    try:
        message = json.loads(body.get("Message") or "")
    except (TypeError, ValueError):
        raise Rejected("the SNS Message is not JSON (not a CloudWatch alarm notification)") from None
    if not isinstance(message, dict) or not message.get("AlarmName") or not message.get("NewStateValue"):
        raise Rejected("the SNS Message is not a CloudWatch alarm state change")
    try:
        description = json.loads(message.get("AlarmDescription") or "")
    except (TypeError, ValueError):
        description = {}
    description = description if isinstance(description, dict) else {}
    by_name = ALARM_NAME.match(message["AlarmName"])
    return {
        "name": message["AlarmName"],
        "state": message["NewStateValue"],
        "old_state": message.get("OldStateValue"),
        "reason": message.get("NewStateReason"),
        "changed_at": message.get("StateChangeTime"),
        "region": message.get("Region"),
        "account": message.get("AWSAccountId"),
        "service": description.get("service") or (by_name.group("service") if by_name else None),
        "service_arn": description.get("service_arn"),
        "managed_by": description.get("managed_by"),
    }


def accept(body: Any, verify: bool = False, certificates: dict | None = None, pattern: str = SNS_CERT_URL,
           topics: list | None = None) -> dict:
    """The alarm and SNS fields of an acceptable notification body; Rejected otherwise."""
    if not isinstance(body, dict) or body.get("Type") != "Notification":
        kind = body.get("Type") if isinstance(body, dict) else type(body).__name__
        raise Rejected(f"not an SNS Notification (Type {kind!r})")
    if topics and body.get("TopicArn") not in topics:
        raise Rejected(f"topic {body.get('TopicArn')!r} is not one this responder listens to")
    if verify:
        verify_signature(body, certificates, pattern)
    return {"alarm": alarm_of(body),
            "sns": {"message_id": body.get("MessageId"), "topic_arn": body.get("TopicArn"),
                    "timestamp": body.get("Timestamp"), "signature_verified": bool(verify)}}


def main(event: dict, verify_signature: bool = False, certificates: dict | None = None,
         cert_url_pattern: str = SNS_CERT_URL, topics: list | None = None) -> list | dict:
    try:
        fields = accept(event.get("payload"), bool(verify_signature), certificates or {}, cert_url_pattern, topics)
    except Rejected as exc:
        LOG.warning("sns_alarm: dropped a notification: %s", exc)
        return []
    event.update(fields)
    return event

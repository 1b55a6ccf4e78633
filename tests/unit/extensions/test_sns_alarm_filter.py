"""The responder's event filter (extensions/eda/plugins/event_filter/sns_alarm.py): SNS notifications
into alarm events, and SNS signature verification against a certificate generated here."""
from __future__ import annotations

import base64
import copy
import json
import runpy
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from tests.integration.responder import sns

REPO = Path(__file__).resolve().parents[3]
FILTER = runpy.run_path(str(REPO / "extensions/eda/plugins/event_filter/sns_alarm.py"))

CERT_URL = sns.CERT_URL


@pytest.fixture(scope="module")
def signer(tmp_path_factory):
    """A key and a self-signed certificate standing in for SNS's signing certificate."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256()))
    path = tmp_path_factory.mktemp("sns") / "cert.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, str(path)


def signed(key, body: dict, version: str = "2") -> dict:
    body = dict(body, SignatureVersion=version)
    algorithm = hashes.SHA256() if version == "2" else hashes.SHA1()
    signature = key.sign(FILTER["string_to_sign"](body), padding.PKCS1v15(), algorithm)
    return dict(body, Signature=base64.b64encode(signature).decode())


def run_filter(body, **options):
    return FILTER["main"]({"payload": body, "meta": {"endpoint": "alarms"}}, **options)


def test_an_alarm_notification_becomes_an_alarm_event():
    event = run_filter(sns.notification("svc-a", service_arn="arn:aws:apprunner:us-east-1:1:service/svc-a/x"))
    assert event["alarm"]["name"] == "lacrei-rollback-svc-a-error-rate" and event["alarm"]["state"] == "ALARM"
    assert event["alarm"]["old_state"] == "OK" and event["alarm"]["service"] == "svc-a"
    assert event["alarm"]["service_arn"].endswith("service/svc-a/x") and event["alarm"]["managed_by"] == "lacrei.rollback"
    assert event["sns"]["topic_arn"].endswith(":lacrei-rollback-svc-a-alarms")
    assert event["sns"]["signature_verified"] is False and event["meta"]["endpoint"] == "alarms"


def test_the_service_comes_from_the_alarm_name_when_the_description_is_not_ours():
    body = sns.notification("svc-b", name="lacrei-rollback-svc-b-p95-latency")
    message = json.loads(body["Message"])
    body["Message"] = json.dumps(dict(message, AlarmDescription="hand-made alarm"))
    assert run_filter(body)["alarm"]["service"] == "svc-b"


@pytest.mark.parametrize("body", [
    {"Type": "SubscriptionConfirmation", "Message": "confirm"},
    dict(sns.notification("svc"), Message="not json"),
    dict(sns.notification("svc"), Message=json.dumps({"hello": 1})),
    ["not", "a", "dict"],
])
def test_anything_else_is_dropped(body):
    assert run_filter(body) == []


def test_topics_limit_what_is_accepted():
    body = sns.notification("svc-a")
    assert run_filter(body, topics=[body["TopicArn"]])["alarm"]["service"] == "svc-a"
    assert run_filter(body, topics=["arn:aws:sns:us-east-1:1:other"]) == []


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_signed_notification_verifies(signer, version):
    key, cert = signer
    body = signed(key, sns.notification("svc-a"), version)
    event = run_filter(body, verify_signature=True, certificates={CERT_URL: cert})
    assert event["alarm"]["service"] == "svc-a" and event["sns"]["signature_verified"] is True


def test_an_altered_or_unsigned_notification_is_dropped(signer):
    key, cert = signer
    body = signed(key, sns.notification("svc-a"))
    altered = dict(body, Message=body["Message"].replace('"ALARM"', '"OK"'))
    assert run_filter(altered, verify_signature=True, certificates={CERT_URL: cert}) == []
    assert run_filter(sns.notification("svc-a"), verify_signature=True, certificates={CERT_URL: cert}) == []
    assert run_filter(dict(body, SignatureVersion="3"), verify_signature=True, certificates={CERT_URL: cert}) == []
    assert run_filter(dict(body, Signature="%%%"), verify_signature=True, certificates={CERT_URL: cert}) == []


def test_a_certificate_url_off_the_sns_hosts_is_never_fetched(signer):
    key, _cert = signer
    body = signed(key, dict(sns.notification("svc-a"), SigningCertURL="https://attacker.example/cert.pem"))
    with pytest.raises(FILTER["Rejected"], match="is not an SNS certificate URL"):
        FILTER["verify_signature"](body, {})
    assert run_filter(body, verify_signature=True) == []


def test_an_expired_certificate_is_refused(signer):
    key, cert = signer
    body = signed(key, sns.notification("svc-a"))
    later = datetime.now(timezone.utc) + timedelta(days=3)
    with pytest.raises(FILTER["Rejected"], match="validity dates"):
        FILTER["verify_signature"](body, {CERT_URL: cert}, now=later)


def test_the_string_to_sign_is_sns_s_order_without_a_missing_subject():
    body = {"Type": "Notification", "MessageId": "m", "TopicArn": "t", "Message": "x", "Timestamp": "ts"}
    assert FILTER["string_to_sign"](body) == b"Message\nx\nMessageId\nm\nTimestamp\nts\nTopicArn\nt\nType\nNotification\n"


def test_both_rulebooks_have_the_same_rules():
    plain = yaml.safe_load((REPO / "rulebooks/auto_rollback.yml").read_text())
    aws = yaml.safe_load((REPO / "rulebooks/auto_rollback_sns.yml").read_text())
    assert plain[0]["rules"] == aws[0]["rules"]
    assert plain[0]["sources"][0]["eda.builtin.webhook"]["token"]
    assert aws[0]["sources"][0]["filters"] == [{"lacrei.rollback.sns_alarm": {"verify_signature": True}}]
    rule = copy.deepcopy(plain[0]["rules"][0])
    assert rule["action"]["run_playbook"]["name"] == "playbooks/auto_rollback.yml"

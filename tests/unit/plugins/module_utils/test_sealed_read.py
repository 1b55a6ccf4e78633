"""sealed_read: a DescribeService read sealed for one service, one run's key and a bounded time;
anything else opens to None and why (the caller describes again), never to an error."""
from __future__ import annotations

import base64
from datetime import datetime, timezone

import pytest

from ansible_collections.lacrei.rollback.plugins.module_utils import sealed_read

ARN = "arn:aws:apprunner:us-east-1:123456789012:service/api/0123456789abcdef"
OTHER_ARN = "arn:aws:apprunner:us-east-1:123456789012:service/other/fedcba9876543210"
KEY = "k" * 20 + "3Xy9Qa7Lm2Np5Rt8Vw1Zb4Cd6"  # 45 characters
SECRET = "s3cr3t-db-password-value"
READ_AT = 1_767_225_600.0


def service() -> dict:
    return {"ServiceArn": ARN, "ServiceName": "api", "Status": "RUNNING",
            "UpdatedAt": datetime(2026, 1, 1, 12, 0, 5, tzinfo=timezone.utc),
            "SourceConfiguration": {"ImageRepository": {
                "ImageIdentifier": "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:abc",
                "ImageConfiguration": {"Port": "8000", "RuntimeEnvironmentVariables": {"DB_PASSWORD": SECRET}}}}}


def test_a_sealed_read_opens_as_it_was_read_for_its_service_with_its_key():
    sealed = sealed_read.seal(KEY, service(), READ_AT)
    assert sealed.startswith("lacrei-sealed-read-v1:1767225600.000:")
    assert SECRET not in sealed and SECRET.encode() not in base64.urlsafe_b64decode(sealed.split(":")[2])
    assert sealed_read.unseal(KEY, sealed, ARN, now=READ_AT + 30) == (service(), None)
    # A fresh nonce each time: two seals of one read differ.
    assert sealed_read.seal(KEY, service(), READ_AT) != sealed


def test_without_key_nothing_is_sealed_or_opened():
    assert sealed_read.seal(None, service(), READ_AT) is None
    assert sealed_read.unseal(None, "anything", ARN) == (None, None)
    assert sealed_read.unseal(KEY, None, ARN) == (None, None)


@pytest.mark.parametrize("age, why", [
    (sealed_read.MAX_AGE + 1, "it is 121s old (a sealed read serves for 120s)"),
    (-30, "it claims to be read in the future"),
])
def test_an_old_or_future_read_is_not_used(age, why):
    sealed = sealed_read.seal(KEY, service(), READ_AT)
    assert sealed_read.unseal(KEY, sealed, ARN, now=READ_AT + age) == (None, why)
    assert sealed_read.unseal(KEY, sealed, ARN, now=READ_AT + sealed_read.MAX_AGE)[0] == service()


def test_another_key_or_service_does_not_open_it():
    sealed = sealed_read.seal(KEY, service(), READ_AT)
    other_key = sealed_read.unseal(KEY[::-1], sealed, ARN, now=READ_AT)
    other_service = sealed_read.unseal(KEY, sealed, OTHER_ARN, now=READ_AT)
    for opened, arn in ((other_key, ARN), (other_service, OTHER_ARN)):
        assert opened == (None, f"it does not open with this run's key for {arn} (another service's, "
                                "another run's, or altered)")


def tampered(sealed: str, part: str) -> str:
    form, stamp, body = sealed.split(":")
    if part == "time":  # made to look younger: the associated data no longer matches
        return f"{form}:{float(stamp) + 100:.3f}:{body}"
    blob = bytearray(base64.urlsafe_b64decode(body))
    blob[-20] ^= 0x01  # one bit of the ciphertext
    return f"{form}:{stamp}:{base64.urlsafe_b64encode(bytes(blob)).decode()}"


@pytest.mark.parametrize("part", ["time", "ciphertext"])
def test_an_altered_seal_does_not_open(part):
    sealed = tampered(sealed_read.seal(KEY, service(), READ_AT), part)
    opened, why = sealed_read.unseal(KEY, sealed, ARN, now=READ_AT + 100)
    assert opened is None and why.startswith("it does not open with this run's key")


@pytest.mark.parametrize("sealed", ["garbage", "a:b:c", "lacrei-sealed-read-v1:1767225600.000:!!!",
                                    "lacrei-sealed-read-v1:1767225600.000:" + base64.urlsafe_b64encode(b"short").decode(),
                                    "lacrei-sealed-read-v0:1767225600.000:" + base64.urlsafe_b64encode(b"x" * 40).decode()])
def test_what_is_not_a_seal_is_said_so(sealed):
    assert sealed_read.unseal(KEY, sealed, ARN, now=READ_AT) == (None, "it is not a sealed read")


def test_a_short_key_is_a_problem_named():
    assert sealed_read.key_problem(None) is None and sealed_read.key_problem(KEY) is None
    assert sealed_read.key_problem("short").startswith("seal_key must be at least 32 random characters (got 5)")


def test_without_cryptography_nothing_is_sealed_and_a_seal_is_not_opened(monkeypatch):
    sealed = sealed_read.seal(KEY, service(), READ_AT)
    monkeypatch.setattr(sealed_read, "AESGCM", None)
    assert sealed_read.seal(KEY, service(), READ_AT) is None
    assert sealed_read.unseal(KEY, sealed, ARN, now=READ_AT) == (
        None, "the Python library cryptography is not installed here")

"""The AWS client factory: options, environment endpoints and retry configuration."""
from __future__ import annotations

import pytest

from ansible_collections.lacrei.rollback.plugins.module_utils import aws_client as factory


def params(**overrides):
    values = {name: option.get("default") for name, option in factory.AWS_CONNECTION_SPEC.items()}
    values.update(overrides)
    return values


@pytest.fixture
def fake_env(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_APPRUNNER", "http://127.0.0.1:9")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def test_secret_options_are_no_log():
    spec = factory.aws_argument_spec(service_arn=dict(type="str", required=True))
    assert spec["secret_key"]["no_log"] is True
    assert spec["session_token"]["no_log"] is True
    assert spec["service_arn"]["required"] is True
    assert factory.AWS_CONNECTION_SPEC["secret_key"] is not spec["secret_key"]


def test_environment_region_and_service_endpoint(fake_env):
    client = factory.aws_client("apprunner", params())
    assert client.meta.region_name == "eu-west-1"
    assert client.meta.endpoint_url == "http://127.0.0.1:9"


def test_options_win_over_environment(fake_env):
    client = factory.aws_client("apprunner", params(region="sa-east-1", endpoint_url="http://127.0.0.1:7"))
    assert client.meta.region_name == "sa-east-1"
    assert client.meta.endpoint_url == "http://127.0.0.1:7"


def test_endpoint_option_is_for_the_primary_service_only(fake_env, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL_ECR", raising=False)
    client = factory.aws_client("ecr", params(endpoint_url="http://127.0.0.1:7"), primary=False)
    assert client.meta.endpoint_url == "https://api.ecr.eu-west-1.amazonaws.com"


def test_retries_are_configured(fake_env):
    client = factory.aws_client("ecr", params(retry_mode="adaptive", max_attempts=3))
    assert client.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 3}
    assert factory.retry_config("standard", 0).retries["total_max_attempts"] == 1


def test_explicit_credentials_are_used(fake_env):
    client = factory.aws_client("ecr", params(access_key="AKIAEXAMPLE", secret_key="s3cr3t"))
    credentials = client._request_signer._credentials
    assert (credentials.access_key, credentials.secret_key) == ("AKIAEXAMPLE", "s3cr3t")


def test_missing_region_is_an_action_failure(monkeypatch, tmp_path):
    from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import AwsActionFailed

    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(AwsActionFailed) as caught:
        factory.aws_client("ecr", params())
    assert caught.value.msg.startswith("Failed to create the ecr client: NoRegion")


class _Operation:
    def __init__(self, name):
        self.name = name


class _Response:
    def __init__(self, status_code):
        self.status_code = status_code


def test_a_write_that_may_have_happened_is_not_sent_again():
    from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

    hook = factory.no_blind_write_retry
    lost = ConnectionClosedError(endpoint_url="http://127.0.0.1:9")
    with pytest.raises(ConnectionClosedError):
        hook(caught_exception=lost, operation=_Operation("UpdateService"))
    with pytest.raises(ReadTimeoutError):
        hook(caught_exception=ReadTimeoutError(endpoint_url="x"), operation=_Operation("PutParameter"))
    parsed = {"Error": {"Code": "InternalServiceErrorException", "Message": "boom"},
              "ResponseMetadata": {"HTTPStatusCode": 500}}
    with pytest.raises(ClientError) as caught:
        hook(response=(_Response(500), parsed), operation=_Operation("UpdateService"))
    assert caught.value.response["Error"]["Code"] == "InternalServiceErrorException"
    # Left to botocore's retry mode: reads, refused writes (4xx such as throttling), writes never sent.
    assert hook(caught_exception=lost, operation=_Operation("DescribeService")) is None
    assert hook(response=(_Response(500), parsed), operation=_Operation("ListOperations")) is None
    assert hook(response=(_Response(400), {}), operation=_Operation("UpdateService")) is None
    assert hook(caught_exception=EndpointConnectionError(endpoint_url="x"), operation=_Operation("UpdateService")) is None
    assert hook(response=(_Response(200), {}), operation=_Operation("UpdateService")) is None
    assert hook() is None


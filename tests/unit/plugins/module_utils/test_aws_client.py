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


def test_every_session_reads_botocore_data_through_one_loader(fake_env):
    """One data loader for the process: a client's service model and endpoints are parsed once,
    and boto3's data folder, which it adds to the loader of each session it makes, is there once."""
    loader = factory.shared_loader()
    sessions = [factory.aws_session(params()) for _ in range(3)]
    assert all(session._session.get_component("data_loader") is loader for session in sessions)
    assert len(loader.search_paths) == len(set(loader.search_paths))
    first, second = (session.client("apprunner") for session in sessions[:2])
    assert first.meta.service_model._service_description is second.meta.service_model._service_description
    assert first.meta.region_name == "eu-west-1" and second.meta.endpoint_url == "http://127.0.0.1:9"


def test_the_loader_reads_aws_data_path_first_and_preloads_the_usual_data(monkeypatch, tmp_path):
    """AWS_DATA_PATH's folders come first, as in botocore's own loader; with ``preload`` the endpoints
    and the runbooks' usual service models are already parsed (the playbook's process does that
    before its forks)."""
    model = tmp_path / "data" / "sts" / "2011-06-15"
    model.mkdir(parents=True)
    (model / "service-2.json").write_text('{"version": "2.0", "metadata": {"marker": "from AWS_DATA_PATH"}}')
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path / "data"))
    monkeypatch.setattr(factory, "_LOADER", None)
    loader = factory.shared_loader(preload=True)
    assert loader.search_paths[0] == str(tmp_path / "data")
    assert loader.load_service_model("sts", "service-2")["metadata"] == {"marker": "from AWS_DATA_PATH"}
    cached = {key[1:3] for key in loader._cache if key[0] == "load_service_model"}
    assert {(service, "service-2") for service in factory.PRELOADED_MODELS} <= cached
    assert {"endpoints", "partitions"} <= {key[1] for key in loader._cache if key[0].startswith("load_data")}


def test_explicit_credentials_are_used(fake_env):
    client = factory.aws_client("ecr", params(access_key="AKIAEXAMPLE", secret_key="s3cr3t"))
    credentials = client._request_signer._credentials
    assert (credentials.access_key, credentials.secret_key) == ("AKIAEXAMPLE", "s3cr3t")


@pytest.fixture
def no_region(monkeypatch, tmp_path):
    """No region anywhere: no variables, an empty AWS config file."""
    import os

    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
                 *(name for name in os.environ if name.startswith("AWS_ENDPOINT_URL"))):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config"
    config.write_text("[profile team]\nregion = ap-south-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return monkeypatch


def test_missing_region_names_the_settings(no_region):
    from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed

    with pytest.raises(ActionFailed) as caught:
        factory.aws_client("ecr", params())
    assert caught.value.msg.startswith("No AWS region: set the module option region (aws_region in the inventory")
    assert "AWS_REGION" in caught.value.msg


def test_region_order_option_environment_profile_arn(no_region):
    arn = "arn:aws:apprunner:us-west-2:123456789012:service/api/0123"
    assert factory.resolve_region(params(service_arn=arn)) == "us-west-2"
    assert factory.resolve_region(params(service_arn=arn, profile="team")) == "ap-south-1"
    no_region.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    assert factory.resolve_region(params(service_arn=arn, profile="team")) == "eu-central-1"
    no_region.setenv("AWS_REGION", "eu-west-3")
    assert factory.resolve_region(params(service_arn=arn, profile="team")) == "eu-west-3"
    assert factory.resolve_region(params(region="sa-east-1", service_arn=arn)) == "sa-east-1"


def test_empty_region_variables_count_as_unset(no_region):
    """AWS_DEFAULT_REGION="" made botocore build https://api.ecr..amazonaws.com."""
    no_region.setenv("AWS_DEFAULT_REGION", "")
    no_region.setenv("AWS_REGION", " ")
    no_region.setenv("AWS_PROFILE", "")
    client = factory.aws_client("ecr", params(region="us-east-1"))
    assert client.meta.endpoint_url == "https://api.ecr.us-east-1.amazonaws.com"
    arn = "arn:aws:apprunner:us-east-2:123456789012:service/api/0123"
    assert factory.aws_client("apprunner", params(service_arn=arn)).meta.region_name == "us-east-2"


def test_unknown_profile_names_the_setting(no_region):
    from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed

    with pytest.raises(ActionFailed, match="profile 'nobody' is not in the AWS config files.*aws_profile in the inventory"):
        factory.resolve_region(params(profile="nobody"))


def test_arn_region():
    assert factory.arn_region("arn:aws:apprunner:eu-west-1:1:service/a/b") == "eu-west-1"
    assert factory.arn_region("arn:aws:iam::1:role/x") is None
    assert factory.arn_region("not-an-arn") is None
    assert factory.arn_region(None) is None


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


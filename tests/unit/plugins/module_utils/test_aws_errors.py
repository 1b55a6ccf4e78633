"""The AWS error mapper: botocore exceptions -> one 'Failed to <action>: <code>: <message>'."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import AwsActionFailed, aws_action, safe_metadata

from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed, fail_on_error

RESPONSE = {
    "Error": {"Code": "InvalidStateException", "Message": "operation in progress"},
    "ResponseMetadata": {"RequestId": "req-1", "HTTPStatusCode": 400, "RetryAttempts": 2,
                         "HTTPHeaders": {"x-amzn-requestid": "req-1", "set-cookie": "secret=1"}},
}


class FakeModule:
    """Records fail_json like AnsibleModule does (it exits)."""

    def __init__(self):
        self.failures = []

    def fail_json(self, **kwargs):
        self.failures.append(kwargs)
        raise SystemExit(1)


def test_client_error_becomes_action_message():
    with pytest.raises(AwsActionFailed) as caught:
        with aws_action("update service S"):
            raise ClientError(RESPONSE, "UpdateService")
    assert caught.value.msg == "Failed to update service S: InvalidStateException: operation in progress"
    assert caught.value.code == "InvalidStateException"
    assert caught.value.details["response_metadata"] == {"request_id": "req-1", "http_status_code": 400,
                                                         "retry_attempts": 2}


@pytest.mark.parametrize("exc, code", [
    (NoCredentialsError(), "NoCredentials"),
    (EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), "EndpointConnection"),
])
def test_botocore_errors_are_named(exc, code):
    with pytest.raises(AwsActionFailed) as caught:
        with aws_action("list images"):
            raise exc
    assert caught.value.msg == f"Failed to list images: {code}: {exc}"
    assert caught.value.details == {"error": code, "response_metadata": {}}


def test_aws_action_works_as_decorator_and_leaves_other_errors_alone():
    @aws_action("describe thing")
    def broken():
        raise ValueError("not botocore")

    with pytest.raises(ValueError):
        broken()


def test_headers_never_reach_metadata():
    assert "HTTPHeaders" not in str(safe_metadata(RESPONSE))
    assert safe_metadata(None) == {}


def test_fail_on_error_fails_once_with_details():
    module = FakeModule()
    with pytest.raises(SystemExit):
        with fail_on_error(module):
            with aws_action("outer"):
                with aws_action("inner call"):
                    raise ClientError(RESPONSE, "UpdateService")
    assert len(module.failures) == 1
    assert module.failures[0]["msg"].startswith("Failed to inner call: InvalidStateException")
    assert module.failures[0]["error"] == "InvalidStateException"


def test_ambiguity_of_failures():
    from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

    from ansible_collections.lacrei.rollback.plugins.module_utils import aws_errors

    def client_error(status):
        return ClientError({"Error": {"Code": "X", "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")

    assert aws_errors.translate("a", client_error(503)).ambiguous is True
    assert aws_errors.translate("a", client_error(400)).ambiguous is False
    assert aws_errors.translate("a", ConnectionClosedError(endpoint_url="x")).ambiguous is True
    assert aws_errors.translate("a", EndpointConnectionError(endpoint_url="x")).ambiguous is False
    assert aws_errors.is_write("UpdateService") and aws_errors.is_write("PutParameter")
    assert not aws_errors.is_write("DescribeService") and not aws_errors.is_write("GetParameter")

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one AWS error mapper: botocore exceptions -> "Failed to <action>: <code>: <message>".

Library code wraps each AWS call in ``aws_action("<what>")`` (a context manager that also
works as a decorator); it raises ``AwsActionFailed``, an ``ActionFailed`` (``failures``) that
also tells the AWS error code and whether a write may have been applied (``ambiguous``). A
module reports it like any other failure, through ``failures.fail_on_error`` once.
"""
from __future__ import annotations

from contextlib import contextmanager

from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed

try:
    from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError
except ImportError:  # pragma: no cover - aws_module() reports the missing library
    class BotoCoreError(Exception):
        pass

    class ClientError(Exception):
        pass

    ConnectTimeoutError = EndpointConnectionError = BotoCoreError

SAFE_METADATA_KEYS = {
    "RequestId": "request_id",
    "HTTPStatusCode": "http_status_code",
    "RetryAttempts": "retry_attempts",
}


# Operations that only read (the rest write, and are not sent twice: see aws_client).
READ_OPERATION_PREFIXES = ("Describe", "List", "Get", "BatchGet", "Search")


class AwsActionFailed(ActionFailed):
    """An AWS call failed; ``code`` is the AWS error code (or the botocore error name).

    ``ambiguous`` is true when the request may have reached AWS and been applied although no
    answer says so (a timeout, a dropped connection, a 5xx): for a write, only looking at the
    resource tells whether it happened.
    """

    def __init__(self, action: str, code: str, message: str, metadata: dict | None = None,
                 ambiguous: bool = False):
        super().__init__(f"Failed to {action}: {code}: {message}", error=code,
                         response_metadata=metadata or {})
        self.action = action
        self.code = code
        self.message = message
        self.ambiguous = ambiguous


def is_write(operation_name: str) -> bool:
    """Whether an AWS operation (``UpdateService``, ``PutParameter``...) changes something."""
    return not operation_name.startswith(READ_OPERATION_PREFIXES)


def may_have_been_applied(status_code: int | None = None, exc: Exception | None = None) -> bool:
    """Whether a failed request may still have taken effect.

    A 4xx answer (throttling included) says the request was refused; a connection that could
    not be opened never carried it. A 5xx answer, a read timeout or a connection closed before
    the answer leave it unknown.
    """
    if exc is not None:
        return not isinstance(exc, (EndpointConnectionError, ConnectTimeoutError))
    return status_code is not None and status_code >= 500


def safe_metadata(response: dict | None) -> dict:
    """Response metadata worth showing: request id, HTTP status, retries; never headers."""
    metadata = (response or {}).get("ResponseMetadata") or {}
    return {ours: metadata[theirs] for theirs, ours in SAFE_METADATA_KEYS.items() if theirs in metadata}


def _botocore_code(exc: Exception) -> str:
    name = type(exc).__name__
    return name[:-len("Error")] if name.endswith("Error") and name != "Error" else name


def translate(action: str, exc: Exception) -> AwsActionFailed:
    """The AwsActionFailed for a botocore ClientError or BotoCoreError."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error") or {}
        metadata = safe_metadata(exc.response)
        return AwsActionFailed(action, error.get("Code") or "Unknown", error.get("Message") or str(exc),
                               metadata, ambiguous=may_have_been_applied(metadata.get("http_status_code")))
    return AwsActionFailed(action, _botocore_code(exc), str(exc), ambiguous=may_have_been_applied(exc=exc))


@contextmanager
def aws_action(action: str):
    """Label the AWS calls inside as ``action`` ("describe service X") for error messages."""
    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise translate(action, exc) from exc

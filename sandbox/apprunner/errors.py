"""App Runner's error codes, on the emulators' one error type (``sandbox.awsjson.errors.ApiError``)."""
from __future__ import annotations

from sandbox.awsjson.errors import ApiError
from sandbox.awsjson.faults import throttled

__all__ = ["ApiError", "internal_error", "invalid_request", "invalid_state", "not_found", "throttled"]


def invalid_request(message: str) -> ApiError:
    return ApiError("InvalidRequestException", message)


def not_found(arn: str) -> ApiError:
    return ApiError("ResourceNotFoundException", f"Resource not found: {arn}")


def invalid_state(message: str) -> ApiError:
    return ApiError("InvalidStateException", message)


def internal_error(message: str = "An internal error occurred") -> ApiError:
    return ApiError("InternalServiceErrorException", message, 500)


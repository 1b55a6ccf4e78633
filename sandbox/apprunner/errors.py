"""The one error type of the emulator: an App Runner error code, message and HTTP status."""
from __future__ import annotations


class ApiError(Exception):
    """Answered as ``{"__type": code, "Message": message}`` with ``status``."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def body(self) -> dict:
        return {"__type": self.code, "Message": self.message}


def invalid_request(message: str) -> ApiError:
    return ApiError("InvalidRequestException", message)


def not_found(arn: str) -> ApiError:
    return ApiError("ResourceNotFoundException", f"Resource not found: {arn}")


def invalid_state(message: str) -> ApiError:
    return ApiError("InvalidStateException", message)


def internal_error(message: str = "An internal error occurred") -> ApiError:
    return ApiError("InternalServiceErrorException", message, 500)


def throttled() -> ApiError:
    return ApiError("ThrottlingException", "Rate exceeded")

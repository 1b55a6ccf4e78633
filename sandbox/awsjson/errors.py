"""The one error type of the emulators: an AWS error code, message and HTTP status."""
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

"""Domain errors: plain exceptions raised by use cases, turned into HTTP in ``http_api`` only.

Messages are written for the API caller and never carry secret values.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A failure the caller can act on; ``code`` is the API's snake_case error code."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details: dict[str, Any] = details


class ValidationFailed(DomainError):
    """The request is malformed or a value is not acceptable (400)."""

    status = 400
    code = "validation_failed"


class NotFound(DomainError):
    """The resource does not exist (404)."""

    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The request conflicts with the current state, e.g. a concurrent update (409)."""

    status = 409
    code = "conflict"

"""Typed Jira failures, so callers decide by class (refuse, retry later, re-queue) not by text.

The messages name the HTTP method, the path and what Jira said. They never carry request
headers, credentials or raw bodies of responses that are not Jira's JSON error shape.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any


class JiraError(Exception):
    """Base of every failure of a Jira call.

    ``status`` is Jira's HTTP status (None when no response arrived); ``error_messages`` and
    ``errors`` are Jira's own ``{"errorMessages": [...], "errors": {...}}``; ``retry_after`` is
    the wait in seconds Jira asked for, when it said so.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        path: str = "",
        status: int | None = None,
        error_messages: Sequence[str] = (),
        errors: Mapping[str, str] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.error_messages: list[str] = list(error_messages)
        self.errors: dict[str, str] = dict(errors or {})
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, message={self.message!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments: rebuild through __dict__ so pickling/copying works.
        return (_rebuild, (type(self), self.message, dict(self.__dict__)))


def _rebuild(cls: type[JiraError], message: str, state: dict[str, Any]) -> JiraError:
    error = cls(message)
    error.__dict__.update(state)
    return error


class JiraAuthError(JiraError):
    """Jira refused the credential (401) or the account lacks a permission (403)."""


class JiraNotFound(JiraError):
    """The resource does not exist or the account cannot see it (404)."""


class JiraRejected(JiraError):
    """Jira refused the request as sent (another 4xx, or a redirect): retrying won't help."""


class JiraRateLimited(JiraError):
    """Jira kept answering 429 or asked for a wait that does not fit the time left."""


class JiraUnavailable(JiraError):
    """Jira failed (5xx), could not be reached, timed out or answered something unreadable.

    ``uncertain`` is True when the request may have been processed by Jira (a timeout or a
    dropped connection after sending, a 500/502/504, or an unreadable success response), so a
    caller must check before repeating a non-idempotent operation.
    """

    def __init__(self, message: str, *, uncertain: bool = False, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.uncertain = uncertain

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, uncertain={self.uncertain!r}, "
            f"message={self.message!r})"
        )


def parse_error_body(body: bytes) -> tuple[list[str], dict[str, str]]:
    """Jira's ``errorMessages`` and ``errors`` from an error body; empty when it is not JSON.

    Also reads the ``{"message": ...}`` shape some Jira gateways answer with.
    """
    try:
        data = json.loads(body)
    except ValueError:
        return [], {}
    if not isinstance(data, dict):
        return [], {}
    messages: list[str] = []
    raw_messages = data.get("errorMessages")
    if isinstance(raw_messages, list):
        messages = [str(item) for item in raw_messages if item not in (None, "")]
    for key in ("message", "errorMessage"):
        value = data.get(key)
        if isinstance(value, str) and value:
            messages.append(value)
    raw_errors = data.get("errors")
    errors = (
        {str(key): str(value) for key, value in raw_errors.items()}
        if isinstance(raw_errors, dict)
        else {}
    )
    return messages, errors


def describe(error_messages: Sequence[str], errors: Mapping[str, str]) -> str:
    """One line of what Jira said: its messages, then ``field: message`` pairs."""
    parts = [*error_messages, *(f"{field}: {text}" for field, text in errors.items())]
    return "; ".join(parts)

"""What every area's operations are made of: the ``Operation`` record and the shared errors."""

# No ``from __future__ import annotations``: the models below are pydantic models.

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

# Codes any area may answer: the envelope's generic ones and Jira's.
ERROR_CODES: dict[str, str] = {
    "bad_request": "the request cannot be taken as it is",
    "validation_failed": "a field is wrong: details.fields lists each, with what to fix",
    "invalid_json": "the body is not UTF-8 or not RFC 8259 JSON (the message says where)",
    "no_public_url": "the API cannot tell its own public URL: set the PublicBaseUrl parameter",
    "not_found": "no such credential or issue",
    "unknown_route": "no such route or method",
    "conflict": "the request conflicts with the current state",
    "jira_refused": "Jira refused (details.jira_status, errorMessages, errors)",
    "jira_unavailable": "Jira could not be reached or failed (details.jira_status)",
    "jira_rate_limited": "Jira's rate limit outlasted the wait (details.retry_after)",
    "internal_error": "the request was not completed (never on purpose)",
}

# Statuses every IAM route can answer, besides its own.
COMMON: dict[int, tuple[str, ...]] = {500: ("internal_error",)}
BODY: dict[int, tuple[str, ...]] = {400: ("invalid_json", "validation_failed")}
JIRA: dict[int, tuple[str, ...]] = {
    422: ("jira_refused",),
    502: ("jira_unavailable",),
    503: ("jira_rate_limited",),
}
NOT_FOUND: dict[int, tuple[str, ...]] = {404: ("not_found",)}


@dataclass(frozen=True)
class Operation:
    """One route: ``method`` and ``path`` as template.yaml's HttpApi event has them.

    ``query`` is a model of the query string: each field is one ``in: query`` parameter.
    """

    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    ok_status: int
    ok_model: type[BaseModel] | None
    request: type[BaseModel] | None = None
    errors: dict[int, tuple[str, ...]] = field(default_factory=dict)
    public: bool = False
    description: str = ""
    request_example: dict[str, Any] | None = None
    query: type[BaseModel] | None = None
    ok_example: dict[str, Any] | None = None
    # Methods the document lists for an ``ANY`` route (what Jira sends).
    any_as: tuple[str, ...] = ("post",)

"""Every answer of a local stack's API, checked against the committed OpenAPI document.

The e2e tests call the API with ``requests`` (their ``api(...)`` helpers and direct calls on
``stack.api_url``); ``install()`` wraps ``requests.Session.send`` once, so each response from a
watched base URL (``watch(stack.api_url)``, done by the devstack fixtures) is matched to its
operation and validated: a documented status, the documented content type and a body valid
against the response's schema (OpenAPI 3.1 dialect, formats checked). A path or method the
document does not have (asked for on purpose) must get what API Gateway's ``$default`` route
answers: a 404 error envelope. Only the devstack's own ``/docs`` pages are not checked.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from openapi_schema_validator import OAS31Validator

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT_PATH = ROOT / "layers" / "jira_sync" / "jira_sync" / "openapi.json"
# Bodies that are API Gateway's own, not the service's (the adapter's 413 and its bare 500 when
# a function crashes or times out): checked for their shape only.
_GATEWAY_STATUSES = {413, 500}

ANY_METHOD = "x-amazon-apigateway-any-method"

_watched: set[str] = set()
_lock = threading.Lock()
_original_send: Callable[..., requests.Response] | None = None


class ContractViolation(AssertionError):
    """A response the OpenAPI document does not allow."""


@cache
def document() -> dict[str, Any]:
    return json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@cache
def _paths() -> list[tuple[re.Pattern[str], str]]:
    """Path templates as patterns, the most literal first (as API Gateway picks routes)."""
    compiled = []
    for template in document()["paths"]:
        regex = re.sub(r"\\\{[A-Za-z0-9_]+\\\}", "[^/]+", re.escape(template))
        literals = sum(1 for part in template.split("/") if part and "{" not in part)
        compiled.append((literals, re.compile(regex), template))
    compiled.sort(key=lambda item: -item[0])
    return [(pattern, template) for _, pattern, template in compiled]


def operation_for(method: str, path: str) -> tuple[str, dict[str, Any] | None] | None:
    """``(template, operation)`` of a request; None when the document has no such path."""
    for pattern, template in _paths():
        if pattern.fullmatch(path):
            item = document()["paths"][template]
            # An ANY route (API Gateway's extension) answers every method alike.
            return template, item.get(method.lower(), item.get(ANY_METHOD))
    return None


def check(method: str, url: str, status: int, content_type: str, body: bytes) -> None:
    """Raises ``ContractViolation`` when the document does not allow this answer."""
    path = urlsplit(url).path
    if path == "/docs" or path.startswith("/docs/"):
        return
    found = operation_for(method, path)
    template, operation = found if found is not None else ("no path", None)
    where = f"{method} {path} ({template}) answered {status}"
    if operation is None:
        # Not an operation of the document: the catch-all route's 404 envelope.
        if status != 404:
            raise ContractViolation(f"{where}: not in the document, so it must be a 404")
        if method.upper() != "HEAD":
            _check_schema(where, _parse(where, body), _error_schema())
        return
    responses = operation["responses"]
    response = responses.get(str(status))
    if response is None:
        if status in _GATEWAY_STATUSES:
            _check_schema(where, _parse(where, body), {"type": "object", "required": ["message"]})
            return
        raise ContractViolation(f"{where}: undocumented status (documented: {sorted(responses)})")
    content = response.get("content")
    if not content:
        if body:
            raise ContractViolation(f"{where}: documented without a body, got {body[:200]!r}")
        return
    if method.upper() == "HEAD":
        return
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in content:
        raise ContractViolation(f"{where}: content type {media!r}, documented {sorted(content)}")
    _check_schema(where, _parse(where, body), content[media]["schema"])


def _error_schema() -> dict[str, Any]:
    """The schema of the document's error responses (the envelope)."""
    for item in document()["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                if status.startswith("4") and "content" in response:
                    return response["content"]["application/json"]["schema"]  # type: ignore[no-any-return]
    raise ContractViolation("the document has no error response")


def _parse(where: str, body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise ContractViolation(f"{where}: the body is not JSON: {body[:200]!r}") from None


def _check_schema(where: str, value: Any, schema: dict[str, Any]) -> None:
    rooted = {**schema, "components": document()["components"]}
    validator = OAS31Validator(rooted, format_checker=OAS31Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(value), key=lambda error: list(error.path))
    if errors:
        problems = "; ".join(
            f"{'/'.join(map(str, error.absolute_path)) or 'body'}: {error.message[:300]}"
            for error in errors[:5]
        )
        raise ContractViolation(f"{where}: the body does not match the document: {problems}")


def watch(base_url: str) -> None:
    """Checks every response from ``base_url`` (a stack's ``api_url``) from now on."""
    with _lock:
        _watched.add(base_url.rstrip("/"))


def unwatch(base_url: str) -> None:
    with _lock:
        _watched.discard(base_url.rstrip("/"))


def _is_watched(url: str) -> bool:
    with _lock:
        return any(url == base or url.startswith(base + "/") for base in _watched)


def install() -> None:
    """Wraps ``requests.Session.send`` (idempotent): the one place every e2e call passes."""
    global _original_send
    if _original_send is not None:
        return
    original = requests.Session.send
    _original_send = original

    def send(self: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        response = original(self, request, **kwargs)
        url = request.url or ""
        if _is_watched(url) and not kwargs.get("stream"):
            check(
                request.method or "GET",
                url,
                response.status_code,
                response.headers.get("content-type", ""),
                response.content,
            )
        return response

    requests.Session.send = send  # type: ignore[method-assign]

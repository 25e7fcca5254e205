"""API Gateway HTTP API (payload v2) plumbing: request bodies in, JSON responses out.

``error_response`` is the one place where domain errors, Jira errors and malformed input
become HTTP statuses and ``{"error": {"code", "message", "details"}}`` bodies.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError
from pydantic_core import from_json

from jira_sync.errors import DomainError, NotFound, ValidationFailed
from jira_sync.jira.errors import (
    JiraAuthError,
    JiraError,
    JiraNotFound,
    JiraRateLimited,
    JiraRejected,
    describe,
)
from jira_sync.jira.urls import InvalidJiraUrl
from jira_sync.observability import logger
from jira_sync.settings import Settings

Event = Mapping[str, Any]
Response = dict[str, Any]
Route = Callable[[Event, LambdaContext], Response]

_JSON_HEADERS = {"Content-Type": "application/json"}
_FRIENDLY = {
    "missing": "is required",
    "extra_forbidden": "is not an accepted field: remove it",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "dict_type": "must be a JSON object",
}
# What to check when Jira refuses the credential itself.
_AUTH_HINTS = {
    401: (
        " - check the credential: on Jira Cloud the account's email and an API token (not its "
        "password), with the site URL (a scoped token is tried through api.atlassian.com by "
        "itself); on Data Center a personal access token, or auth basic with username and "
        "password where the site allows basic auth"
    ),
    403: (
        " - the account is known but may not do this: give it the project permissions the "
        "README lists (Wiring Jira)"
    ),
}
# The parser's message, first words → what to fix.
_JSON_HINTS = {
    "recursion limit exceeded": ": arrays and objects are nested too deeply",
    "number out of range": ": a number has too many digits",
    "expected value": ": NaN, Infinity and unquoted words are not JSON values",
    "invalid number": ": NaN, Infinity and numbers with leading zeros are not JSON",
    "lone leading surrogate": ": a \\u escape is half of a surrogate pair",
    "unexpected end of hex escape": ": a \\u escape is half of a surrogate pair or cut short",
}


def dispatch(routes: Mapping[str, Route], event: Event, context: LambdaContext) -> Response:
    """Runs the route of ``event["routeKey"]``; every error becomes its response here.

    The event is never logged: request bodies carry API tokens.
    """
    route_key = str(event.get("routeKey", ""))
    logger.append_keys(route=route_key)
    route = routes.get(route_key)
    try:
        if route is None:
            return unknown_route(event, context)
        return route(event, context)
    except Exception as error:
        response = error_response(error)
        if response["statusCode"] == 500:
            logger.exception("unexpected error", error_type=type(error).__name__)
        else:
            logger.info(
                "request refused", status=response["statusCode"], error_type=type(error).__name__
            )
        return response


def unknown_route(event: Event, context: LambdaContext) -> Response:
    """API Gateway's ``$default`` route: a path or method the API does not have gets the
    error envelope (not API Gateway's bare ``{"message": "Not Found"}``), naming what was
    asked for."""
    http = (event.get("requestContext") or {}).get("http") or {}
    method = str(http.get("method") or "?")[:16]
    path = str(event.get("rawPath") or http.get("path") or "?")[:256]
    raise NotFound(
        f"no route {method} {path}: the API's routes and methods are listed in the README "
        "(The HTTP API)",
        code="unknown_route",
        method=method,
        path=path,
    )


def remaining_time(context: LambdaContext) -> Callable[[], float]:
    """Seconds the invocation has left, as the Jira client's deadline."""
    return lambda: context.get_remaining_time_in_millis() / 1000


def json_response(status: int, body: Any) -> Response:
    return {
        "statusCode": status,
        "headers": dict(_JSON_HEADERS),
        "body": json.dumps(body, separators=(",", ":")),
    }


def no_content() -> Response:
    return {"statusCode": 204, "headers": {}, "body": ""}


def json_body(event: Event) -> Any:
    """The request's JSON body (base64 bodies decoded); ``invalid_json`` when it is not JSON.

    pydantic-core's parser, not ``json.loads``: it refuses what RFC 8259 does not allow (NaN,
    Infinity, lone surrogates) and bounds nesting and number size with an error, where the
    stdlib raises RecursionError or a bare ValueError (a 500) or lets them through.
    """
    raw = event.get("body")
    if raw is None or raw == "":
        raise ValidationFailed("the request needs a JSON body", code="invalid_json")
    try:
        data = (
            base64.b64decode(raw, validate=True)
            if event.get("isBase64Encoded")
            else str(raw).encode("utf-8")
        )
    except ValueError:  # bad base64 (binascii.Error), or a str with lone surrogates
        raise ValidationFailed("the body is not UTF-8 JSON", code="invalid_json") from None
    try:
        return from_json(data, allow_inf_nan=False, cache_strings="keys")
    except ValueError as error:
        # What is wrong and where (line, column), never the content: the body may hold a token.
        problem = str(error)
    hint = next((text for key, text in _JSON_HINTS.items() if problem.startswith(key)), "")
    raise ValidationFailed(f"the body is not valid JSON ({problem}){hint}", code="invalid_json")


def path_parameter(event: Event, name: str) -> str:
    value = (event.get("pathParameters") or {}).get(name)
    if not isinstance(value, str) or not value:
        raise NotFound(f"the path has no {name}")
    return value


def public_base_url(event: Event, settings: Settings) -> str:
    """Where Jira reaches this API: the configured base URL, else the request's own domain."""
    if settings.public_base_url:
        return settings.public_base_url
    domain = (event.get("requestContext") or {}).get("domainName")
    if not isinstance(domain, str) or not domain:
        raise ValidationFailed(
            "cannot tell this API's public URL: set the PublicBaseUrl parameter",
            code="no_public_url",
        )
    return f"https://{domain}"


def error_response(error: Exception) -> Response:
    """The API response for ``error``; anything unexpected is a 500 that says nothing more."""
    if isinstance(error, DomainError):
        return _error(error.status, error.code, error.message, error.details)
    if isinstance(error, ValidationError):
        fields = _field_errors(error.errors(include_url=False, include_input=False))
        message = "; ".join(f"{item['field']}: {item['message']}" for item in fields)
        return _error(400, "validation_failed", message, {"fields": fields})
    if isinstance(error, InvalidJiraUrl):
        return _error(400, "invalid_url", str(error), {"field": "url"})
    if isinstance(error, JiraError):
        return _jira_error(error)
    return _error(500, "internal_error", "internal error: the request was not completed", {})


def _jira_error(error: JiraError) -> Response:
    details: dict[str, Any] = {
        "jira_status": error.status,
        "errorMessages": error.error_messages,
        "errors": error.errors,
    }
    said = describe(error.error_messages, error.errors)
    if isinstance(error, JiraAuthError | JiraNotFound | JiraRejected):
        reason = f": {said}" if said else ""
        hint = _AUTH_HINTS.get(error.status or 0, "") if isinstance(error, JiraAuthError) else ""
        return _error(
            422, "jira_refused", f"Jira refused (HTTP {error.status}){reason}{hint}", details
        )
    if isinstance(error, JiraRateLimited):
        # Jira refused before doing anything: the caller may send the same request again.
        details["retry_after"] = math.ceil(error.retry_after) if error.retry_after else 1
        return _error(
            503,
            "jira_rate_limited",
            f"Jira is rate limiting: retry in {details['retry_after']} s",
            details,
        )
    if error.retry_after is not None:
        details["retry_after"] = math.ceil(error.retry_after)
    return _error(502, "jira_unavailable", f"Jira is unavailable: {error.message}", details)


def _error(status: int, code: str, message: str, details: Mapping[str, Any]) -> Response:
    """The error body; a ``retry_after`` in the details is also the ``Retry-After`` header,
    which is what HTTP clients and API Gateway callers honour."""
    response = json_response(
        status, {"error": {"code": code, "message": message, "details": dict(details)}}
    )
    retry_after = details.get("retry_after")
    if isinstance(retry_after, int | float) and retry_after >= 0:
        response["headers"]["Retry-After"] = str(math.ceil(retry_after))
    return response


def _field_errors(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    return [{"field": _location(error["loc"]), "message": _message(error)} for error in errors]


_DATE_REASON = re.compile(r"^Input should be a valid date(?: or datetime)?,? ?")


def _message(error: Mapping[str, Any]) -> str:
    """Pydantic's message, said as what to send: a secret's length in characters (pydantic
    counts a SecretStr's in "items"), a date's format."""
    kind = str(error["type"])
    ctx = error.get("ctx") or {}
    if kind in ("too_short", "too_long") and ctx.get("field_type") == "Value":
        bound = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        return f"must be at {'least' if kind == 'too_short' else 'most'} {bound} characters"
    if kind.startswith("date_"):
        reason = _DATE_REASON.sub("", str(error["msg"]))
        return "must be a date as YYYY-MM-DD, e.g. 2030-01-31" + (f" ({reason})" if reason else "")
    return _FRIENDLY.get(kind, str(error["msg"]))


def _location(loc: Sequence[str | int]) -> str:
    """``("state_map", "done", "[key]")`` → ``state_map.done (key)``; ``()`` → ``body``."""
    parts: list[str] = []
    suffix = ""
    for part in loc:
        if part == "[key]":
            suffix = " (key)"
        elif isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + part)
    return ("".join(parts) or "body") + suffix

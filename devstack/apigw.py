"""API Gateway HTTP API behaviour, as pure functions: route matching, v2.0 events, responses.

Handlers run unchanged in Lambda, so the event they get locally must be the one API Gateway
builds (payload format 2.0): lower-cased headers with duplicates comma-joined, cookies split out,
URL-decoded path parameters, base64 bodies for non-text content types. The reverse direction
follows the v2 response rules, including the "inferred" format for bare return values.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from devstack.template import Route

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
"""API Gateway HTTP API's request payload limit."""

_PARAMETER = re.compile(r"^\{([A-Za-z0-9_.-]+)(\+?)\}$")
_TEXT_TYPES = (
    "application/json",
    "application/javascript",
    "application/xml",
    "application/ecmascript",
)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    path_parameters: dict[str, str]


@dataclass(frozen=True)
class _CompiledRoute:
    route: Route
    pattern: re.Pattern[str]
    parameters: tuple[str, ...]
    priority: tuple[int, int, int, int]


@dataclass
class Router:
    """Picks the most specific route as API Gateway does: literal over {param} over {proxy+}."""

    routes: Sequence[Route]
    _compiled: list[_CompiledRoute] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        for route in self.routes:
            if route.path == "$default":
                self._compiled.append(_CompiledRoute(route, re.compile(".*"), (), (-1, 0, 0, 0)))
                continue
            regex, names, literals, greedy = [], [], 0, 0
            for segment in route.path.strip("/").split("/"):
                match = _PARAMETER.match(segment)
                if match is None:
                    regex.append(re.escape(segment))
                    literals += 1
                elif match.group(2):
                    regex.append("(.+)")
                    names.append(match.group(1))
                    greedy = 1
                else:
                    regex.append("([^/]+)")
                    names.append(match.group(1))
            pattern = re.compile("/" + "/".join(regex) if route.path != "/" else "/")
            segments = route.path.count("/")
            any_method = 1 if route.method == "ANY" else 0
            priority = (1 - greedy, literals, segments, -any_method)
            self._compiled.append(_CompiledRoute(route, pattern, tuple(names), priority))
        self._compiled.sort(key=lambda c: c.priority, reverse=True)

    def match(self, method: str, raw_path: str) -> RouteMatch | None:
        for compiled in self._compiled:
            if compiled.route.method not in ("ANY", method.upper()):
                continue
            found = compiled.pattern.fullmatch(raw_path)
            if found is None:
                continue
            values = {
                name: unquote(value)
                for name, value in zip(compiled.parameters, found.groups(), strict=True)
            }
            return RouteMatch(compiled.route, values)
        return None


def is_text_content_type(content_type: str | None) -> bool:
    """Bodies of these types reach the function as text; all others are base64-encoded."""
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media.startswith("text/") or media in _TEXT_TYPES or media.endswith(("+json", "+xml"))


def build_event(
    *,
    match: RouteMatch,
    method: str,
    target: str,
    headers: Iterable[tuple[str, str]],
    body: bytes | None,
    source_ip: str,
    api_id: str,
    account_id: str,
    domain_name: str,
    protocol: str = "HTTP/1.1",
    now: datetime | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """The payload format 2.0 event API Gateway sends for one request."""
    raw_path, _, raw_query = target.partition("?")
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    request_id = request_id or new_request_id()
    now = now or datetime.now(UTC)
    joined.setdefault("x-forwarded-for", source_ip)
    joined.setdefault("x-forwarded-proto", "http")
    port = domain_name.rpartition(":")[2] if ":" in domain_name else "80"
    joined.setdefault("x-forwarded-port", port)
    joined.setdefault("x-amzn-trace-id", _trace_id(now))
    host = domain_name.split(":", 1)[0]
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": match.route.route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = joined
    query = _query_parameters(raw_query)
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = {
        "accountId": account_id,
        "apiId": api_id,
        "domainName": domain_name,
        "domainPrefix": host.split(".", 1)[0],
        "http": {
            "method": method.upper(),
            "path": raw_path,
            "protocol": protocol,
            "sourceIp": source_ip,
            "userAgent": joined.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": match.route.route_key,
        "stage": "$default",
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if match.path_parameters:
        event["pathParameters"] = dict(match.path_parameters)
    if body:
        if is_text_content_type(joined.get("content-type")):
            try:
                event["body"] = body.decode("utf-8")
                event["isBase64Encoded"] = False
            except UnicodeDecodeError:
                event["body"] = base64.b64encode(body).decode("ascii")
                event["isBase64Encoded"] = True
        else:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    return event


def _query_parameters(raw_query: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        values[key] = f"{values[key]},{value}" if key in values else value
    return values


def new_request_id() -> str:
    # API Gateway request ids look like "JKJaXmPLvHcESHA=": 14 base64 characters and "=".
    return base64.b64encode(uuid.uuid4().bytes[:10]).decode("ascii")


def _trace_id(now: datetime) -> str:
    return f"Root=1-{int(now.timestamp()):08x}-{uuid.uuid4().hex[:24]}"


def error_response(status: int, message: str, request_id: str) -> HttpResponse:
    body = json.dumps({"message": message}).encode()
    return HttpResponse(
        status,
        [("content-type", "application/json"), ("apigw-requestid", request_id)],
        body,
    )


def starting_response(request_id: str) -> HttpResponse:
    """What the local API answers until the whole stack is up: the service's own error shape."""
    error = {
        "code": "starting",
        "message": "the local stack is still starting: retry in a moment",
        "details": {},
    }
    return HttpResponse(
        503,
        [
            ("content-type", "application/json"),
            ("retry-after", "1"),
            ("apigw-requestid", request_id),
        ],
        json.dumps({"error": error}).encode(),
    )


def map_response(result: Any, request_id: str) -> HttpResponse:
    """Turn a function's return value into the HTTP response, by the v2.0 format's rules."""
    if isinstance(result, Mapping) and "statusCode" in result:
        return _structured_response(result, request_id)
    # Inferred format: any other valid JSON is the body of a 200 application/json response.
    body = json.dumps(result).encode()
    return HttpResponse(
        200, [("content-type", "application/json"), ("apigw-requestid", request_id)], body
    )


def _structured_response(result: Mapping[str, Any], request_id: str) -> HttpResponse:
    status = result.get("statusCode")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        return error_response(500, "Internal Server Error", request_id)
    headers: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        headers.append((str(name), _header_value(value)))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((str(name), _header_value(v)) for v in values)
    headers.extend(("set-cookie", str(cookie)) for cookie in result.get("cookies") or [])
    headers.append(("apigw-requestid", request_id))
    raw_body = result.get("body")
    if raw_body is None:
        body = b""
    elif result.get("isBase64Encoded") is True:
        try:
            body = base64.b64decode(str(raw_body), validate=True)
        except binascii.Error:
            return error_response(500, "Internal Server Error", request_id)
    else:
        body = (raw_body if isinstance(raw_body, str) else json.dumps(raw_body)).encode("utf-8")
    return HttpResponse(status, headers, body)


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)

"""Framework-free request/response types and a tiny router for the emulator's handlers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import unquote

from devstack.jira_emulator import apis, seed


@dataclass
class Request:
    """One HTTP request as the handlers see it.

    `path` is the path below the base (the `/ex/jira/<cloudId>` prefix removed); `base_url` is
    the URL responses build `self` links from, `site_url` the site's own root.
    """

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    base_url: str
    site_url: str
    user: seed.User | None = None
    params: dict[str, str] = field(default_factory=dict)

    @property
    def api(self) -> apis.ApiVersion:
        """The REST API version the path names (v3 outside `/rest/api/<version>/`)."""
        return apis.for_path(self.path)

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)

    def json(self) -> Any:
        """The JSON body; Jira answers a body it cannot read with 400."""
        if not self.body.strip():
            raise JiraError(400, ["No content to map due to end-of-input"])
        try:
            return json.loads(self.body)
        except UnicodeDecodeError:
            raise JiraError(400, ["The request body is not valid UTF-8."]) from None
        except json.JSONDecodeError as exc:
            raise JiraError(
                400, [f"Unexpected character in the request body: {exc.msg}."]
            ) from None

    @property
    def acting_user(self) -> seed.User:
        if self.user is None:  # the server authenticates before any API handler runs
            raise JiraError(401, ["You are not authenticated."])
        return self.user


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Response(status, body, "application/json;charset=UTF-8", dict(headers or {}))


def no_content() -> Response:
    return Response(204)


def error_body(
    messages: list[str] | None = None, errors: Mapping[str, str] | None = None
) -> dict[str, Any]:
    return {"errorMessages": list(messages or []), "errors": dict(errors or {})}


class JiraError(Exception):
    """A failure answered the way Jira answers it: status + errorMessages + errors."""

    def __init__(
        self,
        status: int,
        messages: list[str] | None = None,
        errors: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status, messages, errors)
        self.status = status
        self.messages = list(messages or [])
        self.errors = dict(errors or {})

    def response(self) -> Response:
        return json_response(self.status, error_body(self.messages, self.errors))


Handler = Callable[[Request], Response]


class Route(NamedTuple):
    """One route: `GET` and a path template such as `/rest/api/3/issue/{issue}`."""

    method: str
    path: str


class Router:
    """Maps `METHOD /path/{param}` templates to handlers; 404 for unknown paths, 405 for methods."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._templates: list[Route] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        self._routes.append((method, re.compile(f"^{regex}/?$"), handler))
        self._templates.append(Route(method, template))

    def templates(self) -> list[Route]:
        """Every route added, in order, as (method, path template)."""
        return list(self._templates)

    def knows(self, path: str) -> bool:
        """Whether any route (of any method) serves `path`."""
        return any(pattern.match(path) for _, pattern, _ in self._routes)

    def route(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        """The handler and path params; raises JiraError(405) if only the method is wrong."""
        path_known = False
        for route_method, pattern, handler in self._routes:
            found = pattern.match(path)
            if found is None:
                continue
            path_known = True
            if route_method == method:
                return handler, {k: unquote(v) for k, v in found.groupdict().items()}
        if path_known:
            raise JiraError(405, [f"Method '{method}' is not allowed for this resource."])
        return None

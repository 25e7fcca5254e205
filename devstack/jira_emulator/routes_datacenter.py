"""Routes only Data Center serves, or serves its own way: offset-paged `/search` (Data Center has
no `/search/jql`) and `/user/search` by `username` (Data Center has no `accountId`).

Shapes follow Atlassian's Jira Data Center REST API reference (api/2/search, api/2/user/search).
"""

from __future__ import annotations

from typing import Any

from devstack.jira_emulator import apis, catalog, datacenter, routes_search, seed, views
from devstack.jira_emulator.apis import ApiVersion
from devstack.jira_emulator.core import Core
from devstack.jira_emulator.routes_issues import csv_arg
from devstack.jira_emulator.routes_users import matches_query
from devstack.jira_emulator.state import Issue
from devstack.jira_emulator.web import JiraError, Request, Response, Router, json_response

# `jira.search.views.default.max` (1000 by default): a larger maxResults is cut to it silently.
MAX_SEARCH = 1000
MAX_USERS = 1000
NO_USERNAME = "The username query parameter was not provided"
# Without `fields`, Data Center's search returns the navigable fields (Cloud's /search/jql: ids).
DEFAULT_FIELDS = ["*navigable"]


def _int(raw: Any, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        raise JiraError(400, [f"The '{name}' parameter must be an integer."])
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise JiraError(400, [f"The '{name}' parameter must be an integer."]) from None


def _search(
    core: Core,
    req: Request,
    text: str,
    start: int,
    size: int,
    fields: list[str] | None,
    expand: list[str],
) -> Response:
    start, size = max(0, start), max(0, min(size, MAX_SEARCH))
    with core.state.lock:
        hits: list[Issue]
        if text.strip():
            hits = routes_search.matching(core, req, text)
        elif catalog.has_permission(req.acting_user, "BROWSE_PROJECTS"):
            # An empty JQL is allowed on Data Center and finds every issue (newest first).
            hits = sorted(core.state.issues.values(), key=lambda i: int(i.id), reverse=True)
        else:
            hits = []
        page = hits[start : start + size]
        issues = routes_search.beans(req, page, fields or DEFAULT_FIELDS, expand, None)
    return json_response(
        200,
        {
            "expand": "schema,names",
            "startAt": start,
            "maxResults": size,
            "total": len(hits),
            "issues": issues,
        },
    )


def register(router: Router, core: Core, versions: tuple[ApiVersion, ...]) -> None:
    def search_get(req: Request) -> Response:
        return _search(
            core,
            req,
            req.arg("jql") or "",
            _int(req.arg("startAt"), "startAt", 0),
            _int(req.arg("maxResults"), "maxResults", 50),
            csv_arg(req, "fields"),
            csv_arg(req, "expand") or [],
        )

    def search_post(req: Request) -> Response:
        body = req.json()
        if not isinstance(body, dict):
            raise JiraError(400, ["The request body must be a JSON object."])
        fields = body.get("fields")
        if fields is not None and not (
            isinstance(fields, list) and all(isinstance(f, str) for f in fields)
        ):
            raise JiraError(400, ["'fields' must be a list of strings."])
        expand = body.get("expand") or []
        if isinstance(expand, str):
            expand = [e for e in expand.split(",") if e]
        return _search(
            core,
            req,
            str(body.get("jql") or ""),
            _int(body.get("startAt"), "startAt", 0),
            _int(body.get("maxResults"), "maxResults", 50),
            fields,
            [str(e) for e in expand],
        )

    def user_search(req: Request) -> Response:
        """`username` matches the start of a username, display name (or a word of it) or email
        address; `accountId` and `query` are Cloud parameters and mean nothing here."""
        wanted = req.arg("username")
        if wanted is None or not wanted.strip():
            raise JiraError(400, [NO_USERNAME])
        start = max(0, _int(req.arg("startAt"), "startAt", 0))
        size = max(0, min(_int(req.arg("maxResults"), "maxResults", 50), MAX_USERS))
        if not catalog.has_permission(req.acting_user, "USER_PICKER"):
            return json_response(200, [])
        prefix = wanted.strip().casefold()
        found = [
            u
            for u in seed.USERS
            if datacenter.identity(u).name.startswith(prefix) or matches_query(u, prefix)
        ]
        page = found[start : start + size]
        return json_response(200, [views.user(u, req.base_url, req.api.render) for u in page])

    apis.add(router, versions, "GET", "/search", search_get)
    apis.add(router, versions, "POST", "/search", search_post)
    apis.add(router, versions, "GET", "/user/search", user_search)

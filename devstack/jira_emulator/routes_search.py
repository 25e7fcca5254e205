"""Enhanced JQL search (`/search/jql`, GET and POST) with token paging, as Jira Cloud has it.

`properties` (at most 5 issue property keys, Atlassian's spec) returns each issue's values of
those properties under `properties` (`{key: value}`; a property the issue lacks is left out).
JQL naming an issue property is refused (400), as Jira refuses a property no app indexes.

The old `/search` (offset paging) is still in Atlassian's spec, marked deprecated and "currently
being removed" (CHANGE-2046); Jira Cloud has since removed it and answers every call with
410 Gone and the message below, so clients still using it fail here as they do there.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from zoneinfo import ZoneInfo

from devstack.jira_emulator import apis, catalog, jql, seed, views
from devstack.jira_emulator.apis import ApiVersion
from devstack.jira_emulator.core import Core, search_document
from devstack.jira_emulator.routes_issues import csv_arg
from devstack.jira_emulator.state import Issue, now
from devstack.jira_emulator.web import JiraError, Request, Response, Router, json_response

SEARCH_REMOVED = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at "
    "https://developer.atlassian.com/changelog/#CHANGE-2046"
)
UNBOUNDED = (
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
)
BAD_TOKEN = "The provided next page token is invalid or expired."
# "A list of up to 5 issue properties to include in the results" (the spec, /search/jql).
MAX_PROPERTIES = 5
TOO_MANY_PROPERTIES = f"A maximum of {MAX_PROPERTIES} issue property keys can be specified."

_KNOWN_VALUES: dict[str, set[str]] = {
    "project": {v.casefold() for p in seed.PROJECTS for v in (p.key, p.id, p.name)},
    "status": {v.casefold() for s in seed.STATUSES for v in (s.name, s.id)},
    "statuscategory": {
        v.casefold() for c in seed.STATUS_CATEGORIES for v in (c.key, c.name, str(c.id))
    },
    "priority": {v.casefold() for p in seed.PRIORITIES for v in (p.name, p.id)},
    "issuetype": {v.casefold() for t in seed.ISSUE_TYPES for v in (t.name, t.id)},
    "resolution": {v.casefold() for r in seed.RESOLUTIONS for v in (r.name, r.id)},
}


def parse_query(text: str, req: Request) -> jql.Query:
    """Parse and check that named values exist, the way Jira validates a search (400 if not).
    Relative dates count from now; absolute ones are read in the searcher's time zone."""
    try:
        query = jql.parse(text, now=now(), zone=ZoneInfo(req.acting_user.time_zone))
    except jql.JqlError as exc:
        raise JiraError(400, [str(exc)]) from None
    if query.where is None:
        raise JiraError(400, [UNBOUNDED])
    for clause in query.clauses():
        known = _KNOWN_VALUES.get(clause.field)
        for value in clause.values:
            if known is not None and value is not None and value.casefold() not in known:
                raise JiraError(
                    400, [f"The value '{value}' does not exist for the field '{clause.field}'."]
                )
    return query


def _sort_key(field: str, issue: Issue) -> Any:
    if field in {"id", "key"}:
        return (issue.project.key, int(issue.id)) if field == "key" else int(issue.id)
    if field == "created":
        return issue.created
    if field == "updated":
        return issue.updated
    if field == "priority":
        return -int(issue.fields.get("priority") or 99)
    if field == "status":
        return catalog.STATUSES_BY_ID[issue.status].name
    return issue.fields.get("duedate") or ""


def _ordered(issues: list[Issue], order: tuple[tuple[str, bool], ...]) -> list[Issue]:
    result = sorted(issues, key=lambda i: int(i.id), reverse=True)
    for field, descending in reversed(order):
        result.sort(key=lambda i, f=field: _sort_key(f, i), reverse=descending)  # type: ignore[misc]
    return result


def _offset(token: str | None) -> int:
    if token is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        prefix, _, number = text.partition(":")
        if prefix != "offset":
            raise ValueError(token)
        return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise JiraError(400, [BAD_TOKEN]) from None


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def matching(core: Core, req: Request, text: str) -> list[Issue]:
    """The issues a JQL query finds for the caller, in its order (caller holds the lock)."""
    query = parse_query(text, req)
    hits = [i for i in core.state.issues.values() if query.matches(search_document(i))]
    if not catalog.has_permission(req.acting_user, "BROWSE_PROJECTS"):
        return []
    return _ordered(hits, query.order_by)


def beans(
    req: Request,
    page: list[Issue],
    fields: list[str] | None,
    expand: list[str],
    properties: list[str] | None,
) -> list[dict[str, Any]]:
    return [
        views.issue_bean(
            i, req.base_url, fields=fields, properties=properties, expand=expand, api=req.api.render
        )
        for i in page
    ]


def search(
    core: Core,
    req: Request,
    text: str,
    token: str | None,
    size: int,
    fields: list[str] | None,
    expand: list[str],
    properties: list[str] | None,
) -> Response:
    start = _offset(token)
    if properties is not None and len([p for p in properties if p.strip()]) > MAX_PROPERTIES:
        raise JiraError(400, [TOO_MANY_PROPERTIES])
    with core.state.lock:
        hits = matching(core, req, text)
        page = hits[start : start + size]
        if fields is None:
            # The default `fields` is `id`: the ids, and any properties asked for.
            issues = [
                {"id": i.id}
                | ({} if properties is None else {"properties": _properties(i, properties)})
                for i in page
            ]
        else:
            issues = beans(req, page, fields, expand, properties)
        body: dict[str, Any] = {"issues": issues, "isLast": start + size >= len(hits)}
    if not body["isLast"]:
        body["nextPageToken"] = _token(start + size)
    return json_response(200, body)


def _properties(issue: Issue, keys: list[str]) -> dict[str, Any]:
    wanted = {k.strip() for k in keys}
    return {k: v for k, v in issue.properties.items() if k in wanted}


def _size(raw: Any) -> int:
    if raw is None:
        return 50
    try:
        size = int(raw)
    except (TypeError, ValueError):
        raise JiraError(400, ["The 'maxResults' parameter must be an integer."]) from None
    return max(0, min(size, 5000))


def register(router: Router, core: Core, versions: tuple[ApiVersion, ...]) -> None:
    def search_get(req: Request) -> Response:
        return search(
            core,
            req,
            req.arg("jql") or "",
            req.arg("nextPageToken"),
            _size(req.arg("maxResults")),
            csv_arg(req, "fields"),
            csv_arg(req, "expand") or [],
            csv_arg(req, "properties"),
        )

    def search_post(req: Request) -> Response:
        body = req.json()
        if not isinstance(body, dict):
            raise JiraError(400, ["The request body must be a JSON object."])
        fields = body.get("fields")
        properties = body.get("properties")
        expand = body.get("expand") or ""
        if fields is not None and not (
            isinstance(fields, list) and all(isinstance(f, str) for f in fields)
        ):
            raise JiraError(400, ["'fields' must be a list of strings."])
        if properties is not None and not (
            isinstance(properties, list) and all(isinstance(p, str) for p in properties)
        ):
            raise JiraError(400, ["'properties' must be a list of strings."])
        return search(
            core,
            req,
            str(body.get("jql") or ""),
            body.get("nextPageToken"),
            _size(body.get("maxResults")),
            fields,
            [e for e in str(expand).split(",") if e],
            properties,
        )

    def removed(req: Request) -> Response:
        raise JiraError(410, [SEARCH_REMOVED])

    for method in ("GET", "POST"):
        apis.add(router, versions, method, "/search", removed)
    apis.add(router, versions, "GET", "/search/jql", search_get)
    apis.add(router, versions, "POST", "/search/jql", search_post)

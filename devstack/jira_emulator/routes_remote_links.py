"""Remote issue links (`/issue/{key}/remotelink`): create or update by `globalId`, list, read.

Jira keeps what the request names (`globalId`, `application`, `relationship` and the linked
`object`, whose `url` and `title` are required) and sets what it leaves out to null, so an
update by `globalId` replaces the whole link.
"""

from __future__ import annotations

from typing import Any

from devstack.jira_emulator import apis, views
from devstack.jira_emulator.apis import ApiVersion
from devstack.jira_emulator.core import Core
from devstack.jira_emulator.state import Issue, RemoteLink
from devstack.jira_emulator.web import JiraError, Request, Response, Router, json_response

GLOBAL_ID_MAX = 255
NO_LINK = "You do not have permission to link issues."
# The properties of each part the spec's RemoteIssueLinkRequest describes.
OBJECT_KEYS = ("url", "title", "summary", "icon", "status")
APPLICATION_KEYS = ("type", "name")


def _known(raw: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: raw[k] for k in keys if raw.get(k) is not None}


def parse_link(body: Any) -> dict[str, Any]:
    """The link to store from a request body, or 400 with Jira's field errors."""
    if not isinstance(body, dict):
        raise JiraError(400, ["The request body must be a JSON object."])
    errors: dict[str, str] = {}
    target = body.get("object")
    if not isinstance(target, dict):
        raise JiraError(400, errors={"object": "'object' is required."})
    for name in ("url", "title"):
        if not isinstance(target.get(name), str) or not target[name].strip():
            errors[name] = f"'{name}' is required."
    for name in ("icon", "status"):
        if target.get(name) is not None and not isinstance(target[name], dict):
            errors[name] = f"'{name}' must be an object."
    global_id = body.get("globalId")
    if global_id is not None and not isinstance(global_id, str):
        errors["globalId"] = "'globalId' must be a string."
    elif global_id is not None and len(global_id) > GLOBAL_ID_MAX:
        errors["globalId"] = f"'globalId' must not be longer than {GLOBAL_ID_MAX} characters."
    relationship = body.get("relationship")
    if relationship is not None and not isinstance(relationship, str):
        errors["relationship"] = "'relationship' must be a string."
    application = body.get("application")
    if application is not None and not isinstance(application, dict):
        errors["application"] = "'application' must be an object."
    if errors:
        raise JiraError(400, errors=errors)
    link: dict[str, Any] = {}
    if global_id is not None:
        link["globalId"] = global_id
    if application is not None:
        link["application"] = _known(application, APPLICATION_KEYS)
    if relationship is not None:
        link["relationship"] = relationship
    link["object"] = _known(target, OBJECT_KEYS)
    return link


def _by_id(core: Core, issue: Issue, raw_id: str) -> RemoteLink:
    if not raw_id.isdigit():
        raise JiraError(400, [f"The remote issue link id '{raw_id}' is invalid."])
    found = next((link for link in issue.remote_links if link.id == raw_id), None)
    if found is not None:
        return found
    elsewhere = any(
        link.id == raw_id for other in core.state.issues.values() for link in other.remote_links
    )
    if elsewhere:
        raise JiraError(
            400, [f"The remote issue link {raw_id} does not belong to issue {issue.key}."]
        )
    raise JiraError(404, [f"No remote issue link with id {raw_id} exists."])


def register(router: Router, core: Core, versions: tuple[ApiVersion, ...]) -> None:
    state = core.state

    def save(req: Request) -> Response:
        body = req.json()
        with state.lock:
            issue = core.issue(req, req.params["issue"])
            core.require(req, "LINK_ISSUES", 403, NO_LINK)
            link, created = state.save_remote_link(issue, parse_link(body))
            return json_response(
                201 if created else 200,
                {
                    "id": int(link.id),
                    "self": views.remote_link_self(link, issue, req.base_url, req.api.render),
                },
            )

    def list_links(req: Request) -> Response:
        with state.lock:
            issue = core.issue(req, req.params["issue"])
            global_id = req.arg("globalId")
            if global_id is None:
                return json_response(
                    200,
                    [
                        views.remote_link(link, issue, req.base_url, req.api.render)
                        for link in issue.remote_links
                    ],
                )
            found = next(
                (link for link in issue.remote_links if link.link.get("globalId") == global_id),
                None,
            )
            if found is None:
                raise JiraError(404, [f"No remote issue link with global id '{global_id}' exists."])
            return json_response(200, views.remote_link(found, issue, req.base_url, req.api.render))

    def get_link(req: Request) -> Response:
        with state.lock:
            issue = core.issue(req, req.params["issue"])
            link = _by_id(core, issue, req.params["linkId"])
            return json_response(200, views.remote_link(link, issue, req.base_url, req.api.render))

    apis.add(router, versions, "POST", "/issue/{issue}/remotelink", save)
    apis.add(router, versions, "GET", "/issue/{issue}/remotelink", list_links)
    apis.add(router, versions, "GET", "/issue/{issue}/remotelink/{linkId}", get_link)

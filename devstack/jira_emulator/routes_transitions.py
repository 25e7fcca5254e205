"""Workflow transitions: only those available from the current status, with screen rules.

SEC uses Jira's simplified workflow (entering a done-category status sets resolution "Done",
leaving it clears the resolution); OPS a classic one whose Done/Close screens require a
resolution and whose Reopen clears it.
"""

from __future__ import annotations

from typing import Any

from devstack.jira_emulator import apis, catalog, changes, fields, screens, seed, views
from devstack.jira_emulator.apis import ApiVersion
from devstack.jira_emulator.core import Core
from devstack.jira_emulator.state import Issue, now
from devstack.jira_emulator.state import status_category as state_category
from devstack.jira_emulator.web import (
    JiraError,
    Request,
    Response,
    Router,
    json_response,
    no_content,
)


def available(issue: Issue) -> list[seed.Transition]:
    """Transitions Jira would offer from the issue's current status."""
    result = []
    for transition in issue.project.transitions:
        if transition.to == issue.status:
            continue
        if transition.is_global or issue.status in transition.sources:
            result.append(transition)
    return result


def _transition_view(
    t: seed.Transition, issue: Issue, base: str, api: str, *, with_fields: bool
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": t.id,
        "name": t.name,
        "to": views.status(catalog.STATUSES_BY_ID[t.to], base, api),
        "hasScreen": t.screen_resolution,
        "isGlobal": t.is_global,
        "isInitial": False,
        "isAvailable": True,
        "isConditional": False,
        "looped": False,
    }
    if with_fields:
        view["fields"] = screens.transition_screen(t, issue.project, issue.issue_type, base, api)
    return view


def _resolution_input(
    body: dict[str, Any], transition: seed.Transition
) -> tuple[str | None, dict[str, str]]:
    """The resolution id given on the transition screen, and field errors."""
    given = body.get("fields") or {}
    update = body.get("update") or {}
    if not isinstance(given, dict) or not isinstance(update, dict):
        return None, {"fields": "The 'fields' and 'update' values must be objects."}
    errors: dict[str, str] = {}
    for name in list(given) + list(update):
        if name != "resolution" or not transition.screen_resolution:
            errors[name] = fields.not_on_screen(name)
    if errors or not transition.screen_resolution:
        return None, errors
    raw = given.get("resolution")
    if raw is None and isinstance(update.get("resolution"), list) and update["resolution"]:
        first = update["resolution"][0]
        raw = first.get("set") if isinstance(first, dict) else None
    if raw is None:
        return None, {"resolution": "Resolution is required."}
    if not isinstance(raw, dict) or not ({"id", "name"} & raw.keys()):
        return None, {"resolution": "Could not find valid 'id' or 'name' in resolution object."}
    found = (
        catalog.RESOLUTIONS_BY_ID.get(str(raw["id"]))
        if raw.get("id") is not None
        else catalog.resolution_by_name(str(raw.get("name")))
    )
    if found is None:
        ident = raw.get("id", raw.get("name"))
        return None, {
            "resolution": f"Resolution '{ident}' is not a valid resolution for this transition."
        }
    return found.id, {}


def register(router: Router, core: Core, versions: tuple[ApiVersion, ...]) -> None:
    state = core.state

    def list_transitions(req: Request) -> Response:
        with state.lock:
            issue = core.issue(req, req.params["issue"])
            offered = available(issue) if core.can(req, "TRANSITION_ISSUES") else []
            wanted = req.arg("transitionId")
            if wanted is not None:
                offered = [t for t in offered if t.id == wanted]
            with_fields = "transitions.fields" in (req.arg("expand") or "").split(",")
            return json_response(
                200,
                {
                    "expand": "transitions",
                    "transitions": [
                        _transition_view(
                            t, issue, req.base_url, req.api.render, with_fields=with_fields
                        )
                        for t in offered
                    ],
                },
            )

    def do_transition(req: Request) -> Response:
        body = req.json()
        if not isinstance(body, dict):
            raise JiraError(400, ["The request body must be a JSON object."])
        with state.lock:
            issue = core.issue(req, req.params["issue"])
            requested = body.get("transition")
            ident = requested.get("id") if isinstance(requested, dict) else None
            if ident is None:
                raise JiraError(400, ["Missing 'transition' identifier"])
            offered = available(issue) if core.can(req, "TRANSITION_ISSUES") else []
            transition = next((t for t in offered if t.id == str(ident)), None)
            if transition is None:
                raise JiraError(400, [f"Transition id '{ident}' is not valid for this issue."])
            resolution_id, errors = _resolution_input(body, transition)
            if errors:
                raise JiraError(400, errors=errors)
            _move(core, req, issue, transition, resolution_id)
            return no_content()

    apis.add(router, versions, "GET", "/issue/{issue}/transitions", list_transitions)
    apis.add(router, versions, "POST", "/issue/{issue}/transitions", do_transition)


def _move(
    core: Core, req: Request, issue: Issue, transition: seed.Transition, resolution_id: str | None
) -> None:
    """Change status and resolution, record one changelog entry, emit one webhook event."""
    target_done = catalog.STATUSES_BY_ID[transition.to].category == "done"
    new_resolution = issue.resolution
    if transition.clears_resolution or not target_done:
        new_resolution = None
    elif resolution_id is not None:
        new_resolution = resolution_id
    elif issue.project.simplified_workflow:
        new_resolution = seed.SIMPLIFIED_DONE_RESOLUTION
    items = []
    if new_resolution != issue.resolution:
        items.append(changes.resolution_item(issue.resolution, new_resolution))
    items.append(changes.status_item(issue.status, transition.to))
    type_name = transition.event
    if issue.project.simplified_workflow:
        type_name = "issue_resolved" if new_resolution and not issue.resolution else "issue_generic"
    if state_category(issue.status) != state_category(transition.to):
        issue.category_changed = now()
    issue.status = transition.to
    if new_resolution != issue.resolution:
        issue.resolution = new_resolution
        issue.resolution_date = None if new_resolution is None else now()
    history = core.state.record(issue, req.acting_user.account_id, items)
    core.emit_issue("jira:issue_updated", type_name, issue, req.acting_user, req.site_url, history)

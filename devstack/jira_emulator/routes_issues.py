"""Issues: create, read, edit, delete, assignee and issue properties, in every API version."""

from __future__ import annotations

from typing import Any

from devstack.jira_emulator import apis, catalog, changes, fields, screens, seed, views
from devstack.jira_emulator.apis import ApiVersion
from devstack.jira_emulator.core import Core
from devstack.jira_emulator.screens import FieldSpec
from devstack.jira_emulator.state import Issue
from devstack.jira_emulator.web import (
    JiraError,
    Request,
    Response,
    Router,
    json_response,
    no_content,
)

NO_CREATE = "You do not have permission to create issues in this project."

# Fields a user may only set with a given permission (otherwise they are not on the screen).
FIELD_PERMISSIONS = {
    "reporter": "MODIFY_REPORTER",
    "assignee": "ASSIGN_ISSUES",
    "duedate": "SCHEDULE_ISSUES",
}


def csv_arg(req: Request, name: str) -> list[str] | None:
    values = req.query.get(name)
    if values is None:
        return None
    return [part for value in values for part in value.split(",")]


def _visible_screen(req: Request, screen: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
    return {
        k: v
        for k, v in screen.items()
        if k not in FIELD_PERMISSIONS
        or catalog.has_permission(req.acting_user, FIELD_PERMISSIONS[k])
    }


def _resolve_project(raw: Any) -> seed.Project | None:
    if not isinstance(raw, dict):
        return None
    if raw.get("id") is not None:
        return catalog.PROJECTS_BY_ID.get(str(raw["id"]))
    if isinstance(raw.get("key"), str):
        return catalog.PROJECTS_BY_KEY.get(raw["key"].upper())
    return None


def _resolve_issue_type(raw: Any, project: seed.Project) -> str | None:
    if not isinstance(raw, dict):
        return None
    found: seed.IssueType | None = None
    if raw.get("id") is not None:
        found = catalog.ISSUE_TYPES_BY_ID.get(str(raw["id"]))
    elif isinstance(raw.get("name"), str):
        found = catalog.issue_type_by_name(raw["name"])
    if found is None or found.id not in project.issue_types:
        return None
    return found.id


def _body_object(req: Request) -> dict[str, Any]:
    body = req.json()
    if not isinstance(body, dict):
        raise JiraError(400, ["The request body must be a JSON object."])
    return body


def register(router: Router, core: Core, versions: tuple[ApiVersion, ...]) -> None:
    state = core.state

    def create(req: Request) -> Response:
        body = _body_object(req)
        raw_fields = body.get("fields")
        given = raw_fields if isinstance(raw_fields, dict) else {}
        errors: dict[str, str] = {}
        project = _resolve_project(given.get("project"))
        if project is None:
            errors["project"] = "Specify a valid project ID or key"
        elif not core.can(req, "CREATE_ISSUES"):
            raise JiraError(400, errors={"project": NO_CREATE})
        issue_type = (
            None if project is None else _resolve_issue_type(given.get("issuetype"), project)
        )
        if project is not None and issue_type is None:
            errors["issuetype"] = (
                "Specify an issue type"
                if given.get("issuetype") is None
                else "Specify a valid issue type"
            )
        if "summary" not in given and not (body.get("update") or {}).get("summary"):
            errors["summary"] = "You must specify a summary of the issue."
        if project is None or issue_type is None:
            raise JiraError(400, errors=errors)
        screen = _visible_screen(req, screens.create_screen(project, issue_type))
        defaults: dict[str, Any] = {
            "priority": catalog.default_priority().id,
            "labels": [],
            "components": [],
            "reporter": req.acting_user.account_id,
        }
        values, field_errors = fields.apply_input(
            body,
            defaults,
            screen,
            project,
            skip=frozenset({"project", "issuetype"}),
            wiki_markup=not req.api.adf,
        )
        errors |= field_errors
        fields.missing_required(values, screens.required_fields(project, issue_type), errors)
        properties, problem = fields.parse_properties(body.get("properties"))
        if problem:
            errors["properties"] = problem
        if errors:
            raise JiraError(400, errors=errors)
        reporter = values.pop("reporter")
        with state.lock:
            issue = state.add_issue(
                project, issue_type, values, reporter, req.acting_user.account_id, properties
            )
            core.emit_issue(
                "jira:issue_created", "issue_created", issue, req.acting_user, req.site_url
            )
            return json_response(
                201,
                {
                    "id": issue.id,
                    "key": issue.key,
                    "self": f"{req.base_url}/rest/api/{req.api.render}/issue/{issue.id}",
                },
            )

    def get(req: Request) -> Response:
        with state.lock:
            issue = core.issue(req, req.params["issue"])
            expand = csv_arg(req, "expand") or []
            return json_response(
                200,
                views.issue_bean(
                    issue,
                    req.base_url,
                    fields=csv_arg(req, "fields"),
                    properties=csv_arg(req, "properties"),
                    expand=expand,
                    api=req.api.render,
                ),
            )

    def edit(req: Request) -> Response:
        body = _body_object(req)
        with state.lock:
            issue = core.issue(req, req.params["issue"])
            screen = screens.edit_screen(issue.project, issue.issue_type)
            if not core.can(req, "EDIT_ISSUES"):
                screen = {}
            screen = _visible_screen(req, screen)
            current = dict(issue.fields, reporter=issue.reporter)
            values, errors = fields.apply_input(
                body, current, screen, issue.project, wiki_markup=not req.api.adf
            )
            required = screens.required_fields(issue.project, issue.issue_type)
            fields.missing_required(values, required, errors)
            properties, problem = fields.parse_properties(body.get("properties"))
            if problem:
                errors["properties"] = problem
            if errors:
                raise JiraError(400, errors=errors)
            apply_change(core, req, issue, values)
            issue.properties |= properties
            if (req.arg("returnIssue") or "").lower() == "true":
                return json_response(200, views.issue_bean(issue, req.base_url, api=req.api.render))
            return no_content()

    def delete(req: Request) -> Response:
        with state.lock:
            issue = core.issue(req, req.params["issue"])
            core.require(
                req,
                "DELETE_ISSUES",
                403,
                "You do not have permission to delete issues in this project.",
            )
            core.emit_issue(
                "jira:issue_deleted", "issue_deleted", issue, req.acting_user, req.site_url
            )
            state.delete_issue(issue)
            return no_content()

    def assign(req: Request) -> Response:
        body = _body_object(req)
        with state.lock:
            issue = core.issue(req, req.params["issue"])
            core.require(req, "ASSIGN_ISSUES", 403, "You do not have permission to assign issues.")
            # Cloud assigns by accountId, Data Center by username ({"name": ...}).
            ref = "name" if core.flavor.datacenter else "accountId"
            if ref not in body:
                raise JiraError(400, [f"{ref} must be provided."])
            who = body[ref]
            if who == "-1":
                who = None
            try:
                assignee = fields.parse_value(
                    "assignee", None if who is None else {ref: who}, issue.project
                )
            except fields.FieldProblem as problem:
                raise JiraError(400, errors={"assignee": str(problem)}) from None
            apply_change(
                core, req, issue, dict(issue.fields, reporter=issue.reporter, assignee=assignee)
            )
            return no_content()

    def get_property(req: Request) -> Response:
        with state.lock:
            issue = core.issue(req, req.params["issue"])
            key = req.params["key"]
            if key not in issue.properties:
                raise JiraError(404, [f"The property with key '{key}' does not exist."])
            return json_response(200, {"key": key, "value": issue.properties[key]})

    def list_properties(req: Request) -> Response:
        with state.lock:
            issue = core.issue(req, req.params["issue"])
            keys = [
                {
                    "key": k,
                    "self": f"{req.base_url}{req.api.prefix}/issue/{issue.id}/properties/{k}",
                }
                for k in issue.properties
            ]
            return json_response(200, {"keys": keys})

    def put_property(req: Request) -> Response:
        value = req.json()
        key = req.params["key"]
        problem = fields.property_key_problem(key)
        if problem:
            raise JiraError(400, [problem])
        with state.lock:
            issue = core.issue(req, req.params["issue"])
            core.require(
                req,
                "EDIT_ISSUES",
                403,
                "You do not have permission to edit issues in this project.",
            )
            existed = key in issue.properties
            issue.properties[key] = value
            return json_response(200 if existed else 201, {})

    def delete_property(req: Request) -> Response:
        with state.lock:
            issue = core.issue(req, req.params["issue"])
            core.require(
                req,
                "EDIT_ISSUES",
                403,
                "You do not have permission to edit issues in this project.",
            )
            key = req.params["key"]
            if key not in issue.properties:
                raise JiraError(404, [f"The property with key '{key}' does not exist."])
            del issue.properties[key]
            return no_content()

    for method, suffix, handler in (
        ("POST", "/issue", create),
        ("GET", "/issue/{issue}", get),
        ("PUT", "/issue/{issue}", edit),
        ("DELETE", "/issue/{issue}", delete),
        ("PUT", "/issue/{issue}/assignee", assign),
        ("GET", "/issue/{issue}/properties", list_properties),
        ("GET", "/issue/{issue}/properties/{key}", get_property),
        ("PUT", "/issue/{issue}/properties/{key}", put_property),
        ("DELETE", "/issue/{issue}/properties/{key}", delete_property),
    ):
        apis.add(router, versions, method, suffix, handler)


def apply_change(core: Core, req: Request, issue: Issue, values: dict[str, Any]) -> None:
    """Store new field values, write the changelog and emit `jira:issue_updated` (caller locks)."""
    before = dict(issue.fields, reporter=issue.reporter)
    items = changes.field_items(before, values)
    if not items:
        return
    issue.reporter = values.pop("reporter", issue.reporter)
    issue.fields = values
    history = core.state.record(issue, req.acting_user.account_id, items)
    only_assignee = all(item.field_id == "assignee" for item in items)
    type_name = "issue_assigned" if only_assignee else "issue_updated"
    core.emit_issue("jira:issue_updated", type_name, issue, req.acting_user, req.site_url, history)

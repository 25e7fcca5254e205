"""Which fields each screen (create, edit, transition) shows, with Jira's field metadata.

Create metadata, edit validation and `expand=transitions.fields` all read from here, so what
the emulator advertises is exactly what it enforces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devstack.jira_emulator import catalog, seed, views


@dataclass(frozen=True)
class FieldSpec:
    id: str
    name: str
    schema: dict[str, Any]
    operations: tuple[str, ...]
    multi: bool = False


def _system(
    field_id: str, name: str, kind: str, operations: tuple[str, ...] = ("set",), items: str = ""
) -> FieldSpec:
    schema = {"type": kind, "system": field_id} | ({"items": items} if items else {})
    return FieldSpec(field_id, name, schema, operations, multi=bool(items))


SYSTEM_FIELDS: dict[str, FieldSpec] = {
    f.id: f
    for f in (
        _system("project", "Project", "project"),
        _system("issuetype", "Issue Type", "issuetype"),
        _system("summary", "Summary", "string"),
        _system("description", "Description", "string"),
        _system("priority", "Priority", "priority"),
        _system("labels", "Labels", "array", ("add", "set", "remove"), items="string"),
        _system("components", "Component/s", "array", ("add", "set", "remove"), items="component"),
        _system("duedate", "Due date", "date"),
        _system("assignee", "Assignee", "user"),
        _system("reporter", "Reporter", "user"),
        _system("resolution", "Resolution", "resolution"),
    )
}

# Fields that exist but are never on a create/edit screen (read-only or workflow-managed).
READ_ONLY_FIELDS: dict[str, tuple[str, dict[str, Any]]] = {
    "status": ("Status", {"type": "status", "system": "status"}),
    "resolutiondate": ("Resolved", {"type": "datetime", "system": "resolutiondate"}),
    "created": ("Created", {"type": "datetime", "system": "created"}),
    "updated": ("Updated", {"type": "datetime", "system": "updated"}),
    "creator": ("Creator", {"type": "user", "system": "creator"}),
    "attachment": ("Attachment", {"type": "array", "items": "attachment", "system": "attachment"}),
    "comment": ("Comment", {"type": "comments-page", "system": "comment"}),
    "statuscategorychangedate": (
        "Status Category Changed",
        {"type": "datetime", "system": "statuscategorychangedate"},
    ),
}


def custom_spec(f: seed.CustomField) -> FieldSpec:
    if f.kind == "number":
        schema = {
            "type": "number",
            "custom": "com.atlassian.jira.plugin.system.customfieldtypes:float",
            "customId": f.custom_id,
        }
    else:
        schema = {
            "type": "option",
            "custom": "com.atlassian.jira.plugin.system.customfieldtypes:select",
            "customId": f.custom_id,
        }
    return FieldSpec(f.id, f.name, schema, ("set",))


def create_screen(project: seed.Project, issue_type: str) -> dict[str, FieldSpec]:
    names = [
        "project", "issuetype", "summary", "description", "priority", "labels",
        "components", "duedate", "assignee", "reporter",
    ]  # fmt: skip
    screen = {n: SYSTEM_FIELDS[n] for n in names}
    for custom_id in project.custom_fields:
        screen[custom_id] = custom_spec(catalog.CUSTOM_FIELDS_BY_ID[custom_id])
    return screen


def edit_screen(project: seed.Project, issue_type: str) -> dict[str, FieldSpec]:
    screen = create_screen(project, issue_type)
    del screen["project"], screen["issuetype"]
    return screen


def required_fields(project: seed.Project, issue_type: str) -> tuple[str, ...]:
    return ("project", "issuetype", "summary", *project.required_by_type.get(issue_type, ()))


def allowed_values(
    spec: FieldSpec, project: seed.Project, issue_type: str, base: str, api: str = "3"
) -> list[Any] | None:
    if spec.id == "project":
        return [views.project_ref(project, base, api)]
    if spec.id == "issuetype":
        return [views.issue_type(catalog.ISSUE_TYPES_BY_ID[issue_type], base, api)]
    if spec.id == "priority":
        return [views.priority(p, base, api) for p in seed.PRIORITIES]
    if spec.id == "components":
        return [views.component(c, project, base, api) for c in project.components]
    if spec.id == "resolution":
        return [views.resolution(r, base, api) for r in seed.RESOLUTIONS]
    custom = catalog.CUSTOM_FIELDS_BY_ID.get(spec.id)
    if custom is not None and custom.kind == "option":
        return [views.custom_field_value(custom, o.id, base, api) for o in custom.options]
    return None


def field_metadata(
    spec: FieldSpec,
    project: seed.Project,
    issue_type: str,
    base: str,
    api: str = "3",
    *,
    required: bool,
) -> dict[str, Any]:
    """`FieldMetadata` (spec); createmeta adds `fieldId` (`FieldCreateMetadata`)."""
    meta: dict[str, Any] = {
        "required": required,
        "schema": spec.schema,
        "name": spec.name,
        "key": spec.id,
        "operations": list(spec.operations),
        "hasDefaultValue": spec.id in {"priority", "reporter"},
    }
    values = allowed_values(spec, project, issue_type, base, api)
    if values is not None:
        meta["allowedValues"] = values
    if spec.id == "priority":
        meta["defaultValue"] = views.priority(catalog.default_priority(), base, api)
    if spec.id in {"assignee", "reporter"}:
        meta["autoCompleteUrl"] = f"{base}/rest/api/{api}/user/search?query="
    return meta


def create_metadata(
    project: seed.Project, issue_type: str, base: str, api: str = "3"
) -> list[dict[str, Any]]:
    required = required_fields(project, issue_type)
    return [
        {"fieldId": spec.id}
        | field_metadata(spec, project, issue_type, base, api, required=spec.id in required)
        for spec in create_screen(project, issue_type).values()
    ]


def transition_screen(
    transition: seed.Transition, project: seed.Project, issue_type: str, base: str, api: str = "3"
) -> dict[str, Any]:
    """The fields a transition's screen shows (`expand=transitions.fields`)."""
    if not transition.screen_resolution:
        return {}
    spec = SYSTEM_FIELDS["resolution"]
    return {"resolution": field_metadata(spec, project, issue_type, base, api, required=True)}

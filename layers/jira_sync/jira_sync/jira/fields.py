"""The ``fields`` of a new Jira issue, checked against the project's create screen first.

Everything Jira would refuse for a reason we can see in advance (a required field without a
value, a component or priority the project does not have, a mapped field that is not on the
screen) is reported at once, every problem together, before any create is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jira_sync.errors import DomainError
from jira_sync.jira import rich_text
from jira_sync.jira.create_screen import CreateMeta
from jira_sync.jira.dialect import Dialect, dialect_of
from jira_sync.models.credentials import CredentialSettings, FieldSource
from jira_sync.models.issues import IssueInput
from jira_sync.models.jira import FieldMeta

MAX_SUMMARY = 255
SERVICE_LABEL = "jira-sync"
# Field types whose values Jira takes as {"name": ...}.
_BY_NAME = frozenset({"priority", "component", "version", "resolution", "group", "issuetype"})


class FieldsRefused(DomainError):
    """The ticket cannot be created as configured (422); details list every problem."""

    status = 422
    code = "invalid_fields"


def summary_of(name: str) -> str:
    """Jira's summary: one line of at most 255 characters (cut with an ellipsis)."""
    line = " ".join(name.split())
    return line if len(line) <= MAX_SUMMARY else line[: MAX_SUMMARY - 1] + "…"


def footer_of(issue_id: str) -> str:
    return f"Synced by jira-sync from issue {issue_id}"


@dataclass(frozen=True, slots=True)
class CreateFields:
    """The create's ``fields``, and the full description when Jira's limit cut it (to attach)."""

    fields: dict[str, Any]
    full_description: str | None = None


def build_fields(
    issue_id: str, issue: IssueInput, settings: CredentialSettings, meta: CreateMeta
) -> CreateFields:
    """The create's ``fields``; raises ``FieldsRefused`` listing every problem found."""
    screen = meta.fields
    dialect = dialect_of(settings.deployment)
    fields: dict[str, Any] = {
        "project": {"key": settings.project_key},
        "issuetype": {"id": meta.issue_type_id},
        "summary": summary_of(issue.name),
    }
    problems: list[dict[str, str]] = []
    full_text: str | None = None
    if "description" in screen:
        # The Markdown parser loads with the first create, not with the handler: GET routes
        # and a create screen without a description never need it.
        doc, cut = rich_text.description(dialect, issue.description, footer_of(issue_id))
        fields["description"] = doc
        full_text = issue.description if cut else None
    if "labels" in screen:
        fields["labels"] = list(dict.fromkeys([SERVICE_LABEL, *settings.labels]))
    if issue.due_date is not None and "duedate" in screen:
        fields["duedate"] = issue.due_date.isoformat()
    priority = settings.priority_map.get(issue.severity) if issue.severity else None
    if priority is not None and "priority" in screen:
        if screen["priority"].allows(priority):
            fields["priority"] = {"name": priority}
        else:
            problems.append(_not_allowed("priority", screen["priority"], priority))
    if settings.components:
        if "components" not in screen:
            problems.append(_off_screen("components", meta))
        else:
            for component in settings.components:
                if not screen["components"].allows(component):
                    problems.append(_not_allowed("components", screen["components"], component))
            fields["components"] = [{"name": name} for name in settings.components]
    attributes = _attributes(issue_id, issue)
    for field_id, source in settings.field_map.items():
        if field_id not in screen:
            problems.append(_off_screen(field_id, meta))
            continue
        value = _source_value(source, attributes)
        if value is None:
            continue
        shaped = shape_value(value, screen[field_id].schema_, constant=source, dialect=dialect)
        for item in shaped if isinstance(shaped, list) else [shaped]:
            wanted = _plain_choice(item)
            if wanted is not None and not screen[field_id].allows(wanted):
                problems.append(_not_allowed(field_id, screen[field_id], wanted))
        fields[field_id] = shaped
    missing = [
        {"field": field_id, "name": name}
        for field_id, name in meta.required().items()
        if field_id not in fields
    ]
    if missing or problems:
        raise _refusal(missing, problems, settings, meta)
    return CreateFields(fields, full_text)


def shape_value(
    value: Any, schema: Mapping[str, Any], *, constant: FieldSource, dialect: Dialect
) -> Any:
    """``value`` in the shape Jira wants for a field of ``schema`` (e.g. an option as
    ``{"value": ...}``, a user by accountId on Cloud and by name on Data Center); objects
    given as constants are taken as already shaped."""
    if constant.from_ is None and isinstance(value, dict):
        return value
    kind = str(schema.get("type", ""))
    if kind == "array":
        values = value if isinstance(value, list) else [value]
        item_kind = str(schema.get("items", ""))
        return [_shape_one(item, item_kind, "", dialect) for item in values]
    return _shape_one(value, kind, str(schema.get("custom", "")), dialect)


def _shape_one(value: Any, kind: str, custom: str, dialect: Dialect) -> Any:
    if isinstance(value, dict):
        return value
    if kind == "string" and custom.endswith(":textarea"):
        return rich_text.plain(dialect, str(value))
    if kind == "number":
        return _number(value)
    if kind in ("option", "option-with-child"):
        return {"value": str(value)}
    if kind in _BY_NAME:
        return {"name": str(value)}
    if kind == "user":
        return {dialect.user_key: str(value)}
    if kind in ("string", "date", "datetime"):
        return str(value)
    return value


def _number(value: Any) -> Any:
    """Numbers given as text become numbers; anything else goes as is, for Jira to judge."""
    if isinstance(value, str):
        try:
            return float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            return value
    return value


def _attributes(issue_id: str, issue: IssueInput) -> dict[str, Any]:
    return {"issue_id": issue_id, "state": "open"} | issue.attributes()


def _source_value(source: FieldSource, attributes: Mapping[str, Any]) -> Any:
    return attributes.get(source.from_) if source.from_ is not None else source.value


def _plain_choice(item: Any) -> str | None:
    """The name or value of a choice, to check against allowedValues."""
    if isinstance(item, dict):
        for key in ("value", "name"):
            if isinstance(item.get(key), str):
                return str(item[key])
    return None


def _not_allowed(field_id: str, meta: FieldMeta, wanted: str) -> dict[str, str]:
    return {
        "field": field_id,
        "message": f"{wanted!r} is not one of its values: {', '.join(meta.choices())}",
    }


def _off_screen(field_id: str, meta: CreateMeta) -> dict[str, str]:
    return {
        "field": field_id,
        "message": f"is not on the create screen of issue type {meta.issue_type_name}",
    }


def _refusal(
    missing: list[dict[str, str]],
    problems: list[dict[str, str]],
    settings: CredentialSettings,
    meta: CreateMeta,
) -> FieldsRefused:
    parts: list[str] = []
    if missing:
        names = ", ".join(f"{item['name']} ({item['field']})" for item in missing)
        parts.append(
            f"{settings.project_key} {meta.issue_type_name} requires {names}: set them in the "
            "credential's field_map or components"
        )
    parts.extend(f"{item['field']}: {item['message']}" for item in problems)
    return FieldsRefused(
        "; ".join(parts),
        code="missing_required_fields" if missing else "invalid_fields",
        project_key=settings.project_key,
        issue_type=meta.issue_type_name,
        missing_fields=missing,
        problems=problems,
    )

"""Validation of `fields` and `update` input for create and edit, with Jira's error wording.

All problems of one request are collected into `errors` (field -> message) as Jira does, and
nothing is stored unless there are none. Rich text arrives as ADF through v3 and as a wiki-markup
string through v2 (`wiki_markup=True`); either way the stored value is ADF.
"""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any

from devstack.jira_emulator import adf, catalog, datacenter, flavors, seed, wiki
from devstack.jira_emulator.screens import SYSTEM_FIELDS, FieldSpec

SUMMARY_MAX = 255
ADF_REQUIRED = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
STRING_REQUIRED = "Operation value must be a string"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class FieldProblem(ValueError):
    """A single field's value is unacceptable; the message is Jira's."""


def not_on_screen(field_id: str) -> str:
    return f"Field '{field_id}' cannot be set. It is not on the appropriate screen, or unknown."


def _ref(raw: Any, what: str) -> tuple[str | None, str | None]:
    """(id, name) of a `{"id": ..}` / `{"name": ..}` reference."""
    if not isinstance(raw, dict) or not ({"id", "name"} & raw.keys()):
        raise FieldProblem(f"Specify the {what} (id or name) in the string format")
    ident, name = raw.get("id"), raw.get("name")
    if ident is not None and not isinstance(ident, str | int):
        raise FieldProblem(f"Specify the {what} (id or name) in the string format")
    return (None if ident is None else str(ident)), (None if name is None else str(name))


def _priority(raw: Any) -> str:
    ident, name = _ref(raw, "Priority")
    if ident is not None:
        if ident not in catalog.PRIORITIES_BY_ID:
            raise FieldProblem("The priority selected is invalid.")
        return ident
    found = catalog.priority_by_name(name or "")
    if found is None:
        raise FieldProblem(f"Priority name '{name}' is not valid")
    return found.id


def _component(raw: Any, project: seed.Project) -> str:
    ident, name = _ref(raw, "Component/s")
    if ident is not None:
        if not any(c.id == ident for c in project.components):
            raise FieldProblem(f"Component with id '{ident}' does not exist.")
        return ident
    found = catalog.component_by_name(project, name or "")
    if found is None:
        raise FieldProblem(f"Component name '{name}' is not valid")
    return found.id


def _label(raw: Any) -> str:
    if not isinstance(raw, str) or not raw:
        raise FieldProblem("Labels must be non-empty strings.")
    if any(ch.isspace() for ch in raw):
        raise FieldProblem(f"The label '{raw}' contains spaces which is invalid.")
    if len(raw) > SUMMARY_MAX:
        raise FieldProblem("The label must not exceed 255 characters.")
    return raw


def _user(raw: Any, field_id: str, project: seed.Project) -> str | None:
    if raw is None:
        if field_id == "reporter":
            raise FieldProblem("Reporter is required.")
        return None
    if flavors.current().datacenter:
        return _dc_user(raw, field_id)
    if not isinstance(raw, dict) or not isinstance(raw.get("accountId"), str | None):
        raise FieldProblem("expected Object containing an 'accountId'")
    account_id = raw.get("accountId")
    if account_id is None:
        if field_id == "reporter":
            raise FieldProblem("Reporter is required.")
        return None
    account_id = str(account_id)
    found = catalog.USERS_BY_ID.get(account_id)
    if found is None:
        raise FieldProblem(
            f"Specified user does not exist or you do not have required permissions ({account_id})"
        )
    if field_id == "assignee" and "ASSIGNABLE_USER" not in found.project_permissions:
        raise FieldProblem(f"User '{account_id}' cannot be assigned issues.")
    return account_id


def _dc_user(raw: Any, field_id: str) -> str | None:
    """Data Center names users by `{"name": username}` (no accountId there); the internal id
    stays the account id. An object without `name` (a Cloud `accountId`, say) is refused here;
    whether DC refuses it or reads it as "unassigned" is undocumented, and loud is safer."""
    if not isinstance(raw, dict) or "name" not in raw or not isinstance(raw["name"], str | None):
        raise FieldProblem("expected Object containing a 'name' property")
    name = raw.get("name")
    if name is None:
        if field_id == "reporter":
            raise FieldProblem("Reporter is required.")
        return None
    found = datacenter.user_by_name(name)
    if found is None:
        raise FieldProblem(f"User '{name}' does not exist.")
    if field_id == "assignee" and "ASSIGNABLE_USER" not in found.project_permissions:
        raise FieldProblem(f"User '{name}' cannot be assigned issues.")
    return found.account_id


def _option(raw: Any, definition: seed.CustomField) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not ({"id", "value"} & raw.keys()):
        raise FieldProblem("Specify a valid 'id' or 'name' for " + definition.name)
    if "id" in raw:
        found = next((o for o in definition.options if o.id == str(raw["id"])), None)
        if found is None:
            raise FieldProblem(f"Option id '{raw['id']}' is not valid")
        return found.id
    found = next((o for o in definition.options if o.value == raw["value"]), None)
    if found is None:
        raise FieldProblem(f"Option value '{raw['value']}' is not valid")
    return found.id


def rich_text(raw: Any, *, wiki_markup: bool) -> dict[str, Any]:
    """The ADF to store for a rich-text value (ADF in v3, a wiki string in v2), or
    FieldProblem with Jira's message. Callers handle empty values first."""
    if wiki_markup:
        if not isinstance(raw, str):
            raise FieldProblem(STRING_REQUIRED)
        if len(raw) > adf.TEXT_LIMIT:
            raise FieldProblem(adf.TOO_LONG)
        return wiki.to_adf(raw)
    if not adf.is_document(raw):
        raise FieldProblem(ADF_REQUIRED)
    if adf.problem(raw) is not None:
        raise FieldProblem("INVALID_INPUT")
    if adf.too_long(raw):
        raise FieldProblem(adf.TOO_LONG)
    return copy.deepcopy(raw)


def parse_value(
    field_id: str, raw: Any, project: seed.Project, *, wiki_markup: bool = False
) -> Any:
    """The internal form of a `fields` value, or FieldProblem with Jira's message."""
    if field_id == "summary":
        if not isinstance(raw, str) or not raw.strip():
            raise FieldProblem("You must specify a summary of the issue.")
        if "\n" in raw or "\r" in raw:
            raise FieldProblem("The summary is invalid because it contains newline characters.")
        if len(raw) > SUMMARY_MAX:
            raise FieldProblem("Summary must be less than 255 characters.")
        return raw
    if field_id == "description":
        if raw is None or (wiki_markup and raw == ""):
            return None
        return rich_text(raw, wiki_markup=wiki_markup)
    if field_id == "priority":
        return _priority(raw)
    if field_id == "labels":
        if not isinstance(raw, list):
            raise FieldProblem("Labels must be supplied as an array of strings.")
        return list(dict.fromkeys(_label(label) for label in raw))
    if field_id == "components":
        if not isinstance(raw, list):
            raise FieldProblem("Component/s must be supplied as an array.")
        return list(dict.fromkeys(_component(c, project) for c in raw))
    if field_id == "duedate":
        if raw is None:
            return None
        if not isinstance(raw, str) or not _DATE.match(raw):
            raise FieldProblem(f"Error parsing date string: {raw}")
        try:
            date.fromisoformat(raw)
        except ValueError:
            raise FieldProblem(f"Error parsing date string: {raw}") from None
        return raw
    if field_id in {"assignee", "reporter"}:
        return _user(raw, field_id, project)
    definition = catalog.CUSTOM_FIELDS_BY_ID[field_id]
    if definition.kind == "number":
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise FieldProblem("Operation value must be a number")
        return float(raw)
    return _option(raw, definition)


def _apply_operation(
    spec: FieldSpec,
    operation: str,
    raw: Any,
    current: Any,
    project: seed.Project,
    *,
    wiki_markup: bool,
) -> Any:
    if operation not in spec.operations:
        raise FieldProblem(f"Operation '{operation}' is not supported for field {spec.id}")
    if operation == "set":
        return parse_value(spec.id, raw, project, wiki_markup=wiki_markup)
    item = _label(raw) if spec.id == "labels" else _component(raw, project)
    values = list(current or [])
    if operation == "add":
        return values if item in values else [*values, item]
    return [v for v in values if v != item]


def apply_input(
    body: dict[str, Any],
    current: dict[str, Any],
    screen: dict[str, FieldSpec],
    project: seed.Project,
    *,
    skip: frozenset[str] = frozenset(),
    wiki_markup: bool = False,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Apply `fields` then `update` to a copy of `current`: (new values, errors)."""
    values = copy.deepcopy(current)
    errors: dict[str, str] = {}
    fields = body.get("fields") or {}
    update = body.get("update") or {}
    if not isinstance(fields, dict):
        return values, {"fields": "The 'fields' value must be an object."}
    if not isinstance(update, dict):
        return values, {"update": "The 'update' value must be an object."}
    for field_id, raw in fields.items():
        if field_id in skip:
            continue
        if field_id not in screen:
            errors[field_id] = not_on_screen(field_id)
            continue
        if field_id in update:
            errors[field_id] = f"Field '{field_id}' cannot be set in both 'fields' and 'update'."
            continue
        try:
            values[field_id] = parse_value(field_id, raw, project, wiki_markup=wiki_markup)
        except FieldProblem as problem:
            errors[field_id] = str(problem)
    for field_id, operations in update.items():
        if field_id in skip or field_id in errors:
            continue
        spec = screen.get(field_id)
        if spec is None:
            errors[field_id] = not_on_screen(field_id)
            continue
        if not isinstance(operations, list):
            errors[field_id] = "The operations of a field must be a list."
            continue
        try:
            for entry in operations:
                if not isinstance(entry, dict) or len(entry) != 1:
                    raise FieldProblem("Each operation must be an object with one key.")
                ((operation, raw),) = entry.items()
                values[field_id] = _apply_operation(
                    spec, operation, raw, values.get(field_id), project, wiki_markup=wiki_markup
                )
        except FieldProblem as problem:
            errors[field_id] = str(problem)
    return values, errors


def missing_required(
    values: dict[str, Any], required: tuple[str, ...], errors: dict[str, str]
) -> None:
    """Add Jira's "<Name> is required." for every required field left empty."""
    for field_id in required:
        if field_id in errors or field_id in {"project", "issuetype"}:
            continue
        if values.get(field_id) in (None, "", []):
            if field_id == "summary":
                errors[field_id] = "You must specify a summary of the issue."
            else:
                name = SYSTEM_FIELDS[field_id].name if field_id in SYSTEM_FIELDS else field_id
                errors[field_id] = f"{name} is required."


def parse_properties(raw: Any) -> tuple[dict[str, Any], str | None]:
    """Issue `properties` ([{key, value}]) from a create/edit body: (properties, error)."""
    if raw is None:
        return {}, None
    if not isinstance(raw, list):
        return {}, "Issue properties must be a list of {key, value} objects."
    result: dict[str, Any] = {}
    for entry in raw:
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("key"), str)
            or "value" not in entry
        ):
            return {}, "Issue properties must be a list of {key, value} objects."
        problem = property_key_problem(entry["key"])
        if problem:
            return {}, problem
        result[entry["key"]] = copy.deepcopy(entry["value"])
    return result, None


def property_key_problem(key: str) -> str | None:
    if not key or len(key) > SUMMARY_MAX:
        return "The property key must be between 1 and 255 characters."
    return None

"""Changelog items written the way Jira writes them (field names, ids vs. display strings)."""

from __future__ import annotations

from typing import Any

from devstack.jira_emulator import catalog, datacenter, flavors, wiki
from devstack.jira_emulator.state import ChangeItem


def _user_name(account_id: str | None) -> str | None:
    return None if account_id is None else catalog.USERS_BY_ID[account_id].display_name


def _user_ref(account_id: str | None) -> str | None:
    """`from`/`to` of a user item: the account id on Cloud, the user key on Data Center."""
    return datacenter.user_key(account_id) if flavors.current().datacenter else account_id


def _number(value: float | None) -> str | None:
    if value is None:
        return None
    return str(int(value)) if float(value).is_integer() else str(value)


def status_item(from_id: str, to_id: str) -> ChangeItem:
    return ChangeItem(
        "status",
        "jira",
        "status",
        from_id,
        catalog.STATUSES_BY_ID[from_id].name,
        to_id,
        catalog.STATUSES_BY_ID[to_id].name,
    )


def resolution_item(from_id: str | None, to_id: str | None) -> ChangeItem:
    def name(rid: str | None) -> str | None:
        return None if rid is None else catalog.RESOLUTIONS_BY_ID[rid].name

    return ChangeItem(
        "resolution", "jira", "resolution", from_id, name(from_id), to_id, name(to_id)
    )


def field_items(before: dict[str, Any], after: dict[str, Any]) -> list[ChangeItem]:
    """Items for every field whose internal value changed, in Jira's conventions."""
    items: list[ChangeItem] = []
    for field_id in sorted(set(before) | set(after)):
        old, new = before.get(field_id), after.get(field_id)
        if old == new:
            continue
        if field_id in {"summary"}:
            items.append(ChangeItem("summary", "jira", "summary", None, old, None, new))
        elif field_id == "description":
            items.append(
                ChangeItem(
                    "description",
                    "jira",
                    "description",
                    None,
                    None if old is None else wiki.from_adf(old),
                    None,
                    None if new is None else wiki.from_adf(new),
                )
            )
        elif field_id == "priority":
            items.append(
                ChangeItem(
                    "priority",
                    "jira",
                    "priority",
                    old,
                    None if old is None else catalog.PRIORITIES_BY_ID[old].name,
                    new,
                    None if new is None else catalog.PRIORITIES_BY_ID[new].name,
                )
            )
        elif field_id in {"assignee", "reporter"}:
            items.append(
                ChangeItem(
                    field_id,
                    "jira",
                    field_id,
                    _user_ref(old),
                    _user_name(old),
                    _user_ref(new),
                    _user_name(new),
                )
            )
        elif field_id == "duedate":
            items.append(
                ChangeItem(
                    "duedate",
                    "jira",
                    "duedate",
                    old,
                    None if old is None else f"{old} 00:00:00.0",
                    new,
                    None if new is None else f"{new} 00:00:00.0",
                )
            )
        elif field_id == "labels":
            old_text = " ".join(sorted(old or [])) or None
            new_text = " ".join(sorted(new or [])) or None
            if old_text != new_text:
                items.append(ChangeItem("labels", "jira", "labels", None, old_text, None, new_text))
        elif field_id == "components":
            for removed in [c for c in old or [] if c not in (new or [])]:
                name = catalog.COMPONENTS_BY_ID[removed][1].name
                items.append(
                    ChangeItem("Component", "jira", "components", removed, name, None, None)
                )
            for added in [c for c in new or [] if c not in (old or [])]:
                name = catalog.COMPONENTS_BY_ID[added][1].name
                items.append(ChangeItem("Component", "jira", "components", None, None, added, name))
        elif field_id in catalog.CUSTOM_FIELDS_BY_ID:
            definition = catalog.CUSTOM_FIELDS_BY_ID[field_id]
            if definition.kind == "number":
                items.append(
                    ChangeItem(
                        definition.name, "custom", field_id, None, _number(old), None, _number(new)
                    )
                )
            else:
                names = {o.id: o.value for o in definition.options}
                items.append(
                    ChangeItem(
                        definition.name,
                        "custom",
                        field_id,
                        old,
                        names.get(old) if old else None,
                        new,
                        names.get(new) if new else None,
                    )
                )
    return items

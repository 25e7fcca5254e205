"""A project's create screen (issue type id, fields, allowed values), cached per container.

Fetching it costs two Jira calls; a warm create costs none, so creating a ticket is one call.
The cache is keyed on the Jira site, the account (``identity``), the project and the issue type, and
forgets entries after ``TTL_SECONDS`` so a changed screen is seen within minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

from jira_sync.caching import ContainerCache
from jira_sync.errors import DomainError
from jira_sync.jira.client import JiraClient
from jira_sync.models.jira import FieldMeta

TTL_SECONDS = 300.0
MAX_ENTRIES = 64


class UnknownIssueType(DomainError):
    """The credential's issue type is not creatable in its project (422)."""

    status = 422
    code = "unknown_issue_type"


@dataclass(frozen=True, slots=True)
class CreateMeta:
    issue_type_id: str
    issue_type_name: str
    fields: dict[str, FieldMeta]

    def required(self) -> dict[str, str]:
        """Field id → name of each field Jira requires and fills no default for."""
        return {
            field_id: meta.name or field_id
            for field_id, meta in self.fields.items()
            if meta.must_fill
        }


_cache: ContainerCache[tuple[str, str, str, str], CreateMeta] = ContainerCache(
    maxsize=MAX_ENTRIES, ttl=TTL_SECONDS
)


def get_create_meta(
    client: JiraClient,
    project_key: str,
    issue_type: str,
) -> CreateMeta:
    """The create screen of ``issue_type`` (a name or an id) in ``project_key``."""
    key = (client.base_url, client.identity, project_key, issue_type.casefold())
    cached = _cache.get(key)
    if cached is not None:
        return cached
    meta = _fetch(client, project_key, issue_type)
    _cache.put(key, meta)
    return meta


def forget(client: JiraClient, project_key: str, issue_type: str) -> None:
    """Drops one entry, e.g. after Jira refused a create the cached screen allowed."""
    _cache.pop((client.base_url, client.identity, project_key, issue_type.casefold()))


def _fetch(client: JiraClient, project_key: str, issue_type: str) -> CreateMeta:
    types = client.create_meta_issue_types(project_key)
    wanted = issue_type.casefold()
    found = next(
        (item for item in types if issue_type == item.id or item.name.casefold() == wanted),
        None,
    )
    if found is None:
        names = sorted(item.name for item in types)
        raise UnknownIssueType(
            f"issue type {issue_type!r} cannot be created in project {project_key}: "
            f"use one of {', '.join(names) or 'none (the account may not create issues)'}",
            issue_type=issue_type,
            available=names,
        )
    fields: dict[str, FieldMeta] = {
        meta.field_id: meta for meta in client.create_meta_fields(project_key, found.id)
    }
    return CreateMeta(found.id, found.name, fields)

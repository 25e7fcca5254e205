"""Lookups over the seed: by id, by name (case-insensitive, as Jira matches names), by token."""

from __future__ import annotations

import hmac
from typing import Any

from devstack.jira_emulator import seed

USERS_BY_ID = {u.account_id: u for u in seed.USERS}
STATUSES_BY_ID = {s.id: s for s in seed.STATUSES}
CATEGORIES_BY_KEY = {c.key: c for c in seed.STATUS_CATEGORIES}
RESOLUTIONS_BY_ID = {r.id: r for r in seed.RESOLUTIONS}
PRIORITIES_BY_ID = {p.id: p for p in seed.PRIORITIES}
ISSUE_TYPES_BY_ID = {t.id: t for t in seed.ISSUE_TYPES}
CUSTOM_FIELDS_BY_ID = {f.id: f for f in seed.CUSTOM_FIELDS}
PROJECTS_BY_KEY = {p.key: p for p in seed.PROJECTS}
PROJECTS_BY_ID = {p.id: p for p in seed.PROJECTS}
COMPONENTS_BY_ID = {c.id: (p, c) for p in seed.PROJECTS for c in p.components}
PERMISSIONS_BY_KEY = {p[0]: p for p in seed.PERMISSIONS}


def _by_name[T](items: Any, name: str) -> T | None:
    wanted = name.casefold()
    for item in items:
        if item.name.casefold() == wanted:
            return item  # type: ignore[no-any-return]
    return None


def project(id_or_key: str) -> seed.Project | None:
    """Jira accepts a project id or key (keys case-insensitively) wherever a project is named."""
    return PROJECTS_BY_ID.get(id_or_key) or PROJECTS_BY_KEY.get(id_or_key.upper())


def status(id_or_name: str) -> seed.Status | None:
    return STATUSES_BY_ID.get(id_or_name) or _by_name(seed.STATUSES, id_or_name)


def priority_by_name(name: str) -> seed.Priority | None:
    return _by_name(seed.PRIORITIES, name)


def resolution_by_name(name: str) -> seed.Resolution | None:
    return _by_name(seed.RESOLUTIONS, name)


def issue_type_by_name(name: str) -> seed.IssueType | None:
    return _by_name(seed.ISSUE_TYPES, name)


def component_by_name(project: seed.Project, name: str) -> seed.Component | None:
    return _by_name(project.components, name)


def default_priority() -> seed.Priority:
    return next(p for p in seed.PRIORITIES if p.default)


def user_for_credentials(email: str, token: str, *, scoped_base: bool) -> seed.User | None:
    """The seeded user these Basic credentials belong to; scoped tokens only via /ex/jira/."""
    for user in seed.USERS:
        if user.email.casefold() != email.casefold():
            continue
        accepted = user.tokens + (user.scoped_tokens if scoped_base else ())
        if any(hmac.compare_digest(token.encode(), t.encode()) for t in accepted):
            return user
    return None


def has_permission(user: seed.User, key: str) -> bool:
    return key in user.global_permissions or key in user.project_permissions

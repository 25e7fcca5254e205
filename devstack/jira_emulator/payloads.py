"""Webhook payloads in Jira's v2 shape (plain-text description and comment bodies)."""

from __future__ import annotations

import time
from typing import Any

from devstack.jira_emulator import flavors, seed, views
from devstack.jira_emulator.state import Comment, History, Issue

WEBHOOK_USER_KEYS = (
    "self", "accountId", "avatarUrls", "displayName", "emailAddress", "active", "timeZone",
    "accountType",
)  # fmt: skip


def _timestamp() -> int:
    return int(time.time() * 1000)


def webhook_user(user: seed.User, site: str) -> dict[str, Any]:
    view = views.user(user, site, "2")
    if flavors.current().datacenter:
        return view  # name, key, self by username; no accountId on Data Center
    return {k: view[k] for k in WEBHOOK_USER_KEYS}


def issue_v2(issue: Issue, site: str) -> dict[str, Any]:
    """The issue as GET /rest/api/2/issue renders it (where `self` points), without comments."""
    bean = views.issue_bean(issue, site, fields=["*all", "-comment"], api="2")
    return {key: bean[key] for key in ("id", "self", "key", "fields")}


def issue_event(
    event: str,
    type_name: str,
    issue: Issue,
    user: seed.User,
    site: str,
    history: History | None = None,
) -> dict[str, Any]:
    """`jira:issue_created|updated|deleted`; updates carry the changelog of the change."""
    payload: dict[str, Any] = {
        "timestamp": _timestamp(),
        "webhookEvent": event,
        "issue_event_type_name": type_name,
        "user": webhook_user(user, site),
        "issue": issue_v2(issue, site),
    }
    if history is not None:
        payload["changelog"] = {"id": history.id, "items": [item.view() for item in history.items]}
    return payload


def issue_comment_event(
    type_name: str, comment: Comment, issue: Issue, user: seed.User, site: str
) -> dict[str, Any]:
    """The `jira:issue_updated` Jira sends beside each comment event (`issue_commented`,
    `issue_comment_edited`, `issue_comment_deleted`): `user`, `issue` and `comment`, and no
    `changelog`, as no field changed."""
    return {
        "timestamp": _timestamp(),
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": type_name,
        "user": webhook_user(user, site),
        "issue": issue_v2(issue, site),
        "comment": views.comment(comment, issue, site, "2"),
    }


def comment_event(event: str, comment: Comment, issue: Issue, site: str) -> dict[str, Any]:
    """`comment_created|updated|deleted`: `comment` and `issue`, and no `user` (as Jira)."""
    return {
        "timestamp": _timestamp(),
        "webhookEvent": event,
        "comment": views.comment(comment, issue, site, "2"),
        "issue": issue_v2(issue, site),
    }

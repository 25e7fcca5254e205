"""Mutable site state (issues, comments, attachments, changelogs) behind one lock.

Field values are stored in an internal form (ids, not objects): `priority` is a priority id,
`components` a list of component ids, `assignee`/`reporter` account ids, `description` an ADF
dict (whichever API version wrote it), `duedate` a `YYYY-MM-DD` string, select custom fields
an option id.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from devstack.jira_emulator import catalog, seed


def now() -> datetime:
    return datetime.now(UTC)


def jira_time(moment: datetime) -> str:
    """Jira's timestamp format: `2024-05-01T10:20:30.123+0000`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


@dataclass
class ChangeItem:
    field: str
    fieldtype: str
    field_id: str
    from_: str | None
    from_string: str | None
    to: str | None
    to_string: str | None

    def view(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "fieldtype": self.fieldtype,
            "fieldId": self.field_id,
            "from": self.from_,
            "fromString": self.from_string,
            "to": self.to,
            "toString": self.to_string,
        }


@dataclass
class History:
    id: str
    author: str
    created: datetime
    items: list[ChangeItem]


@dataclass
class Comment:
    id: str
    author: str
    update_author: str
    body: dict[str, Any]
    created: datetime
    updated: datetime
    # Comment properties (Jira's entity properties of a comment), by key.
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class Attachment:
    id: str
    filename: str
    mime_type: str
    content: bytes
    author: str
    created: datetime


@dataclass
class RemoteLink:
    """A remote issue link: `link` holds the request's `globalId`, `application`,
    `relationship` and `object`, as given (absent ones are absent, as Jira sets them to null)."""

    id: str
    link: dict[str, Any]


@dataclass
class Issue:
    id: str
    key: str
    project: seed.Project
    issue_type: str
    status: str
    fields: dict[str, Any]
    reporter: str
    creator: str
    created: datetime
    updated: datetime
    resolution: str | None = None
    resolution_date: datetime | None = None
    category_changed: datetime | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    histories: list[History] = field(default_factory=list)
    remote_links: list[RemoteLink] = field(default_factory=list)

    def snapshot(self) -> Issue:
        """A deep copy, for building payloads and filters outside the lock."""
        return copy.deepcopy(self)


class State:
    """All mutable data of the emulated site. Callers hold `lock` around reads and writes."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.issues: dict[str, Issue] = {}
            self._next_issue_id = 10000
            self._next_number = {p.key: 1 for p in seed.PROJECTS}
            self._next_comment_id = 10000
            self._next_attachment_id = 10000
            self._next_history_id = 10000
            self._next_remote_link_id = 10000

    def find(self, id_or_key: str) -> Issue | None:
        """By id or key (keys case-insensitively), as Jira resolves `{issueIdOrKey}`."""
        with self.lock:
            if id_or_key in self.issues:
                return self.issues[id_or_key]
            wanted = id_or_key.upper()
            return next((i for i in self.issues.values() if i.key == wanted), None)

    def add_issue(
        self,
        project: seed.Project,
        issue_type: str,
        fields: dict[str, Any],
        reporter: str,
        creator: str,
        properties: dict[str, Any],
    ) -> Issue:
        with self.lock:
            issue_id = str(self._next_issue_id)
            self._next_issue_id += 1
            number = self._next_number[project.key]
            self._next_number[project.key] += 1
            moment = now()
            issue = Issue(
                id=issue_id,
                key=f"{project.key}-{number}",
                project=project,
                issue_type=issue_type,
                status=project.initial_status,
                fields=fields,
                reporter=reporter,
                creator=creator,
                created=moment,
                updated=moment,
                properties=properties,
            )
            self.issues[issue_id] = issue
            return issue

    def delete_issue(self, issue: Issue) -> None:
        with self.lock:
            self.issues.pop(issue.id, None)

    def record(self, issue: Issue, author: str, items: list[ChangeItem]) -> History | None:
        """Append a changelog entry (none for an empty change) and bump `updated`."""
        if not items:
            return None
        with self.lock:
            history = History(str(self._next_history_id), author, now(), items)
            self._next_history_id += 1
            issue.histories.append(history)
            issue.updated = history.created
            return history

    def new_comment(
        self,
        issue: Issue,
        author: str,
        body: dict[str, Any],
        properties: dict[str, Any] | None = None,
    ) -> Comment:
        with self.lock:
            moment = now()
            comment = Comment(
                str(self._next_comment_id), author, author, body, moment, moment, properties or {}
            )
            self._next_comment_id += 1
            issue.comments.append(comment)
            issue.updated = moment
            return comment

    def new_attachment(
        self, issue: Issue, author: str, filename: str, mime_type: str, content: bytes
    ) -> Attachment:
        with self.lock:
            attachment = Attachment(
                str(self._next_attachment_id), filename, mime_type, content, author, now()
            )
            self._next_attachment_id += 1
            issue.attachments.append(attachment)
            issue.updated = attachment.created
            return attachment

    def save_remote_link(self, issue: Issue, link: dict[str, Any]) -> tuple[RemoteLink, bool]:
        """Create the link, or replace the one with the same `globalId`: (link, created)."""
        with self.lock:
            global_id = link.get("globalId")
            for existing in issue.remote_links:
                if global_id is not None and existing.link.get("globalId") == global_id:
                    existing.link = copy.deepcopy(link)
                    return existing, False
            created = RemoteLink(str(self._next_remote_link_id), copy.deepcopy(link))
            self._next_remote_link_id += 1
            issue.remote_links.append(created)
            return created, True

    def find_attachment(self, attachment_id: str) -> tuple[Issue, Attachment] | None:
        with self.lock:
            for issue in self.issues.values():
                for attachment in issue.attachments:
                    if attachment.id == attachment_id:
                        return issue, attachment
            return None


def status_category(status_id: str) -> seed.StatusCategory:
    return catalog.CATEGORIES_BY_KEY[catalog.STATUSES_BY_ID[status_id].category]

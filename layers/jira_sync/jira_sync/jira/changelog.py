"""Timeline wording for what Jira tells us (docs/design.md, "The HTTP API": exact wording).

Each function returns one line: the timeline shows one entry per webhook, so line breaks in
Jira's values are folded into spaces and long values are cut, keeping an entry readable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

VALUE_LIMIT = 200
"""A changelog value longer than this is cut (ellipsis included)."""
COMMENT_LIMIT = 500
"""A comment text longer than this is cut (ellipsis included)."""
ELLIPSIS = "…"

# Every character str.splitlines() breaks on; a whitespace run holding one becomes one space.
_LINE_BREAK = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_BROKEN_RUN = re.compile(rf"\s*[{_LINE_BREAK}]\s*")


def _one_line(text: str) -> str:
    return _BROKEN_RUN.sub(" ", text)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)] + ELLIPSIS


def _side(item: Mapping[str, object], text_key: str, raw_key: str) -> str | None:
    """Jira's display text (``fromString``) when it has one, else the raw value (``from``),
    which for some fields is the only thing Jira fills in; empty means absent."""
    for key in (text_key, raw_key):
        value = item.get(key)
        if value is None:
            continue
        text = value if isinstance(value, str) else str(value)
        if text:
            return _cut(_one_line(text), VALUE_LIMIT)
    return None


def _clause(item: Mapping[str, object]) -> str | None:
    field = item.get("field")
    if not isinstance(field, str) or not field:
        return None
    field = _one_line(field)
    old = _side(item, "fromString", "from")
    new = _side(item, "toString", "to")
    if old is not None and new is not None:
        return f'{field} changed from "{old}" to "{new}"'
    if new is not None:
        return f'{field} set to "{new}"'
    if old is not None:
        return f'{field} cleared (was "{old}")'
    return None


def changelog_line(key: str, items: Sequence[Mapping[str, object]]) -> str | None:
    """``Jira update (SEC-42): <clause>; <clause>`` for a ``jira:issue_updated`` changelog.

    Items without a field name or without any value say nothing and are skipped; None when
    nothing is left, so the caller adds no empty entry.
    """
    clauses = [clause for item in items if (clause := _clause(item)) is not None]
    if not clauses:
        return None
    return f"Jira update ({key}): " + "; ".join(clauses)


def comment_line(key: str, author: str, body: str) -> str:
    """``Jira comment (SEC-42) by "<author>": <text>``, the body on one line and cut."""
    text = _cut(" ".join(body.split()), COMMENT_LIMIT)
    return f'Jira comment ({key}) by "{_one_line(author)}": {text}'


def deleted_line(key: str) -> str:
    """The entry left behind when Jira reports the ticket deleted."""
    return f"Jira ticket {key} was deleted in Jira"


def transition_unavailable_line(to_status: str, from_status: str) -> str:
    """Jira only offers transitions from the current status; say which pair was missing."""
    to_text, from_text = _one_line(to_status), _one_line(from_status)
    return f'Jira transition to "{to_text}" not available from "{from_text}"'


def transition_failed_line(to_status: str, detail: str) -> str:
    """A transition Jira refused or that failed after retries, with Jira's reason."""
    return f'Jira transition to "{_one_line(to_status)}" failed: {_one_line(detail)}'


def transition_pending_line(to_status: str, detail: str, delay: int) -> str:
    """A transition that failed for now and waits in the queue for its retry."""
    return (
        f'Jira transition to "{_one_line(to_status)}" pending: {_one_line(detail)}; '
        f"retried in {delay} s, and until it is applied"
    )

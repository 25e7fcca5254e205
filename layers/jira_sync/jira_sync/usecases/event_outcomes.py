"""How an event from the remediation queue ended, as its SQS caller needs to know.

``RetryLater`` sends the message back (after Jira's ``Retry-After`` when it gave one);
``Refused`` means it can never succeed: acknowledged and published as ``Jira Sync Failed``.
"""

from __future__ import annotations

from typing import Literal

Outcome = Literal["done", "duplicate", "skipped", "superseded", "refused"]


class RetryLater(Exception):
    """Transient: the message should come back, after ``seconds`` when known."""

    def __init__(self, reason: str, seconds: float | None) -> None:
        super().__init__(reason)
        self.seconds = seconds


class Refused(Exception):
    """Permanent: the event can never succeed as it is."""

"""``Finding Detected``: a scanner's new finding opens a ticket when the credential's
``auto_create`` rule matches it.

The ticket is made by the same path as ``POST /issues/{id}/ticket`` (``tickets``), so it is
never made twice: a redelivered event, or the same finding sent again, replays the stored
create; an issue not known yet is created locally by that path.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from jira_sync.errors import Conflict
from jira_sync.models.issues import TicketCreate
from jira_sync.models.remediation import BusEvent, FindingDetail
from jira_sync.observability import count, logger
from jira_sync.store import event_marks
from jira_sync.usecases import tickets
from jira_sync.usecases.connection import load_credential
from jira_sync.usecases.event_outcomes import Outcome, RetryLater

RemainingTime = Callable[[], float]

# A create of the same issue is running right now: how soon to look again.
IN_PROGRESS_RETRY_SECONDS = 5.0


def finding_detected(
    event: BusEvent, detail: FindingDetail, remaining_time: RemainingTime | None
) -> Outcome:
    if event_marks.RECORDED in event_marks.done(event.id):
        count("Remediation_duplicate")
        return "duplicate"
    credential = load_credential(detail.credential_id)
    rule = credential.auto_create
    issue = detail.issue
    if rule is None or not rule.matches(issue.severity, issue.labels):
        count("AutoCreate_skipped")
        logger.info(
            "finding detected: the credential's auto-create rule does not match",
            issue_id=detail.issue_id,
            rule=None if rule is None else rule.model_dump(mode="json"),
            severity=issue.severity,
        )
        return "skipped"
    request = TicketCreate(
        credential_id=detail.credential_id,
        issue=issue.ticket_input(),
        snapshot=detail.snapshot if rule.snapshot else None,
    )
    try:
        created = tickets.create_ticket(detail.issue_id, request, remaining_time=remaining_time)
    except Conflict as conflict:
        if conflict.code == "already_linked":
            count("AutoCreate_already_linked")
            logger.info(
                "finding detected: the issue already has a ticket",
                issue_id=detail.issue_id,
                jira_key=conflict.details.get("jira", {}).get("key"),
            )
            event_marks.mark(event.id, event_marks.RECORDED, _now())
            return "skipped"
        if conflict.code in {"create_in_progress", "create_outcome_pending"}:
            # Come back once the earlier create's window has closed, not every settle time:
            # polling would spend the message's receives before a create is allowed.
            wait = conflict.details.get(
                "settles_in", conflict.details.get("retry_after", IN_PROGRESS_RETRY_SECONDS)
            )
            raise RetryLater(conflict.message, float(wait)) from None
        raise
    event_marks.mark(event.id, event_marks.RECORDED, _now())
    count("AutoCreate_created")
    logger.info(
        "finding detected: ticket made by the auto-create rule",
        issue_id=detail.issue_id,
        jira_key=created.jira.key,
    )
    return "done"


def _now() -> datetime:
    return datetime.now(UTC)

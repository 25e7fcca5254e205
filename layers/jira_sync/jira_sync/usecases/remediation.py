"""Remediation events: a pull request opened or merged for a finding comments on its ticket
and moves the issue as ``PUT /issues/{id}/state`` would, exactly once per event; a finding
detected makes a ticket by the credential's rule (``auto_create``).

Each effect is marked done under the event's id (``store/event_marks``) right after it
happened, so a redelivered event skips what is done: a comment, a transition, the timeline
line. What is left is a comment whose answer was lost before its marker was written: the
comment carries the property ``jira-sync`` = ``{"event_id": ...}`` for finding it again.

Failures are sorted for the SQS caller (``event_outcomes``): ``RetryLater`` (Jira unavailable
or rate limited) and refused (acknowledged, published as ``Jira Sync Failed``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from jira_sync.aws import event_bus, retry_queue
from jira_sync.errors import DomainError
from jira_sync.jira import rich_text
from jira_sync.jira.client import JiraClient
from jira_sync.jira.dialect import CLOUD, Dialect
from jira_sync.jira.errors import JiraError, JiraRateLimited, JiraUnavailable
from jira_sync.models.credentials import RemediationEvent
from jira_sync.models.remediation import (
    BusEvent,
    FindingDetail,
    PullRequest,
    PullRequestDetail,
    TransitionRetryDetail,
)
from jira_sync.observability import count, logger
from jira_sync.store import event_marks
from jira_sync.store import issues as store
from jira_sync.usecases import auto_create, state_sync
from jira_sync.usecases.connection import credential_client, load_credential
from jira_sync.usecases.event_outcomes import Outcome, Refused, RetryLater

RemainingTime = Callable[[], float]

PULL_REQUEST_EVENTS: dict[str, RemediationEvent] = {
    "Remediation Pull Request Opened": "pull_request_opened",
    "Remediation Pull Request Merged": "pull_request_merged",
}
FINDING_DETECTED = "Finding Detected"
_VERB = {"pull_request_opened": "opened", "pull_request_merged": "merged"}
PROPERTY_KEY = "jira-sync"


def handle(
    body: str, *, remaining_time: RemainingTime | None = None, receive_count: int = 1
) -> Outcome:
    """One SQS message's body; raises ``RetryLater``, or returns (``refused`` is acknowledged
    and published as ``Jira Sync Failed``)."""
    try:
        event = BusEvent.model_validate_json(body)
    except ValidationError:
        return _refuse(None, None, "the message is not an EventBridge event")
    kind = PULL_REQUEST_EVENTS.get(event.detail_type)
    detail: PullRequestDetail | FindingDetail | TransitionRetryDetail
    try:
        if kind is not None:
            detail = PullRequestDetail.model_validate(event.detail)
        elif event.detail_type == FINDING_DETECTED:
            detail = FindingDetail.model_validate(event.detail)
        elif (event.detail_type, event.source) == (
            retry_queue.TRANSITION_RETRY,
            retry_queue.SOURCE,
        ):
            detail = TransitionRetryDetail.model_validate(event.detail)
        else:
            return _refuse(event, None, f"no handler for {event.detail_type!r}")
    except ValidationError as error:
        where = ", ".join(".".join(map(str, e["loc"])) or "detail" for e in error.errors())
        return _refuse(event, None, f"the event's detail is not a {event.detail_type} ({where})")
    try:
        if isinstance(detail, FindingDetail):
            return auto_create.finding_detected(event, detail, remaining_time)
        if isinstance(detail, TransitionRetryDetail):
            done = state_sync.resume(
                detail.issue_id,
                detail.state_version,
                detail.attempt,
                remaining_time=remaining_time,
            )
            return "superseded" if done == "superseded" else "done"
        kind = PULL_REQUEST_EVENTS[event.detail_type]
        return _pull_request(event, kind, detail, remaining_time, receive_count > 1)
    except (JiraRateLimited, JiraUnavailable) as error:
        raise RetryLater(error.message, error.retry_after) from None
    except (JiraError, DomainError, Refused) as error:
        reason = error.message if isinstance(error, JiraError | DomainError) else str(error)
        return _refuse(event, detail.issue_id, reason)


def _pull_request(
    event: BusEvent,
    kind: RemediationEvent,
    detail: PullRequestDetail,
    remaining_time: RemainingTime | None,
    redelivered: bool,
) -> Outcome:
    steps = event_marks.done(event.id)
    if event_marks.RECORDED in steps:
        count("Remediation_duplicate")
        return "duplicate"
    issue_id, pull = detail.issue_id, detail.pull_request
    record = store.get_issue_item(issue_id)
    if record is None or record.created_at is None:
        raise Refused(f"no issue {issue_id}")
    line = f"Pull request {_VERB[kind]}: {pull.repository}#{pull.number} {pull.title} ({pull.url})"
    link = record.jira
    if link is None:
        event_marks.record(event.id, issue_id, line.strip(), _now())
        count("Remediation_recorded")
        return "done"
    credential = load_credential(link.credential_id)
    # The state first: it applies locally whatever Jira does, and a transition Jira cannot
    # take now is queued (``state_sync``), so the issue converges even if this event's
    # comment keeps failing until the message is dead-lettered.
    state = credential.remediation_map.get(kind)
    if state is not None and "transition" not in steps:
        state_sync.change_state(
            issue_id, state, remaining_time=remaining_time, origin="remediation"
        )
        event_marks.mark(event.id, "transition", _now())
    if "comment" not in steps:
        client = credential_client(credential, remaining_time)
        _comment_once(
            client, link.key, event.id, comment_of(kind, pull, client.dialect), redelivered
        )
        event_marks.mark(event.id, "comment", _now())
    event_bus.publish(
        event_bus.PULL_REQUEST_REFERENCE,
        {
            "issue_id": issue_id,
            "pull_request_url": pull.url,
            "jira_key": link.key,
            "browse_url": link.browse_url,
        },
    )
    event_marks.record(event.id, issue_id, line.strip(), _now())
    count("Remediation_applied")
    logger.info("remediation event applied", issue_id=issue_id, jira_key=link.key, kind=kind)
    return "done"


def _comment_once(
    client: JiraClient, key: str, event_id: str, body: Any, redelivered: bool
) -> None:
    """Posts the event's comment unless Jira has it: on a redelivery the comment may have been
    made by an attempt that died before marking it, and an uncertain answer may hide one."""
    if redelivered and client.find_comment(key, PROPERTY_KEY, "event_id", event_id):
        logger.info("found the comment an earlier attempt made", jira_key=key)
        return
    try:
        client.add_comment(key, body, [{"key": PROPERTY_KEY, "value": {"event_id": event_id}}])
    except JiraUnavailable as error:
        if not error.uncertain or not client.find_comment(key, PROPERTY_KEY, "event_id", event_id):
            raise


def comment_of(kind: RemediationEvent, pull: PullRequest, dialect: Dialect = CLOUD) -> Any:
    """``Pull request merged: repository#number title`` with the number linking to the PR."""
    after = f" {pull.title}" if pull.title else ""
    return rich_text.linked_line(
        dialect,
        f"Pull request {_VERB[kind]}: ",
        f"{pull.repository}#{pull.number}",
        pull.url,
        after,
    )


def _refuse(event: BusEvent | None, issue_id: str | None, reason: str) -> Outcome:
    logger.warning("remediation event refused", reason=reason, event_id=event and event.id)
    count("Remediation_refused")
    event_bus.publish(
        event_bus.SYNC_FAILED,
        {
            "issue_id": issue_id,
            "operation": "remediation",
            "event_id": None if event is None else event.id,
            "detail_type": None if event is None else event.detail_type,
            "reason": reason,
        },
    )
    return "refused"


def _now() -> datetime:
    return datetime.now(UTC)

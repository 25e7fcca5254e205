"""Outbound state sync: an issue's new state applies locally, then moves its Jira ticket.

The local write comes first and stands whatever Jira does. Jira's side picks the transition
available now whose target status is the mapped one, fills what its screen requires (a
resolution, from the credential's ``resolution_map`` or sensible defaults) and reports one
outcome: applied, not_mapped, not_linked, not_available, failed or pending.

Pending is how the ticket converges after an outage: a transient failure (Jira down, timing
out or rate limiting, or another change holding the issue) queues a retry carrying the
issue's ``state_version``. The retry moves the ticket to the state then current, and is
dropped when the state was set again meanwhile (that change has its own sync), so a stale
state is never applied. The issue's ``sync`` says which of ok, pending or failed holds.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from jira_sync.aws import event_bus, retry_queue
from jira_sync.errors import Conflict, NotFound
from jira_sync.jira import transitions
from jira_sync.jira.changelog import (
    transition_failed_line,
    transition_pending_line,
    transition_unavailable_line,
)
from jira_sync.jira.client import JiraClient
from jira_sync.jira.errors import JiraError, JiraRateLimited, JiraRejected, JiraUnavailable
from jira_sync.models.credentials import IssueState, StoredCredential
from jira_sync.models.issues import (
    IssueRecord,
    JiraLink,
    StateChangeResult,
    SyncState,
    TicketOutcome,
    TransitionOutcome,
    check_issue_id,
)
from jira_sync.models.jira import Transition
from jira_sync.observability import count, logger
from jira_sync.settings import get_settings
from jira_sync.store import issues as store
from jira_sync.usecases.connection import credential_client, load_credential
from jira_sync.usecases.event_outcomes import RetryLater

RemainingTime = Callable[[], float]
Origin = Literal["api", "remediation"]

MAX_LOCAL_ATTEMPTS = 3
# The issue's sync lease: polled from 20 ms doubling to 400 ms; without a deadline (callers in
# process) the budget is the functions' timeout.
LEASE_FIRST_POLL_SECONDS = 0.02
LEASE_LAST_POLL_SECONDS = 0.4
LEASE_MARGIN_SECONDS = 1.0
DEFAULT_BUDGET_SECONDS = 30.0
BUSY = "another change to this ticket was still being sent to Jira"
# Resolutions tried, in order, when a transition screen requires one and the credential's
# resolution_map names none for the state.
DEFAULT_RESOLUTIONS: dict[str, tuple[str, ...]] = {
    "resolved": ("Done", "Fixed"),
    "closed": ("Won't Do", "Won't Fix"),
}


@dataclass(frozen=True, slots=True)
class Outcome:
    transition: TransitionOutcome
    to_status: str | None = None
    detail: str | None = None
    # The ticket's status as learned on the way, to remember for the next change.
    jira_status: str | None = None


class CannotFill(Exception):
    """The transition's screen needs a value jira-sync has no way to give (outcome: failed)."""


def change_state(
    issue_id: str,
    state: IssueState,
    *,
    remaining_time: RemainingTime | None = None,
    origin: Origin = "api",
) -> StateChangeResult:
    """Applies ``state`` to the issue, then to its ticket; returns the 200 body. ``origin``
    says who asked: ``api`` (PUT /issues/{id}/state) or ``remediation`` (an event)."""
    check_issue_id(issue_id)
    record, previous, credential = _apply_locally(issue_id, state, origin)
    link = record.jira
    if previous != state:
        event_bus.publish(
            event_bus.STATE_CHANGED,
            {
                "issue_id": issue_id,
                "from": previous,
                "to": state,
                "origin": origin,
                "jira_key": None if link is None else link.key,
            },
        )
    if link is None or credential is None:
        count("Transition_not_linked")
        return StateChangeResult(
            issue_id=issue_id, state=state, jira=_view(None, Outcome("not_linked"))
        )
    outcome = _sync_serialised(record, link, credential, state, remaining_time)
    count(f"Transition_{outcome.transition}")
    return StateChangeResult(issue_id=issue_id, state=state, jira=_view(link.key, outcome))


def _sync_serialised(
    record: IssueRecord,
    link: JiraLink,
    credential: StoredCredential,
    state: IssueState,
    remaining_time: RemainingTime | None,
) -> Outcome:
    """Moves the ticket to the issue's state as it is once this request holds the issue's
    sync lease: concurrent changes move Jira one at a time, each to the state then current,
    so Jira ends where the last change left the issue."""
    token = secrets.token_hex(16)
    current = _take_lease(record.issue_id, token, remaining_time)
    if current is None:
        target = credential.state_map.get(state)
        if target is None:
            return Outcome("not_mapped")
        # Our state is newer than what the holder is sending: it goes through the queue.
        waiting = record.model_copy(update={"state_version": record.state_version + 1})
        return _defer(waiting, link, target, BUSY, None, attempt=0)
    try:
        if current.jira is None or current.jira.key != link.key:
            return Outcome("not_linked")
        if current.jira.credential_id != credential.credential_id:
            credential = load_credential(current.jira.credential_id)
        return _sync_ticket(current, current.jira, credential, current.state, remaining_time)
    finally:
        store.drop_sync_lease(record.issue_id, token)


def resume(
    issue_id: str, state_version: int, attempt: int, *, remaining_time: RemainingTime | None
) -> str:
    """Retry ``attempt`` of a queued change: the ticket is moved to the issue's state if it is
    still the one set at ``state_version`` and still pending; else ``superseded``. Raises
    ``RetryLater`` when the message itself must come back (the issue busy, the queue failing).
    """
    token = secrets.token_hex(16)
    current = _take_lease(issue_id, token, remaining_time)
    if current is None:
        raise RetryLater(BUSY, retry_queue.delay_for(attempt))
    try:
        sync = current.sync_state()
        if (
            current.jira is None
            or current.state_version != state_version
            or sync.status != "pending"
            or attempt <= sync.attempts
        ):
            count("Transition_retry_superseded")
            return "superseded"
        credential = load_credential(current.jira.credential_id)
        outcome = _sync_ticket(
            current, current.jira, credential, current.state, remaining_time, attempt=attempt
        )
    finally:
        store.drop_sync_lease(issue_id, token)
    count(f"Transition_retry_{outcome.transition}")
    logger.info(
        "queued transition retried",
        issue_id=issue_id,
        attempt=attempt,
        outcome=outcome.transition,
    )
    return outcome.transition


def _take_lease(
    issue_id: str, token: str, remaining_time: RemainingTime | None
) -> IssueRecord | None:
    """The issue under our sync lease, or None when another holder kept it past half the
    time left (polled from 20 ms doubling to 400 ms, with jitter)."""
    budget = remaining_time() if remaining_time is not None else DEFAULT_BUDGET_SECONDS
    # A lease outlives no invocation; waiting for one may take half of what is left.
    lease_until = time.time() + budget + LEASE_MARGIN_SECONDS
    give_up = time.monotonic() + budget / 2
    delay = LEASE_FIRST_POLL_SECONDS
    while (
        current := store.take_sync_lease(issue_id, token, now=time.time(), until=lease_until)
    ) is None:
        if time.monotonic() + delay > give_up:
            return None
        time.sleep(delay * random.uniform(1.0, 1.5))  # noqa: S311 (jitter, not a secret)
        delay = min(delay * 2, LEASE_LAST_POLL_SECONDS)
    return current


def _apply_locally(
    issue_id: str, state: IssueState, origin: Origin
) -> tuple[IssueRecord, str, StoredCredential | None]:
    """The optimistic-locked local write, retried when another write came between."""
    credentials: dict[str, StoredCredential] = {}
    for _ in range(MAX_LOCAL_ATTEMPTS):
        record = store.get_issue_item(issue_id)
        if record is None or record.created_at is None:
            raise NotFound(f"no issue {issue_id}")
        previous = record.state
        line = f'State changed from "{previous}" to "{state}"' if previous != state else None
        echo: str | None = None
        if record.jira is not None:
            credential_id = record.jira.credential_id
            if credential_id not in credentials:
                credentials[credential_id] = load_credential(credential_id)
            echo = credentials[credential_id].state_map.get(state)
        try:
            store.change_state(
                issue_id,
                state=state,
                expected_version=record.version,
                link=record.jira,
                echo_status=echo,
                now=_now(),
                timeline=line,
                source="api" if origin == "api" else "events",
            )
        except store.VersionConflict:
            continue
        linked = None if record.jira is None else credentials[record.jira.credential_id]
        return record, previous, linked
    raise Conflict(
        "the issue kept changing while its state was set: retry", code="version_conflict"
    )


def _sync_ticket(
    record: IssueRecord,
    link: JiraLink,
    credential: StoredCredential,
    state: IssueState,
    remaining_time: RemainingTime | None,
    *,
    attempt: int = 0,
) -> Outcome:
    """Moves the ticket to ``state``'s status; ``attempt`` > 0 for a queued retry."""
    target = credential.state_map.get(state)
    if target is None:
        if record.sync_state().status != "ok":
            store.record_jira_status(
                record.issue_id,
                link,
                jira_status=None,
                now=_now(),
                timeline=None,
                sync=_ok(),
                state_version=record.state_version,
            )
        return Outcome("not_mapped")
    client = credential_client(credential, remaining_time)
    try:
        outcome = _move(client, credential, link, record.jira_status, target, state)
    except (JiraUnavailable, JiraRateLimited) as error:
        return _defer(record, link, target, error.message, error.retry_after, attempt=attempt)
    except JiraError as error:
        outcome = Outcome("failed", target, error.message)
        _report_failure(record, link, outcome, error.status)
        return outcome
    except CannotFill as problem:
        outcome = Outcome("failed", target, str(problem))
    if outcome.transition == "applied":
        settled = record.sync_state().status != "ok"
        store.record_jira_status(
            record.issue_id,
            link,
            jira_status=outcome.to_status,
            now=_now(),
            timeline=_retried_line(outcome.to_status or target, attempt) if attempt else None,
            sync=_ok() if settled else None,
            state_version=record.state_version,
        )
    else:
        _report_failure(record, link, outcome, None)
    return outcome


def _defer(
    record: IssueRecord,
    link: JiraLink,
    target: str,
    reason: str,
    retry_after: float | None,
    *,
    attempt: int,
) -> Outcome:
    """Queues retry ``attempt + 1`` of the issue's state at ``record.state_version`` (pending);
    ``failed`` once retrying has gone on longer than the settings allow, or, for a first
    failure, when the retry cannot be queued (a retry's own message comes back instead)."""
    now = _now()
    settings = get_settings()
    before = record.sync_state()
    # The give-up clock runs from the first failure of this state set, not of an older one.
    same = before.status == "pending" and before.state_version == record.state_version
    since = before.since if same and before.since else now
    if (now - since).total_seconds() >= settings.retry_give_up_seconds:
        hours = settings.retry_give_up_seconds / 3600
        outcome = Outcome("failed", target, f"{reason} (gave up after retrying for {hours:g} h)")
        _report_failure(record, link, outcome, None)
        return outcome
    delay = retry_queue.delay_for(attempt + 1, retry_after)
    # Queued first, noted after: a retry whose message could not be sent comes back itself
    # (its attempt not yet counted), and a noted attempt is sure to have a successor.
    try:
        retry_queue.send(record.issue_id, record.state_version, attempt + 1, delay)
    except (retry_queue.NoRetryQueue, BotoCoreError, ClientError) as problem:
        logger.warning(
            "the retry could not be queued", issue_id=record.issue_id, error=str(problem)
        )
        if attempt:
            raise RetryLater(reason, delay) from None
        outcome = Outcome("failed", target, f"{reason}; the retry could not be queued")
        _report_failure(record, link, outcome, None)
        return outcome
    store.record_jira_status(
        record.issue_id,
        link,
        jira_status=None,
        now=now,
        timeline=None if attempt else transition_pending_line(target, reason, delay),
        sync=SyncState(
            status="pending",
            since=since,
            last_error=reason,
            attempts=attempt,
            state_version=record.state_version,
        ),
        state_version=record.state_version,
    )
    count("Transition_queued")
    return Outcome("pending", target, f"{reason}: retried in {delay} s")


def _move(
    client: JiraClient,
    credential: StoredCredential,
    link: JiraLink,
    known: str | None,
    target: str,
    state: IssueState,
) -> Outcome:
    """One POST when the transitions from the known status are cached; else look first."""
    if known is not None and known.casefold() == target.casefold():
        # Seemingly there already: check (one GET) rather than trust a note that may be stale.
        known = client.issue_status(link.key)
        if known is not None and known.casefold() == target.casefold():
            return Outcome("applied", known, f"the ticket is already in {known}", known)
    project = link.key.rsplit("-", 1)[0]

    def key(status: str) -> transitions.Key:
        return transitions.cache_key(
            client.base_url, client.identity, project, credential.issue_type, status
        )

    trusted = known
    if known is not None:
        cached = transitions.get(key(known))
        chosen = None if cached is None else _pick(cached, target)
        if chosen is not None:
            try:
                return _post(client, link, chosen, state, credential)
            except JiraRejected:
                # The ticket moved without us hearing of it: look again, once.
                transitions.forget(key(known))
                trusted = None
    available = client.transitions(link.key)
    chosen = _pick(available, target)
    if chosen is None:
        # Before saying "not available from X", make sure of X: our note may be stale.
        current = client.issue_status(link.key)
        if current is None:
            return Outcome("not_available", target, transition_unavailable_line(target, "?"))
        transitions.put(key(current), available)
        if current.casefold() == target.casefold():
            return Outcome("applied", current, f"the ticket is already in {current}", current)
        return Outcome(
            "not_available", target, transition_unavailable_line(target, current), current
        )
    if trusted is not None:
        transitions.put(key(trusted), available)
    return _post(client, link, chosen, state, credential)


def _post(
    client: JiraClient,
    link: JiraLink,
    transition: Transition,
    state: IssueState,
    credential: StoredCredential,
) -> Outcome:
    fields = screen_values(transition, state, credential.resolution_map.get(state))
    client.transition(link.key, transition.id, fields)
    return Outcome("applied", transition.to.name, None, transition.to.name)


def screen_values(
    transition: Transition, state: str, mapped_resolution: str | None
) -> dict[str, Any]:
    """Values for the transition screen: a resolution when it has one (required, or mapped),
    refusing (``CannotFill``) when a required field cannot be filled."""
    values: dict[str, Any] = {}
    for field_id, meta in transition.fields.items():
        required = meta.must_fill
        allowed = [option.name for option in meta.allowed_values or [] if option.name]
        if field_id == "resolution":
            wanted = [mapped_resolution] if mapped_resolution else []
            if required and not wanted:
                wanted = list(DEFAULT_RESOLUTIONS.get(state, ("Done", "Fixed")))
            found = next(
                (name for want in wanted for name in allowed if name.casefold() == want.casefold()),
                None,
            )
            if found is not None:
                values["resolution"] = {"name": found}
            elif required or mapped_resolution:
                raise CannotFill(
                    f"the transition needs a resolution and none of {', '.join(wanted)} is "
                    f"allowed (allowed: {', '.join(allowed)}): set resolution_map.{state}"
                )
        elif required:
            raise CannotFill(
                f"the transition's screen requires {meta.name or field_id}, which jira-sync "
                "cannot fill"
            )
    return values


def _pick(transitions: list[Transition], target: str) -> Transition | None:
    wanted = target.casefold()
    return next((t for t in transitions if t.to.name.casefold() == wanted), None)


def _report_failure(
    record: IssueRecord, link: JiraLink, outcome: Outcome, jira_status: int | None
) -> None:
    """A timeline line and a ``Jira Sync Failed`` event; the local state stays as set."""
    target = outcome.to_status or ""
    if outcome.transition == "not_available":
        line = outcome.detail or ""
    else:
        line = transition_failed_line(target, outcome.detail or "")
    now = _now()
    store.record_jira_status(
        record.issue_id,
        link,
        jira_status=outcome.jira_status,
        now=now,
        timeline=line,
        sync=SyncState(status="failed", since=now, last_error=outcome.detail or line),
        state_version=record.state_version,
    )
    event_bus.publish(
        event_bus.SYNC_FAILED,
        {
            "issue_id": record.issue_id,
            "jira_key": link.key,
            "operation": "transition",
            "outcome": outcome.transition,
            "to_status": target,
            "jira_status": jira_status,
            "message": line,
        },
    )


def _ok() -> SyncState:
    return SyncState(status="ok", since=_now())


def _retried_line(to_status: str, attempt: int) -> str:
    return f'Jira transition to "{to_status}" applied on retry {attempt}'


def _view(key: str | None, outcome: Outcome) -> TicketOutcome:
    return TicketOutcome(
        key=key, transition=outcome.transition, to_status=outcome.to_status, detail=outcome.detail
    )


def _now() -> datetime:
    return datetime.now(UTC)

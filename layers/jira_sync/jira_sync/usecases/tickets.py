"""Ticket use cases: create a Jira ticket for an issue (never two), unlink it, read the issue.

Never a duplicate:
1. A create first claims the issue in the table (one conditional write). A linked issue or a
   live claim refuses the claim: the same request again gets the stored 201 result with no
   Jira call; anything else gets 409.
2. The create marks the Jira issue with the issue property ``jira-sync`` = ``{issue_id}``. When
   the create's outcome is unknown (timeout, dropped connection, 5xx) the project's issues
   created around that create are read with that property, and one carrying this issue's id
   is adopted; only a confirmed absence frees the issue for another create. (JQL cannot ask
   for the property: Jira indexes an entity property only when an app declares it, and this
   service is no app.) A claim whose holder died expires, and whoever takes it over looks in
   Jira first.
3. The link is written, and the claim released, in one transaction before any follow-up call.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from jira_sync.aws import event_bus
from jira_sync.caching import ContainerCache
from jira_sync.errors import Conflict, DomainError, NotFound
from jira_sync.jira.client import JiraClient
from jira_sync.jira.create_screen import forget, get_create_meta
from jira_sync.jira.errors import (
    JiraAuthError,
    JiraError,
    JiraNotFound,
    JiraRejected,
    JiraUnavailable,
)
from jira_sync.jira.fields import build_fields
from jira_sync.models.credentials import StoredCredential
from jira_sync.models.issues import (
    AttachmentOutcome,
    CreateClaim,
    IssueInput,
    IssueRecord,
    IssueView,
    JiraLink,
    SnapshotInput,
    TicketCreate,
    TicketCreated,
    check_issue_id,
)
from jira_sync.observability import count, logger
from jira_sync.settings import get_settings
from jira_sync.snapshot_csv import rows_to_csv
from jira_sync.store import issues as store
from jira_sync.store import memberships
from jira_sync.usecases.connection import credential_client, load_credential

RemainingTime = Callable[[], float]

PROPERTY_KEY = "jira-sync"
# Longer than the function's timeout: a live create is never taken over.
CLAIM_SECONDS = 120.0
# Added on each side of the window a lost create's ticket is looked for in: our clock and
# Jira's may disagree, and JQL's relative dates are whole minutes.
CLOCK_MARGIN_SECONDS = 60.0
# Until the snapshot upload is confirmed, a replayed result says it may not have happened.
UPLOAD_UNCONFIRMED = AttachmentOutcome(status="failed", error="the upload was not confirmed")
NO_ATTACHMENT = AttachmentOutcome(status="none")
# The scoped-token gateway URL -> the site's own URL (it does not change; the bound is for memory).
_site_urls: ContainerCache[str, str] = ContainerCache(maxsize=64, ttl=3600.0)


@dataclass(frozen=True, slots=True)
class Claim:
    """The create claim this request holds on an issue, taken through one credential."""

    issue_id: str
    token: str
    credential_id: str

    def release(self, *, uncertain_at: float | None = None) -> None:
        """Gives the claim up; with nothing possibly in Jira, the credential's member too."""
        store.release_claim(self.issue_id, self.token, uncertain_at=uncertain_at)
        if uncertain_at is None:
            memberships.leave_now(self.credential_id, self.issue_id)


@dataclass(frozen=True, slots=True)
class Created:
    key: str
    id: str
    adopted: bool
    # A second ticket Jira holds for the same issue (left in Jira, never linked).
    extra: str | None = None
    # The whole Markdown when Jira's length limit cut the description: attached after the link.
    full_description: str | None = None


def create_ticket(
    issue_id: str, request: TicketCreate, *, remaining_time: RemainingTime | None = None
) -> TicketCreated:
    """Creates (or adopts) the issue's Jira ticket and links it; returns the 201 body.

    Each call counts one ``TicketCreate_<outcome>``: created, replayed, adopted, refused (a
    4xx: ours or Jira's) or failed (Jira unavailable or rate limited, or anything unexpected).
    """
    try:
        outcome, result = _create_ticket(issue_id, request, remaining_time)
    except (DomainError, JiraAuthError, JiraNotFound, JiraRejected):
        count("TicketCreate_refused")
        raise
    except Exception:
        count("TicketCreate_failed")
        raise
    count(f"TicketCreate_{outcome}")
    return result


def _create_ticket(
    issue_id: str, request: TicketCreate, remaining_time: RemainingTime | None
) -> tuple[str, TicketCreated]:
    check_issue_id(issue_id)
    credential = load_credential(request.credential_id)
    request_hash = _request_hash(issue_id, request)
    token = secrets.token_hex(16)
    now = _now()
    try:
        previous = store.claim_create(
            issue_id,
            token=token,
            request_hash=request_hash,
            credential_id=credential.credential_id,
            now=now,
            until=now.timestamp() + CLAIM_SECONDS,
        )
    except store.ClaimRefused as refused:
        return "replayed", _replay_or_refuse(issue_id, refused.current, request_hash)
    left = None if previous is None else previous.creating
    claim = Claim(issue_id, token, credential.credential_id)
    try:
        # Before any Jira call: a credential being deleted refuses the create here.
        memberships.join(credential.credential_id, issue_id)
    except BaseException:
        # No member was written: the claim alone goes.
        store.release_claim(issue_id, token, uncertain_at=_unsure_since(left))
        raise
    try:
        client = credential_client(credential, remaining_time)
    except BaseException:
        claim.release(uncertain_at=_unsure_since(left))
        raise
    created = _create_or_adopt(client, credential, request.issue, claim, left)
    known_state = previous.state if previous is not None and previous.created_at else "open"
    state = request.issue.state or known_state
    result = _link(client, credential, issue_id, request, created, token, request_hash, state)
    return ("adopted" if created.adopted else "created"), result


def unlink_ticket(issue_id: str) -> None:
    """Forgets the issue's ticket (Jira untouched); a later create makes a new one."""
    record = _load_issue(issue_id)
    if record.jira is None:
        raise NotFound(f"issue {issue_id} is not linked to a Jira ticket", code="not_linked")
    link = record.jira
    store.unlink_ticket(issue_id, link, now=_now(), timeline=f"Unlinked Jira ticket {link.key}")
    event_bus.publish(
        event_bus.TICKET_UNLINKED,
        {"issue_id": issue_id, "jira": link.model_dump(mode="json")},
    )


def get_issue(issue_id: str) -> IssueView:
    """The issue, its ticket (or null) and its timeline, oldest line first."""
    check_issue_id(issue_id)
    record, timeline = store.get_issue(issue_id)
    if record is None or record.created_at is None:
        raise NotFound(f"no issue {issue_id}")
    return IssueView(
        issue_id=issue_id,
        name=record.name,
        state=record.state,
        due_date=record.due_date,
        severity=record.severity,
        jira=record.jira,
        sync=record.sync_state().view(),
        timeline=timeline,
    )


# -- create --------------------------------------------------------------------------------


def _create_or_adopt(
    client: JiraClient,
    credential: StoredCredential,
    issue: IssueInput,
    claim: Claim,
    left: CreateClaim | None,
) -> Created:
    """The Jira ticket of the issue: adopted (one an earlier create made) or created now.

    After an earlier create (``left``, the claim it left) a ticket is created only once Jira
    surely has none: not found by a search made after that create can no longer make one.
    Every way out but success releases the claim: removed when Jira surely has no ticket of
    ours, expired with what is known (an uncertain moment, a made ticket) when it might.
    """
    issue_id = claim.issue_id
    unsure_since = _unsure_since(left)
    try:
        if left is not None and left.created is not None:
            logger.info(
                "adopted the ticket an earlier create made but did not link",
                issue_id=issue_id,
                jira_key=left.created.key,
            )
            return Created(left.created.key, left.created.id, adopted=True)
        if unsure_since is not None:
            found = _find(client, credential, issue_id, unsure_since)
            if found is not None:
                logger.info(
                    "adopted ticket left by an earlier create",
                    issue_id=issue_id,
                    jira_key=found.key,
                )
                return found
            _refuse_while_unsure(issue_id, unsure_since)
        meta = get_create_meta(client, credential.project_key, credential.issue_type)
        built = build_fields(issue_id, issue, credential, meta)
    except BaseException:
        claim.release(uncertain_at=unsure_since)
        raise
    properties = [{"key": PROPERTY_KEY, "value": {"issue_id": issue_id}}]
    try:
        answer = client.create_issue(built.fields, properties)
    except JiraUnavailable as error:
        if not error.uncertain:
            claim.release()
            raise
        return _resolve_uncertain(client, credential, claim, error)
    except JiraRejected:
        # The cached screen may be stale (a field made required meanwhile): fetch it next time.
        forget(client, credential.project_key, credential.issue_type)
        claim.release()
        raise
    except JiraError:
        claim.release()
        raise
    except BaseException:
        claim.release(uncertain_at=_now().timestamp())
        raise
    return Created(answer.key, answer.id, adopted=False, full_description=built.full_description)


def _unsure_since(left: CreateClaim | None) -> float | None:
    """The latest moment an earlier create may have been in flight; None when none was.

    A claim that ran out was held by an invocation that died, which sent nothing after its
    claim's end: the claim outlives the function's timeout.
    """
    if left is None:
        return None
    return max(left.uncertain_at or 0.0, left.until)


def _refuse_while_unsure(issue_id: str, unsure_since: float) -> None:
    """Refuses (409) to take "not found" for "absent" while an earlier create may still make
    its issue in Jira, or Jira's search may not show it yet."""
    settings = get_settings()
    settle = settings.search_settle_seconds
    wait = unsure_since + settings.jira_request_lifetime_seconds + settle - _now().timestamp()
    if wait > 0:
        # Ask again after one settle time rather than the whole wait: the ticket may show first.
        retry_after = max(1, math.ceil(min(wait, settle)))
        raise Conflict(
            f"an earlier create for issue {issue_id} may still reach Jira or not show in its "
            f"search yet: retry in {retry_after} s",
            code="create_outcome_pending",
            retry_after=retry_after,
            # When "not found" will surely mean absent: a caller that cannot poll waits this.
            settles_in=math.ceil(wait),
        )


def _resolve_uncertain(
    client: JiraClient, credential: StoredCredential, claim: Claim, error: JiraUnavailable
) -> Created:
    """After a create whose outcome is unknown: adopt the ticket if Jira has it."""
    issue_id = claim.issue_id
    logger.warning(
        "create outcome unknown: looking the ticket up in Jira",
        issue_id=issue_id,
        jira_error=error.message,
    )
    try:
        found = _find(client, credential, issue_id, _now().timestamp())
    except BaseException:
        claim.release(uncertain_at=_now().timestamp())
        raise error from None
    if found is None:
        # Not found yet is not absent yet: Jira may still be processing the create, and its
        # search may not show a new issue for seconds. The next create looks again.
        claim.release(uncertain_at=_now().timestamp())
        raise error
    logger.info(
        "adopted ticket created by the uncertain call", issue_id=issue_id, jira_key=found.key
    )
    return found


def _find(
    client: JiraClient, credential: StoredCredential, issue_id: str, unsure_since: float
) -> Created | None:
    """The oldest ticket marked with this issue's id, if Jira has one, with the key of a
    second one if Jira has that too (which only a create outliving its settings can make).

    Jira indexes no property of ours, so the project's issues created while an earlier create
    may have made its ticket are read with their ``jira-sync`` property (``_window_jql``),
    oldest first, and the marked ones picked here.
    """
    jql = _window_jql(credential.project_key, unsure_since, _now().timestamp())
    matches = []
    for issue in client.search_marked(jql, PROPERTY_KEY):
        mark = issue.properties.get(PROPERTY_KEY)
        if isinstance(mark, dict) and mark.get("issue_id") == issue_id:
            matches.append(issue)
            if len(matches) == 2:
                break
    if not matches:
        return None
    extra = matches[1].key if len(matches) > 1 else None
    return Created(matches[0].key, matches[0].id, adopted=True, extra=extra)


def _window_jql(project_key: str, unsure_since: float, now: float) -> str:
    """The project's issues that an earlier create, in flight until ``unsure_since``, can have
    made: it was sent while its claim was held (at most ``CLAIM_SECONDS`` before), and Jira
    makes an issue at most its request lifetime after receiving the create. Relative dates
    (``"-15m"``), because JQL reads an absolute one in the searching user's time zone; whole
    minutes, rounded outwards, with ``CLOCK_MARGIN_SECONDS`` each side. Bounded on both ends, so
    the window holds a few minutes of the project's issues however long ago that create was."""
    lifetime = get_settings().jira_request_lifetime_seconds
    earliest = unsure_since - CLAIM_SECONDS - CLOCK_MARGIN_SECONDS
    latest = unsure_since + lifetime + CLOCK_MARGIN_SECONDS
    window = f'created >= "-{max(1, math.ceil((now - earliest) / 60))}m"'
    until = math.floor((now - latest) / 60)
    if until >= 1:
        window += f' AND created <= "-{until}m"'
    return f'project = "{project_key}" AND {window} ORDER BY created ASC, key ASC'


def _link(
    client: JiraClient,
    credential: StoredCredential,
    issue_id: str,
    request: TicketCreate,
    created: Created,
    token: str,
    request_hash: str,
    state: str,
) -> TicketCreated:
    """Links the ticket, then attaches the snapshot and tells the bus.

    The ticket exists in Jira from here on: if the link cannot be written for any reason but a
    lost claim, the claim keeps the ticket's key so that the next create adopts it.
    """
    try:
        site = _site_url(client, credential)
        link = JiraLink(
            key=created.key,
            id=created.id,
            browse_url=f"{site}/browse/{created.key}",
            base_url=site,
            credential_id=credential.credential_id,
        )
        result = TicketCreated(
            issue_id=issue_id,
            jira=link,
            attachment=UPLOAD_UNCONFIRMED if request.snapshot else NO_ATTACHMENT,
        )
        store.link_ticket(
            issue_id,
            link,
            state=state,
            fields=request.issue.attributes(),
            token=token,
            request_hash=request_hash,
            result=result.model_dump(mode="json"),
            now=_now(),
            timeline=f'Created Jira ticket {link.key} for issue "{request.issue.name}"',
            notes=_duplicate_notes(created),
        )
    except Conflict:
        # Our claim expired and another create took over; it looked in Jira and found ours.
        record, _ = store.get_issue(issue_id)
        if record is not None and record.jira is not None and record.jira.key == created.key:
            return _replay_or_refuse(issue_id, record, request_hash)
        raise
    except BaseException:
        _keep_created(issue_id, token, created)
        raise
    if created.extra is not None:
        logger.warning(
            "Jira holds two tickets for one issue: the oldest is linked, the other left alone",
            issue_id=issue_id,
            jira_key=created.key,
            extra_key=created.extra,
        )
        event_bus.publish(
            event_bus.DUPLICATE_FOUND,
            {"issue_id": issue_id, "kept": created.key, "extra": created.extra},
        )
    if created.full_description is not None:
        _attach_full_description(client, issue_id, link.key, created.full_description)
    if request.snapshot is not None:
        attachment = _attach(client, issue_id, link.key, request.snapshot)
        result = result.model_copy(update={"attachment": attachment})
    event_bus.publish(
        event_bus.TICKET_CREATED,
        {
            "issue_id": issue_id,
            "credential_id": credential.credential_id,
            "jira": link.model_dump(mode="json"),
            "adopted": created.adopted,
        },
    )
    return result


def _duplicate_notes(created: Created) -> list[str]:
    if created.extra is None:
        return []
    return [
        f"Jira also holds {created.extra} for this issue: {created.key}, the older, is linked; "
        f"{created.extra} was left in Jira untouched"
    ]


def _keep_created(issue_id: str, token: str, created: Created) -> None:
    """Best effort: if even this write fails, the claim runs out and the next create finds
    the ticket by its property."""
    try:
        store.release_claim(issue_id, token, created={"key": created.key, "id": created.id})
    except Exception:
        logger.exception(
            "the made ticket could not be noted on the claim",
            issue_id=issue_id,
            jira_key=created.key,
        )


def _attach(
    client: JiraClient, issue_id: str, jira_key: str, snapshot: SnapshotInput
) -> AttachmentOutcome:
    """Uploads the snapshot, best effort: a failure is reported, never raised."""
    filename = snapshot.filename or f"{issue_id}-snapshot.csv"
    try:
        client.add_attachment(jira_key, filename, rows_to_csv(snapshot.rows))
        outcome, line = AttachmentOutcome(status="uploaded"), None
    except JiraError as error:
        outcome = AttachmentOutcome(status="failed", error=error.message)
        line = f"Snapshot attachment to {jira_key} failed: {error.message}"
    try:
        store.record_attachment(
            issue_id, outcome.model_dump(mode="json"), now=_now(), timeline=line
        )
    except Exception:
        logger.exception("snapshot outcome not recorded", issue_id=issue_id, jira_key=jira_key)
    return outcome


def _attach_full_description(
    client: JiraClient, issue_id: str, jira_key: str, markdown: str
) -> None:
    """Best effort, like the snapshot: the outcome goes to the timeline, never raised."""
    from jira_sync.adf.limit import FULL_TEXT_FILENAME

    try:
        client.add_attachment(
            jira_key, FULL_TEXT_FILENAME, markdown.encode("utf-8"), "text/markdown"
        )
        line = (
            f"The description was longer than Jira allows: cut in {jira_key}, the full text "
            f"attached as {FULL_TEXT_FILENAME}"
        )
    except JiraError as error:
        line = (
            f"The description was longer than Jira allows and was cut in {jira_key}; attaching "
            f"the full text failed: {error.message}"
        )
    try:
        store.add_timeline(issue_id, now=_now(), text=line)
    except Exception:
        logger.exception("description outcome not recorded", issue_id=issue_id, jira_key=jira_key)


def _replay_or_refuse(
    issue_id: str, current: IssueRecord | None, request_hash: str
) -> TicketCreated:
    if current is not None and current.jira is not None:
        if current.create_request_hash == request_hash and current.create_result is not None:
            return TicketCreated.model_validate(current.create_result)
        raise Conflict(
            f"issue {issue_id} is already linked to Jira ticket {current.jira.key}",
            code="already_linked",
            jira=current.jira.model_dump(mode="json"),
        )
    raise Conflict(
        f"a ticket is being created for issue {issue_id} right now: retry in a few seconds",
        code="create_in_progress",
    )


def _site_url(client: JiraClient, credential: StoredCredential) -> str:
    """The Jira site's own URL: the credential's, or for the scoped-token gateway
    (``api.atlassian.com/ex/jira/<cloudId>``) the site's ``baseUrl``, asked once per container."""
    if "/ex/jira/" not in credential.url:
        return credential.url
    site = _site_urls.get(credential.url)
    if site is None:
        site = (client.server_info().base_url or "").rstrip("/") or credential.url
        _site_urls.put(credential.url, site)
    return site


def _request_hash(issue_id: str, request: TicketCreate) -> str:
    canonical = json.dumps(
        {"issue_id": issue_id, **request.model_dump(mode="json")},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _load_issue(issue_id: str) -> IssueRecord:
    """The issue item alone (one GetItem: unlinking needs no timeline)."""
    check_issue_id(issue_id)
    record = store.get_issue_item(issue_id)
    if record is None or record.created_at is None:
        raise NotFound(f"no issue {issue_id}")
    return record


def _now() -> datetime:
    return datetime.now(UTC)

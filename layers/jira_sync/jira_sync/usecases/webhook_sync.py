"""Inbound sync: Jira's webhooks update the linked issue, exactly once, newest wins.

A delivery proves it is Jira's in one of two ways, and a credential accepts only the one in
force for it (``StoredCredential.webhook_auth_in_force``): ``signature``, an ``X-Hub-Signature``
(HMAC-SHA256 of the body keyed by the webhook secret) on ``/webhooks/jira/<id>/<key>``; or
``url_token``, for a Jira that cannot sign (Data Center before 10), the credential's token
(``jira.webhook_token``, derived from the webhook secret) on
``/webhooks/jira/<id>/<token>/<key>``. The token proves the sender has the URL, not that the
body is Jira's (it is a bearer secret); markers and the age limit apply as to a signed body.
The route says which proof is checked. A proof that holds but is not the one in force (a valid
signature for a credential whose admin chose the token, or the reverse) gets the same quiet 200
and writes nothing; it costs the parse of the credential, which only a holder of the secret can
make happen.

Every delivery that cannot be verified gets the same 200 whatever ``receive`` returns, after
the same work (parse, one read, one HMAC), so the public endpoint reveals nothing, not even
through its timing. A verified delivery is recorded or answered 503: Jira retries a 5xx, and
only a holder of the secret can tell a 503 from the 200. Nothing is written unless the proof
holds against the path credential's secret and is the one in force for it, the ticket is linked
through that credential and the path key is the payload's key. A delivery is applied once per
credential, by its identifier and by the SHA-256 of its body (the identifier is not signed), and
only while it is younger than ``webhook_max_age_seconds``.

Cost of a webhook: one BatchGetItem (credential + link), at most one TransactWriteItems, no
Jira call, and no Secrets Manager call when warm.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from jira_sync.aws import event_bus, secret_store
from jira_sync.jira.changelog import changelog_line, comment_line, deleted_line
from jira_sync.jira.webhook_signature import MAX_BODY_BYTES, verify_signature
from jira_sync.jira.webhook_token import token_matches
from jira_sync.models.credentials import IssueState, StoredCredential, WebhookAuth
from jira_sync.models.issues import LinkRecord
from jira_sync.models.webhook import ChangelogItem, User, WebhookPayload
from jira_sync.observability import logger
from jira_sync.settings import get_settings
from jira_sync.store import issues as store

# A delivery's markers are kept this long, longer than the oldest delivery taken
# (``webhook_max_age_seconds``), so a replay is refused by its marker or by its age.
DELIVERY_TTL_SECONDS = 3 * 24 * 3600
MAX_WRITE_ATTEMPTS = 3
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ISSUE_KEY = re.compile(r"[A-Z][A-Z0-9_]{0,254}-[1-9][0-9]{0,17}")
_DELIVERY_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Reading the reversed state map, a status shared by several states resolves to the first.
_STATE_ORDER: tuple[IssueState, ...] = ("open", "in progress", "resolved", "closed")


@dataclass
class Change:
    """What one webhook does: to the link item, to the issue item, to the timeline."""

    link: dict[str, Any] = field(default_factory=dict)
    issue: dict[str, Any] = field(default_factory=dict)
    timeline: str | None = None
    unlink: bool = False
    state_change: tuple[str, str] | None = None

    def empty(self) -> bool:
        return not (self.link or self.issue or self.timeline or self.unlink)


# Outcomes of a verified delivery that was not recorded: answered 503, so that Jira retries.
RETRY_OUTCOMES = frozenset({"conflict", "unavailable", "failed"})
# What an unknown or malformed path is read and verified as: the same work as a real one.
_DUMMY_CREDENTIAL = "00000000-0000-4000-8000-000000000000"
_DUMMY_KEY = "NONE-1"
_DUMMY_BASE = "https://jira.invalid"
_DUMMY_SECRET = "no credential: this key only costs the same HMAC"  # noqa: S105 (not a secret)
_NO_SIGNATURE = "sha256=" + "0" * 64


def receive(
    method: str,
    credential_id: str,
    path_key: str,
    headers: Mapping[str, str],
    body: bytes,
    url_token: str | None = None,
) -> str:
    """Processes one delivery; returns what happened, for logs and metrics. The caller answers
    200 for every outcome but ``RETRY_OUTCOMES``, which only a verified delivery can reach.

    ``url_token`` is the path's token on the token route, None on the token-less one: it
    chooses the proof checked, the token or the signature.

    Up to the proof every delivery does the same work, whatever its path, payload, signature
    or token: one parse, one BatchGetItem, one HMAC (against a dummy secret when there is no
    credential). Nothing is parsed into a model from the table before the proof holds.
    """
    if method.upper() != "POST":
        return "method_not_allowed"
    if len(body) > MAX_BODY_BYTES:
        return "too_large"
    lowered = {name.lower(): value for name, value in headers.items()}
    signature = lowered.get("x-hub-signature")
    payload = _parse(body)
    key, dollar = _path_key(path_key)
    path_ok = bool(_UUID.fullmatch(credential_id) and _ISSUE_KEY.fullmatch(key))
    read_id = credential_id if path_ok else _DUMMY_CREDENTIAL
    base_url = payload.issue.base_url if payload is not None else None
    read_base = base_url or _DUMMY_BASE
    read_key = key if path_ok else _DUMMY_KEY
    try:
        credential_item, link_item = store.read_for_webhook(read_id, read_base, read_key)
    except Exception:
        logger.exception("webhook: the table could not be read")
        return _unreadable(credential_id if path_ok else None, body, signature, url_token)
    verified = _verify(read_id, credential_item, body, signature, url_token)
    refusal = _refusal(
        path_ok, signature, url_token, payload, key, base_url, credential_item, verified
    )
    if refusal is not None:
        return refusal
    if payload is None or credential_item is None or base_url is None:  # refused above
        return "malformed"
    admission = _Admission("signature" if url_token is None else "url_token", dollar)
    try:
        return _take(
            payload, credential_item, link_item, credential_id, base_url, lowered, body, admission
        )
    except Exception:
        logger.exception("webhook: a verified delivery failed")
        return "failed"


def _path_key(path_key: str) -> tuple[str, bool]:
    """The path's issue key, and whether it came with a leading ``$`` (taken off).

    The webhook URL we give Jira ends in ``${issue.key}``, the URL variable of Jira Cloud and
    Data Center up to 9. Jira 10 is said (by third-party integration docs; Atlassian does not
    say) to substitute ``{issue.key}`` without the ``$``, leaving ``$SEC-1`` in the path. Such a
    key is read and checked without its ``$``, and once the credential is known, accepted on
    Data Center only (``_Admission``): Cloud never sends one.
    """
    if path_key.startswith("$"):
        return path_key[1:], True
    return path_key, False


def _parse(body: bytes) -> WebhookPayload | None:
    try:
        return WebhookPayload.model_validate_json(body)
    except ValidationError:
        return None


def _verify(
    credential_id: str,
    credential_item: Mapping[str, Any] | None,
    body: bytes,
    signature: str | None,
    url_token: str | None,
) -> bool:
    """The route's proof, checked with one HMAC: the signature of the body, or the path's token
    (``credential_id`` is the one read, a dummy for a malformed path: the token names it)."""
    secret = None
    if credential_item is not None:
        version = str((credential_item.get("secret_version") or {}).get("S", ""))
        stored = secret_store.get_secret(credential_id, version).webhook_secret
        secret = None if stored is None else stored.get_secret_value()
    if url_token is not None:
        return token_matches(secret or _DUMMY_SECRET, credential_id, url_token) and bool(secret)
    matched = verify_signature(secret or _DUMMY_SECRET, body, signature or _NO_SIGNATURE)
    return matched and secret is not None and signature is not None


def _refusal(
    path_ok: bool,
    signature: str | None,
    url_token: str | None,
    payload: WebhookPayload | None,
    path_key: str,
    base_url: str | None,
    credential_item: Mapping[str, Any] | None,
    verified: bool,
) -> str | None:
    """Why an unverifiable delivery is dropped, in the order the outcomes are named. On the
    token route the token is the proof, so no signature is asked for."""
    if not path_ok:
        return "unknown_path"
    if url_token is None and not signature:
        return "unsigned"
    if payload is None:
        return "malformed"
    if payload.issue.key != path_key:
        return "key_mismatch"
    if base_url is None:
        return "malformed"
    if credential_item is None:
        return "unknown_credential"
    if not verified:
        return "bad_signature" if url_token is None else "bad_token"
    return None


def _unreadable(
    credential_id: str | None, body: bytes, signature: str | None, url_token: str | None
) -> str:
    """The table cannot be read: 503 if the credential's current secret (Secrets Manager,
    not the table) verifies the route's proof, else the quiet 200, as nothing proves it is
    Jira's. Which proof is in force is in the table: a proof that holds gets the 503 either
    way, and its retry is admitted or refused once the table answers."""
    if credential_id is None or (url_token is None and not signature):
        return "error"
    try:
        secret = secret_store.get_current_secret(credential_id).webhook_secret
    except Exception:
        logger.warning("webhook: the secret could not be read either")
        return "error"
    if secret is None:
        return "error"
    if url_token is not None:
        verified = token_matches(secret.get_secret_value(), credential_id, url_token)
    else:
        verified = signature is not None and verify_signature(
            secret.get_secret_value(), body, signature
        )
    return "unavailable" if verified else "error"


@dataclass(frozen=True, slots=True)
class _Admission:
    """What a verified delivery must still fit, once the credential is read: its proof must be
    the one in force, and a ``$`` before the path key is Data Center's only."""

    proof: WebhookAuth
    dollar_key: bool

    def refusal(self, credential: StoredCredential) -> str | None:
        if credential.webhook_auth_in_force() != self.proof:
            # An admin who chose the token has a site that may sign as well: refused anyway,
            # so that one proof, the one shown in GET /credentials/{id}, is the only way in.
            return "proof_not_in_force"
        if self.dollar_key and credential.deployment != "datacenter":
            return "unknown_path"
        return None


def _take(
    payload: WebhookPayload,
    credential_item: dict[str, Any],
    link_item: dict[str, Any] | None,
    credential_id: str,
    base_url: str,
    headers: Mapping[str, str],
    body: bytes,
    admission: _Admission,
) -> str:
    """A verified delivery: applied once (by identifier and by body), newest status wins."""
    credential = StoredCredential.model_validate(store.plain(credential_item))
    refusal = admission.refusal(credential)
    if refusal is not None:
        return refusal
    if not _fresh(payload.timestamp):
        return "stale"
    delivery_id = headers.get("x-atlassian-webhook-identifier")
    if delivery_id is not None and not _DELIVERY_ID.fullmatch(delivery_id):
        delivery_id = None
    body_sha = hashlib.sha256(body).hexdigest()
    for attempt in range(MAX_WRITE_ATTEMPTS):
        if attempt:
            fresh_credential, link_item = store.read_for_webhook(
                credential_id, base_url, payload.issue.key or ""
            )
            if fresh_credential is None:
                return "unknown_credential"
            credential = StoredCredential.model_validate(store.plain(fresh_credential))
            refusal = admission.refusal(credential)
            if refusal is not None:
                return refusal
        if link_item is None:
            return "not_linked"
        link = LinkRecord.model_validate(store.plain(link_item))
        if link.credential_id != credential_id:
            return "foreign_link"
        outcome = _apply(payload, credential, link, delivery_id, body_sha)
        if outcome != store.WebhookWrite.CONFLICT:
            return outcome
    return "conflict"


def _fresh(timestamp: int | None) -> bool:
    """Signed deliveries older than Jira's retry horizon are refused: a captured one cannot
    be replayed once its markers could have expired."""
    if timestamp is None:
        return False
    age = time.time() - timestamp / 1000
    return age <= get_settings().webhook_max_age_seconds


def _apply(
    payload: WebhookPayload,
    credential: StoredCredential,
    link: LinkRecord,
    delivery_id: str | None,
    body_sha: str,
) -> str:
    event = payload.webhook_event
    if event == "jira:issue_updated":
        change = issue_updated(payload, credential, link)
    elif event in ("comment_created", "comment_updated"):
        change = _comment(payload, link)
    elif event == "jira:issue_deleted":
        change = Change(timeline=deleted_line(link.key), unlink=True)
    elif event == "jira:issue_created":
        change = _status_note(payload, link)
    else:
        return "ignored"
    if change.empty():
        return "nothing_to_do"
    now = datetime.now(UTC)
    written = store.apply_webhook(
        link,
        delivery_id=delivery_id,
        body_sha=body_sha,
        delivery_expires_at=int(now.timestamp()) + DELIVERY_TTL_SECONDS,
        link_changes=change.link,
        issue_changes=change.issue,
        unlink=change.unlink,
        now=now,
        timeline=change.timeline,
    )
    if written != store.WebhookWrite.APPLIED:
        return written
    _publish(link, change)
    return "applied"


def issue_updated(
    payload: WebhookPayload, credential: StoredCredential, link: LinkRecord
) -> Change:
    """The change of a ``jira:issue_updated``: state, due date, Jira status, timeline line."""
    items = payload.changelog or []
    # The timeline wording reads items by Jira's own keys (from, fromString, ...).
    wording = [item.model_dump(by_alias=True) for item in items]
    change = Change(timeline=changelog_line(link.key, wording))
    at = payload.timestamp or 0
    # Strictly newer: a replay of the delivery that set the status applies nothing.
    newest = at > link.status_at
    status_item = _item(items, "status")
    if newest:
        current = payload.issue.status or None
        if current is not None and current != link.jira_status:
            change.link["jira_status"] = change.issue["jira_status"] = current
    due_item = _item(items, "duedate")
    if due_item is not None:
        change.issue["due_date"] = due_item.to[:10] if due_item.to else None
    if status_item is None or not newest:
        return change
    to_status = status_item.to_string or status_item.to or None
    if to_status is None:
        return change
    change.link["jira_status"] = change.issue["jira_status"] = to_status
    change.link["status_at"] = at
    ours = _by_our_account(payload.user, credential)
    if ours and link.echo_status and link.echo_status.casefold() == to_status.casefold():
        # Our own transition coming back: recorded, not re-applied, no event.
        change.link["echo_status"] = None
        return change
    state = state_for(credential, to_status, _resolution(items, payload), link.state)
    if state is not None and state != link.state:
        change.link["state"] = change.issue["state"] = state
        change.state_change = (link.state, state)
    return change


def _by_our_account(user: User | None, credential: StoredCredential) -> bool:
    """Whether the change was made by the credential's own account: by ``accountId`` on Cloud;
    on Data Center, which has none, by the login ``name`` (case-insensitive there)."""
    if user is None:
        return False
    if credential.deployment == "datacenter":
        name, ours = user.name, credential.validation.username
        return name is not None and ours is not None and name.casefold() == ours.casefold()
    return user.account_id is not None and user.account_id == credential.validation.account_id


def state_for(
    credential: StoredCredential, status: str, resolution: str | None, current: str
) -> IssueState | None:
    """The issue state a Jira status (and resolution) means: a status rule first, then the
    reversed state map (case-insensitive); None when the status is not mapped."""
    folded = status.casefold()
    for rule in credential.status_rules:
        if rule.status.casefold() != folded:
            continue
        if rule.resolution is None or (
            resolution is not None and rule.resolution.casefold() == resolution.casefold()
        ):
            return rule.state
    candidates = [
        state
        for state in _STATE_ORDER
        if (credential.state_map.get(state) or "").casefold() == folded
    ]
    for candidate in candidates:
        if candidate == current:
            return candidate
    return candidates[0] if candidates else None


def _comment(payload: WebhookPayload, link: LinkRecord) -> Change:
    comment = payload.comment
    if comment is None:
        return Change()
    author = comment.update_author if payload.webhook_event == "comment_updated" else None
    if author is None:
        author = comment.author
    # Data Center authors have a login ``name`` where Cloud's have an accountId; neither id is
    # shown, the display name is, else the login.
    name = (author.display_name or author.name) if author is not None else None
    return Change(timeline=comment_line(link.key, name or "?", comment.body))


def _status_note(payload: WebhookPayload, link: LinkRecord) -> Change:
    """``jira:issue_created`` (our own create's echo): just note the ticket's status."""
    change = Change()
    current = payload.issue.status or None
    if current is not None and current != link.jira_status and link.status_at == 0:
        change.link["jira_status"] = change.issue["jira_status"] = current
    return change


def _publish(link: LinkRecord, change: Change) -> None:
    if change.state_change is not None:
        event_bus.publish(
            event_bus.STATE_CHANGED,
            {
                "issue_id": link.issue_id,
                "from": change.state_change[0],
                "to": change.state_change[1],
                "origin": "jira",
                "jira_key": link.key,
            },
        )
    if change.unlink:
        event_bus.publish(
            event_bus.TICKET_UNLINKED,
            {
                "issue_id": link.issue_id,
                "jira": link.model_dump(
                    mode="json", include={"key", "id", "browse_url", "base_url", "credential_id"}
                ),
                "reason": "deleted_in_jira",
            },
        )


def _item(items: list[ChangelogItem], name: str) -> ChangelogItem | None:
    """The changelog item of a system field, by ``fieldId`` or by (any-case) ``field``."""
    for item in items:
        if item.field_id == name or (item.field or "").casefold() == name:
            return item
    return None


def _resolution(items: list[ChangelogItem], payload: WebhookPayload) -> str | None:
    item = _item(items, "resolution")
    if item is not None:
        return item.to_string or None
    return payload.issue.resolution or None

"""Shapes of an issue and its ticket: what the tickets API accepts, stores and shows.

Like the credential models, request models forbid unknown fields and hide input in errors.
"""

# No ``from __future__ import annotations``: pydantic would then evaluate each annotation
# string as the models are created, 10-20% of this module's import on every cold start.

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from jira_sync.errors import NotFound
from jira_sync.models.credentials import IssueState, Severity

MAX_DESCRIPTION = 100_000
MAX_DESCRIPTION_BYTES = 200_000
MAX_SNAPSHOT_ROWS = 10_000
MAX_SNAPSHOT_COLUMNS = 200
# Ids travel in DynamoDB keys, JQL strings and URLs: keep them to a safe alphabet.
_ISSUE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._ -]{0,99}")


def check_issue_id(value: str) -> None:
    """``NotFound`` for an id no issue can have (ids reach keys, JQL and URLs)."""
    if _ISSUE_ID.fullmatch(value) is None:
        raise NotFound(
            f"no issue {value[:64]!r}: issue ids are 1-128 letters, digits, '.', '_', ':' or '-'"
        )


def _filename(value: str) -> str:
    if not _FILENAME.fullmatch(value) or ".." in value:
        raise PydanticCustomError(
            "invalid_filename",
            "must be a plain file name (letters, digits, '.', '_', '-', spaces; at most 100 "
            "characters), e.g. findings.csv",
        )
    return value if value.lower().endswith(".csv") else f"{value}.csv"


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be empty")
    return value


def _storable(value: str) -> str:
    """The issue item holds the description, and a DynamoDB item holds at most 400 KB."""
    if len(value.encode("utf-8", "surrogatepass")) > MAX_DESCRIPTION_BYTES:
        raise PydanticCustomError(
            "too_large",
            "must be at most 200,000 bytes as UTF-8 (the full text is kept with the issue; "
            "Jira gets the first 32,767 characters and the whole as an attachment)",
        )
    return value


_STRICT = ConfigDict(extra="forbid", hide_input_in_errors=True)

Cell = StrictInt | StrictFloat | StrictBool | str | None
Column = Annotated[str, StringConstraints(min_length=1, max_length=255)]


class IssueInput(BaseModel):
    """The ``issue`` of ``POST /issues/{issue_id}/ticket``: the finding to turn into a ticket."""

    model_config = _STRICT

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
    description: Annotated[
        str,
        StringConstraints(max_length=MAX_DESCRIPTION),
        AfterValidator(_not_blank),
        AfterValidator(_storable),
    ]
    due_date: date | None = None
    severity: Severity | None = None
    state: IssueState | None = None

    def attributes(self) -> dict[str, Any]:
        """The issue's attributes as plain JSON; ``state`` only when the request sets it."""
        data: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "severity": self.severity,
        }
        if self.state is not None:
            data["state"] = self.state
        return data


class SnapshotInput(BaseModel):
    """Rows to attach to the ticket as a CSV file (best effort)."""

    model_config = _STRICT

    filename: Annotated[str | None, AfterValidator(lambda v: v if v is None else _filename(v))] = (
        None
    )
    rows: list[dict[Column, Cell]] = Field(min_length=1, max_length=MAX_SNAPSHOT_ROWS)


class TicketCreate(BaseModel):
    """Body of ``POST /issues/{issue_id}/ticket``."""

    model_config = _STRICT

    credential_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    issue: IssueInput
    snapshot: SnapshotInput | None = None


class StateChange(BaseModel):
    """Body of ``PUT /issues/{issue_id}/state``."""

    model_config = _STRICT

    state: IssueState


class JiraLink(BaseModel):
    """The ticket an issue is linked to; ``base_url`` + ``key`` identify it across sites."""

    model_config = ConfigDict(extra="ignore")

    key: str
    id: str
    browse_url: str
    base_url: str
    credential_id: str


class CreatedTicket(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key: str
    id: str


class CreateClaim(BaseModel):
    """A create in flight: who holds it and until when (epoch seconds)."""

    model_config = ConfigDict(extra="ignore")

    token: str
    request_hash: str
    # The credential the create runs through (absent on claims made before it was recorded).
    credential_id: str | None = None
    until: float
    # The latest moment a create whose outcome is unknown was in flight (epoch seconds): until
    # Jira's request lifetime and search settle time have passed, "not found" proves nothing.
    uncertain_at: float | None = None
    # A ticket this claim's create made whose link was not written: the next create adopts it.
    created: CreatedTicket | None = None


SyncStatus = Literal["ok", "pending", "failed"]


class SyncState(BaseModel):
    """Whether the ticket shows the issue's state: ``pending`` while a failed transition waits
    in the queue for its retry, ``failed`` when Jira refused it or retrying gave up."""

    model_config = ConfigDict(extra="ignore")

    status: SyncStatus
    since: AwareDatetime | None
    last_error: str | None = None
    # Retries made so far for the pending state (0 until the first one ran): a retry whose
    # attempt is not past it is a duplicate SQS delivery, dropped.
    attempts: int = Field(default=0, ge=0)
    # The state set this sync is about.
    state_version: int = Field(default=0, ge=0)

    def view(self) -> "SyncView":
        return SyncView(status=self.status, since=self.since, last_error=self.last_error)


class IssueRecord(BaseModel):
    """An issue as kept in the table."""

    model_config = ConfigDict(extra="ignore")

    issue_id: str
    name: str = ""
    description: str = ""
    state: IssueState = "open"
    due_date: date | None = None
    severity: Severity | None = None
    jira: JiraLink | None = None
    # The 201 body of the create that made the link, and the hash of that request.
    create_result: dict[str, Any] | None = None
    create_request_hash: str | None = None
    creating: CreateClaim | None = None
    # The linked ticket's Jira status as last seen (our transitions, Jira's webhooks).
    jira_status: str | None = None
    # None while the issue is only a claim of its first create (not yet an issue to show).
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    version: int = Field(default=0, ge=0)
    # Bumped by every state set (ours or Jira's): a queued retry of an older one is dropped.
    state_version: int = Field(default=0, ge=0)
    # None: no outbound change has failed yet.
    sync: SyncState | None = None

    def sync_state(self) -> SyncState:
        return self.sync or SyncState(status="ok", since=self.created_at)


class LinkRecord(JiraLink):
    """A link item: the ticket, its issue, and what the webhook path needs to decide alone.

    ``state`` mirrors the issue's state; ``status_at`` is Jira's timestamp (ms) of the last
    status applied from a webhook; ``echo_status`` is the status our own last transition set.
    """

    issue_id: str
    state: IssueState = "open"
    jira_status: str | None = None
    status_at: int = 0
    echo_status: str | None = None
    sync_version: int = 1


class TimelineEntry(BaseModel):
    model_config = ConfigDict(extra="ignore")

    at: str
    source: Literal["api", "jira", "events", "service"]
    text: str


# -- what the tickets and state use cases answer (the handlers dump these as the JSON body) --
# Built on first use: every handler imports this module and each needs at most a few of them.
_ANSWER = ConfigDict(defer_build=True)


def _empty(value: object) -> bool:
    """For ``exclude_if``: keys the API leaves out rather than show as empty or null."""
    return not value


class AttachmentOutcome(BaseModel):
    """What became of the snapshot upload; ``error`` only when it failed."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    status: Literal["none", "uploaded", "failed"]
    error: str | None = Field(default=None, exclude_if=lambda value: value is None)


class TicketCreated(BaseModel):
    """The 201 body of a create; stored with the link, so a replay answers the same body."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    issue_id: str
    jira: JiraLink
    attachment: AttachmentOutcome


class IssueView(BaseModel):
    """``GET /issues/{issue_id}``: the issue, its ticket (or null) and its timeline."""

    model_config = _ANSWER

    issue_id: str
    name: str
    state: IssueState
    due_date: date | None
    severity: Severity | None
    jira: JiraLink | None
    sync: "SyncView"
    timeline: list[TimelineEntry]


class SyncView(BaseModel):
    """``sync`` of ``GET /issues/{issue_id}``."""

    model_config = _ANSWER

    status: SyncStatus
    since: AwareDatetime | None
    last_error: str | None


# ``pending``: Jira failed for now; the change waits in the queue and is retried by itself.
TransitionOutcome = Literal[
    "applied", "not_mapped", "not_linked", "not_available", "failed", "pending"
]


class TicketOutcome(BaseModel):
    """What a state change did to the ticket; ``to_status`` and ``detail`` only when known."""

    model_config = _ANSWER

    key: str | None
    transition: TransitionOutcome
    to_status: str | None = Field(default=None, exclude_if=_empty)
    detail: str | None = Field(default=None, exclude_if=_empty)


class StateChangeResult(BaseModel):
    """The 200 body of ``PUT /issues/{issue_id}/state``."""

    model_config = _ANSWER

    issue_id: str
    state: IssueState
    jira: TicketOutcome

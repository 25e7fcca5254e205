"""The issue routes: tickets, state and the issue itself."""

# No ``from __future__ import annotations``: the models below are pydantic models.

from jira_sync.api_doc.operation import BODY, COMMON, JIRA, NOT_FOUND, Operation
from jira_sync.models.issues import IssueView, StateChange, StateChangeResult, TicketCreate
from jira_sync.models.issues import TicketCreated as TicketCreatedBody

ERROR_CODES: dict[str, str] = {
    "not_linked": "the issue has no Jira ticket",
    "concurrent_change": "the issue changed meanwhile: try again",
    "already_linked": "the issue already has a ticket (details.jira)",
    "create_in_progress": "a create for this issue is running (details.retry_after)",
    "create_outcome_pending": (
        "a create's outcome is not known yet (details.retry_after, details.settles_in)"
    ),
    "unknown_issue_type": "the project has no such issue type",
    "missing_required_fields": "the create screen requires fields the request does not fill",
    "invalid_fields": "fields the create screen does not take, or values it does not allow",
}

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/issues/{issue_id}/ticket",
        "createTicket",
        "Create the issue's Jira ticket (never twice)",
        "issues",
        201,
        TicketCreatedBody,
        request=TicketCreate,
        errors={
            **BODY,
            404: ("not_found",),
            409: (
                "already_linked",
                "create_in_progress",
                "create_outcome_pending",
                "credential_being_deleted",
                "concurrent_change",
            ),
            422: (
                "jira_refused",
                "unknown_issue_type",
                "missing_required_fields",
                "invalid_fields",
            ),
            502: JIRA[502],
            503: JIRA[503],
            **COMMON,
        },
        description="The same request again answers the same 201 without a Jira call.",
        request_example={
            "credential_id": "cred-0123",
            "issue": {
                "name": "SQL injection in /login",
                "description": "The `user` parameter reaches the query unescaped.",
                "severity": "high",
                "due_date": "2030-01-31",
            },
            "snapshot": {"filename": "findings.csv", "rows": [{"path": "/login", "cvss": 8.1}]},
        },
    ),
    Operation(
        "DELETE",
        "/issues/{issue_id}/ticket",
        "unlinkTicket",
        "Unlink the issue's ticket (Jira is not touched)",
        "issues",
        204,
        None,
        errors={404: ("not_found", "not_linked"), 409: ("concurrent_change",), **COMMON},
    ),
    Operation(
        "GET",
        "/issues/{issue_id}",
        "getIssue",
        "Read an issue, its ticket, sync and timeline",
        "issues",
        200,
        IssueView,
        errors={**NOT_FOUND, **COMMON},
    ),
    Operation(
        "PUT",
        "/issues/{issue_id}/state",
        "changeState",
        "Set the issue's state (and move its ticket)",
        "issues",
        200,
        StateChangeResult,
        request=StateChange,
        errors={**BODY, **NOT_FOUND, 409: ("concurrent_change",), **COMMON},
        description="The state always applies locally; jira.transition says what Jira did.",
        request_example={"state": "resolved"},
    ),
)

"""The credential routes."""

# No ``from __future__ import annotations``: the models below are pydantic models.

from typing import Any

from jira_sync.api_doc.operation import BODY, COMMON, JIRA, NOT_FOUND, Operation
from jira_sync.models.credentials import (
    CredentialCreate,
    CredentialList,
    CredentialPatch,
    CredentialView,
    ValidationResult,
)

ERROR_CODES: dict[str, str] = {
    "invalid_url": "the Jira URL is malformed, outside AllowedJiraHosts or private",
    "credential_exists": "a credential with this id exists",
    "credential_in_use": "issues are linked through the credential (details.issue_ids)",
    "credential_being_deleted": "the credential is being deleted",
    "version_conflict": "the credential changed meanwhile: read it and try again",
}

_CREDENTIAL_EXAMPLE: dict[str, Any] = {
    "name": "acme security",
    "url": "https://acme.atlassian.net",
    "email": "svc@example.com",
    "api_token": "ATATT3xFfGF0-example-token",
    "project_key": "SEC",
    "issue_type": "Task",
    "state_map": {"open": "To Do", "in progress": "In Progress", "resolved": "Done"},
    "labels": ["security"],
}

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "GET",
        "/credentials",
        "listCredentials",
        "List credentials, oldest first",
        "credentials",
        200,
        CredentialList,
        errors={400: ("no_public_url",), **COMMON},
    ),
    Operation(
        "POST",
        "/credentials",
        "createCredential",
        "Create a credential (validated against Jira)",
        "credentials",
        201,
        CredentialView,
        request=CredentialCreate,
        errors={
            400: (*BODY[400], "invalid_url", "no_public_url"),
            409: ("credential_exists",),
            **JIRA,
            **COMMON,
        },
        description=(
            "Validates the token against Jira; nothing is stored when Jira refuses. The answer "
            "holds the generated webhook secret, once."
        ),
        request_example=_CREDENTIAL_EXAMPLE,
    ),
    Operation(
        "GET",
        "/credentials/{credential_id}",
        "getCredential",
        "Read a credential (token masked)",
        "credentials",
        200,
        CredentialView,
        errors={400: ("no_public_url",), **NOT_FOUND, **COMMON},
    ),
    Operation(
        "PATCH",
        "/credentials/{credential_id}",
        "updateCredential",
        "Change some settings of a credential",
        "credentials",
        200,
        CredentialView,
        request=CredentialPatch,
        errors={
            400: (*BODY[400], "invalid_url", "no_public_url"),
            **NOT_FOUND,
            409: ("version_conflict", "credential_being_deleted"),
            **JIRA,
            **COMMON,
        },
        description="Re-validates when url, email or token change; a refused update changes "
        "nothing.",
        request_example={"state_map": {"closed": "Done"}},
    ),
    Operation(
        "DELETE",
        "/credentials/{credential_id}",
        "deleteCredential",
        "Delete a credential",
        "credentials",
        204,
        None,
        errors={
            **NOT_FOUND,
            409: ("credential_in_use", "credential_being_deleted", "version_conflict"),
            **COMMON,
        },
    ),
    Operation(
        "POST",
        "/credentials/{credential_id}/validate",
        "validateCredential",
        "Check a credential against Jira now",
        "credentials",
        200,
        ValidationResult,
        errors={**NOT_FOUND, 409: ("version_conflict",), **JIRA, **COMMON},
    ),
)

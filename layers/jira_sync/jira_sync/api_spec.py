"""The service's OpenAPI 3.1 document, generated from the models the handlers validate with.

``python -m jira_sync.api_spec`` (``make openapi``) writes it to ``jira_sync/openapi.json``,
which is committed, packaged with the layer and served by ``GET /openapi.json``; a unit test
regenerates it and fails when the committed file is stale, and another holds its paths and
methods to template.yaml's HttpApi events. No handler imports this module: the one serving the
document reads the JSON file, so cold starts never build a schema.
"""

# No ``from __future__ import annotations``: the envelope models below are pydantic models.

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from jira_sync.models.credentials import (
    CredentialCreate,
    CredentialList,
    CredentialPatch,
    CredentialView,
    ValidationResult,
)
from jira_sync.models.issues import IssueView, StateChange, StateChangeResult, TicketCreate
from jira_sync.models.issues import TicketCreated as TicketCreatedBody

DOCUMENT_PATH = Path(__file__).with_name("openapi.json")
TITLE = "jira-sync"
VERSION = "0.1.0"
SECURITY_SCHEME = "sigv4"
# API Gateway's OpenAPI extension for an ANY route (the webhooks answer every method alike).
ANY_METHOD = "x-amazon-apigateway-any-method"

# Every ``code`` of the error envelope, with what it means. A unit test finds each code the
# layer and the functions raise (``code="..."`` / ``code = "..."``) and holds it to this list.
ERROR_CODES: dict[str, str] = {
    "bad_request": "the request cannot be taken as it is",
    "validation_failed": "a field is wrong: details.fields lists each, with what to fix",
    "invalid_json": "the body is not UTF-8 or not RFC 8259 JSON (the message says where)",
    "invalid_url": "the Jira URL is malformed, outside AllowedJiraHosts or private",
    "no_public_url": "the API cannot tell its own public URL: set the PublicBaseUrl parameter",
    "not_found": "no such credential or issue",
    "unknown_route": "no such route or method",
    "not_linked": "the issue has no Jira ticket",
    "conflict": "the request conflicts with the current state",
    "credential_exists": "a credential with this id exists",
    "credential_in_use": "issues are linked through the credential (details.issue_ids)",
    "credential_being_deleted": "the credential is being deleted",
    "version_conflict": "the credential changed meanwhile: read it and try again",
    "concurrent_change": "the issue changed meanwhile: try again",
    "already_linked": "the issue already has a ticket (details.jira)",
    "create_in_progress": "a create for this issue is running (details.retry_after)",
    "create_outcome_pending": (
        "a create's outcome is not known yet (details.retry_after, details.settles_in)"
    ),
    "jira_refused": "Jira refused (details.jira_status, errorMessages, errors)",
    "unknown_issue_type": "the project has no such issue type",
    "missing_required_fields": "the create screen requires fields the request does not fill",
    "invalid_fields": "fields the create screen does not take, or values it does not allow",
    "jira_unavailable": "Jira could not be reached or failed (details.jira_status)",
    "jira_rate_limited": "Jira's rate limit outlasted the wait (details.retry_after)",
    "internal_error": "the request was not completed (never on purpose)",
}


class ErrorDetail(BaseModel):
    """``error`` of the envelope: what went wrong, for the caller to act on."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(json_schema_extra={"enum": list(ERROR_CODES)})
    message: str
    details: dict[str, Any]


class ErrorEnvelope(BaseModel):
    """Every error: ``{"error": {"code", "message", "details"}}``."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail


class Health(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["ok"]


class WebhookAnswer(BaseModel):
    """What Jira gets: ``received`` whatever happened, ``retry`` (503) to have it deliver
    again."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["received", "retry"]


class OpenApiDocument(BaseModel):
    """This document."""

    model_config = ConfigDict(extra="allow")

    openapi: str = Field(pattern=r"^3\.1\.")


# Statuses every IAM route can answer, besides its own.
_COMMON: dict[int, tuple[str, ...]] = {
    500: ("internal_error",),
}
_BODY: dict[int, tuple[str, ...]] = {400: ("invalid_json", "validation_failed")}
_JIRA: dict[int, tuple[str, ...]] = {
    422: ("jira_refused",),
    502: ("jira_unavailable",),
    503: ("jira_rate_limited",),
}
_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    204: "No content",
    400: "Malformed request",
    404: "Not found",
    409: "Conflict",
    422: "Jira refused, or a name Jira does not have",
    500: "Internal error",
    502: "Jira unavailable",
    503: "Jira rate limited",
}


@dataclass(frozen=True)
class Operation:
    """One route: ``method`` and ``path`` as template.yaml's HttpApi event has them."""

    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    ok_status: int
    ok_model: type[BaseModel] | None
    request: type[BaseModel] | None = None
    errors: dict[int, tuple[str, ...]] = field(default_factory=dict)
    public: bool = False
    description: str = ""
    request_example: dict[str, Any] | None = None
    # Methods the document lists for an ``ANY`` route (what Jira sends).
    any_as: tuple[str, ...] = ("post",)


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
_NOT_FOUND = {404: ("not_found",)}

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "GET", "/health", "getHealth", "Readiness", "service", 200, Health, errors=dict(_COMMON)
    ),
    Operation(
        "GET",
        "/openapi.json",
        "getOpenApi",
        "This OpenAPI document",
        "service",
        200,
        OpenApiDocument,
        errors=dict(_COMMON),
    ),
    Operation(
        "GET",
        "/credentials",
        "listCredentials",
        "List credentials, oldest first",
        "credentials",
        200,
        CredentialList,
        errors={400: ("no_public_url",), **_COMMON},
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
            400: (*_BODY[400], "invalid_url", "no_public_url"),
            409: ("credential_exists",),
            **_JIRA,
            **_COMMON,
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
        errors={400: ("no_public_url",), **_NOT_FOUND, **_COMMON},
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
            400: (*_BODY[400], "invalid_url", "no_public_url"),
            **_NOT_FOUND,
            409: ("version_conflict", "credential_being_deleted"),
            **_JIRA,
            **_COMMON,
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
            **_NOT_FOUND,
            409: ("credential_in_use", "credential_being_deleted", "version_conflict"),
            **_COMMON,
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
        errors={**_NOT_FOUND, 409: ("version_conflict",), **_JIRA, **_COMMON},
    ),
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
            **_BODY,
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
            502: _JIRA[502],
            503: _JIRA[503],
            **_COMMON,
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
        errors={404: ("not_found", "not_linked"), 409: ("concurrent_change",), **_COMMON},
    ),
    Operation(
        "GET",
        "/issues/{issue_id}",
        "getIssue",
        "Read an issue, its ticket, sync and timeline",
        "issues",
        200,
        IssueView,
        errors={**_NOT_FOUND, **_COMMON},
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
        errors={**_BODY, **_NOT_FOUND, 409: ("concurrent_change",), **_COMMON},
        description="The state always applies locally; jira.transition says what Jira did.",
        request_example={"state": "resolved"},
    ),
    Operation(
        "ANY",
        "/webhooks/jira/{credential_id}/{issue_key}",
        "jiraWebhook",
        "Jira's webhook, signed (X-Hub-Signature)",
        "webhooks",
        200,
        WebhookAnswer,
        public=True,
        description="Open route (no IAM): the same 200 whatever happened, except a verified "
        "delivery that could not be recorded (503, so that Jira delivers it again).",
    ),
    Operation(
        "ANY",
        "/webhooks/jira/{credential_id}/{url_token}/{issue_key}",
        "jiraWebhookUrlToken",
        "Jira's webhook, proven by the credential's URL token",
        "webhooks",
        200,
        WebhookAnswer,
        public=True,
        description="For a Jira that cannot sign (Data Center before 10). Open route (no "
        "IAM), answered like the signed one.",
    ),
)

_PATH_PARAMETER = re.compile(r"\{([A-Za-z0-9_]+)\}")
_PARAMETER_TEXT = {
    "credential_id": "The credential's id",
    "issue_id": "The issue's id: 1-128 letters, digits, '.', '_', ':' or '-'",
    "issue_key": "The Jira issue key (Jira fills in ${issue.key})",
    "url_token": "The credential's webhook URL token",
}


def _schemas() -> tuple[dict[tuple[type[BaseModel], JsonSchemaMode], str], dict[str, Any]]:
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorEnvelope, "serialization")]
    for operation in OPERATIONS:
        if operation.request is not None:
            wanted.append((operation.request, "validation"))
        if operation.ok_model is not None:
            wanted.append((operation.ok_model, "serialization"))
    unique = list(dict.fromkeys(wanted))
    refs, top = models_json_schema(unique, ref_template="#/components/schemas/{model}")
    names = {
        (model, mode): str(refs[(model, mode)]["$ref"]).rsplit("/", 1)[1] for model, mode in unique
    }
    return names, dict(sorted(top.get("$defs", {}).items()))


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error_response(status: int, codes: Sequence[str], schema: str) -> dict[str, Any]:
    listed = ", ".join(f"`{code}`" for code in codes)
    example = {
        "error": {"code": codes[0], "message": ERROR_CODES[codes[0]], "details": {}},
    }
    response: dict[str, Any] = {
        "description": f"{_STATUS_TEXT[status]}: {listed}",
        "content": {"application/json": {"schema": _ref(schema), "example": example}},
    }
    if status in (409, 503):
        response["headers"] = {
            "Retry-After": {
                "description": "Seconds to wait, when the details carry retry_after",
                "schema": {"type": "integer", "minimum": 0},
            }
        }
    return response


def _operation(op: Operation, names: dict[tuple[type[BaseModel], JsonSchemaMode], str]) -> Any:
    document: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
    }
    if op.description:
        document["description"] = op.description
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": _PARAMETER_TEXT[name],
            "schema": {"type": "string", "minLength": 1},
        }
        for name in _PATH_PARAMETER.findall(op.path)
    ]
    if parameters:
        document["parameters"] = parameters
    if op.request is not None:
        content: dict[str, Any] = {"schema": _ref(names[(op.request, "validation")])}
        if op.request_example is not None:
            op.request.model_validate(op.request_example)  # an example must be a valid body
            content["example"] = op.request_example
        document["requestBody"] = {"required": True, "content": {"application/json": content}}
    responses: dict[str, Any] = {}
    if op.ok_model is None:
        responses[str(op.ok_status)] = {"description": _STATUS_TEXT[op.ok_status]}
    else:
        ok: dict[str, Any] = {"schema": _ref(names[(op.ok_model, "serialization")])}
        if op.ok_model is Health:
            ok["example"] = {"status": "ok"}
        if op.ok_model is WebhookAnswer:
            ok["example"] = {"status": "received"}
        responses[str(op.ok_status)] = {
            "description": _STATUS_TEXT[op.ok_status],
            "content": {"application/json": ok},
        }
    if op.public:
        responses["503"] = {
            "description": "A verified delivery could not be recorded: Jira delivers it again",
            "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 0}}},
            "content": {
                "application/json": {
                    "schema": _ref(names[(WebhookAnswer, "serialization")]),
                    "example": {"status": "retry"},
                }
            },
        }
        document["security"] = []
    for status, codes in sorted(op.errors.items()):
        responses[str(status)] = _error_response(
            status, codes, names[(ErrorEnvelope, "serialization")]
        )
    document["responses"] = responses
    return document


def build() -> dict[str, Any]:
    """The OpenAPI 3.1 document, as plain JSON."""
    names, schemas = _schemas()
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        item = paths.setdefault(op.path, {})
        if op.method != "ANY":
            item[op.method.lower()] = _operation(op, names)
            continue
        # An ANY route: listed as what Jira sends, and as API Gateway's own extension for ANY
        # (every method gets the same answers).
        for method in op.any_as:
            item[method] = _operation(op, names)
        any_method = _operation(op, names)
        any_method["operationId"] = f"{op.operation_id}AnyMethod"
        item[ANY_METHOD] = any_method
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": (
                "Keeps security findings and their Jira tickets in step. Errors are "
                '`{"error": {"code", "message", "details"}}`; the codes:\n\n'
                + "\n".join(f"- `{code}`: {text}" for code, text in ERROR_CODES.items())
            ),
        },
        "servers": [{"url": "/", "description": "This API (API Gateway, or make run's :3000)"}],
        "security": [{SECURITY_SCHEME: []}],
        "tags": [
            {"name": "service"},
            {"name": "credentials"},
            {"name": "issues"},
            {"name": "webhooks", "description": "Jira's deliveries: the only routes without IAM"},
        ],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": (
                        "AWS IAM: requests are signed with AWS Signature Version 4 (service "
                        "execute-api). Locally (make run) IAM is not enforced."
                    ),
                    "x-amazon-apigateway-authtype": "awsSigv4",
                }
            },
        },
    }


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--output", type=Path, default=DOCUMENT_PATH)
    parser.add_argument(
        "--check", action="store_true", help="fail when the file differs from a fresh build"
    )
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale: run make openapi", file=sys.stderr)  # noqa: T201
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The service's OpenAPI 3.1 document, generated from the models the handlers validate with.

``python -m jira_sync.api_spec`` (``make openapi``) writes it to ``jira_sync/openapi.json``,
which is committed, packaged with the layer and served by ``GET /openapi.json``; a unit test
regenerates it and fails when the committed file is stale, and another holds its paths and
methods to template.yaml's HttpApi events. Each area's routes and error codes are in
``jira_sync.api_doc``. No handler imports this module: the one serving the document reads the
JSON file, so cold starts never build a schema.
"""

# No ``from __future__ import annotations``: the envelope models below are pydantic models.

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from jira_sync.api_doc import (
    credentials,
    issues,
    jira_config,
    reconcile,
    service,
    webhook_admin,
    webhooks,
)
from jira_sync.api_doc import operation as shared
from jira_sync.api_doc.operation import Operation
from jira_sync.api_doc.webhooks import WebhookAnswer

DOCUMENT_PATH = Path(__file__).with_name("openapi.json")
TITLE = "jira-sync"
VERSION = "0.1.0"
SECURITY_SCHEME = "sigv4"
# API Gateway's OpenAPI extension for an ANY route (the webhooks answer every method alike).
ANY_METHOD = "x-amazon-apigateway-any-method"

# The areas, in the document's order: each has OPERATIONS and its own ERROR_CODES.
_AREAS = (service, credentials, webhook_admin, jira_config, issues, reconcile, webhooks)
OPERATIONS: tuple[Operation, ...] = tuple(op for area in _AREAS for op in area.OPERATIONS)

# Every ``code`` of the error envelope, with what it means. A unit test finds each code the
# layer and the functions raise (``code="..."`` / ``code = "..."``) and holds it to this list.
ERROR_CODES: dict[str, str] = {
    code: text
    for codes in (shared.ERROR_CODES, *(area.ERROR_CODES for area in _AREAS))
    for code, text in codes.items()
}
_TAGS: dict[str, str] = {
    "service": "",
    "credentials": "",
    "jira": "Jira's configuration, read through a credential, for settings screens",
    "issues": "",
    "reconcile": "",
    "webhooks": "Jira's deliveries: the only routes without IAM",
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


_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No content",
    400: "Malformed request",
    404: "Not found",
    409: "Conflict",
    422: "Jira refused, or a name Jira does not have",
    500: "Internal error",
    502: "Jira unavailable",
    503: "Jira rate limited",
}

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


def _query_parameters(model: type[BaseModel] | None) -> list[dict[str, Any]]:
    """One ``in: query`` parameter per field of the query model (inline schemas: a query
    value is a scalar)."""
    if model is None:
        return []
    schema = model.model_json_schema()
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", "")
        prop.pop("title", None)
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": prop,
        }
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


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
    parameters += _query_parameters(op.query)
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
        if op.ok_example is not None:
            op.ok_model.model_validate(op.ok_example)  # an example must be a valid answer
            ok["example"] = op.ok_example
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
            {"name": name, "description": text} if text else {"name": name}
            for name, text in _TAGS.items()
            if any(op.tag == name for op in OPERATIONS)
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

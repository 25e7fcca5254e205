"""Lambda handler of the credentials routes and GET /health (API Gateway HTTP API, payload v2).

Each route parses its input, calls one use case of ``jira_sync.usecases.credentials`` and
returns the result; every error becomes a response in ``jira_sync.aws.http_api.error_response``.
The event is never logged: request bodies carry API tokens.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

import jira_sync
from jira_sync.aws.http_api import (
    Event,
    Response,
    Route,
    dispatch,
    json_body,
    json_response,
    no_content,
    path_parameter,
    public_base_url,
    remaining_time,
    unknown_route,
)
from jira_sync.models.credentials import CredentialCreate, CredentialPatch
from jira_sync.observability import lambda_entry, logger
from jira_sync.settings import get_settings
from jira_sync.usecases import credentials


def health(event: Event, context: LambdaContext) -> Response:
    return json_response(200, {"status": "ok"})


def openapi_document(event: Event, context: LambdaContext) -> Response:
    """The committed document as it is: read on first use, never built at run time."""
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": _openapi_text(),
    }


@cache
def _openapi_text() -> str:
    return Path(jira_sync.__file__).with_name("openapi.json").read_text(encoding="utf-8")


def create_credential(event: Event, context: LambdaContext) -> Response:
    request = CredentialCreate.model_validate(json_body(event))
    view = credentials.create_credential(
        request, base_url=_base_url(event), remaining_time=remaining_time(context)
    )
    logger.info("credential created", credential_id=view.credential_id)
    return json_response(201, view.model_dump(mode="json"))


def list_credentials(event: Event, context: LambdaContext) -> Response:
    views = credentials.list_credentials(base_url=_base_url(event))
    return json_response(200, views.model_dump(mode="json"))


def get_credential(event: Event, context: LambdaContext) -> Response:
    credential_id = path_parameter(event, "credential_id")
    view = credentials.get_credential(credential_id, base_url=_base_url(event))
    return json_response(200, view.model_dump(mode="json"))


def update_credential(event: Event, context: LambdaContext) -> Response:
    credential_id = path_parameter(event, "credential_id")
    patch = CredentialPatch.model_validate(json_body(event))
    view = credentials.update_credential(
        credential_id,
        patch,
        base_url=_base_url(event),
        remaining_time=remaining_time(context),
    )
    logger.info("credential updated", credential_id=credential_id)
    return json_response(200, view.model_dump(mode="json"))


def delete_credential(event: Event, context: LambdaContext) -> Response:
    credential_id = path_parameter(event, "credential_id")
    credentials.delete_credential(credential_id)
    logger.info("credential deleted", credential_id=credential_id)
    return no_content()


def validate_credential(event: Event, context: LambdaContext) -> Response:
    credential_id = path_parameter(event, "credential_id")
    result = credentials.validate_credential(credential_id, remaining_time=remaining_time(context))
    logger.info(
        "credential validated",
        credential_id=credential_id,
        ok=result.ok,
        jira_status=result.jira_status,
    )
    return json_response(200, result.model_dump(mode="json"))


ROUTES: dict[str, Route] = {
    "GET /health": health,
    "GET /openapi.json": openapi_document,
    "GET /credentials": list_credentials,
    "POST /credentials": create_credential,
    "GET /credentials/{credential_id}": get_credential,
    "PATCH /credentials/{credential_id}": update_credential,
    "DELETE /credentials/{credential_id}": delete_credential,
    "POST /credentials/{credential_id}/validate": validate_credential,
    # Every request no other route takes (API Gateway's $default): the error envelope.
    "$default": unknown_route,
}


@lambda_entry()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Response:
    return dispatch(ROUTES, event, context)


def _base_url(event: Event) -> str:
    return public_base_url(event, get_settings())

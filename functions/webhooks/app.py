"""Lambda handler of Jira's webhooks: ``ANY /webhooks/jira/{credential_id}/{issue_key}``
(signed deliveries) and ``ANY /webhooks/jira/{credential_id}/{url_token}/{issue_key}`` (a Jira
that cannot sign: the URL holds the credential's token).

The route is public (Jira cannot sign requests with IAM), so every request gets the same 200
and body whatever happened — unsigned, forged, unknown, stale, duplicate or applied — except a
verified delivery that could not be recorded: that one gets 503, so Jira delivers it again.
What happened goes to the logs and to one metric per outcome, never to the caller.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from jira_sync.aws.http_api import Response, json_response
from jira_sync.jira.webhook_signature import MAX_BODY_BYTES
from jira_sync.observability import count, lambda_entry, logger
from jira_sync.usecases import webhook_sync

RECEIVED: Response = json_response(200, {"status": "received"})
RETRY: Response = json_response(503, {"status": "retry"})
RETRY["headers"]["Retry-After"] = "10"


@lambda_entry()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Response:
    try:
        outcome = _receive(event)
    except Exception as error:
        logger.exception("webhook failed", error_type=type(error).__name__)
        outcome = "error"
    logger.info("webhook", outcome=outcome)
    count(f"Webhook_{outcome}")
    if outcome in webhook_sync.RETRY_OUTCOMES:
        return {**RETRY, "headers": dict(RETRY["headers"])}
    return {**RECEIVED, "headers": dict(RECEIVED["headers"])}


def _receive(event: dict[str, Any]) -> str:
    http = (event.get("requestContext") or {}).get("http") or {}
    params = event.get("pathParameters") or {}
    body = _raw_body(event)
    if body is None:
        return "too_large"
    headers = {str(k): str(v) for k, v in (event.get("headers") or {}).items()}
    logger.append_keys(issue_key=str(params.get("issue_key", ""))[:64])
    token = params.get("url_token")
    return webhook_sync.receive(
        str(http.get("method", "")),
        str(params.get("credential_id", "")),
        str(params.get("issue_key", "")),
        headers,
        body,
        url_token=None if token is None else str(token),
    )


def _raw_body(event: dict[str, Any]) -> bytes | None:
    """The body's bytes as Jira sent them (None when over the size limit)."""
    raw = event.get("body") or ""
    if len(raw) > 2 * MAX_BODY_BYTES:
        return None
    try:
        data = base64.b64decode(raw, validate=True) if event.get("isBase64Encoded") else None
    except (binascii.Error, ValueError):  # not base64, or not even ASCII: an empty body
        return b""
    data = data if data is not None else raw.encode("utf-8", "surrogatepass")
    return None if len(data) > MAX_BODY_BYTES else data

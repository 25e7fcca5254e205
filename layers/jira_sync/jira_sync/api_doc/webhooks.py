"""Jira's webhook deliveries: the only routes without IAM."""

# No ``from __future__ import annotations``: the models below are pydantic models.

from typing import Literal

from pydantic import BaseModel, ConfigDict

from jira_sync.api_doc.operation import Operation

ERROR_CODES: dict[str, str] = {}


class WebhookAnswer(BaseModel):
    """What Jira gets: ``received`` whatever happened, ``retry`` (503) to have it deliver
    again."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["received", "retry"]


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "ANY",
        "/webhooks/jira/{credential_id}/{issue_key}",
        "jiraWebhook",
        "Jira's webhook, signed (X-Hub-Signature)",
        "webhooks",
        200,
        WebhookAnswer,
        public=True,
        ok_example={"status": "received"},
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
        ok_example={"status": "received"},
        description="For a Jira that cannot sign (Data Center before 10). Open route (no "
        "IAM), answered like the signed one.",
    ),
)

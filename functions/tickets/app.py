"""Lambda handler of the ticket routes (API Gateway HTTP API, payload v2).

Each route parses its input, calls one use case of ``jira_sync.usecases.tickets`` and returns the
result; every error becomes a response in ``jira_sync.aws.http_api.error_response``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from jira_sync.aws.http_api import (
    Event,
    Response,
    Route,
    dispatch,
    json_body,
    json_response,
    no_content,
    path_parameter,
    remaining_time,
)
from jira_sync.models.issues import TicketCreate
from jira_sync.observability import lambda_entry, logger
from jira_sync.usecases import tickets


def create_ticket(event: Event, context: LambdaContext) -> Response:
    issue_id = path_parameter(event, "issue_id")
    request = TicketCreate.model_validate(json_body(event))
    result = tickets.create_ticket(
        issue_id,
        request,
        remaining_time=remaining_time(context),
    )
    logger.info(
        "ticket linked",
        issue_id=issue_id,
        jira_key=result.jira.key,
        attachment=result.attachment.status,
    )
    return json_response(201, result.model_dump(mode="json"))


def unlink_ticket(event: Event, context: LambdaContext) -> Response:
    issue_id = path_parameter(event, "issue_id")
    tickets.unlink_ticket(issue_id)
    logger.info("ticket unlinked", issue_id=issue_id)
    return no_content()


def get_issue(event: Event, context: LambdaContext) -> Response:
    issue = tickets.get_issue(path_parameter(event, "issue_id"))
    return json_response(200, issue.model_dump(mode="json"))


ROUTES: dict[str, Route] = {
    "POST /issues/{issue_id}/ticket": create_ticket,
    "DELETE /issues/{issue_id}/ticket": unlink_ticket,
    "GET /issues/{issue_id}": get_issue,
}


@lambda_entry()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Response:
    return dispatch(ROUTES, event, context)

"""Lambda handler of ``PUT /issues/{issue_id}/state`` (API Gateway HTTP API, payload v2).

The new state applies locally first, whatever Jira does; the answer says what happened to the
Jira ticket (``applied``, ``not_mapped``, ``not_linked``, ``not_available`` or ``failed``).
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
    path_parameter,
    remaining_time,
)
from jira_sync.models.issues import StateChange
from jira_sync.observability import lambda_entry, logger
from jira_sync.usecases import state_sync


def change_state(event: Event, context: LambdaContext) -> Response:
    issue_id = path_parameter(event, "issue_id")
    request = StateChange.model_validate(json_body(event))
    result = state_sync.change_state(
        issue_id, request.state, remaining_time=remaining_time(context)
    )
    logger.info(
        "state changed",
        issue_id=issue_id,
        state=request.state,
        transition=result.jira.transition,
    )
    return json_response(200, result.model_dump(mode="json"))


ROUTES: dict[str, Route] = {"PUT /issues/{issue_id}/state": change_state}


@lambda_entry()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Response:
    return dispatch(ROUTES, event, context)

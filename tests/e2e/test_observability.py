"""The layer's log lines and metrics, as the devstack's functions print them (as in CloudWatch).

Lambda's runtime leaves the root logger at WARNING; the layer's INFO lines must still come out,
as JSON, with the invocation's correlation id and function name.
"""

from __future__ import annotations

import json
import time
from typing import Any

import requests

from devstack.stack import Devstack
from tests.e2e.test_tickets_api import api, credential, fault, ticket_body


def json_lines(stack: Devstack, function: str) -> list[dict[str, Any]]:
    lines = []
    for text in stack.logs(function):
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if isinstance(value, dict):
            lines.append(value)
    return lines


def wait_for(stack: Devstack, function: str, match: Any) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [line for line in json_lines(stack, function) if match(line)]
        if found:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"no matching line in {stack.logs(function)[-20:]}")


def test_given_a_lost_create_answer_when_adopted_then_the_layer_logs_json_with_context(
    clean_devstack: Devstack,
) -> None:
    stack = clean_devstack
    credential_id = credential(stack)
    fault(
        stack,
        method="POST",
        path="/rest/api/3/issue",
        drop_connection=True,
        after_processing=True,
        times=1,
    )

    response = api(stack, "POST", "/issues/logged/ticket", ticket_body(credential_id))

    assert response.status_code == 201, response.text
    request_id = response.headers.get("apigw-requestid")
    line = wait_for(
        stack, "TicketsFunction", lambda line: str(line.get("message", "")).startswith("adopted")
    )
    assert line["level"] == "INFO"
    assert line["service"] == "jira-sync"
    assert line["function_name"]
    assert line["correlation_id"]
    if request_id:
        assert line["correlation_id"] == request_id
    assert line["jira_key"] == response.json()["jira"]["key"]
    assert line["issue_id"] == "logged"
    warning = wait_for(
        stack, "TicketsFunction", lambda line: line.get("message", "").startswith("create outcome")
    )
    assert warning["level"] == "WARNING"
    assert warning["correlation_id"] == line["correlation_id"]


def test_given_creates_and_state_changes_then_each_outcome_is_a_metric(
    clean_devstack: Devstack,
) -> None:
    stack = clean_devstack
    credential_id = credential(stack, state_map={"resolved": "Done"})
    body = ticket_body(credential_id)
    assert api(stack, "POST", "/issues/metric/ticket", body).status_code == 201
    assert api(stack, "POST", "/issues/metric/ticket", body).status_code == 201  # replayed
    other = ticket_body(credential_id, name="Another finding")
    assert api(stack, "POST", "/issues/metric/ticket", other).status_code == 409  # refused
    state = requests.put(
        f"{stack.api_url}/issues/metric/state", json={"state": "resolved"}, timeout=60
    )
    assert state.status_code == 200, state.text

    def metric_names(function: str) -> set[str]:
        names: set[str] = set()
        for line in json_lines(stack, function):
            for directive in line.get("_aws", {}).get("CloudWatchMetrics", []):
                assert directive["Namespace"] == "JiraSync"
                names.update(metric["Name"] for metric in directive["Metrics"])
        return names

    deadline = time.monotonic() + 10
    wanted = {"TicketCreate_created", "TicketCreate_replayed", "TicketCreate_refused"}
    while time.monotonic() < deadline and not wanted <= metric_names("TicketsFunction"):
        time.sleep(0.05)
    assert wanted <= metric_names("TicketsFunction")
    while time.monotonic() < deadline and "Transition_applied" not in metric_names(
        "TransitionsFunction"
    ):
        time.sleep(0.05)
    assert "Transition_applied" in metric_names("TransitionsFunction")

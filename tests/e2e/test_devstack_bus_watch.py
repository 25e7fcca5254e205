"""`make run` shows the events the service publishes (issue 10, devstack): each arrives in the
stack's output as a `bus` line with its detail-type and detail."""

from __future__ import annotations

import time

import pytest

from devstack.stack import Devstack
from tests.e2e.test_tickets_api import api, credential, ticket_body


@pytest.fixture
def stack(clean_devstack: Devstack) -> Devstack:
    return clean_devstack


def test_given_a_ticket_created_then_its_event_is_shown_in_the_stack_output(
    stack: Devstack,
) -> None:
    created = api(stack, "POST", "/issues/shown/ticket", ticket_body(credential(stack)))
    assert created.status_code == 201, created.text

    deadline = time.monotonic() + 15
    shown: list[str] = []
    while time.monotonic() < deadline and not shown:
        shown = [
            line.text
            for line in stack.log_buffer.lines("bus")
            if line.text.startswith("Jira Ticket Created") and '"issue_id":"shown"' in line.text
        ]
        time.sleep(0.2)

    assert shown, [line.text for line in stack.log_buffer.lines("bus")]

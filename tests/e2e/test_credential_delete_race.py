"""DELETE /credentials/{id} racing creates through it (issue 9.6), over real HTTP against the
devstack: whenever the delete answers 204, no issue is linked or being created through the
credential, and Jira holds no ticket that no create answered 201 for."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from devstack.stack import Devstack
from tests.e2e.test_tickets_api import api, credential, jira_issue_keys, ticket_body

ROUNDS = 3
CREATES = 8


@pytest.fixture
def stack(clean_devstack: Devstack) -> Devstack:
    return clean_devstack


def race(stack: Devstack, credential_id: str, prefix: str) -> tuple[int, dict[str, int]]:
    """CREATES creates through the credential and one DELETE of it, all at once."""
    started = threading.Event()
    outcomes: dict[str, int] = {}

    def create(index: int) -> None:
        started.set()
        issue_id = f"{prefix}-{index}"
        response = api(stack, "POST", f"/issues/{issue_id}/ticket", ticket_body(credential_id))
        outcomes[issue_id] = response.status_code

    with ThreadPoolExecutor(max_workers=CREATES) as pool:
        creates = [pool.submit(create, index) for index in range(CREATES)]
        started.wait(5)
        deleted = api(stack, "DELETE", f"/credentials/{credential_id}")
        for future in creates:
            future.result()
    if deleted.status_code == 409:
        body = deleted.json()["error"]
        assert body["code"] == "credential_in_use", body
        assert body["details"]["issue_ids"], body
    return deleted.status_code, outcomes


def test_given_creates_and_a_delete_racing_then_nothing_is_left_linked_to_a_deleted_credential(
    stack: Devstack,
) -> None:
    made = 0
    for round_ in range(ROUNDS):
        credential_id = credential(stack, name=f"racing {round_}")

        status, outcomes = race(stack, credential_id, f"race-{round_}")

        assert status in (204, 409)
        assert set(outcomes.values()) <= {201, 404, 409}, outcomes
        linked = [issue_id for issue_id, code in outcomes.items() if code == 201]
        made += len(linked)
        if status == 204:
            assert linked == [], (round_, outcomes)
        for issue_id in linked:
            assert api(stack, "DELETE", f"/issues/{issue_id}/ticket").status_code == 204
        if status == 409:
            assert api(stack, "DELETE", f"/credentials/{credential_id}").status_code == 204
        for issue_id in outcomes:
            shown = api(stack, "GET", f"/issues/{issue_id}")
            assert shown.status_code == 404 or shown.json()["jira"] is None, shown.text
    assert len(jira_issue_keys(stack)) == made

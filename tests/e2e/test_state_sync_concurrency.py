"""Concurrent state changes of one issue (issue 9.7): Jira's final status is the mapping of the
issue's final state, run after run. Over real HTTP against the devstack (workers in parallel)."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from devstack.stack import Devstack
from tests.e2e.test_state_sync_api import SEC_MAP, api, jira_fields, linked_issue

STATES = list(SEC_MAP)
ROUNDS = 3
CHANGES = 30


@pytest.fixture
def stack(clean_devstack: Devstack) -> Devstack:
    return clean_devstack


def test_given_thirty_parallel_state_changes_then_jira_ends_where_the_issue_ends(
    stack: Devstack,
) -> None:
    key = linked_issue(stack, "contended", "SEC", SEC_MAP)
    chooser = random.Random(9)
    for round_ in range(ROUNDS):
        wanted = [chooser.choice(STATES) for _ in range(CHANGES)]

        def put(state: str) -> int:
            response = api(stack, "PUT", "/issues/contended/state", {"state": state})
            return response.status_code

        with ThreadPoolExecutor(max_workers=10) as pool:
            statuses = list(pool.map(put, wanted))

        assert set(statuses) <= {200, 409}, statuses
        final = api(stack, "GET", "/issues/contended").json()["state"]
        status = jira_fields(stack, key)["status"]["name"]
        assert status == SEC_MAP[final], (round_, final, status)

"""Deleting a credential is atomic with respect to links and create claims (issue 9.6): 409
listing the issues while any is held, no create can start once the delete has begun, and
members no issue backs any more do not block it. In process: moto and the Jira emulator."""

from __future__ import annotations

import time

import pytest

from devstack.jira_emulator import JiraEmulator
from jira_sync.errors import Conflict, NotFound
from jira_sync.store import memberships
from jira_sync.store.issues import claim_create, release_claim
from jira_sync.usecases import credentials, tickets
from jira_sync.usecases.connection import load_credential
from tests.integration.test_usecases import jira_calls, new_credential, ticket_request


@pytest.fixture
def credential_id(aws: None, jira: JiraEmulator) -> str:
    return new_credential(jira)


def test_given_linked_issues_then_the_delete_is_refused_naming_them(credential_id: str) -> None:
    tickets.create_ticket("one", ticket_request(credential_id))
    tickets.create_ticket("two", ticket_request(credential_id))

    with pytest.raises(Conflict) as refused:
        credentials.delete_credential(credential_id)

    assert refused.value.code == "credential_in_use"
    assert sorted(refused.value.details["issue_ids"]) == ["one", "two"]
    assert load_credential(credential_id).credential_id == credential_id
    tickets.create_ticket("three", ticket_request(credential_id))  # the fence was lifted


def test_given_a_create_whose_outcome_is_unknown_then_the_delete_is_refused(
    credential_id: str,
) -> None:
    claim_create(
        "pending",
        token="t",
        request_hash="0" * 64,
        credential_id=credential_id,
        now=tickets._now(),
        until=time.time() + 60,
    )
    memberships.join(credential_id, "pending")
    release_claim("pending", "t", uncertain_at=time.time())

    with pytest.raises(Conflict) as refused:
        credentials.delete_credential(credential_id)

    assert refused.value.details["issue_ids"] == ["pending"]


def test_given_the_delete_under_way_then_a_create_is_refused_before_any_jira_call(
    jira: JiraEmulator, credential_id: str
) -> None:
    memberships.fence(credential_id, "deleting", now=time.time(), until=time.time() + 60)

    with pytest.raises(Conflict) as refused:
        tickets.create_ticket("late", ticket_request(credential_id))

    assert refused.value.code == "credential_being_deleted"
    assert jira_calls(jira, "POST", "/rest/api/3/issue") == []
    memberships.unfence(credential_id, "deleting")
    tickets.create_ticket("late", ticket_request(credential_id))


def test_given_unlinked_tickets_and_released_claims_then_the_delete_goes_through(
    jira: JiraEmulator, credential_id: str
) -> None:
    tickets.create_ticket("gone", ticket_request(credential_id))
    tickets.unlink_ticket("gone")
    other = new_credential(jira, name="Other")
    # A claim through this credential that a create through the other one then took over.
    claim_create(
        "moved",
        token="old",
        request_hash="0" * 64,
        credential_id=credential_id,
        now=tickets._now(),
        until=time.time() - 3600,  # long enough ago that its create cannot make a ticket now
    )
    memberships.join(credential_id, "moved")
    tickets.create_ticket("moved", ticket_request(other))

    credentials.delete_credential(credential_id)

    with pytest.raises(NotFound):
        load_credential(credential_id)
    assert memberships.members(credential_id) == []

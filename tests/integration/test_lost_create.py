"""A create whose answer was lost is found in Jira and adopted, on Cloud and on Data Center.

Jira indexes an entity property for JQL only when an app declares it (Forge
`jira:entityProperty`, Connect's Entity Property module, a Data Center plugin's
`index-document-configuration`), and the emulator refuses `issue.property[...]` in JQL as Jira
does. So the lookup searches the project's issues created around the lost create and reads
their `jira-sync` property: with the search on Cloud (`properties=jira-sync`, one call), and
issue by issue on Data Center, whose `/search` has no `properties` parameter.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests

from devstack.jira_emulator import JiraEmulator
from jira_sync.models.credentials import CredentialCreate
from jira_sync.store.issues import release_claim
from jira_sync.usecases import credentials, tickets
from tests.fixtures.emulator import emulator_session, pat_session
from tests.integration.test_credentials_handler import credential_body
from tests.integration.test_usecases import API_BASE, fault, jira_calls, ticket_request

CLOUD = "cloud"
DATACENTER = ("datacenter", "10.3")
FLAVORS = pytest.mark.parametrize(
    "jira_flavor", [CLOUD, DATACENTER], indirect=True, ids=["cloud", "dc10"]
)


def api(jira: JiraEmulator) -> str:
    return "/rest/api/2" if jira.flavor.datacenter else "/rest/api/3"


@pytest.fixture
def credential_id(aws: None, jira: JiraEmulator) -> str:
    overrides: dict[str, Any] = {}
    if jira.flavor.datacenter:
        overrides = {"email": None, "api_token": "svc-pat-token"}
    body = {k: v for k, v in credential_body(jira, **overrides).items() if v is not None}
    view = credentials.create_credential(CredentialCreate.model_validate(body), base_url=API_BASE)
    return view.credential_id


def lose_next_create(jira: JiraEmulator) -> None:
    fault(
        jira,
        method="POST",
        path=f"{api(jira)}/issue",
        drop_connection=True,
        after_processing=True,
        times=1,
    )


def clear_requests(jira: JiraEmulator) -> None:
    requests.delete(f"{jira.base_url}/_emulator/requests", timeout=10).raise_for_status()


@FLAVORS
def test_given_a_lost_create_among_other_new_tickets_then_ours_is_found_and_adopted(
    jira: JiraEmulator, credential_id: str
) -> None:
    other = tickets.create_ticket("finding-other", ticket_request(credential_id))
    clear_requests(jira)
    lose_next_create(jira)

    created = tickets.create_ticket("finding-lost", ticket_request(credential_id))

    assert (other.jira.key, created.jira.key) == ("SEC-1", "SEC-2")
    assert tickets.get_issue("finding-lost").jira is not None
    assert len(jira_calls(jira, "POST", f"{api(jira)}/issue")) == 1
    if jira.flavor.datacenter:
        (search,) = jira_calls(jira, "GET", "/rest/api/2/search")
        # Data Center's search gives the keys; each new issue's property is read on its own.
        reads = [
            call["path"]
            for call in jira_calls(jira, "GET", "/rest/api/2/issue/SEC-1/properties/jira-sync")
            + jira_calls(jira, "GET", "/rest/api/2/issue/SEC-2/properties/jira-sync")
        ]
        assert len(reads) == 2
    else:
        (search,) = jira_calls(jira, "GET", "/rest/api/3/search/jql")
        assert parse_qs(search["query"])["properties"] == ["jira-sync"]
    jql = parse_qs(search["query"])["jql"][0]
    assert "issue.property" not in jql
    assert jql.startswith('project = "SEC" AND created >= "-')


def marked_in_jira(jira: JiraEmulator, issue_id: str) -> str:
    """A ticket carrying the issue's mark, made in Jira behind the service's back."""
    fields = {"project": {"key": "SEC"}, "issuetype": {"name": "Task"}, "summary": "made"}
    body = {"fields": fields, "properties": [{"key": "jira-sync", "value": {"issue_id": issue_id}}]}
    if jira.flavor.datacenter:
        session = pat_session("svc-pat-token")
    else:
        session = emulator_session("svc@example.com", "svc-token")
    response = session.post(f"{jira.base_url}{api(jira)}/issue", json=body, timeout=10)
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    return key


def left_uncertain(credential_id: str, issue_id: str, seconds_ago: float) -> None:
    """The claim an earlier create left when its answer was lost ``seconds_ago``."""
    now = time.time()
    tickets.store.claim_create(
        issue_id,
        token="t",
        request_hash="h",
        credential_id=credential_id,
        now=tickets._now(),
        until=now + 60,
    )
    release_claim(issue_id, "t", uncertain_at=now - seconds_ago)


@FLAVORS
def test_given_an_uncertain_claim_and_two_marked_tickets_then_oldest_linked_other_named(
    jira: JiraEmulator, credential_id: str
) -> None:
    """Two tickets carry the issue's id (which only a create outliving its settings can make):
    the next create links the older and names the other."""
    keys = [marked_in_jira(jira, "twice") for _ in range(2)]
    left_uncertain(credential_id, "twice", seconds_ago=30)
    clear_requests(jira)

    created = tickets.create_ticket("twice", ticket_request(credential_id))

    assert created.jira.key == keys[0]
    timeline = [line.text for line in tickets.get_issue("twice").timeline]
    assert any(keys[1] in line and "untouched" in line for line in timeline), timeline
    assert jira_calls(jira, "POST", f"{api(jira)}/issue") == []


@FLAVORS
def test_given_an_unlinked_old_ticket_for_the_issue_then_a_lost_create_adopts_its_new_one(
    jira: JiraEmulator, credential_id: str
) -> None:
    """Unlinking leaves the old ticket in Jira with its mark; only tickets made around the lost
    create are candidates, so the new one is adopted rather than the one unlinked an hour ago."""
    first = tickets.create_ticket("relinked", ticket_request(credential_id))
    tickets.unlink_ticket("relinked")
    old = jira.core.state.find(first.jira.key)
    assert old is not None
    old.created -= timedelta(hours=1)
    lose_next_create(jira)

    created = tickets.create_ticket("relinked", ticket_request(credential_id))

    assert (first.jira.key, created.jira.key) == ("SEC-1", "SEC-2")
    assert not any("also holds" in line.text for line in tickets.get_issue("relinked").timeline)


@FLAVORS
def test_given_nothing_made_and_the_uncertainty_over_then_a_new_ticket_is_created(
    jira: JiraEmulator, credential_id: str
) -> None:
    """Only tickets of others in the window, and the lost create can no longer land (its
    request lifetime and the search settle time have passed): the issue gets a new ticket."""
    tickets.create_ticket("someone-else", ticket_request(credential_id))
    left_uncertain(credential_id, "freed", seconds_ago=200)

    created = tickets.create_ticket("freed", ticket_request(credential_id))

    assert created.jira.key == "SEC-2"
    assert len(jira_calls(jira, "POST", f"{api(jira)}/issue")) == 2


@FLAVORS
def test_given_the_lost_ticket_in_the_window_then_adopted_even_long_after(
    jira: JiraEmulator, credential_id: str
) -> None:
    """The window follows the lost create, not the clock: days later it still holds its ticket
    (and not the project's newer ones)."""
    key = marked_in_jira(jira, "late")
    three_days = 3 * 24 * 3600.0
    made = jira.core.state.find(key)
    assert made is not None
    made.created -= timedelta(seconds=three_days)
    tickets.create_ticket("newer", ticket_request(credential_id))
    left_uncertain(credential_id, "late", seconds_ago=three_days)
    clear_requests(jira)

    created = tickets.create_ticket("late", ticket_request(credential_id))

    assert created.jira.key == key
    assert jira_calls(jira, "POST", f"{api(jira)}/issue") == []


@FLAVORS
def test_search_marked_pages_through_every_match_and_refuses_past_its_bound(
    jira: JiraEmulator,
) -> None:
    from jira_sync.jira.client import JiraClient
    from jira_sync.jira.dialect import CLOUD as CLOUD_DIALECT
    from jira_sync.jira.dialect import DATACENTER as DC_DIALECT
    from jira_sync.jira.errors import JiraUnavailable

    if jira.flavor.datacenter:
        client = JiraClient(
            jira.base_url, None, "svc-pat-token", dialect=DC_DIALECT, allow_loopback=True
        )
    else:
        client = JiraClient(
            jira.base_url,
            "svc@example.com",
            "svc-token",
            dialect=CLOUD_DIALECT,
            allow_loopback=True,
        )
    keys = [marked_in_jira(jira, f"F-{n}") for n in range(3)]
    jql = 'project = "SEC" AND created >= "-5m" ORDER BY created ASC, key ASC'
    clear_requests(jira)

    found = list(client.search_marked(jql, "jira-sync", page_size=2))

    assert [(i.key, i.properties) for i in found] == [
        (key, {"jira-sync": {"issue_id": f"F-{n}"}}) for n, key in enumerate(keys)
    ]
    search = "/rest/api/2/search" if jira.flavor.datacenter else "/rest/api/3/search/jql"
    assert len(jira_calls(jira, "GET", search)) == 2  # pages of 2: two calls for 3 issues
    with pytest.raises(JiraUnavailable, match="more than 2 issues match"):
        list(client.search_marked(jql, "jira-sync", page_size=2, max_issues=2))
    first = next(iter(client.search_marked(jql, "jira-sync", page_size=2)))
    assert first.key == keys[0]

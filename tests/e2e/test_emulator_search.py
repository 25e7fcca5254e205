"""JQL search (`/search/jql`) over the emulator: the subset the project relies on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from devstack.jira_emulator import JiraEmulator
from tests.fixtures.emulator import emulator_session

SVC = ("svc@example.com", "svc-token")


def create(
    jira: JiraEmulator, project: str = "SEC", labels: tuple[str, ...] = (), prop: str | None = None
) -> str:
    body: dict[str, Any] = {
        "fields": {
            "project": {"key": project},
            "issuetype": {"name": "Task"},
            "summary": "s",
            "labels": list(labels),
        }
    }
    if prop is not None:
        body["properties"] = [{"key": "jira-sync", "value": {"issueId": prop}}]
    response = emulator_session(*SVC).post(
        f"{jira.base_url}/rest/api/3/issue", json=body, timeout=5
    )
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    return key


def search(jira: JiraEmulator, jql: str, **params: Any) -> dict[str, Any]:
    url = f"{jira.base_url}/rest/api/3/search/jql"
    response = emulator_session(*SVC).get(
        url, params={"jql": jql, "fields": "summary", **params}, timeout=5
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def keys(result: dict[str, Any]) -> list[str]:
    return sorted(i["key"] for i in result["issues"])


@pytest.fixture
def seeded(jira: JiraEmulator) -> JiraEmulator:
    create(jira, labels=("a",), prop="F-1")
    create(jira, labels=("a", "b"), prop="F-2")
    create(jira, "OPS", labels=("a",))
    return jira


@pytest.mark.parametrize(
    ("jql", "expected"),
    [
        ("project = SEC", ["SEC-1", "SEC-2"]),
        ("PROJECT = sec", ["SEC-1", "SEC-2"]),
        ('project = "OPS"', ["OPS-1"]),
        ("labels = a", ["OPS-1", "SEC-1", "SEC-2"]),
        ("project = SEC and labels = b", ["SEC-2"]),
        ("key = SEC-1", ["SEC-1"]),
        ('status = "To Do"', ["SEC-1", "SEC-2"]),
        ("status = Open", ["OPS-1"]),
        ("project = SEC AND status = 'To Do' AND labels = a", ["SEC-1", "SEC-2"]),
        ('project = SEC AND created >= "-15m"', ["SEC-1", "SEC-2"]),
        ('project = SEC AND created >= "-1w 2d" AND created <= "-1m"', []),
        ("project = SEC AND createdDate > -1h", ["SEC-1", "SEC-2"]),
        ('project = SEC AND updated < "2000/01/01"', []),
    ],
)
def test_given_issues_when_searching_then_matching_keys(
    seeded: JiraEmulator, jql: str, expected: list[str]
) -> None:
    assert keys(search(seeded, jql)) == expected


def test_given_search_when_fields_param_then_only_those_fields(seeded: JiraEmulator) -> None:
    result = search(seeded, "key = SEC-1", fields="summary,labels")
    (issue,) = result["issues"]
    assert set(issue["fields"]) == {"summary", "labels"}
    assert issue["self"].endswith(f"/rest/api/3/issue/{issue['id']}")
    assert result["isLast"] is True


def test_given_search_without_fields_then_only_ids_returned(seeded: JiraEmulator) -> None:
    url = f"{seeded.base_url}/rest/api/3/search/jql"
    result = emulator_session(*SVC).get(url, params={"jql": "project = OPS"}, timeout=5).json()
    assert len(result["issues"]) == 1
    assert set(result["issues"][0]) == {"id"}


def test_given_more_results_than_page_when_paging_then_next_page_token_walks_all(
    seeded: JiraEmulator,
) -> None:
    first = search(seeded, "labels = a", maxResults=2)
    assert first["isLast"] is False
    second = search(seeded, "labels = a", maxResults=2, nextPageToken=first["nextPageToken"])
    assert second["isLast"] is True
    assert "nextPageToken" not in second
    assert sorted(keys(first) + keys(second)) == ["OPS-1", "SEC-1", "SEC-2"]


def test_given_post_search_when_body_has_jql_then_same_results(seeded: JiraEmulator) -> None:
    url = f"{seeded.base_url}/rest/api/3/search/jql"
    body = {
        "jql": "project = SEC AND labels = b",
        "fields": ["labels"],
        "properties": ["jira-sync"],
    }
    result = emulator_session(*SVC).post(url, json=body, timeout=5).json()
    (issue,) = result["issues"]
    assert issue["key"] == "SEC-2"
    assert issue["properties"] == {"jira-sync": {"issueId": "F-2"}}


@pytest.mark.parametrize(
    "jql",
    [
        "project = ",
        "project SEC",
        "nosuchfield = 1",
        "project = SEC AND",
        "project = NOPE",
        "",
        "ORDER BY created",
        'created >= "yesterday"',
        "project < SEC",
    ],
)
def test_given_invalid_or_unbounded_jql_when_searching_then_400_error_messages(
    jira: JiraEmulator, jql: str
) -> None:
    url = f"{jira.base_url}/rest/api/3/search/jql"
    response = emulator_session(*SVC).get(url, params={"jql": jql}, timeout=5)
    assert response.status_code == 400
    assert response.json()["errorMessages"]


def test_given_bad_page_token_when_searching_then_400(jira: JiraEmulator) -> None:
    url = f"{jira.base_url}/rest/api/3/search/jql"
    response = emulator_session(*SVC).get(
        url, params={"jql": "project = SEC", "nextPageToken": "@@"}, timeout=5
    )
    assert response.status_code == 400


UNINDEXED = (
    "Field 'issue.property[jira-sync].issue_id' does not exist or you do not have permission to "
    "view it."
)


@pytest.mark.parametrize("api", ["3", "2", "latest"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_given_jql_on_an_issue_property_then_400_as_for_a_property_no_app_indexes(
    seeded: JiraEmulator, api: str, method: str
) -> None:
    """Jira makes an entity property searchable only when an app declares it for indexing
    (Forge `jira:entityProperty`); the emulator runs no apps, so every property is unknown."""
    url = f"{seeded.base_url}/rest/api/{api}/search/jql"
    jql = 'project = SEC AND issue.property[jira-sync].issue_id = "F-1"'
    session = emulator_session(*SVC)
    if method == "GET":
        response = session.get(url, params={"jql": jql}, timeout=5)
    else:
        response = session.post(url, json={"jql": jql}, timeout=5)
    assert response.status_code == 400
    assert response.json() == {"errorMessages": [UNINDEXED], "errors": {}}


def test_given_created_window_then_only_issues_made_in_it_ordered_oldest_first(
    seeded: JiraEmulator,
) -> None:
    issues = {i.key: i for i in seeded.core.state.issues.values()}
    issues["SEC-1"].created -= timedelta(minutes=30)
    issues["SEC-2"].created -= timedelta(minutes=10)
    recent = create(seeded)
    window = 'project = SEC AND created >= "-20m" AND created <= "-5m" ORDER BY created ASC'
    assert [i["key"] for i in search(seeded, window)["issues"]] == ["SEC-2"]
    since = 'project = SEC AND created >= "-40m" ORDER BY created ASC, key ASC'
    assert [i["key"] for i in search(seeded, since)["issues"]] == ["SEC-1", "SEC-2", recent]


def test_given_properties_param_then_each_issue_has_only_those_it_holds(
    seeded: JiraEmulator,
) -> None:
    url = f"{seeded.base_url}/rest/api/3/search/jql"
    params = {"jql": "labels = a ORDER BY key ASC", "properties": "jira-sync,other"}
    ids_only = emulator_session(*SVC).get(url, params=params, timeout=5).json()
    assert [i["properties"] for i in ids_only["issues"]] == [
        {},
        {"jira-sync": {"issueId": "F-1"}},
        {"jira-sync": {"issueId": "F-2"}},
    ]
    assert set(ids_only["issues"][0]) == {"id", "properties"}  # fields default to `id`
    with_key = search(seeded, "key = SEC-1", fields="key", properties="jira-sync")
    (issue,) = with_key["issues"]
    assert (issue["key"], issue["properties"]) == ("SEC-1", {"jira-sync": {"issueId": "F-1"}})


def test_given_more_than_five_properties_then_400(seeded: JiraEmulator) -> None:
    url = f"{seeded.base_url}/rest/api/3/search/jql"
    params = {"jql": "project = SEC", "properties": "a,b,c,d,e,f"}
    response = emulator_session(*SVC).get(url, params=params, timeout=5)
    assert response.status_code == 400
    assert response.json()["errorMessages"]


def test_given_a_webhook_filter_on_an_issue_property_then_registration_refused(
    jira: JiraEmulator,
) -> None:
    body = {
        "name": "by property",
        "url": "https://example.com/hook",
        "events": ["jira:issue_created"],
        "filters": {"issue-related-events-section": "issue.property[jira-sync].issue_id = x"},
    }
    response = emulator_session("admin@example.com", "admin-token").post(
        f"{jira.base_url}/rest/webhooks/1.0/webhook", json=body, timeout=5
    )
    assert response.status_code == 400

"""JQL search (`/search/jql`) over the emulator: the subset the project relies on."""

from __future__ import annotations

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
        ('issue.property[jira-sync].issueId = "F-2"', ["SEC-2"]),
        ("issue.property[jira-sync].issueId = F-1", ["SEC-1"]),
        ('status = "To Do"', ["SEC-1", "SEC-2"]),
        ("status = Open", ["OPS-1"]),
        ("project = SEC AND status = 'To Do' AND labels = a", ["SEC-1", "SEC-2"]),
        ("issue.property[jira-sync].issueId = F-9", []),
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

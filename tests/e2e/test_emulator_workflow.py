"""Workflows: transitions available per status, transition screens and resolutions."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from devstack.jira_emulator import JiraEmulator
from tests.fixtures.emulator import emulator_session

SVC = ("svc@example.com", "svc-token")
ALICE = ("alice@example.com", "alice-token")
VIEWER = ("viewer@example.com", "viewer-token")


def new_issue(jira: JiraEmulator, project: str) -> str:
    body = {"fields": {"project": {"key": project}, "issuetype": {"name": "Task"}, "summary": "s"}}
    response = emulator_session(*SVC).post(
        f"{jira.base_url}/rest/api/3/issue", json=body, timeout=5
    )
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    return key


def transitions(
    jira: JiraEmulator, key: str, query: str = "", user: tuple[str, str] = SVC
) -> list[dict[str, Any]]:
    url = f"{jira.base_url}/rest/api/3/issue/{key}/transitions{query}"
    result: list[dict[str, Any]] = emulator_session(*user).get(url, timeout=5).json()["transitions"]
    return result


def move(
    jira: JiraEmulator,
    key: str,
    to: str,
    fields: dict[str, Any] | None = None,
    user: tuple[str, str] = SVC,
) -> requests.Response:
    offered = {t["to"]["name"]: t["id"] for t in transitions(jira, key)}
    body: dict[str, Any] = {"transition": {"id": offered[to]}}
    if fields is not None:
        body["fields"] = fields
    url = f"{jira.base_url}/rest/api/3/issue/{key}/transitions"
    return emulator_session(*user).post(url, json=body, timeout=5)


def issue(jira: JiraEmulator, key: str) -> dict[str, Any]:
    url = f"{jira.base_url}/rest/api/3/issue/{key}?expand=changelog"
    result: dict[str, Any] = emulator_session(*SVC).get(url, timeout=5).json()
    return result


def test_given_sec_issue_when_listing_transitions_then_every_other_status_reachable(
    jira: JiraEmulator,
) -> None:
    key = new_issue(jira, "SEC")
    assert sorted(t["to"]["name"] for t in transitions(jira, key)) == ["Done", "In Progress"]
    assert move(jira, key, "Done").status_code == 204
    assert sorted(t["to"]["name"] for t in transitions(jira, key)) == ["In Progress", "To Do"]


def test_given_ops_issue_when_listing_transitions_then_only_from_current_status(
    jira: JiraEmulator,
) -> None:
    key = new_issue(jira, "OPS")
    assert sorted(t["to"]["name"] for t in transitions(jira, key)) == ["Closed", "In Progress"]
    assert move(jira, key, "In Progress").status_code == 204
    assert sorted(t["to"]["name"] for t in transitions(jira, key)) == ["Closed", "In Review"]


def test_given_ops_open_when_transitioning_directly_to_done_then_400_not_valid(
    jira: JiraEmulator,
) -> None:
    key = new_issue(jira, "OPS")
    done_id = "31"
    url = f"{jira.base_url}/rest/api/3/issue/{key}/transitions"
    response = emulator_session(*SVC).post(url, json={"transition": {"id": done_id}}, timeout=5)
    assert response.status_code == 400
    assert response.json()["errorMessages"] == [
        f"Transition id '{done_id}' is not valid for this issue."
    ]
    assert issue(jira, key)["fields"]["status"]["name"] == "Open"


def test_given_ops_in_review_when_done_without_resolution_then_400_resolution_required(
    jira: JiraEmulator,
) -> None:
    key = new_issue(jira, "OPS")
    move(jira, key, "In Progress")
    move(jira, key, "In Review")
    response = move(jira, key, "Done")
    assert response.status_code == 400
    assert response.json()["errors"] == {"resolution": "Resolution is required."}
    assert issue(jira, key)["fields"]["status"]["name"] == "In Review"


def test_given_ops_in_review_when_done_with_resolution_then_resolved_with_changelog(
    jira: JiraEmulator,
) -> None:
    key = new_issue(jira, "OPS")
    move(jira, key, "In Progress")
    move(jira, key, "In Review")
    assert move(jira, key, "Done", {"resolution": {"name": "Fixed"}}).status_code == 204
    bean = issue(jira, key)
    assert bean["fields"]["status"]["name"] == "Done"
    assert bean["fields"]["resolution"]["name"] == "Fixed"
    assert bean["fields"]["resolutiondate"] is not None
    items = bean["changelog"]["histories"][-1]["items"]
    assert [(i["field"], i.get("fromString"), i.get("toString")) for i in items] == [
        ("resolution", None, "Fixed"),
        ("status", "In Review", "Done"),
    ]
    assert (items[1]["from"], items[1]["to"]) == ("10002", "10001")


def test_given_ops_issue_when_closed_with_invalid_resolution_then_400(jira: JiraEmulator) -> None:
    key = new_issue(jira, "OPS")
    response = move(jira, key, "Closed", {"resolution": {"name": "Cannot Reproduce"}})
    assert response.status_code == 400
    assert "resolution" in response.json()["errors"]


def test_given_ops_closed_when_reopened_then_resolution_cleared(jira: JiraEmulator) -> None:
    key = new_issue(jira, "OPS")
    assert move(jira, key, "Closed", {"resolution": {"name": "Won't Do"}}).status_code == 204
    assert move(jira, key, "Open").status_code == 204
    bean = issue(jira, key)
    assert bean["fields"]["resolution"] is None
    assert bean["fields"]["resolutiondate"] is None
    items = bean["changelog"]["histories"][-1]["items"]
    assert items[0]["field"] == "resolution"
    assert (items[0].get("fromString"), items[0].get("toString")) == ("Won't Do", None)


def test_given_ops_done_transition_when_expanding_fields_then_required_resolution_with_values(
    jira: JiraEmulator,
) -> None:
    key = new_issue(jira, "OPS")
    offered = transitions(jira, key, "?expand=transitions.fields")
    close = next(t for t in offered if t["to"]["name"] == "Closed")
    start = next(t for t in offered if t["to"]["name"] == "In Progress")
    resolution = close["fields"]["resolution"]
    assert resolution["required"] is True
    assert [v["name"] for v in resolution["allowedValues"]] == [
        "Done",
        "Fixed",
        "Won't Fix",
        "Won't Do",
        "Duplicate",
    ]
    assert start["fields"] == {}
    assert close["hasScreen"] is True
    assert "fields" not in transitions(jira, key)[0]


def test_given_sec_issue_when_moved_to_done_then_resolution_done_set_automatically(
    jira: JiraEmulator,
) -> None:
    key = new_issue(jira, "SEC")
    assert move(jira, key, "Done").status_code == 204
    fields = issue(jira, key)["fields"]
    assert fields["status"]["statusCategory"]["key"] == "done"
    assert fields["resolution"]["name"] == "Done"


def test_given_sec_done_when_moved_back_to_in_progress_then_resolution_cleared(
    jira: JiraEmulator,
) -> None:
    key = new_issue(jira, "SEC")
    move(jira, key, "Done")
    assert move(jira, key, "In Progress").status_code == 204
    bean = issue(jira, key)
    assert bean["fields"]["resolution"] is None
    fields_changed = [i["field"] for i in bean["changelog"]["histories"][-1]["items"]]
    assert fields_changed == ["resolution", "status"]


def test_given_field_not_on_transition_screen_when_transitioning_then_400(
    jira: JiraEmulator,
) -> None:
    key = new_issue(jira, "SEC")
    response = move(jira, key, "In Progress", {"summary": "changed on the way"})
    assert response.status_code == 400
    assert "summary" in response.json()["errors"]


def test_given_viewer_when_listing_and_transitioning_then_nothing_available(
    jira: JiraEmulator,
) -> None:
    key = new_issue(jira, "SEC")
    assert transitions(jira, key, user=VIEWER) == []
    url = f"{jira.base_url}/rest/api/3/issue/{key}/transitions"
    response = emulator_session(*VIEWER).post(url, json={"transition": {"id": "21"}}, timeout=5)
    assert response.status_code == 400
    assert issue(jira, key)["fields"]["status"]["name"] == "To Do"


@pytest.mark.parametrize("body", [{}, {"transition": {}}, {"transition": "21"}])
def test_given_no_transition_id_when_transitioning_then_400(
    jira: JiraEmulator, body: dict[str, Any]
) -> None:
    key = new_issue(jira, "SEC")
    url = f"{jira.base_url}/rest/api/3/issue/{key}/transitions"
    assert emulator_session(*ALICE).post(url, json=body, timeout=5).status_code == 400

"""Issue create/read/edit/delete against the emulator: as strict as Jira Cloud where it matters."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from devstack.jira_emulator import JiraEmulator
from tests.fixtures.emulator import emulator_session

SVC = ("svc@example.com", "svc-token")
ALICE = ("alice@example.com", "alice-token")
VIEWER = ("viewer@example.com", "viewer-token")


def doc(*texts: str) -> dict[str, Any]:
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": t}]} for t in texts],
    }


def sec_task(**extra: Any) -> dict[str, Any]:
    return {
        "fields": {
            "project": {"key": "SEC"},
            "issuetype": {"name": "Task"},
            "summary": "SQL injection in login",
            **extra,
        }
    }


def create(
    jira: JiraEmulator, body: dict[str, Any], user: tuple[str, str] = SVC
) -> requests.Response:
    return emulator_session(*user).post(f"{jira.base_url}/rest/api/3/issue", json=body, timeout=5)


def get_issue(jira: JiraEmulator, key: str, query: str = "") -> dict[str, Any]:
    response = emulator_session(*SVC).get(
        f"{jira.base_url}/rest/api/3/issue/{key}{query}", timeout=5
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_given_valid_task_when_created_then_201_with_key_id_and_v3_self(jira: JiraEmulator) -> None:
    first = create(jira, sec_task(description=doc("found by scanner")))
    second = create(jira, sec_task())
    assert first.status_code == 201
    body = first.json()
    assert set(body) == {"id", "key", "self"}
    assert body["key"] == "SEC-1"
    assert second.json()["key"] == "SEC-2"
    assert body["id"].isdigit()
    assert body["self"] == f"{jira.base_url}/rest/api/3/issue/{body['id']}"


def test_given_created_issue_when_fetched_then_fields_are_stored(jira: JiraEmulator) -> None:
    body = sec_task(
        description=doc("line one", "line two"),
        priority={"name": "High"},
        labels=["security", "sast"],
        components=[{"name": "api"}],
        duedate="2030-01-31",
        customfield_10050=9.8,
        customfield_10051={"value": "Pentest"},
    )
    key = create(jira, body).json()["key"]
    fields = get_issue(jira, key)["fields"]
    assert fields["summary"] == "SQL injection in login"
    assert fields["description"] == doc("line one", "line two")
    assert fields["priority"]["name"] == "High"
    assert fields["labels"] == ["security", "sast"]
    assert [c["name"] for c in fields["components"]] == ["api"]
    assert fields["duedate"] == "2030-01-31"
    assert fields["status"]["name"] == "To Do"
    assert fields["status"]["statusCategory"]["key"] == "new"
    assert fields["resolution"] is None
    assert fields["reporter"]["emailAddress"] == "svc@example.com"
    assert fields["assignee"] is None
    assert fields["customfield_10050"] == 9.8
    assert fields["customfield_10051"]["value"] == "Pentest"
    assert fields["comment"]["comments"] == []
    assert fields["attachment"] == []


def test_given_no_priority_when_created_then_default_medium(jira: JiraEmulator) -> None:
    key = create(jira, sec_task()).json()["key"]
    assert get_issue(jira, key)["fields"]["priority"]["name"] == "Medium"


def test_given_ids_instead_of_names_when_created_then_accepted(jira: JiraEmulator) -> None:
    body = {
        "fields": {
            "project": {"id": "10001"},
            "issuetype": {"id": "10002"},
            "summary": "disk full",
            "priority": {"id": "1"},
            "components": [{"id": "10002"}],
        }
    }
    response = create(jira, body)
    assert response.status_code == 201, response.text
    assert response.json()["key"] == "OPS-1"


def test_given_summary_of_255_chars_when_created_then_201(jira: JiraEmulator) -> None:
    assert create(jira, sec_task(summary="x" * 255)).status_code == 201


def test_given_summary_of_256_chars_when_created_then_400_on_summary(jira: JiraEmulator) -> None:
    response = create(jira, sec_task(summary="x" * 256))
    assert response.status_code == 400
    assert response.json() == {
        "errorMessages": [],
        "errors": {"summary": "Summary must be less than 255 characters."},
    }


def test_given_no_summary_when_created_then_400_summary_required(jira: JiraEmulator) -> None:
    body = sec_task()
    del body["fields"]["summary"]
    response = create(jira, body)
    assert response.status_code == 400
    assert response.json()["errors"]["summary"] == "You must specify a summary of the issue."


@pytest.mark.parametrize(
    "description",
    [
        "plain text is not ADF",
        {"type": "doc", "version": 1, "content": [{"type": "nonsense"}]},
        {"type": "doc", "version": 2, "content": []},
        {
            "type": "doc",
            "version": 1,
            "content": [{"type": "paragraph", "content": [{"type": "text"}]}],
        },
    ],
)
def test_given_invalid_adf_description_when_created_then_400_on_description(
    jira: JiraEmulator, description: Any
) -> None:
    response = create(jira, sec_task(description=description))
    assert response.status_code == 400
    assert "description" in response.json()["errors"]
    stored = emulator_session(*SVC).get(f"{jira.base_url}/rest/api/3/issue/SEC-1", timeout=5)
    assert stored.status_code == 404


def test_given_empty_text_node_when_created_then_400(jira: JiraEmulator) -> None:
    empty = {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": ""}]}],
    }
    response = create(jira, sec_task(description=empty))
    assert response.status_code == 400
    assert "description" in response.json()["errors"]


def test_given_bug_without_components_when_created_then_400_components_required(
    jira: JiraEmulator,
) -> None:
    body = sec_task()
    body["fields"]["issuetype"] = {"name": "Bug"}
    response = create(jira, body)
    assert response.status_code == 400
    assert response.json()["errors"] == {"components": "Component/s is required."}


def test_given_bug_with_component_when_created_then_201(jira: JiraEmulator) -> None:
    body = sec_task(components=[{"name": "web"}])
    body["fields"]["issuetype"] = {"name": "Bug"}
    assert create(jira, body).status_code == 201


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"priority": {"name": "Blocker"}}, "priority"),
        ({"priority": {"id": "42"}}, "priority"),
        ({"components": [{"name": "infra"}]}, "components"),
        ({"components": [{"id": "99999"}]}, "components"),
        ({"duedate": "31/01/2030"}, "duedate"),
        ({"duedate": "2030-02-30"}, "duedate"),
        ({"labels": ["two words"]}, "labels"),
        ({"customfield_10050": "high"}, "customfield_10050"),
        ({"customfield_10051": {"value": "Rumour"}}, "customfield_10051"),
        ({"assignee": {"accountId": "712020:does-not-exist"}}, "assignee"),
    ],
)
def test_given_invalid_field_value_when_created_then_400_on_that_field(
    jira: JiraEmulator, extra: dict[str, Any], field: str
) -> None:
    response = create(jira, sec_task(**extra))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_given_unknown_field_when_created_then_400_not_on_screen(jira: JiraEmulator) -> None:
    response = create(jira, sec_task(customfield_99999="x"))
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "customfield_99999": "Field 'customfield_99999' cannot be set. "
        "It is not on the appropriate screen, or unknown."
    }


def test_given_sec_custom_field_in_ops_when_created_then_400_not_on_screen(
    jira: JiraEmulator,
) -> None:
    body = sec_task(customfield_10050=5.0)
    body["fields"]["project"] = {"key": "OPS"}
    response = create(jira, body)
    assert response.status_code == 400
    assert "customfield_10050" in response.json()["errors"]


@pytest.mark.parametrize(
    ("project", "issuetype", "field"),
    [
        ({"key": "NOPE"}, {"name": "Task"}, "project"),
        ({"key": "SEC"}, {"name": "Epic"}, "issuetype"),
    ],
)
def test_given_unknown_project_or_type_when_created_then_400(
    jira: JiraEmulator, project: dict[str, str], issuetype: dict[str, str], field: str
) -> None:
    body = {"fields": {"project": project, "issuetype": issuetype, "summary": "s"}}
    response = create(jira, body)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_given_viewer_when_creating_then_refused_and_nothing_stored(jira: JiraEmulator) -> None:
    response = create(jira, sec_task(), user=VIEWER)
    assert response.status_code == 400
    assert "permission" in response.json()["errors"]["project"]
    state = requests.get(f"{jira.base_url}/_emulator/state", timeout=5).json()
    assert state["issues"] == []


def test_given_alice_when_creating_then_201_and_reporter_is_alice(jira: JiraEmulator) -> None:
    response = create(jira, sec_task(), user=ALICE)
    assert response.status_code == 201
    assert (
        get_issue(jira, response.json()["key"])["fields"]["reporter"]["displayName"]
        == "Alice Example"
    )


def test_given_properties_when_created_then_readable_per_key_and_via_properties_param(
    jira: JiraEmulator,
) -> None:
    body = sec_task()
    body["properties"] = [{"key": "jira-sync", "value": {"issueId": "F-1", "n": 2}}]
    key = create(jira, body).json()["key"]
    session = emulator_session(*SVC)
    prop = session.get(f"{jira.base_url}/rest/api/3/issue/{key}/properties/jira-sync", timeout=5)
    assert prop.json() == {"key": "jira-sync", "value": {"issueId": "F-1", "n": 2}}
    bean = get_issue(jira, key, "?fields=summary&properties=jira-sync")
    assert bean["properties"] == {"jira-sync": {"issueId": "F-1", "n": 2}}
    assert set(bean["fields"]) == {"summary"}


def test_given_property_put_when_read_back_then_value_replaced(jira: JiraEmulator) -> None:
    key = create(jira, sec_task()).json()["key"]
    session = emulator_session(*SVC)
    url = f"{jira.base_url}/rest/api/3/issue/{key}/properties/marker"
    assert session.put(url, json={"v": 1}, timeout=5).status_code == 201
    assert session.put(url, json={"v": 2}, timeout=5).status_code == 200
    assert session.get(url, timeout=5).json()["value"] == {"v": 2}
    assert session.get(url.replace("marker", "absent"), timeout=5).status_code == 404
    assert emulator_session(*VIEWER).put(url, json={"v": 3}, timeout=5).status_code == 403


def test_given_fields_param_with_exclusion_when_get_then_field_left_out(jira: JiraEmulator) -> None:
    key = create(jira, sec_task()).json()["key"]
    fields = get_issue(jira, key, "?fields=*all,-description")["fields"]
    assert "description" not in fields
    assert "summary" in fields


def test_given_unknown_issue_when_get_then_404_jira_message(jira: JiraEmulator) -> None:
    response = emulator_session(*SVC).get(f"{jira.base_url}/rest/api/3/issue/SEC-999", timeout=5)
    assert response.status_code == 404
    assert response.json()["errorMessages"] == [
        "Issue does not exist or you do not have permission to see it."
    ]


def test_given_edit_with_fields_and_label_ops_when_put_then_204_and_changelog(
    jira: JiraEmulator,
) -> None:
    key = create(jira, sec_task(labels=["a", "b"], duedate="2030-01-01")).json()["key"]
    edit = {
        "fields": {"summary": "renamed", "priority": {"name": "Highest"}, "duedate": "2030-02-01"},
        "update": {"labels": [{"add": "c"}, {"remove": "a"}]},
    }
    response = emulator_session(*ALICE).put(
        f"{jira.base_url}/rest/api/3/issue/{key}", json=edit, timeout=5
    )
    assert response.status_code == 204
    bean = get_issue(jira, key, "?expand=changelog")
    assert bean["fields"]["summary"] == "renamed"
    assert bean["fields"]["labels"] == ["b", "c"]
    items = {i["field"]: i for i in bean["changelog"]["histories"][0]["items"]}
    assert items["summary"]["fromString"] == "SQL injection in login"
    assert items["summary"]["toString"] == "renamed"
    assert items["labels"]["fromString"] == "a b"
    assert items["labels"]["toString"] == "b c"
    assert (items["priority"]["from"], items["priority"]["toString"]) == ("3", "Highest")
    assert (items["duedate"]["from"], items["duedate"]["to"]) == ("2030-01-01", "2030-02-01")
    assert bean["changelog"]["histories"][0]["author"]["emailAddress"] == "alice@example.com"


@pytest.mark.parametrize(
    "edit",
    [
        {"fields": {"summary": "y" * 256}},
        {"fields": {"description": "not adf"}},
        {"fields": {"priority": {"name": "Urgent"}}},
        {"fields": {"nonsense": 1}},
        {"update": {"labels": [{"add": "has space"}]}},
    ],
)
def test_given_invalid_edit_when_put_then_400_and_issue_unchanged(
    jira: JiraEmulator, edit: dict[str, Any]
) -> None:
    key = create(jira, sec_task()).json()["key"]
    response = emulator_session(*SVC).put(
        f"{jira.base_url}/rest/api/3/issue/{key}", json=edit, timeout=5
    )
    assert response.status_code == 400
    assert response.json()["errors"]
    bean = get_issue(jira, key, "?expand=changelog")
    assert bean["fields"]["summary"] == "SQL injection in login"
    assert bean["changelog"]["histories"] == []


def test_given_bug_when_components_removed_then_400_required(jira: JiraEmulator) -> None:
    body = sec_task(components=[{"name": "api"}])
    body["fields"]["issuetype"] = {"name": "Bug"}
    key = create(jira, body).json()["key"]
    edit: dict[str, Any] = {"fields": {"components": []}}
    response = emulator_session(*SVC).put(
        f"{jira.base_url}/rest/api/3/issue/{key}", json=edit, timeout=5
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"components": "Component/s is required."}


def test_given_viewer_when_editing_then_400_and_unchanged(jira: JiraEmulator) -> None:
    key = create(jira, sec_task()).json()["key"]
    edit = {"fields": {"summary": "hijacked"}}
    response = emulator_session(*VIEWER).put(
        f"{jira.base_url}/rest/api/3/issue/{key}", json=edit, timeout=5
    )
    assert response.status_code == 400
    assert get_issue(jira, key)["fields"]["summary"] == "SQL injection in login"


def test_given_assignee_endpoint_when_assigning_then_changelog_has_account_ids(
    jira: JiraEmulator,
) -> None:
    key = create(jira, sec_task()).json()["key"]
    session = emulator_session(*SVC)
    alice_id = (
        emulator_session(*ALICE)
        .get(f"{jira.base_url}/rest/api/3/myself", timeout=5)
        .json()["accountId"]
    )
    url = f"{jira.base_url}/rest/api/3/issue/{key}/assignee"
    assert session.put(url, json={"accountId": alice_id}, timeout=5).status_code == 204
    bean = get_issue(jira, key, "?expand=changelog")
    assert bean["fields"]["assignee"]["accountId"] == alice_id
    item = bean["changelog"]["histories"][0]["items"][0]
    assert (item["field"], item.get("from"), item["to"], item["toString"]) == (
        "assignee",
        None,
        alice_id,
        "Alice Example",
    )
    assert (
        emulator_session(*VIEWER).put(url, json={"accountId": None}, timeout=5).status_code == 403
    )


def test_given_viewer_as_assignee_when_assigning_then_400_not_assignable(
    jira: JiraEmulator,
) -> None:
    key = create(jira, sec_task()).json()["key"]
    viewer_id = (
        emulator_session(*VIEWER)
        .get(f"{jira.base_url}/rest/api/3/myself", timeout=5)
        .json()["accountId"]
    )
    edit = {"fields": {"assignee": {"accountId": viewer_id}}}
    response = emulator_session(*SVC).put(
        f"{jira.base_url}/rest/api/3/issue/{key}", json=edit, timeout=5
    )
    assert response.status_code == 400
    assert "assignee" in response.json()["errors"]


def test_given_issue_when_deleted_by_svc_then_204_and_gone(jira: JiraEmulator) -> None:
    key = create(jira, sec_task()).json()["key"]
    url = f"{jira.base_url}/rest/api/3/issue/{key}"
    assert emulator_session(*ALICE).delete(url, timeout=5).status_code == 403
    assert emulator_session(*SVC).delete(url, timeout=5).status_code == 204
    assert emulator_session(*SVC).get(url, timeout=5).status_code == 404


def test_given_malformed_json_when_creating_then_400(jira: JiraEmulator) -> None:
    response = emulator_session(*SVC).post(
        f"{jira.base_url}/rest/api/3/issue",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["errorMessages"]

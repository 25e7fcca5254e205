"""The emulator's authentication, base paths and read-only metadata, over real HTTP."""

from __future__ import annotations

import pytest
import requests

from devstack.jira_emulator import JiraEmulator
from tests.fixtures.emulator import emulator_session

ADMIN = ("admin@example.com", "admin-token")
SVC = ("svc@example.com", "svc-token")
ALICE = ("alice@example.com", "alice-token")
VIEWER = ("viewer@example.com", "viewer-token")
SCOPED = ("svc@example.com", "svc-scoped-token")


def test_given_no_credentials_when_tenant_info_then_cloud_id_is_returned(
    jira: JiraEmulator,
) -> None:
    response = requests.get(f"{jira.base_url}/_edge/tenant_info", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"cloudId": "11111111-2222-4333-8444-555555555555"}


@pytest.mark.parametrize("user", [ADMIN, SVC, ALICE, VIEWER])
def test_given_seeded_user_when_myself_then_200_with_account_id_header(
    jira: JiraEmulator, user: tuple[str, str]
) -> None:
    response = emulator_session(*user).get(f"{jira.base_url}/rest/api/3/myself", timeout=5)
    assert response.status_code == 200
    body = response.json()
    assert body["emailAddress"] == user[0]
    assert body["accountId"].startswith("712020:")
    assert response.headers["X-AAccountId"] == body["accountId"]


def test_given_alice_when_myself_then_display_name_is_alice_example(jira: JiraEmulator) -> None:
    body = emulator_session(*ALICE).get(f"{jira.base_url}/rest/api/3/myself", timeout=5).json()
    assert body["displayName"] == "Alice Example"
    assert body["active"] is True


@pytest.mark.parametrize(
    "credentials",
    [("admin@example.com", "wrong-token"), ("nobody@example.com", "admin-token"), ("", "")],
)
def test_given_wrong_credentials_when_calling_api_then_401_with_jira_error_body(
    jira: JiraEmulator, credentials: tuple[str, str]
) -> None:
    response = emulator_session(*credentials).get(f"{jira.base_url}/rest/api/3/myself", timeout=5)
    assert response.status_code == 401
    body = response.json()
    assert body["errors"] == {}
    assert body["errorMessages"]
    assert "X-AAccountId" not in response.headers
    assert "wrong-token" not in response.text


def test_given_no_authorization_header_when_calling_api_then_401(jira: JiraEmulator) -> None:
    response = requests.get(f"{jira.base_url}/rest/api/3/project/SEC", timeout=5)
    assert response.status_code == 401


def test_given_scoped_token_when_calling_site_url_then_401(jira: JiraEmulator) -> None:
    response = emulator_session(*SCOPED).get(f"{jira.base_url}/rest/api/3/myself", timeout=5)
    assert response.status_code == 401


def test_given_scoped_token_when_calling_gateway_url_then_200(jira: JiraEmulator) -> None:
    url = f"{jira.base_url}/ex/jira/{jira.cloud_id}/rest/api/3/myself"
    response = emulator_session(*SCOPED).get(url, timeout=5)
    assert response.status_code == 200
    assert response.json()["emailAddress"] == "svc@example.com"
    assert response.json()["self"].startswith(
        f"{jira.base_url}/ex/jira/{jira.cloud_id}/rest/api/3/"
    )


def test_given_wrong_cloud_id_when_calling_gateway_then_404(jira: JiraEmulator) -> None:
    url = f"{jira.base_url}/ex/jira/00000000-0000-4000-8000-000000000000/rest/api/3/myself"
    response = emulator_session(*SVC).get(url, timeout=5)
    assert response.status_code == 404


def test_given_admin_when_server_info_then_base_url_is_the_site(jira: JiraEmulator) -> None:
    body = emulator_session(*ADMIN).get(f"{jira.base_url}/rest/api/3/serverInfo", timeout=5).json()
    assert body["baseUrl"] == jira.base_url
    assert body["deploymentType"] == "Cloud"


def test_given_projects_when_get_project_then_components_and_issue_types_are_seeded(
    jira: JiraEmulator,
) -> None:
    session = emulator_session(*SVC)
    sec = session.get(f"{jira.base_url}/rest/api/3/project/SEC", timeout=5).json()
    ops = session.get(f"{jira.base_url}/rest/api/3/project/ops", timeout=5).json()
    assert sorted(c["name"] for c in sec["components"]) == ["api", "web"]
    assert [c["name"] for c in ops["components"]] == ["infra"]
    assert sorted(t["name"] for t in sec["issueTypes"]) == ["Bug", "Task"]


def test_given_unknown_project_when_get_project_then_404_jira_message(jira: JiraEmulator) -> None:
    response = emulator_session(*SVC).get(f"{jira.base_url}/rest/api/3/project/NOPE", timeout=5)
    assert response.status_code == 404
    assert response.json()["errorMessages"] == ["No project could be found with key 'NOPE'."]


def test_given_project_search_when_filtered_by_key_then_only_that_project(
    jira: JiraEmulator,
) -> None:
    url = f"{jira.base_url}/rest/api/3/project/search?keys=OPS"
    body = emulator_session(*SVC).get(url, timeout=5).json()
    assert [p["key"] for p in body["values"]] == ["OPS"]
    assert body["total"] == 1
    assert body["isLast"] is True


def test_given_workflows_when_project_statuses_then_each_project_lists_its_own(
    jira: JiraEmulator,
) -> None:
    session = emulator_session(*SVC)
    sec = session.get(f"{jira.base_url}/rest/api/3/project/SEC/statuses", timeout=5).json()
    ops = session.get(f"{jira.base_url}/rest/api/3/project/OPS/statuses", timeout=5).json()
    assert [s["name"] for s in sec[0]["statuses"]] == ["To Do", "In Progress", "Done"]
    assert [s["name"] for s in ops[0]["statuses"]] == [
        "Open",
        "In Progress",
        "In Review",
        "Done",
        "Closed",
    ]
    categories = {s["name"]: s["statusCategory"]["key"] for s in sec[0]["statuses"]}
    assert categories == {"To Do": "new", "In Progress": "indeterminate", "Done": "done"}


def test_given_seed_when_priorities_and_resolutions_then_exact_names(jira: JiraEmulator) -> None:
    session = emulator_session(*ALICE)
    priorities = session.get(f"{jira.base_url}/rest/api/3/priority", timeout=5).json()
    resolutions = session.get(f"{jira.base_url}/rest/api/3/resolution", timeout=5).json()
    assert [p["name"] for p in priorities] == ["Highest", "High", "Medium", "Low", "Lowest"]
    assert {r["name"] for r in resolutions} == {
        "Done",
        "Fixed",
        "Won't Fix",
        "Won't Do",
        "Duplicate",
    }


def test_given_fields_when_listed_then_system_and_custom_fields_present(jira: JiraEmulator) -> None:
    fields = emulator_session(*SVC).get(f"{jira.base_url}/rest/api/3/field", timeout=5).json()
    by_id = {f["id"]: f for f in fields}
    assert by_id["customfield_10050"]["name"] == "CVSS Score"
    assert by_id["customfield_10050"]["schema"]["type"] == "number"
    assert by_id["customfield_10051"]["schema"]["type"] == "option"
    assert by_id["components"]["custom"] is False
    assert {"summary", "description", "duedate", "labels", "priority"} <= by_id.keys()


def test_given_bug_when_createmeta_then_components_required_with_allowed_values(
    jira: JiraEmulator,
) -> None:
    session = emulator_session(*SVC)
    types = session.get(
        f"{jira.base_url}/rest/api/3/issue/createmeta/SEC/issuetypes", timeout=5
    ).json()
    bug = next(t for t in types["issueTypes"] if t["name"] == "Bug")
    task = next(t for t in types["issueTypes"] if t["name"] == "Task")
    url = f"{jira.base_url}/rest/api/3/issue/createmeta/SEC/issuetypes"
    bug_fields = {
        f["fieldId"]: f for f in session.get(f"{url}/{bug['id']}", timeout=5).json()["fields"]
    }
    task_fields = {
        f["fieldId"]: f for f in session.get(f"{url}/{task['id']}", timeout=5).json()["fields"]
    }
    assert bug_fields["components"]["required"] is True
    assert task_fields["components"]["required"] is False
    assert [v["name"] for v in bug_fields["components"]["allowedValues"]] == ["api", "web"]
    assert bug_fields["summary"]["required"] is True
    assert bug_fields["priority"]["hasDefaultValue"] is True
    assert [o["value"] for o in bug_fields["customfield_10051"]["allowedValues"]] == [
        "Scanner",
        "Pentest",
        "Bug Bounty",
    ]
    for meta in bug_fields.values():
        assert {"required", "schema", "name", "key", "operations", "hasDefaultValue"} <= meta.keys()


def test_given_too_large_page_when_createmeta_then_400(jira: JiraEmulator) -> None:
    url = f"{jira.base_url}/rest/api/3/issue/createmeta/SEC/issuetypes?maxResults=201"
    assert emulator_session(*SVC).get(url, timeout=5).status_code == 400


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        (
            ADMIN,
            {
                "ADMINISTER": True,
                "BROWSE_PROJECTS": True,
                "CREATE_ISSUES": True,
                "DELETE_ISSUES": True,
            },
        ),
        (
            SVC,
            {
                "ADMINISTER": False,
                "BROWSE_PROJECTS": True,
                "CREATE_ISSUES": True,
                "DELETE_ISSUES": True,
            },
        ),
        (
            ALICE,
            {
                "ADMINISTER": False,
                "BROWSE_PROJECTS": True,
                "CREATE_ISSUES": True,
                "DELETE_ISSUES": False,
            },
        ),
        (
            VIEWER,
            {
                "ADMINISTER": False,
                "BROWSE_PROJECTS": True,
                "CREATE_ISSUES": False,
                "DELETE_ISSUES": False,
            },
        ),
    ],
)
def test_given_user_when_mypermissions_then_have_permission_per_role(
    jira: JiraEmulator, user: tuple[str, str], expected: dict[str, bool]
) -> None:
    keys = ",".join(expected)
    url = f"{jira.base_url}/rest/api/3/mypermissions?permissions={keys}&projectKey=SEC"
    body = emulator_session(*user).get(url, timeout=5).json()
    assert {k: v["havePermission"] for k, v in body["permissions"].items()} == expected
    assert body["permissions"]["CREATE_ISSUES"]["type"] == "PROJECT"
    assert body["permissions"]["ADMINISTER"]["type"] == "GLOBAL"


def test_given_no_permissions_param_when_mypermissions_then_400(jira: JiraEmulator) -> None:
    response = emulator_session(*ALICE).get(f"{jira.base_url}/rest/api/3/mypermissions", timeout=5)
    assert response.status_code == 400
    assert response.json()["errorMessages"]


def test_given_unknown_permission_key_when_mypermissions_then_400(jira: JiraEmulator) -> None:
    url = f"{jira.base_url}/rest/api/3/mypermissions?permissions=FLY"
    assert emulator_session(*ALICE).get(url, timeout=5).status_code == 400


def test_given_unknown_project_when_mypermissions_then_404(jira: JiraEmulator) -> None:
    url = f"{jira.base_url}/rest/api/3/mypermissions?permissions=BROWSE_PROJECTS&projectKey=NOPE"
    assert emulator_session(*ALICE).get(url, timeout=5).status_code == 404


def test_given_unknown_api_path_when_called_then_404_json(jira: JiraEmulator) -> None:
    response = emulator_session(*ALICE).get(f"{jira.base_url}/rest/api/3/nothing-here", timeout=5)
    assert response.status_code == 404
    assert "errorMessages" in response.json()

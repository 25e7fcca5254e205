"""The emulator's REST v3 read routes and auth failures, held to Atlassian's OpenAPI spec.

Every response is checked over real HTTP against the committed subset
(tests/contract/jira-openapi-subset.json) by tests/contract/openapi.py: the documented status, the
media type, and the documented schema with its `required` lists and `additionalProperties: false`.

Error bodies: many 4xx responses in Atlassian's spec carry no content schema (only a description,
sometimes an example). Those are held to the spec's `ErrorCollection` (`errorMessages`, `errors`,
optional `status`; no other keys), the body Jira sends for every error, and must name a reason.

Issue routes are in test_jira_issue_contract.py; `/_edge/tenant_info` and the admin webhooks 1.0
routes, which the v3 spec does not cover, in test_jira_unversioned_contract.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.contract.jira_http import (
    ADMIN,
    ALICE,
    SCOPED,
    VIEWER,
    WRONG,
    EmulatorHandle,
    Site,
    check,
    check_jira_error,
)


@pytest.fixture
def site(jira: EmulatorHandle) -> Site:
    """The site URL, as the service account."""
    return Site.site(jira)


@pytest.mark.parametrize("auth", [ADMIN, ALICE, VIEWER], ids=["admin", "alice", "viewer"])
def test_get_myself_returns_the_caller_as_a_spec_user(site: Site, auth: tuple[str, str]) -> None:
    body = check(site.as_user(auth).call("GET", "/myself"), "/myself", 200)
    assert body["emailAddress"] == auth[0]
    assert body["accountId"]


def test_get_server_info_matches_server_information(site: Site, jira: EmulatorHandle) -> None:
    body = check(site.call("GET", "/serverInfo"), "/serverInfo", 200)
    assert body["baseUrl"].rstrip("/") == jira.base_url.rstrip("/")


@pytest.mark.parametrize("key", ["SEC", "OPS"])
def test_get_project_matches_project(site: Site, key: str) -> None:
    template = "/project/{projectIdOrKey}"
    body = check(site.call("GET", template, {"projectIdOrKey": key}), template, 200)
    assert body["key"] == key
    by_id = site.call("GET", template, {"projectIdOrKey": body["id"]})
    assert check(by_id, template, 200)["key"] == key


def test_get_project_components_match_the_seed(site: Site) -> None:
    template = "/project/{projectIdOrKey}"
    body = check(site.call("GET", template, {"projectIdOrKey": "SEC"}), template, 200)
    assert {component["name"] for component in body["components"]} == {"api", "web"}


def test_given_an_unknown_project_when_getting_it_then_404_is_an_error_collection(
    site: Site,
) -> None:
    template = "/project/{projectIdOrKey}"
    check_jira_error(site.call("GET", template, {"projectIdOrKey": "NOPE"}), template, 404)


def test_get_project_search_matches_page_bean_project(site: Site) -> None:
    body = check(site.call("GET", "/project/search"), "/project/search", 200)
    assert {"SEC", "OPS"} <= {project["key"] for project in body["values"]}


@pytest.mark.parametrize(
    ("key", "statuses"),
    [
        ("SEC", {"To Do", "In Progress", "Done"}),
        ("OPS", {"Open", "In Progress", "In Review", "Done", "Closed"}),
    ],
)
def test_get_project_statuses_matches_issue_type_with_status(
    site: Site, key: str, statuses: set[str]
) -> None:
    template = "/project/{projectIdOrKey}/statuses"
    body = check(site.call("GET", template, {"projectIdOrKey": key}), template, 200)
    assert body
    for issue_type in body:
        assert {status["name"] for status in issue_type["statuses"]} == statuses


def test_given_an_unknown_project_when_getting_its_statuses_then_404(site: Site) -> None:
    template = "/project/{projectIdOrKey}/statuses"
    check_jira_error(site.call("GET", template, {"projectIdOrKey": "NOPE"}), template, 404)


def test_get_priority_matches_priority_list(site: Site) -> None:
    body = check(site.call("GET", "/priority"), "/priority", 200)
    assert [priority["name"] for priority in body] == ["Highest", "High", "Medium", "Low", "Lowest"]


def test_get_status_matches_status_details_list(site: Site) -> None:
    body = check(site.call("GET", "/status"), "/status", 200)
    assert {"To Do", "Open", "In Review", "Closed"} <= {status["name"] for status in body}


def test_get_field_matches_field_details_list(site: Site) -> None:
    body = check(site.call("GET", "/field"), "/field", 200)
    assert {"summary", "description", "priority", "components", "comment"} <= {
        field["id"] for field in body
    }


def test_get_createmeta_issue_types_matches_page_of_create_meta_issue_types(site: Site) -> None:
    template = "/issue/createmeta/{projectIdOrKey}/issuetypes"
    body = check(site.call("GET", template, {"projectIdOrKey": "SEC"}), template, 200)
    assert {issue_type["name"] for issue_type in body["issueTypes"]} == {"Task", "Bug"}


def test_given_max_results_over_the_limit_when_listing_create_issue_types_then_400(
    site: Site,
) -> None:
    """The spec's documented 400 example for this operation is maxResults over 200."""
    template = "/issue/createmeta/{projectIdOrKey}/issuetypes"
    response = site.call("GET", template, {"projectIdOrKey": "SEC"}, params={"maxResults": 201})
    check_jira_error(response, template, 400)


def _issue_type_id(site: Site, project: str, name: str) -> str:
    template = "/issue/createmeta/{projectIdOrKey}/issuetypes"
    body = check(site.call("GET", template, {"projectIdOrKey": project}), template, 200)
    return str(next(t["id"] for t in body["issueTypes"] if t["name"] == name))


def test_get_createmeta_fields_matches_page_and_marks_bug_components_required(site: Site) -> None:
    template = "/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}"
    bug = _issue_type_id(site, "SEC", "Bug")
    response = site.call("GET", template, {"projectIdOrKey": "SEC", "issueTypeId": bug})
    body = check(response, template, 200)
    fields = {field["fieldId"]: field for field in body["fields"]}
    assert fields["components"]["required"] is True
    assert fields["summary"]["required"] is True


def test_given_max_results_over_the_limit_when_listing_create_fields_then_400(site: Site) -> None:
    template = "/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}"
    task = _issue_type_id(site, "SEC", "Task")
    response = site.call(
        "GET", template, {"projectIdOrKey": "SEC", "issueTypeId": task}, params={"maxResults": 201}
    )
    check_jira_error(response, template, 400)


@pytest.mark.parametrize(
    ("auth", "can_create"),
    [(ALICE, True), (VIEWER, False)],
    ids=["alice", "viewer"],
)
def test_get_mypermissions_matches_permissions(
    site: Site, auth: tuple[str, str], can_create: bool
) -> None:
    response = site.as_user(auth).call(
        "GET",
        "/mypermissions",
        params={"projectKey": "SEC", "permissions": "BROWSE_PROJECTS,CREATE_ISSUES"},
    )
    body = check(response, "/mypermissions", 200)
    assert body["permissions"]["BROWSE_PROJECTS"]["havePermission"] is True
    assert body["permissions"]["CREATE_ISSUES"]["havePermission"] is can_create


def test_given_no_permissions_parameter_when_getting_mypermissions_then_400(site: Site) -> None:
    """Jira Cloud requires `permissions` (Atlassian's docs for Get my permissions)."""
    check_jira_error(site.call("GET", "/mypermissions"), "/mypermissions", 400)


def test_given_an_unknown_permission_key_when_getting_mypermissions_then_400(site: Site) -> None:
    response = site.call("GET", "/mypermissions", params={"permissions": "NOT_A_PERMISSION"})
    check_jira_error(response, "/mypermissions", 400)


def test_given_an_unknown_project_when_getting_mypermissions_then_404(site: Site) -> None:
    response = site.call(
        "GET", "/mypermissions", params={"projectKey": "NOPE", "permissions": "BROWSE_PROJECTS"}
    )
    check_jira_error(response, "/mypermissions", 404)


# Every v3 operation the spec documents a 401 for, with path values that exist in the seed.
UNAUTHENTICATED = [
    ("GET", "/myself", {}),
    ("GET", "/serverInfo", {}),
    ("GET", "/project/{projectIdOrKey}", {"projectIdOrKey": "SEC"}),
    ("GET", "/project/search", {}),
    ("GET", "/project/{projectIdOrKey}/statuses", {"projectIdOrKey": "SEC"}),
    ("GET", "/priority", {}),
    ("GET", "/status", {}),
    ("GET", "/field", {}),
    ("GET", "/issue/createmeta/{projectIdOrKey}/issuetypes", {"projectIdOrKey": "SEC"}),
    ("GET", "/mypermissions", {}),
    ("GET", "/search/jql", {}),
    ("GET", "/project", {}),
    ("GET", "/user/search", {}),
    ("GET", "/issue/{issueIdOrKey}/remotelink", {"issueIdOrKey": "SEC-1"}),
    ("POST", "/issue/{issueIdOrKey}/remotelink", {"issueIdOrKey": "SEC-1"}),
    ("POST", "/issue", {}),
    ("GET", "/issue/{issueIdOrKey}", {"issueIdOrKey": "SEC-1"}),
    ("PUT", "/issue/{issueIdOrKey}", {"issueIdOrKey": "SEC-1"}),
    ("DELETE", "/issue/{issueIdOrKey}", {"issueIdOrKey": "SEC-1"}),
    ("GET", "/issue/{issueIdOrKey}/transitions", {"issueIdOrKey": "SEC-1"}),
    ("POST", "/issue/{issueIdOrKey}/transitions", {"issueIdOrKey": "SEC-1"}),
    ("GET", "/issue/{issueIdOrKey}/comment", {"issueIdOrKey": "SEC-1"}),
    ("POST", "/issue/{issueIdOrKey}/comment", {"issueIdOrKey": "SEC-1"}),
    (
        "GET",
        "/issue/{issueIdOrKey}/properties/{propertyKey}",
        {"issueIdOrKey": "SEC-1", "propertyKey": "p"},
    ),
    (
        "PUT",
        "/issue/{issueIdOrKey}/properties/{propertyKey}",
        {"issueIdOrKey": "SEC-1", "propertyKey": "p"},
    ),
]


@pytest.mark.parametrize(
    ("method", "template", "path"), UNAUTHENTICATED, ids=[f"{m} {t}" for m, t, _ in UNAUTHENTICATED]
)
def test_given_a_wrong_token_when_calling_then_401_is_an_error_collection(
    jira: EmulatorHandle, method: str, template: str, path: dict[str, str]
) -> None:
    payload: dict[str, Any] = {"json": {}} if method in {"POST", "PUT"} else {}
    response = Site.site(jira, WRONG).call(method, template, path, **payload)
    check_jira_error(response, template, 401)
    assert WRONG[1] not in response.text


@pytest.mark.parametrize("template", ["/myself", "/project/search", "/priority"])
def test_given_a_scoped_token_when_calling_the_site_url_then_401(
    jira: EmulatorHandle, template: str
) -> None:
    response = Site.site(jira, SCOPED).call("GET", template)
    check_jira_error(response, template, 401)
    assert SCOPED[1] not in response.text


# --- the same routes under /ex/jira/<cloudId> (spot checks) -------------------------------------


@pytest.mark.parametrize(
    ("template", "path"),
    [
        ("/myself", {}),
        ("/serverInfo", {}),
        ("/project/{projectIdOrKey}", {"projectIdOrKey": "SEC"}),
        ("/project/search", {}),
        ("/priority", {}),
        ("/issue/createmeta/{projectIdOrKey}/issuetypes", {"projectIdOrKey": "SEC"}),
    ],
)
def test_given_the_scoped_token_under_the_cloud_path_then_responses_match_the_spec(
    jira: EmulatorHandle, template: str, path: dict[str, str]
) -> None:
    check(Site.cloud(jira).call("GET", template, path), template, 200)


def test_given_the_cloud_path_when_a_project_is_missing_then_404_matches_the_spec(
    jira: EmulatorHandle,
) -> None:
    template = "/project/{projectIdOrKey}"
    response = Site.cloud(jira).call("GET", template, {"projectIdOrKey": "NOPE"})
    check_jira_error(response, template, 404)


def test_given_a_wrong_token_under_the_cloud_path_then_401_matches_the_spec(
    jira: EmulatorHandle,
) -> None:
    check_jira_error(Site.cloud(jira, WRONG).call("GET", "/myself"), "/myself", 401)

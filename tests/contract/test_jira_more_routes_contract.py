"""REST v3 routes the emulator serves beyond the ones jira-sync calls, held to the spec too.

A client written against the emulator must not learn shapes real Jira never sends, so every
route it answers under /rest/api/3 is checked, not only the ones the service uses today. Error
bodies without a spec schema are held to `ErrorCollection` (see test_jira_contract.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.contract.jira_http import (
    ALICE,
    API,
    VIEWER,
    EmulatorHandle,
    Site,
    adf,
    check,
    check_component,
    check_jira_error,
)
from tests.contract.openapi import subset

ISSUE = "/issue/{issueIdOrKey}"
ASSIGNEE = "/issue/{issueIdOrKey}/assignee"
PROPERTIES = "/issue/{issueIdOrKey}/properties"
PROPERTY = "/issue/{issueIdOrKey}/properties/{propertyKey}"
COMMENT = "/issue/{issueIdOrKey}/comment"
COMMENT_BY_ID = "/issue/{issueIdOrKey}/comment/{id}"
ATTACHMENTS = "/issue/{issueIdOrKey}/attachments"
ATTACHMENT = "/attachment/{id}"
ATTACHMENT_CONTENT = "/attachment/content/{id}"
STATUS = "/status/{idOrName}"


@pytest.fixture
def site(jira: EmulatorHandle) -> Site:
    return Site.site(jira)


@pytest.fixture
def key(site: Site) -> str:
    """A fresh SEC task."""
    fields = {
        "project": {"key": "SEC"},
        "issuetype": {"name": "Task"},
        "summary": "More routes",
    }
    return str(check(site.call("POST", "/issue", json={"fields": fields}), "/issue", 201)["key"])


@pytest.mark.parametrize("id_or_name", ["In Progress", "in progress"])
def test_get_status_by_name_matches_status_details(site: Site, id_or_name: str) -> None:
    body = check(site.call("GET", STATUS, {"idOrName": id_or_name}), STATUS, 200)
    assert body["name"] == "In Progress"
    by_id = check(site.call("GET", STATUS, {"idOrName": body["id"]}), STATUS, 200)
    assert by_id == body


def test_given_an_unknown_status_when_getting_it_then_404(site: Site) -> None:
    check_jira_error(site.call("GET", STATUS, {"idOrName": "No Such Status"}), STATUS, 404)


def test_get_resolution_matches_resolution_list(site: Site) -> None:
    body = check(site.call("GET", "/resolution"), "/resolution", 200)
    assert {"Done", "Fixed", "Won't Fix", "Won't Do", "Duplicate"} <= {r["name"] for r in body}


def test_get_issuetype_matches_issue_type_details_list(site: Site) -> None:
    body = check(site.call("GET", "/issuetype"), "/issuetype", 200)
    assert {"Task", "Bug"} <= {issue_type["name"] for issue_type in body}


def test_put_assignee_returns_204_and_assigns(site: Site, key: str) -> None:
    alice = check(site.as_user(ALICE).call("GET", "/myself"), "/myself", 200)
    path = {"issueIdOrKey": key}
    check(site.call("PUT", ASSIGNEE, path, json={"accountId": alice["accountId"]}), ASSIGNEE, 204)
    fields = check(site.call("GET", ISSUE, path), ISSUE, 200)["fields"]
    assert fields["assignee"]["accountId"] == alice["accountId"]


def test_given_an_unknown_account_when_assigning_then_400(site: Site, key: str) -> None:
    response = site.call("PUT", ASSIGNEE, {"issueIdOrKey": key}, json={"accountId": "nobody"})
    check_jira_error(response, ASSIGNEE, 400)


def test_given_an_unknown_issue_when_assigning_then_404(site: Site) -> None:
    response = site.call("PUT", ASSIGNEE, {"issueIdOrKey": "SEC-999999"}, json={"accountId": None})
    check_jira_error(response, ASSIGNEE, 404)


def test_get_property_keys_matches_property_keys(site: Site, key: str) -> None:
    check(
        site.call("PUT", PROPERTY, {"issueIdOrKey": key, "propertyKey": "k1"}, json=1),
        PROPERTY,
        201,
    )
    body = check(site.call("GET", PROPERTIES, {"issueIdOrKey": key}), PROPERTIES, 200)
    assert [entry["key"] for entry in body["keys"]] == ["k1"]


def test_given_an_unknown_issue_when_listing_property_keys_then_404(site: Site) -> None:
    response = site.call("GET", PROPERTIES, {"issueIdOrKey": "SEC-999999"})
    check_jira_error(response, PROPERTIES, 404)


def test_delete_property_returns_204_then_404(site: Site, key: str) -> None:
    path = {"issueIdOrKey": key, "propertyKey": "k1"}
    check(site.call("PUT", PROPERTY, path, json=1), PROPERTY, 201)
    check(site.call("DELETE", PROPERTY, path), PROPERTY, 204)
    check_jira_error(site.call("DELETE", PROPERTY, path), PROPERTY, 404)


def test_comment_by_id_get_put_delete_match_the_spec(site: Site, key: str) -> None:
    posted = check(
        site.call("POST", COMMENT, {"issueIdOrKey": key}, json={"body": adf("v1")}), COMMENT, 201
    )
    path = {"issueIdOrKey": key, "id": posted["id"]}
    assert check(site.call("GET", COMMENT_BY_ID, path), COMMENT_BY_ID, 200)["id"] == posted["id"]
    edited = check(
        site.call("PUT", COMMENT_BY_ID, path, json={"body": adf("v2")}), COMMENT_BY_ID, 200
    )
    assert edited["body"] == adf("v2")
    check(site.call("DELETE", COMMENT_BY_ID, path), COMMENT_BY_ID, 204)
    check_jira_error(site.call("GET", COMMENT_BY_ID, path), COMMENT_BY_ID, 404)


def test_given_an_invalid_body_when_editing_a_comment_then_400(site: Site, key: str) -> None:
    posted = check(
        site.call("POST", COMMENT, {"issueIdOrKey": key}, json={"body": adf("v1")}), COMMENT, 201
    )
    path = {"issueIdOrKey": key, "id": posted["id"]}
    response = site.call("PUT", COMMENT_BY_ID, path, json={"body": "plain text is not ADF"})
    check_jira_error(response, COMMENT_BY_ID, 400)


def test_given_an_unknown_comment_when_deleting_then_404(site: Site, key: str) -> None:
    path = {"issueIdOrKey": key, "id": "999999"}
    check_jira_error(site.call("DELETE", COMMENT_BY_ID, path), COMMENT_BY_ID, 404)


def test_attachment_metadata_and_content_match_the_spec(site: Site, key: str) -> None:
    uploaded = check(
        site.call(
            "POST",
            ATTACHMENTS,
            {"issueIdOrKey": key},
            headers={"X-Atlassian-Token": "no-check"},
            files={"file": ("a.csv", b"a,b\n", "text/csv")},
        ),
        ATTACHMENTS,
        200,
    )
    attachment_id = str(uploaded[0]["id"])
    meta = check(site.call("GET", ATTACHMENT, {"id": attachment_id}), ATTACHMENT, 200)
    assert meta["filename"] == "a.csv"

    response = site.call("GET", ATTACHMENT_CONTENT, {"id": attachment_id})
    # The spec documents no JSON body for the file itself: check the status, then the bytes.
    subset().response_schema("GET", API + ATTACHMENT_CONTENT, response.status_code)
    assert response.status_code == 200
    assert response.content == b"a,b\n"


def test_given_an_unknown_attachment_when_getting_it_then_404(site: Site) -> None:
    check_jira_error(site.call("GET", ATTACHMENT, {"id": "999999"}), ATTACHMENT, 404)
    check_jira_error(
        site.call("GET", ATTACHMENT_CONTENT, {"id": "999999"}), ATTACHMENT_CONTENT, 404
    )


COMMENT_PROPERTY = "/comment/{commentId}/properties/{propertyKey}"


def test_given_a_comment_with_properties_then_they_are_served_as_the_spec_says(
    site: Site, key: str
) -> None:
    """How the remediation function finds a comment whose answer was lost (issue 10)."""
    posted = check(
        site.call(
            "POST",
            COMMENT,
            {"issueIdOrKey": key},
            json={"body": adf("v1"), "properties": [{"key": "jira-sync", "value": {"n": 1}}]},
        ),
        COMMENT,
        201,
    )
    listed = check(
        site.call("GET", COMMENT, {"issueIdOrKey": key}, params={"expand": "properties"}),
        COMMENT,
        200,
    )
    assert listed["comments"][-1]["properties"] == [{"key": "jira-sync", "value": {"n": 1}}]
    path = {"commentId": posted["id"], "propertyKey": "jira-sync"}
    assert check(site.call("GET", COMMENT_PROPERTY, path), COMMENT_PROPERTY, 200) == {
        "key": "jira-sync",
        "value": {"n": 1},
    }
    missing = {"commentId": posted["id"], "propertyKey": "other"}
    check_jira_error(site.call("GET", COMMENT_PROPERTY, missing), COMMENT_PROPERTY, 404)


# --- routes real clients call: project list, user search, remote links ---------------------------

PROJECTS = "/project"
USER_SEARCH = "/user/search"
REMOTE_LINKS = "/issue/{issueIdOrKey}/remotelink"
REMOTE_LINK = "/issue/{issueIdOrKey}/remotelink/{linkId}"


def test_get_project_list_matches_project_list_and_expands(site: Site) -> None:
    body = check(site.call("GET", PROJECTS), PROJECTS, 200)
    assert [p["key"] for p in body] == ["SEC", "OPS"]
    assert "lead" not in body[0]
    expanded = check(
        site.call("GET", PROJECTS, params={"expand": "lead,issueTypes"}), PROJECTS, 200
    )
    assert expanded[0]["lead"]["emailAddress"] == "admin@example.com"
    assert {t["name"] for t in expanded[0]["issueTypes"]} == {"Task", "Bug"}


@pytest.mark.parametrize(
    ("params", "emails"),
    [
        ({"query": "alice@example.com"}, ["alice@example.com"]),
        ({"query": "ali"}, ["alice@example.com"]),
        ({"query": "example"}, ["alice@example.com", "viewer@example.com"]),
        ({"query": "nobody"}, []),
    ],
    ids=["email", "prefix", "name-word", "none"],
)
def test_get_user_search_matches_user_list(
    site: Site, params: dict[str, str], emails: list[str]
) -> None:
    body = check(site.call("GET", USER_SEARCH, params=params), USER_SEARCH, 200)
    assert [u["emailAddress"] for u in body] == emails


def test_get_user_search_by_account_id_and_page(site: Site) -> None:
    alice = check(site.as_user(ALICE).call("GET", "/myself"), "/myself", 200)
    body = check(
        site.call("GET", USER_SEARCH, params={"accountId": alice["accountId"]}), USER_SEARCH, 200
    )
    assert [u["accountId"] for u in body] == [alice["accountId"]]
    page = site.call("GET", USER_SEARCH, params={"query": "e", "startAt": 1, "maxResults": 1})
    assert len(check(page, USER_SEARCH, 200)) == 1


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"query": "a", "accountId": "b"},
        {"property": "no-equals-sign"},
        {"query": "a", "maxResults": "x"},
    ],
    ids=["none", "query-and-account", "bad-property", "bad-page"],
)
def test_given_invalid_user_search_parameters_then_400(site: Site, params: dict[str, str]) -> None:
    check_jira_error(site.call("GET", USER_SEARCH, params=params), USER_SEARCH, 400)


def test_given_no_browse_users_permission_when_searching_users_then_empty(
    jira: EmulatorHandle,
) -> None:
    response = Site.site(jira, VIEWER).call("GET", USER_SEARCH, params={"query": "alice"})
    assert check(response, USER_SEARCH, 200) == []


def remote_link(url: str = "https://example.com/pr/1", **extra: Any) -> dict[str, Any]:
    return {"object": {"url": url, "title": "PR 1"}, **extra}


def test_post_remote_link_returns_201_then_200_for_the_same_global_id(site: Site, key: str) -> None:
    path = {"issueIdOrKey": key}
    created = check(
        site.call("POST", REMOTE_LINKS, path, json=remote_link(globalId="pr-1")), REMOTE_LINKS, 201
    )
    assert created["self"].endswith(f"/rest/api/3/issue/{key}/remotelink/{created['id']}")
    again = site.call(
        "POST", REMOTE_LINKS, path, json=remote_link("https://example.com/pr/1b", globalId="pr-1")
    )
    assert check(again, REMOTE_LINKS, 200)["id"] == created["id"]
    one = check(
        site.call("GET", REMOTE_LINKS, path, params={"globalId": "pr-1"}), REMOTE_LINKS, 200
    )
    assert one["object"] == {"url": "https://example.com/pr/1b", "title": "PR 1"}
    by_id = check(
        site.call("GET", REMOTE_LINK, {**path, "linkId": str(created["id"])}), REMOTE_LINK, 200
    )
    assert by_id == one


def test_get_remote_links_lists_every_link_of_the_issue(site: Site, key: str) -> None:
    path = {"issueIdOrKey": key}
    for url in ("https://example.com/a", "https://example.com/b"):
        check(site.call("POST", REMOTE_LINKS, path, json=remote_link(url)), REMOTE_LINKS, 201)
    response = site.call("GET", REMOTE_LINKS, path)
    # The spec's schema for this answer is one RemoteIssueLink, yet its own example, and Jira,
    # answer a list of them (one object only for `globalId`): hold each item to the schema.
    subset().response_schema("GET", API + REMOTE_LINKS, response.status_code)
    assert response.status_code == 200
    links = response.json()
    for index, link in enumerate(links):
        check_component("RemoteIssueLink", link, f"GET {REMOTE_LINKS}[{index}]")
    assert [link["object"]["url"] for link in links] == [
        "https://example.com/a",
        "https://example.com/b",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"object": {"url": "https://example.com"}}, "title"),
        ({"object": {"title": "t"}}, "url"),
        ({"globalId": "g"}, "object"),
        (remote_link(globalId="g" * 256), "globalId"),
    ],
    ids=["no-title", "no-url", "no-object", "long-global-id"],
)
def test_given_an_invalid_remote_link_when_posting_then_400_names_the_field(
    site: Site, key: str, body: dict[str, Any], field: str
) -> None:
    response = site.call("POST", REMOTE_LINKS, {"issueIdOrKey": key}, json=body)
    assert field in check_jira_error(response, REMOTE_LINKS, 400)["errors"]


def test_given_no_link_permission_when_posting_a_remote_link_then_403(
    jira: EmulatorHandle, key: str
) -> None:
    response = Site.site(jira, VIEWER).call(
        "POST", REMOTE_LINKS, {"issueIdOrKey": key}, json=remote_link()
    )
    check_jira_error(response, REMOTE_LINKS, 403)


def test_given_an_unknown_issue_or_link_then_404_and_a_bad_id_400(site: Site, key: str) -> None:
    check_jira_error(
        site.call("POST", REMOTE_LINKS, {"issueIdOrKey": "SEC-999999"}, json=remote_link()),
        REMOTE_LINKS,
        404,
    )
    check_jira_error(
        site.call("GET", REMOTE_LINKS, {"issueIdOrKey": key}, params={"globalId": "none"}),
        REMOTE_LINKS,
        404,
    )
    check_jira_error(
        site.call("GET", REMOTE_LINK, {"issueIdOrKey": key, "linkId": "999999"}), REMOTE_LINK, 404
    )
    check_jira_error(
        site.call("GET", REMOTE_LINK, {"issueIdOrKey": key, "linkId": "abc"}), REMOTE_LINK, 400
    )

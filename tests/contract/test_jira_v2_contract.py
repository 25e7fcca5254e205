"""The emulator's REST v2 routes (and `/rest/api/latest`, v2's alias), held to the spec subset.

The subset's /rest/api/2 operations are Atlassian's v3 operations at the v2 path (see
extract_subset.py): v2 has the same operations, and its rich text (description, comment body) is
a wiki-markup string where v3 has ADF. The schemas leave those fields untyped, so each test that
writes or reads rich text also asserts the string, and that v2 and v3 read the same stored text.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.contract.jira_http import (
    ALICE,
    VIEWER,
    WRONG,
    EmulatorHandle,
    Site,
    adf,
    check,
    check_component,
    check_jira_error,
)
from tests.contract.openapi import subset

MYSELF = "/rest/api/2/myself"
SERVER_INFO = "/rest/api/2/serverInfo"
PROJECTS = "/rest/api/2/project"
PROJECT = "/rest/api/2/project/{projectIdOrKey}"
PROJECT_SEARCH = "/rest/api/2/project/search"
PROJECT_STATUSES = "/rest/api/2/project/{projectIdOrKey}/statuses"
PRIORITY = "/rest/api/2/priority"
STATUSES = "/rest/api/2/status"
STATUS = "/rest/api/2/status/{idOrName}"
RESOLUTION = "/rest/api/2/resolution"
ISSUE_TYPES = "/rest/api/2/issuetype"
FIELDS = "/rest/api/2/field"
CREATE_TYPES = "/rest/api/2/issue/createmeta/{projectIdOrKey}/issuetypes"
CREATE_FIELDS = "/rest/api/2/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}"
MYPERMISSIONS = "/rest/api/2/mypermissions"
USER_SEARCH = "/rest/api/2/user/search"
ISSUES = "/rest/api/2/issue"
ISSUE = "/rest/api/2/issue/{issueIdOrKey}"
ASSIGNEE = "/rest/api/2/issue/{issueIdOrKey}/assignee"
TRANSITIONS = "/rest/api/2/issue/{issueIdOrKey}/transitions"
COMMENTS = "/rest/api/2/issue/{issueIdOrKey}/comment"
COMMENT = "/rest/api/2/issue/{issueIdOrKey}/comment/{id}"
COMMENT_PROPERTY = "/rest/api/2/comment/{commentId}/properties/{propertyKey}"
ATTACHMENTS = "/rest/api/2/issue/{issueIdOrKey}/attachments"
ATTACHMENT = "/rest/api/2/attachment/{id}"
ATTACHMENT_CONTENT = "/rest/api/2/attachment/content/{id}"
PROPERTIES = "/rest/api/2/issue/{issueIdOrKey}/properties"
PROPERTY = "/rest/api/2/issue/{issueIdOrKey}/properties/{propertyKey}"
REMOTE_LINKS = "/rest/api/2/issue/{issueIdOrKey}/remotelink"
REMOTE_LINK = "/rest/api/2/issue/{issueIdOrKey}/remotelink/{linkId}"
SEARCH = "/rest/api/2/search/jql"
V3_ISSUE = "/issue/{issueIdOrKey}"
V3_COMMENTS = "/issue/{issueIdOrKey}/comment"

WIKI = "h2. Finding\n*SQL injection* in {{/search}}\n\nSee [the advisory|https://example.com/a]."


@pytest.fixture
def site(jira: EmulatorHandle) -> Site:
    return Site.site(jira)


def fields(**extra: Any) -> dict[str, Any]:
    return {
        "project": {"key": "SEC"},
        "issuetype": {"name": "Task"},
        "summary": "A v2 issue",
        "description": WIKI,
        **extra,
    }


@pytest.fixture
def key(site: Site) -> str:
    body = check(site.call("POST", ISSUES, json={"fields": fields()}), ISSUES, 201)
    assert body["self"].endswith(f"/rest/api/2/issue/{body['id']}")
    return str(body["key"])


def test_v2_site_reads_match_the_spec(site: Site) -> None:
    assert check(site.call("GET", MYSELF), MYSELF, 200)["emailAddress"] == "svc@example.com"
    assert check(site.call("GET", SERVER_INFO), SERVER_INFO, 200)["deploymentType"] == "Cloud"
    assert [p["key"] for p in check(site.call("GET", PROJECTS), PROJECTS, 200)] == ["SEC", "OPS"]
    project = check(site.call("GET", PROJECT, {"projectIdOrKey": "SEC"}), PROJECT, 200)
    assert project["self"].endswith("/rest/api/2/project/10000")
    assert project["lead"]["self"].split("/rest/api/")[1].startswith("2/")
    check(site.call("GET", PROJECT_SEARCH), PROJECT_SEARCH, 200)
    check(site.call("GET", PROJECT_STATUSES, {"projectIdOrKey": "OPS"}), PROJECT_STATUSES, 200)
    check(site.call("GET", PRIORITY), PRIORITY, 200)
    check(site.call("GET", STATUSES), STATUSES, 200)
    assert check(site.call("GET", STATUS, {"idOrName": "done"}), STATUS, 200)["name"] == "Done"
    check(site.call("GET", RESOLUTION), RESOLUTION, 200)
    check(site.call("GET", ISSUE_TYPES), ISSUE_TYPES, 200)
    check(site.call("GET", FIELDS), FIELDS, 200)
    types = check(site.call("GET", CREATE_TYPES, {"projectIdOrKey": "SEC"}), CREATE_TYPES, 200)
    bug = next(t["id"] for t in types["issueTypes"] if t["name"] == "Bug")
    meta = site.call("GET", CREATE_FIELDS, {"projectIdOrKey": "SEC", "issueTypeId": bug})
    by_id = {f["fieldId"]: f for f in check(meta, CREATE_FIELDS, 200)["fields"]}
    assert by_id["components"]["required"] is True
    assert "/rest/api/2/user/search" in by_id["assignee"]["autoCompleteUrl"]
    permissions = site.call("GET", MYPERMISSIONS, params={"permissions": "CREATE_ISSUES"})
    assert check(permissions, MYPERMISSIONS, 200)["permissions"]["CREATE_ISSUES"]["havePermission"]
    users = site.call("GET", USER_SEARCH, params={"query": "alice"})
    assert [u["displayName"] for u in check(users, USER_SEARCH, 200)] == ["Alice Example"]


def test_v2_read_errors_match_the_spec(jira: EmulatorHandle, site: Site) -> None:
    check_jira_error(site.call("GET", PROJECT, {"projectIdOrKey": "NOPE"}), PROJECT, 404)
    check_jira_error(site.call("GET", STATUS, {"idOrName": "Nope"}), STATUS, 404)
    check_jira_error(site.call("GET", MYPERMISSIONS), MYPERMISSIONS, 400)
    check_jira_error(site.call("GET", USER_SEARCH), USER_SEARCH, 400)
    check_jira_error(Site.site(jira, WRONG).call("GET", MYSELF), MYSELF, 401)
    response = site.call("GET", CREATE_TYPES, {"projectIdOrKey": "SEC"}, params={"maxResults": 201})
    check_jira_error(response, CREATE_TYPES, 400)


def test_v2_issue_keeps_its_wiki_description_and_v3_reads_it_as_adf(site: Site, key: str) -> None:
    issue = check(site.call("GET", ISSUE, {"issueIdOrKey": key}), ISSUE, 200)
    assert issue["self"].endswith(f"/rest/api/2/issue/{issue['id']}")
    assert issue["fields"]["description"] == WIKI
    check_component("StatusDetails", issue["fields"]["status"], "fields.status")
    v3 = check(site.call("GET", V3_ISSUE, {"issueIdOrKey": key}), V3_ISSUE, 200)
    description = v3["fields"]["description"]
    assert description["type"] == "doc"
    assert [p["type"] for p in description["content"]] == ["paragraph", "paragraph"]


def test_v3_adf_description_reads_as_wiki_markup_in_v2(site: Site) -> None:
    doc = {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "heading", "attrs": {"level": 2}, "content": [{"type": "text", "text": "T"}]},
            {
                "type": "paragraph",
                "content": [{"type": "text", "text": "bold", "marks": [{"type": "strong"}]}],
            },
        ],
    }
    payload = {"fields": {**fields(description=doc)}}
    created = check(site.call("POST", "/issue", json=payload), "/issue", 201)
    issue = check(site.call("GET", ISSUE, {"issueIdOrKey": created["key"]}), ISSUE, 200)
    assert issue["fields"]["description"] == "h2. T\n\n*bold*"


@pytest.mark.parametrize(
    ("description", "message"),
    [
        (adf("ADF is v3's"), "Operation value must be a string"),
        ("x" * 32_768, "The entered text is too long. It exceeds the allowed limit of 32,767"),
    ],
    ids=["adf", "too-long"],
)
def test_given_a_description_v2_refuses_when_creating_then_400(
    site: Site, description: Any, message: str
) -> None:
    response = site.call("POST", ISSUES, json={"fields": fields(description=description)})
    assert check_jira_error(response, ISSUES, 400)["errors"]["description"].startswith(message)


def test_v2_edit_assign_transition_and_delete_match_the_spec(site: Site, key: str) -> None:
    path = {"issueIdOrKey": key}
    edit = {"update": {"description": [{"set": "new *text*"}]}}
    check(site.call("PUT", ISSUE, path, json=edit), ISSUE, 204)
    returned = site.call("PUT", ISSUE, path, params={"returnIssue": "true"}, json={"fields": {}})
    assert check(returned, ISSUE, 200)["fields"]["description"] == "new *text*"
    alice = check(site.as_user(ALICE).call("GET", MYSELF), MYSELF, 200)["accountId"]
    check(site.call("PUT", ASSIGNEE, path, json={"accountId": alice}), ASSIGNEE, 204)
    check_jira_error(site.call("PUT", ASSIGNEE, path, json={"accountId": "x"}), ASSIGNEE, 400)
    offered = check(site.call("GET", TRANSITIONS, path), TRANSITIONS, 200)["transitions"]
    done = next(t["id"] for t in offered if t["name"] == "Done")
    check(site.call("POST", TRANSITIONS, path, json={"transition": {"id": done}}), TRANSITIONS, 204)
    bad = site.call("POST", TRANSITIONS, path, json={"transition": {"id": "999"}})
    check_jira_error(bad, TRANSITIONS, 400)
    check(site.call("DELETE", ISSUE, path), ISSUE, 204)
    check_jira_error(site.call("GET", ISSUE, path), ISSUE, 404)


def test_v2_comments_are_wiki_strings_and_v3_reads_them_as_adf(site: Site, key: str) -> None:
    path = {"issueIdOrKey": key}
    body = {"body": "first *line*\nsecond", "properties": [{"key": "k", "value": 1}]}
    posted = check(site.call("POST", COMMENTS, path, json=body), COMMENTS, 201)
    assert posted["body"] == "first *line*\nsecond"
    assert posted["self"].split("/rest/api/")[1].startswith("2/")
    listed = site.call("GET", COMMENTS, path, params={"expand": "properties"})
    assert check(listed, COMMENTS, 200)["comments"][0]["properties"] == [{"key": "k", "value": 1}]
    by_id = {**path, "id": posted["id"]}
    assert check(site.call("GET", COMMENT, by_id), COMMENT, 200)["body"] == posted["body"]
    v3 = check(site.call("GET", V3_COMMENTS, path), V3_COMMENTS, 200)["comments"][0]["body"]
    assert v3["content"][0]["content"][1] == {"type": "hardBreak"}
    prop = {"commentId": posted["id"], "propertyKey": "k"}
    check(site.call("GET", COMMENT_PROPERTY, prop), COMMENT_PROPERTY, 200)
    edited = check(site.call("PUT", COMMENT, by_id, json={"body": "edited"}), COMMENT, 200)
    assert edited["body"] == "edited"
    check_jira_error(site.call("PUT", COMMENT, by_id, json={"body": adf("x")}), COMMENT, 400)
    check_jira_error(site.call("POST", COMMENTS, path, json={"body": "  "}), COMMENTS, 400)
    check(site.call("DELETE", COMMENT, by_id), COMMENT, 204)
    check_jira_error(site.call("GET", COMMENT, by_id), COMMENT, 404)


def test_v2_attachments_and_properties_match_the_spec(site: Site, key: str) -> None:
    path = {"issueIdOrKey": key}
    uploaded = site.call(
        "POST",
        ATTACHMENTS,
        path,
        headers={"X-Atlassian-Token": "no-check"},
        files={"file": ("a.csv", b"a,b\n", "text/csv")},
    )
    attachment_id = str(check(uploaded, ATTACHMENTS, 200)[0]["id"])
    meta = check(site.call("GET", ATTACHMENT, {"id": attachment_id}), ATTACHMENT, 200)
    assert meta["self"].split("/rest/api/")[1].startswith("2/")
    content = site.call("GET", ATTACHMENT_CONTENT, {"id": attachment_id})
    subset().response_schema("GET", ATTACHMENT_CONTENT, content.status_code)
    assert content.content == b"a,b\n"
    missing = site.call("GET", ATTACHMENT_CONTENT, {"id": "999999"})
    check_jira_error(missing, ATTACHMENT_CONTENT, 404)
    check_jira_error(site.call("GET", ATTACHMENT, {"id": "999999"}), ATTACHMENT, 404)
    prop = {**path, "propertyKey": "p"}
    check(site.call("PUT", PROPERTY, prop, json={"v": 1}), PROPERTY, 201)
    assert check(site.call("GET", PROPERTY, prop), PROPERTY, 200)["value"] == {"v": 1}
    keys = check(site.call("GET", PROPERTIES, path), PROPERTIES, 200)["keys"]
    assert keys[0]["self"].split("/rest/api/")[1].startswith("2/")
    check(site.call("DELETE", PROPERTY, prop), PROPERTY, 204)
    check_jira_error(site.call("GET", PROPERTY, prop), PROPERTY, 404)


def test_v2_remote_links_match_the_spec(jira: EmulatorHandle, site: Site, key: str) -> None:
    path = {"issueIdOrKey": key}
    link = {"object": {"url": "https://example.com/pr/1", "title": "PR 1"}, "globalId": "pr-1"}
    created = check(site.call("POST", REMOTE_LINKS, path, json=link), REMOTE_LINKS, 201)
    assert "/rest/api/2/" in created["self"]
    one = site.call("GET", REMOTE_LINKS, path, params={"globalId": "pr-1"})
    assert check(one, REMOTE_LINKS, 200)["object"]["title"] == "PR 1"
    by_id = {**path, "linkId": str(created["id"])}
    assert check(site.call("GET", REMOTE_LINK, by_id), REMOTE_LINK, 200)["id"] == created["id"]
    no_title = {"object": {"url": "https://example.com"}}
    check_jira_error(site.call("POST", REMOTE_LINKS, path, json=no_title), REMOTE_LINKS, 400)
    viewer = Site.site(jira, VIEWER).call("POST", REMOTE_LINKS, path, json=link)
    check_jira_error(viewer, REMOTE_LINKS, 403)


def test_v2_search_jql_renders_v2_issues(site: Site, key: str) -> None:
    params = {"jql": "project = SEC", "fields": "description"}
    body = check(site.call("GET", SEARCH, params=params), SEARCH, 200)
    assert [i["fields"]["description"] for i in body["issues"]] == [WIKI]
    posted = site.call("POST", SEARCH, json={"jql": f"key = {key}", "fields": ["summary"]})
    assert check(posted, SEARCH, 200)["issues"][0]["self"].endswith(
        f"/rest/api/2/issue/{body['issues'][0]['id']}"
    )
    check_jira_error(site.call("GET", SEARCH, params={"jql": ""}), SEARCH, 400)


def test_v2_search_jql_returns_properties_and_refuses_them_in_jql(site: Site, key: str) -> None:
    site.call(
        "PUT",
        "/rest/api/2/issue/{issueIdOrKey}/properties/{propertyKey}",
        {"issueIdOrKey": key, "propertyKey": "jira-sync"},
        json={"issue_id": "F-1"},
    ).raise_for_status()
    params = {
        "jql": 'project = SEC AND created >= "-5m"',
        "fields": "key",
        "properties": "jira-sync",
    }
    body = check(site.call("GET", SEARCH, params=params), SEARCH, 200)
    assert [i["properties"] for i in body["issues"]] == [{"jira-sync": {"issue_id": "F-1"}}]
    refused = site.call("GET", SEARCH, params={"jql": "issue.property[jira-sync].issue_id = F-1"})
    check_jira_error(refused, SEARCH, 400)


def test_rest_api_latest_answers_as_v2(site: Site, key: str) -> None:
    """pycontribs' `assign_issue` calls /rest/api/latest; Jira serves it as v2."""
    path = {"issueIdOrKey": key}
    me = check(site.call("GET", "/rest/api/latest/myself"), MYSELF, 200)
    assert me == site.call("GET", MYSELF).json()
    issue = check(site.call("GET", "/rest/api/latest/issue/{issueIdOrKey}", path), ISSUE, 200)
    assert issue == site.call("GET", ISSUE, path).json()
    alice = check(site.as_user(ALICE).call("GET", MYSELF), MYSELF, 200)["accountId"]
    assign = site.call(
        "PUT", "/rest/api/latest/issue/{issueIdOrKey}/assignee", path, json={"accountId": alice}
    )
    check(assign, ASSIGNEE, 204)
    issue = check(site.call("GET", ISSUE, path), ISSUE, 200)
    assert issue["fields"]["assignee"]["accountId"] == alice


def test_v2_under_the_cloud_gateway_matches_the_spec(jira: EmulatorHandle) -> None:
    gateway = Site.cloud(jira)
    body = check(gateway.call("GET", MYSELF), MYSELF, 200)
    assert f"/ex/jira/{jira.cloud_id}/rest/api/2/user?" in body["self"]

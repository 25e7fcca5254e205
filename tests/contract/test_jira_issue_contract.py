"""The emulator's issue routes (create, read, edit, delete, transitions, comments, attachments,
properties, JQL search), success and error responses, held to Atlassian's OpenAPI spec.

Error responses the spec gives no content schema are held to `ErrorCollection` (see
test_jira_contract.py). `IssueBean.fields` is free-form in the spec (`additionalProperties: {}`),
so the system fields are also held to the component schemas Jira renders them with (the field
types GET /field reports: `comments-page` → PageOfComments, `attachment` items → Attachment,
`status` → StatusDetails, `priority` → Priority, `issuetype` → IssueTypeDetails, `project` →
Project, `resolution` → Resolution, `user` → UserDetails, `component` items → ProjectComponent).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.contract.jira_http import (
    ALICE,
    VIEWER,
    EmulatorHandle,
    Site,
    adf,
    check,
    check_component,
    check_jira_error,
)

ISSUE = "/issue/{issueIdOrKey}"
TRANSITIONS = "/issue/{issueIdOrKey}/transitions"
COMMENT = "/issue/{issueIdOrKey}/comment"
ATTACHMENTS = "/issue/{issueIdOrKey}/attachments"
PROPERTY = "/issue/{issueIdOrKey}/properties/{propertyKey}"
SEARCH = "/search/jql"
NO_CHECK = {"X-Atlassian-Token": "no-check"}

_FIELD_COMPONENTS = {
    "status": "StatusDetails",
    "priority": "Priority",
    "issuetype": "IssueTypeDetails",
    "assignee": "UserDetails",
    "reporter": "UserDetails",
    "creator": "UserDetails",
    "comment": "PageOfComments",
    "project": "Project",
    "resolution": "Resolution",
}
_FIELD_LIST_COMPONENTS = {"attachment": "Attachment", "components": "ProjectComponent"}


@pytest.fixture
def site(jira: EmulatorHandle) -> Site:
    """The site URL, as the service account."""
    return Site.site(jira)


def long_doc(characters: int) -> dict[str, Any]:
    """An ADF doc of one paragraph whose compact JSON is about ``characters`` long."""
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": "x" * characters}]}],
    }


def test_given_a_description_over_jiras_limit_then_jiras_message_names_it(site: Site) -> None:
    wrapper = len(json.dumps(long_doc(0), separators=(",", ":")))
    payload = issue_fields(description=long_doc(32_767 - wrapper + 1))

    body = check_jira_error(site.call("POST", "/issue", json={"fields": payload}), "/issue", 400)

    assert body["errors"] == {
        "description": (
            "The entered text is too long. It exceeds the allowed limit of 32,767 characters."
        )
    }
    fits = issue_fields(description=long_doc(32_767 - wrapper))
    check(site.call("POST", "/issue", json={"fields": fits}), "/issue", 201)


def check_issue_fields(fields: dict[str, Any], where: str) -> None:
    """Hold the system fields Jira renders with a spec component to that component."""
    for name, component in _FIELD_COMPONENTS.items():
        if fields.get(name) is not None:
            check_component(component, fields[name], f"{where}.fields.{name}")
    for name, component in _FIELD_LIST_COMPONENTS.items():
        for index, item in enumerate(fields.get(name) or []):
            check_component(component, item, f"{where}.fields.{name}[{index}]")


def issue_fields(project: str = "SEC", issue_type: str = "Task", **extra: Any) -> dict[str, Any]:
    return {
        "project": {"key": project},
        "issuetype": {"name": issue_type},
        "summary": "Contract test issue",
        "description": adf("Found by the contract tests."),
        "priority": {"name": "High"},
        "labels": ["contract"],
        **extra,
    }


def create(site: Site, project: str = "SEC", issue_type: str = "Task", **extra: Any) -> str:
    response = site.call(
        "POST", "/issue", json={"fields": issue_fields(project, issue_type, **extra)}
    )
    return str(check(response, "/issue", 201)["key"])


def transition_id(site: Site, key: str, to_status: str) -> str:
    body = check(site.call("GET", TRANSITIONS, {"issueIdOrKey": key}), TRANSITIONS, 200)
    return str(next(t["id"] for t in body["transitions"] if t["to"]["name"] == to_status))


# --- POST /issue ---------------------------------------------------------------------------------


def test_post_issue_returns_201_created_issue(site: Site) -> None:
    response = site.call("POST", "/issue", json={"fields": issue_fields()})
    body = check(response, "/issue", 201)
    assert body["key"].startswith("SEC-")
    assert body["self"].endswith(f"/rest/api/3/issue/{body['id']}")


def test_given_a_bug_with_components_when_creating_then_201(site: Site) -> None:
    key = create(site, issue_type="Bug", components=[{"name": "api"}])
    body = check(site.call("GET", ISSUE, {"issueIdOrKey": key}), ISSUE, 200)
    assert [component["name"] for component in body["fields"]["components"]] == ["api"]
    check_issue_fields(body["fields"], "$")


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"summary": None}, "summary"),
        ({"summary": "x" * 256}, "summary"),
        ({"description": "plain text is not ADF"}, "description"),
        ({"priority": {"name": "Urgent-ish"}}, "priority"),
        ({"description": long_doc(40_000)}, "description"),
    ],
    ids=[
        "no-summary",
        "summary-too-long",
        "description-not-adf",
        "unknown-priority",
        "description-over-32767",
    ],
)
def test_given_an_invalid_field_when_creating_then_400_names_the_field(
    site: Site, fields: dict[str, Any], error_field: str
) -> None:
    payload = {name: value for name, value in issue_fields(**fields).items() if value is not None}
    body = check_jira_error(site.call("POST", "/issue", json={"fields": payload}), "/issue", 400)
    assert error_field in body["errors"], body


def test_given_a_bug_without_components_when_creating_then_400_names_components(
    site: Site,
) -> None:
    response = site.call("POST", "/issue", json={"fields": issue_fields(issue_type="Bug")})
    body = check_jira_error(response, "/issue", 400)
    assert "components" in body["errors"], body


def test_given_a_body_that_is_not_json_when_creating_then_400(site: Site) -> None:
    response = site.call(
        "POST", "/issue", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    check_jira_error(response, "/issue", 400)


# --- GET /issue/{issueIdOrKey} -------------------------------------------------------------------


def test_get_issue_with_comments_attachments_and_properties_matches_issue_bean(
    site: Site,
) -> None:
    key = create(site, issue_type="Bug", components=[{"name": "web"}])
    path = {"issueIdOrKey": key}
    check(site.call("POST", COMMENT, path, json={"body": adf("First comment")}), COMMENT, 201)
    upload = site.call(
        "POST", ATTACHMENTS, path, headers=NO_CHECK, files={"file": ("a.csv", b"a,b\n1,2\n")}
    )
    check(upload, ATTACHMENTS, 200)
    prop = {"issueIdOrKey": key, "propertyKey": "jira-sync"}
    check(site.call("PUT", PROPERTY, prop, json={"issueId": "i-1"}), PROPERTY, 201)

    response = site.call("GET", ISSUE, path, params={"properties": "jira-sync"})
    body = check(response, ISSUE, 200)

    assert body["key"] == key
    assert body["properties"] == {"jira-sync": {"issueId": "i-1"}}
    assert body["fields"]["comment"]["comments"][0]["body"] == adf("First comment")
    assert body["fields"]["attachment"][0]["filename"] == "a.csv"
    check_issue_fields(body["fields"], "$")


def test_given_properties_star_all_when_getting_an_issue_then_every_property_is_returned(
    site: Site,
) -> None:
    key = create(site)
    for name in ("one", "two"):
        prop = {"issueIdOrKey": key, "propertyKey": name}
        check(site.call("PUT", PROPERTY, prop, json={"n": name}), PROPERTY, 201)
    response = site.call("GET", ISSUE, {"issueIdOrKey": key}, params={"properties": "*all"})
    body = check(response, ISSUE, 200)
    assert body["properties"] == {"one": {"n": "one"}, "two": {"n": "two"}}


def test_given_expand_changelog_when_getting_a_transitioned_issue_then_it_matches_the_spec(
    site: Site,
) -> None:
    key = create(site)
    path = {"issueIdOrKey": key}
    move = {"transition": {"id": transition_id(site, key, "In Progress")}}
    check(site.call("POST", TRANSITIONS, path, json=move), TRANSITIONS, 204)
    response = site.call("GET", ISSUE, path, params={"expand": "changelog"})
    body = check(response, ISSUE, 200)
    items = [item for history in body["changelog"]["histories"] for item in history["items"]]
    assert any(item["field"] == "status" and item["toString"] == "In Progress" for item in items)


def test_given_an_unknown_issue_when_getting_it_then_404(site: Site) -> None:
    check_jira_error(site.call("GET", ISSUE, {"issueIdOrKey": "SEC-999999"}), ISSUE, 404)


# --- PUT / DELETE /issue/{issueIdOrKey} ----------------------------------------------------------


def test_put_issue_returns_204_and_applies_the_edit(site: Site) -> None:
    key = create(site)
    path = {"issueIdOrKey": key}
    edit = {"fields": {"summary": "Edited", "priority": {"name": "Low"}}}
    check(site.call("PUT", ISSUE, path, json=edit), ISSUE, 204)
    fields = check(site.call("GET", ISSUE, path), ISSUE, 200)["fields"]
    assert fields["summary"] == "Edited"
    assert fields["priority"]["name"] == "Low"


@pytest.mark.parametrize(
    "edit",
    [
        {"fields": {"summary": "x" * 256}},
        {"fields": {"priority": {"name": "Urgent-ish"}}},
        {"fields": {"no_such_field": "x"}},
    ],
    ids=["summary-too-long", "unknown-priority", "unknown-field"],
)
def test_given_an_invalid_edit_when_putting_an_issue_then_400(
    site: Site, edit: dict[str, Any]
) -> None:
    key = create(site)
    check_jira_error(site.call("PUT", ISSUE, {"issueIdOrKey": key}, json=edit), ISSUE, 400)


def test_given_an_unknown_issue_when_putting_it_then_404(site: Site) -> None:
    response = site.call("PUT", ISSUE, {"issueIdOrKey": "SEC-999999"}, json={"fields": {}})
    check_jira_error(response, ISSUE, 404)


def test_delete_issue_returns_204_and_the_issue_is_gone(site: Site) -> None:
    key = create(site)
    path = {"issueIdOrKey": key}
    check(site.call("DELETE", ISSUE, path), ISSUE, 204)
    check_jira_error(site.call("GET", ISSUE, path), ISSUE, 404)


def test_given_a_browse_only_user_when_deleting_then_403(site: Site) -> None:
    key = create(site)
    response = site.as_user(VIEWER).call("DELETE", ISSUE, {"issueIdOrKey": key})
    check_jira_error(response, ISSUE, 403)


def test_given_an_unknown_issue_when_deleting_it_then_404(site: Site) -> None:
    check_jira_error(site.call("DELETE", ISSUE, {"issueIdOrKey": "SEC-999999"}), ISSUE, 404)


# --- transitions ---------------------------------------------------------------------------------


def test_get_transitions_matches_transitions_and_lists_only_those_from_the_current_status(
    site: Site,
) -> None:
    key = create(site, project="OPS")
    body = check(site.call("GET", TRANSITIONS, {"issueIdOrKey": key}), TRANSITIONS, 200)
    targets = {transition["to"]["name"] for transition in body["transitions"]}
    assert "In Progress" in targets
    assert "Closed" in targets
    assert "Done" not in targets


def test_given_expand_transitions_fields_then_screen_fields_match_field_metadata(
    site: Site,
) -> None:
    key = create(site, project="OPS")
    response = site.call(
        "GET", TRANSITIONS, {"issueIdOrKey": key}, params={"expand": "transitions.fields"}
    )
    body = check(response, TRANSITIONS, 200)
    close = next(t for t in body["transitions"] if t["to"]["name"] == "Closed")
    assert close["fields"]["resolution"]["required"] is True


def test_given_an_unknown_issue_when_listing_transitions_then_404(site: Site) -> None:
    response = site.call("GET", TRANSITIONS, {"issueIdOrKey": "OPS-999999"})
    check_jira_error(response, TRANSITIONS, 404)


def test_post_transition_returns_204_and_moves_the_issue(site: Site) -> None:
    key = create(site)
    path = {"issueIdOrKey": key}
    move = {"transition": {"id": transition_id(site, key, "Done")}}
    check(site.call("POST", TRANSITIONS, path, json=move), TRANSITIONS, 204)
    fields = check(site.call("GET", ISSUE, path), ISSUE, 200)["fields"]
    assert fields["status"]["name"] == "Done"


def test_given_a_resolution_when_closing_an_ops_issue_then_204(site: Site) -> None:
    key = create(site, project="OPS")
    move = {
        "transition": {"id": transition_id(site, key, "Closed")},
        "fields": {"resolution": {"name": "Won't Do"}},
    }
    check(site.call("POST", TRANSITIONS, {"issueIdOrKey": key}, json=move), TRANSITIONS, 204)


def test_given_no_resolution_when_closing_an_ops_issue_then_400(site: Site) -> None:
    key = create(site, project="OPS")
    move = {"transition": {"id": transition_id(site, key, "Closed")}}
    response = site.call("POST", TRANSITIONS, {"issueIdOrKey": key}, json=move)
    body = check_jira_error(response, TRANSITIONS, 400)
    assert "resolution" in body["errors"], body


@pytest.mark.parametrize("payload", [{"transition": {"id": "999999"}}, {}], ids=["unknown", "none"])
def test_given_an_unavailable_or_missing_transition_when_posting_then_400(
    site: Site, payload: dict[str, Any]
) -> None:
    key = create(site)
    response = site.call("POST", TRANSITIONS, {"issueIdOrKey": key}, json=payload)
    check_jira_error(response, TRANSITIONS, 400)


def test_given_an_unknown_issue_when_transitioning_then_404(site: Site) -> None:
    response = site.call(
        "POST", TRANSITIONS, {"issueIdOrKey": "SEC-999999"}, json={"transition": {"id": "11"}}
    )
    check_jira_error(response, TRANSITIONS, 404)


# --- attachments ---------------------------------------------------------------------------------


def test_post_attachment_returns_200_with_a_list_of_attachments(site: Site) -> None:
    key = create(site)
    response = site.call(
        "POST",
        ATTACHMENTS,
        {"issueIdOrKey": key},
        headers=NO_CHECK,
        files={"file": ("snapshot.csv", b"id,name\n1,x\n", "text/csv")},
    )
    body = check(response, ATTACHMENTS, 200)
    assert [(item["filename"], item["size"]) for item in body] == [("snapshot.csv", 12)]


def test_given_a_browse_only_user_when_attaching_then_403(site: Site) -> None:
    key = create(site)
    response = site.as_user(VIEWER).call(
        "POST",
        ATTACHMENTS,
        {"issueIdOrKey": key},
        headers=NO_CHECK,
        files={"file": ("a.txt", b"a")},
    )
    check_jira_error(response, ATTACHMENTS, 403)


def test_given_an_unknown_issue_when_attaching_then_404(site: Site) -> None:
    response = site.call(
        "POST",
        ATTACHMENTS,
        {"issueIdOrKey": "SEC-999999"},
        headers=NO_CHECK,
        files={"file": ("a.txt", b"a")},
    )
    check_jira_error(response, ATTACHMENTS, 404)


# --- comments ------------------------------------------------------------------------------------


def test_post_comment_returns_201_comment_and_get_lists_it(site: Site) -> None:
    key = create(site)
    path = {"issueIdOrKey": key}
    posted = check(
        site.as_user(ALICE).call("POST", COMMENT, path, json={"body": adf("Hi")}), COMMENT, 201
    )
    assert posted["author"]["emailAddress"] == ALICE[0]
    listed = check(site.call("GET", COMMENT, path), COMMENT, 200)
    assert [comment["id"] for comment in listed["comments"]] == [posted["id"]]
    assert listed["total"] == 1


@pytest.mark.parametrize(
    "payload",
    [{}, {"body": "plain text is not ADF"}, {"body": adf("")}],
    ids=["no-body", "not-adf", "empty-text-node"],
)
def test_given_an_invalid_comment_when_posting_then_400(
    site: Site, payload: dict[str, Any]
) -> None:
    key = create(site)
    check_jira_error(site.call("POST", COMMENT, {"issueIdOrKey": key}, json=payload), COMMENT, 400)


def test_given_an_unknown_issue_when_commenting_then_404(site: Site) -> None:
    response = site.call("POST", COMMENT, {"issueIdOrKey": "SEC-999999"}, json={"body": adf("x")})
    check_jira_error(response, COMMENT, 404)


def test_given_an_unknown_issue_when_listing_comments_then_404(site: Site) -> None:
    check_jira_error(site.call("GET", COMMENT, {"issueIdOrKey": "SEC-999999"}), COMMENT, 404)


def test_given_order_by_other_than_created_when_listing_comments_then_400(site: Site) -> None:
    """The spec: 400 "if `orderBy` is set to a value other than *created*"."""
    key = create(site)
    response = site.call("GET", COMMENT, {"issueIdOrKey": key}, params={"orderBy": "author"})
    check_jira_error(response, COMMENT, 400)


# --- issue properties ----------------------------------------------------------------------------


def test_put_property_returns_201_then_200_and_get_matches_entity_property(site: Site) -> None:
    key = create(site)
    path = {"issueIdOrKey": key, "propertyKey": "jira-sync"}
    check(site.call("PUT", PROPERTY, path, json={"v": 1}), PROPERTY, 201)
    check(site.call("PUT", PROPERTY, path, json={"v": 2}), PROPERTY, 200)
    body = check(site.call("GET", PROPERTY, path), PROPERTY, 200)
    assert body == {"key": "jira-sync", "value": {"v": 2}}


def test_given_a_missing_property_when_getting_it_then_404(site: Site) -> None:
    key = create(site)
    path = {"issueIdOrKey": key, "propertyKey": "absent"}
    check_jira_error(site.call("GET", PROPERTY, path), PROPERTY, 404)


def test_given_an_unknown_issue_when_putting_a_property_then_404(site: Site) -> None:
    path = {"issueIdOrKey": "SEC-999999", "propertyKey": "p"}
    check_jira_error(site.call("PUT", PROPERTY, path, json={"v": 1}), PROPERTY, 404)


def test_given_a_body_that_is_not_json_when_putting_a_property_then_400(site: Site) -> None:
    key = create(site)
    response = site.call(
        "PUT",
        PROPERTY,
        {"issueIdOrKey": key, "propertyKey": "p"},
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    check_jira_error(response, PROPERTY, 400)


def test_given_a_browse_only_user_when_putting_a_property_then_403(site: Site) -> None:
    key = create(site)
    response = site.as_user(VIEWER).call(
        "PUT", PROPERTY, {"issueIdOrKey": key, "propertyKey": "p"}, json={"v": 1}
    )
    check_jira_error(response, PROPERTY, 403)


# --- GET /search/jql -----------------------------------------------------------------------------


def test_get_search_jql_matches_search_and_reconcile_results(site: Site) -> None:
    keys = {create(site), create(site)}
    create(site, project="OPS")
    response = site.call(
        "GET",
        SEARCH,
        params={"jql": "project = SEC ORDER BY key", "fields": "summary,status,priority"},
    )
    body = check(response, SEARCH, 200)
    assert {issue["key"] for issue in body["issues"]} == keys
    for index, issue in enumerate(body["issues"]):
        check_issue_fields(issue["fields"], f"$.issues[{index}]")


@pytest.mark.parametrize(
    "jql",
    [
        "project = ",
        "projekt = SEC",
        "project = SEC AND",
        'project = SEC AND issue.property[jira-sync].issue_id = "F-1"',
    ],
    ids=["dangling", "field", "and", "unindexed-property"],
)
def test_given_invalid_jql_when_searching_then_400(site: Site, jql: str) -> None:
    check_jira_error(site.call("GET", SEARCH, params={"jql": jql}), SEARCH, 400)
    check_jira_error(site.call("POST", SEARCH, json={"jql": jql}), SEARCH, 400)


def test_given_jql_on_an_issue_property_then_the_400_names_the_field(site: Site) -> None:
    """No app declares the property for indexing, so Jira knows no such JQL field."""
    jql = 'project = SEC AND issue.property[jira-sync].issue_id = "F-1"'
    body = check_jira_error(site.call("GET", SEARCH, params={"jql": jql}), SEARCH, 400)
    assert body["errorMessages"] == [
        "Field 'issue.property[jira-sync].issue_id' does not exist or you do not have "
        "permission to view it."
    ]


def test_search_jql_with_properties_returns_each_issue_s_properties_per_the_spec(
    site: Site,
) -> None:
    marked = create(site)
    site.call(
        "PUT",
        "/issue/{issueIdOrKey}/properties/{propertyKey}",
        {"issueIdOrKey": marked, "propertyKey": "jira-sync"},
        json={"issue_id": "F-1"},
    ).raise_for_status()
    plain = create(site)
    query = {
        "jql": 'project = SEC AND created >= "-5m" ORDER BY created ASC, key ASC',
        "fields": "key",
        "properties": "jira-sync",
    }
    body = check(site.call("GET", SEARCH, params=query), SEARCH, 200)
    assert [(i["key"], i["properties"]) for i in body["issues"]] == [
        (marked, {"jira-sync": {"issue_id": "F-1"}}),
        (plain, {}),
    ]
    ids_only = check(
        site.call("POST", SEARCH, json={"jql": query["jql"], "properties": ["jira-sync"]}),
        SEARCH,
        200,
    )
    assert [set(i) for i in ids_only["issues"]] == [{"id", "properties"}] * 2


def test_post_search_jql_pages_with_next_page_token_and_matches_the_spec(site: Site) -> None:
    keys = [create(site) for _ in range(3)]
    query = {"jql": "project = SEC ORDER BY key", "maxResults": 2, "fields": ["summary"]}
    first = check(site.call("POST", SEARCH, json=query), SEARCH, 200)
    assert first["isLast"] is False
    assert first["nextPageToken"]
    second = check(
        site.call("POST", SEARCH, json={**query, "nextPageToken": first["nextPageToken"]}),
        SEARCH,
        200,
    )
    assert [issue["key"] for issue in first["issues"] + second["issues"]] == keys
    assert second["isLast"] is True


def test_given_a_forged_next_page_token_when_searching_then_400(site: Site) -> None:
    response = site.call(
        "GET", SEARCH, params={"jql": "project = SEC", "nextPageToken": "not-a-token"}
    )
    check_jira_error(response, SEARCH, 400)


# --- the same routes under /ex/jira/<cloudId> (spot checks) -------------------------------------


def test_given_the_cloud_path_when_working_an_issue_then_every_response_matches_the_spec(
    jira: EmulatorHandle,
) -> None:
    cloud = Site.cloud(jira)
    key = create(cloud)
    path = {"issueIdOrKey": key}
    body = check(cloud.call("GET", ISSUE, path), ISSUE, 200)
    check_issue_fields(body["fields"], "$")
    check(cloud.call("POST", COMMENT, path, json={"body": adf("From the cloud")}), COMMENT, 201)
    move = {"transition": {"id": transition_id(cloud, key, "In Progress")}}
    check(cloud.call("POST", TRANSITIONS, path, json=move), TRANSITIONS, 204)
    check(cloud.call("GET", SEARCH, params={"jql": f"key = {key}"}), SEARCH, 200)
    check_jira_error(cloud.call("GET", ISSUE, {"issueIdOrKey": "SEC-999999"}), ISSUE, 404)

"""The emulator's Data Center flavour over real HTTP: serverInfo, personal access tokens, REST v2
only, offset search, paged create screens, users by name/key, webhooks at the 9.x and 10.x
resources (signed only on 10+ with a secret), and pycontribs `jira` with a PAT."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from jira import JIRA

from devstack.jira_emulator import JiraEmulator
from tests.fixtures.emulator import emulator_session, pat_session
from tests.support.webhook_receiver import Received, WebhookReceiver

DC9 = ("datacenter", "9.12.15")
DC10 = ("datacenter", "10.3")
DC11 = ("datacenter", "11.0")
SECRET = "It's a Secret to Everybody"
EVENTS = ["jira:issue_created", "jira:issue_updated", "comment_created"]
dc10 = pytest.mark.parametrize("jira_flavor", [DC10], indirect=True)
every_dc = pytest.mark.parametrize("jira_flavor", [DC9, DC10, DC11], indirect=True)


@pytest.fixture
def svc() -> requests.Session:
    return pat_session("svc-pat-token")


@pytest.fixture
def admin() -> requests.Session:
    return pat_session("admin-pat-token")


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


def create(jira: JiraEmulator, session: requests.Session, **fields: Any) -> dict[str, Any]:
    body = {"project": {"key": "SEC"}, "issuetype": {"name": "Task"}, "summary": "SQLi"}
    response = session.post(
        f"{jira.base_url}/rest/api/2/issue", json={"fields": {**body, **fields}}, timeout=5
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


# --- serverInfo, auth, versions ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("jira_flavor", "numbers"),
    [(DC9, [9, 12, 15]), (DC10, [10, 3, 0]), (DC11, [11, 0, 0])],
    indirect=["jira_flavor"],
)
def test_server_info_says_server_with_the_version(
    jira: JiraEmulator, svc: requests.Session, numbers: list[int]
) -> None:
    info = svc.get(f"{jira.base_url}/rest/api/2/serverInfo", timeout=5).json()
    assert info["deploymentType"] == "Server"
    assert info["versionNumbers"] == numbers
    assert info["version"] == ".".join(map(str, numbers))
    assert info["baseUrl"] == jira.base_url


@every_dc
def test_a_pat_authenticates_as_a_user_with_name_and_key(
    jira: JiraEmulator, svc: requests.Session
) -> None:
    response = svc.get(f"{jira.base_url}/rest/api/2/myself", timeout=5)
    assert response.status_code == 200
    me = response.json()
    assert (me["name"], me["key"], me["emailAddress"]) == (
        "svc",
        "JIRAUSER10100",
        "svc@example.com",
    )
    assert me["displayName"] == "Security Sync Service"
    assert me["active"] is True
    assert "accountId" not in me
    assert me["self"] == f"{jira.base_url}/rest/api/2/user?username=svc"
    assert response.headers["X-AUSERNAME"] == "svc"
    assert (
        pat_session("admin-pat-token")
        .get(f"{jira.base_url}/rest/api/latest/myself", timeout=5)
        .json()["name"]
        == "admin"
    )


@every_dc
def test_unknown_pats_and_cloud_api_tokens_are_refused(jira: JiraEmulator) -> None:
    url = f"{jira.base_url}/rest/api/2/myself"
    assert pat_session("nope").get(url, timeout=5).status_code == 401
    assert emulator_session("svc@example.com", "svc-token").get(url, timeout=5).status_code == 401
    # A PAT is a Bearer token, not a Basic password.
    assert emulator_session("svc", "svc-pat-token").get(url, timeout=5).status_code == 401
    assert requests.get(url, timeout=5).status_code == 401


@pytest.mark.parametrize(
    ("jira_flavor", "status"), [(DC9, 200), (DC10, 200), (DC11, 401)], indirect=["jira_flavor"]
)
def test_basic_auth_works_until_jira_11(jira: JiraEmulator, status: int) -> None:
    session = emulator_session("svc", "svc-password")
    assert session.get(f"{jira.base_url}/rest/api/2/myself", timeout=5).status_code == status


@dc10
def test_v3_gateway_and_tenant_info_do_not_exist(jira: JiraEmulator, svc: requests.Session) -> None:
    for path in (
        "/rest/api/3/myself",
        "/rest/api/3/issue/SEC-1",
        "/_edge/tenant_info",
        f"/ex/jira/{jira.cloud_id}/rest/api/2/myself",
    ):
        assert svc.get(f"{jira.base_url}{path}", timeout=5).status_code == 404, path
        assert requests.get(f"{jira.base_url}{path}", timeout=5).status_code == 404, path


# --- search and create screens -----------------------------------------------------------------


@dc10
def test_search_pages_by_offset_with_total(jira: JiraEmulator, svc: requests.Session) -> None:
    keys = [create(jira, svc, summary=f"finding {n}")["key"] for n in range(3)]
    url = f"{jira.base_url}/rest/api/2/search"
    page = svc.get(
        url, params={"jql": "project = SEC ORDER BY key ASC", "maxResults": 2}, timeout=5
    ).json()
    assert (page["startAt"], page["maxResults"], page["total"]) == (0, 2, 3)
    assert [i["key"] for i in page["issues"]] == keys[:2]
    assert page["issues"][0]["fields"]["summary"] == "finding 0"  # navigable fields by default
    second = svc.post(
        url,
        json={"jql": "project = SEC ORDER BY key ASC", "startAt": 2, "fields": ["summary"]},
        timeout=5,
    ).json()
    assert [i["key"] for i in second["issues"]] == keys[2:]
    assert set(second["issues"][0]["fields"]) == {"summary"}
    assert svc.get(f"{url}/jql", params={"jql": "project = SEC"}, timeout=5).status_code == 404
    bad = svc.get(url, params={"jql": "project = NOPE"}, timeout=5)
    assert bad.status_code == 400


@every_dc
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_search_refuses_issue_properties_in_jql_and_returns_none(
    jira: JiraEmulator, svc: requests.Session, method: str
) -> None:
    """No app declares our property for indexing, so JQL on it is a 400, as on Cloud; and Data
    Center's /search has no `properties` parameter (Atlassian's DC REST reference lists jql,
    startAt, maxResults, validateQuery, fields and expand): asked anyway, it is ignored."""
    issue = create(jira, svc)
    svc.put(
        f"{jira.base_url}/rest/api/2/issue/{issue['key']}/properties/jira-sync",
        json={"issue_id": "F-1"},
        timeout=5,
    ).raise_for_status()
    url = f"{jira.base_url}/rest/api/2/search"
    jql = 'project = SEC AND issue.property[jira-sync].issue_id = "F-1"'
    if method == "GET":
        refused = svc.get(url, params={"jql": jql}, timeout=5)
    else:
        refused = svc.post(url, json={"jql": jql}, timeout=5)
    assert refused.status_code == 400
    assert refused.json()["errorMessages"] == [
        "Field 'issue.property[jira-sync].issue_id' does not exist or you do not have "
        "permission to view it."
    ]
    params = {
        "jql": 'project = SEC AND created >= "-5m"',
        "fields": "key",
        "properties": "jira-sync",
    }
    found = svc.get(url, params=params, timeout=5).json()
    assert [i["key"] for i in found["issues"]] == [issue["key"]]
    assert "properties" not in found["issues"][0]
    one = svc.get(
        f"{jira.base_url}/rest/api/2/issue/{issue['key']}/properties/jira-sync", timeout=5
    )
    assert one.json() == {"key": "jira-sync", "value": {"issue_id": "F-1"}}


@dc10
def test_create_screen_is_paged_under_values(jira: JiraEmulator, svc: requests.Session) -> None:
    base = f"{jira.base_url}/rest/api/2/issue/createmeta/SEC/issuetypes"
    types = svc.get(base, timeout=5).json()
    assert (types["startAt"], types["total"], types["isLast"]) == (0, 2, True)
    assert [t["name"] for t in types["values"]] == ["Task", "Bug"]
    bug = next(t for t in types["values"] if t["name"] == "Bug")
    fields = svc.get(f"{base}/{bug['id']}", params={"maxResults": 2}, timeout=5).json()
    assert fields["maxResults"] == 2
    assert len(fields["values"]) == 2
    assert not fields["isLast"]
    every = svc.get(f"{base}/{bug['id']}", timeout=5).json()["values"]
    components = next(f for f in every if f["fieldId"] == "components")
    assert components["required"] is True
    # `createmeta?expand=projects.issuetypes.fields` is gone since Jira 9.0: the path is read as
    # an issue key and not found.
    old = svc.get(f"{jira.base_url}/rest/api/2/issue/createmeta", timeout=5)
    assert old.status_code == 404


# --- users -------------------------------------------------------------------------------------


@dc10
def test_users_are_searched_by_username_and_assigned_by_name(
    jira: JiraEmulator, svc: requests.Session
) -> None:
    found = svc.get(
        f"{jira.base_url}/rest/api/2/user/search", params={"username": "ali"}, timeout=5
    ).json()
    assert [(u["name"], u["key"]) for u in found] == [("alice", "JIRAUSER10101")]
    missing = svc.get(f"{jira.base_url}/rest/api/2/user/search", params={"query": "ali"})
    assert missing.status_code == 400
    key = create(jira, svc, assignee={"name": "alice"})["key"]
    issue = svc.get(f"{jira.base_url}/rest/api/2/issue/{key}", timeout=5).json()
    assert issue["fields"]["assignee"]["name"] == "alice"
    assert issue["fields"]["reporter"]["key"] == "JIRAUSER10100"
    assert "accountId" not in issue["fields"]["reporter"]
    assignee = f"{jira.base_url}/rest/api/2/issue/{key}/assignee"
    assert svc.put(assignee, json={"name": "svc"}, timeout=5).status_code == 204
    assert svc.put(assignee, json={"name": "viewer"}, timeout=5).status_code == 400
    assert svc.put(assignee, json={"accountId": "x"}, timeout=5).status_code == 400
    refused = svc.post(
        f"{jira.base_url}/rest/api/2/issue",
        json={
            "fields": {
                "project": {"key": "SEC"},
                "issuetype": {"name": "Task"},
                "summary": "s",
                "assignee": {"accountId": "712020:0e6c9a4e-5b1d-4f3a-9c2e-1a0000000003"},
            }
        },
        timeout=5,
    )
    assert refused.status_code == 400
    assert "'name'" in refused.json()["errors"]["assignee"]
    by_name = svc.get(
        f"{jira.base_url}/rest/api/2/search", params={"jql": "assignee = svc"}, timeout=5
    ).json()
    assert [i["key"] for i in by_name["issues"]] == [key]


# --- webhooks ----------------------------------------------------------------------------------


def signature(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def comment_and_receive(
    jira: JiraEmulator, svc: requests.Session, receiver: WebhookReceiver
) -> tuple[str, list[Received]]:
    key = create(jira, svc, description="h2. Finding\n*High*")["key"]
    comment = svc.post(
        f"{jira.base_url}/rest/api/2/issue/{key}/comment", json={"body": "PR *merged*"}, timeout=5
    )
    assert comment.status_code == 201
    return key, receiver.wait_for(3)


@pytest.mark.parametrize("jira_flavor", [DC9], indirect=True)
def test_jira_9_webhooks_use_the_legacy_resource_and_are_never_signed(
    jira: JiraEmulator, svc: requests.Session, admin: requests.Session, receiver: WebhookReceiver
) -> None:
    legacy = f"{jira.base_url}/rest/webhooks/1.0/webhook"
    assert svc.post(legacy, json={}, timeout=5).status_code == 403
    assert admin.get(f"{jira.base_url}/rest/jira-webhook/1.0/webhooks").status_code == 404
    registered = admin.post(
        legacy,
        json={
            "name": "jira-sync",
            "url": f"{receiver.url}/hook/${{issue.key}}",
            "events": EVENTS,
            "filters": {"issue-related-events-section": "project = SEC"},
            "secret": SECRET,  # not part of Jira 9's body: dropped
        },
        timeout=5,
    )
    assert registered.status_code == 201, registered.text
    assert registered.json()["lastUpdatedUser"] == "JIRAUSER10000"
    key, received = comment_and_receive(jira, svc, receiver)
    assert {r.path for r in received} == {f"/hook/{key}"}
    assert all(r.headers.get("X-Hub-Signature") is None for r in received)
    # Deliveries are concurrent and their order is never guaranteed, as on Jira.
    bodies = [json.loads(r.body) for r in received]
    created = next(b for b in bodies if b["webhookEvent"] == "jira:issue_created")
    assert created["webhookEvent"] == "jira:issue_created"
    assert created["user"]["name"] == "svc"
    assert "accountId" not in created["user"]
    assert created["issue"]["self"] == f"{jira.base_url}/rest/api/2/issue/{created['issue']['id']}"
    assert created["issue"]["fields"]["description"] == "h2. Finding\n*High*"
    commented = next(json.loads(r.body) for r in received if b'"comment_created"' in r.body)
    assert commented["comment"]["body"] == "PR *merged*"
    assert commented["comment"]["author"]["key"] == "JIRAUSER10100"


@dc10
def test_jira_10_webhooks_take_configuration_and_sign_with_a_secret(
    jira: JiraEmulator, admin: requests.Session, svc: requests.Session, receiver: WebhookReceiver
) -> None:
    assert admin.get(f"{jira.base_url}/rest/webhooks/1.0/webhook").status_code == 404
    resource = f"{jira.base_url}/rest/jira-webhook/1.0/webhooks"
    response = admin.post(
        resource,
        json={
            "name": "jira-sync",
            "url": f"{receiver.url}/signed/{{issue.key}}",
            "events": EVENTS,
            "active": True,
            "scopeType": "global",
            "configuration": {
                "FILTERS": "project = SEC",
                "EXCLUDE_BODY": "false",
                "SECRET": SECRET,
            },
        },
        timeout=5,
    )
    assert response.status_code == 201, response.text
    hook = response.json()
    assert hook["configuration"] == {"FILTERS": "project = SEC", "EXCLUDE_BODY": "false"}
    assert (hook["active"], hook["scopeType"]) == (True, "global")
    assert admin.get(f"{resource}/{hook['id']}", timeout=5).json() == hook
    key, received = comment_and_receive(jira, svc, receiver)
    assert {r.path for r in received} == {f"/signed/{key}"}
    for request in received:
        assert request.headers["X-Hub-Signature"] == signature(request.body)
    updated = next(json.loads(r.body) for r in received if b'"issue_commented"' in r.body)
    assert updated["user"]["key"] == "JIRAUSER10100"
    assert admin.delete(f"{resource}/{hook['id']}", timeout=5).status_code == 204
    assert admin.get(resource, timeout=5).json() == []


@dc10
def test_jira_10_webhooks_without_configured_secret_are_unsigned(
    jira: JiraEmulator, admin: requests.Session, svc: requests.Session, receiver: WebhookReceiver
) -> None:
    resource = f"{jira.base_url}/rest/jira-webhook/1.0/webhooks"
    for name, extra in (("none", {}), ("top-level", {"secret": SECRET})):
        body = {"name": name, "url": f"{receiver.url}/{name}", "events": EVENTS, **extra}
        assert admin.post(resource, json=body, timeout=5).status_code == 201
    key = create(jira, svc)["key"]
    svc.put(
        f"{jira.base_url}/rest/api/2/issue/{key}",
        json={"fields": {"assignee": {"name": "alice"}}},
        timeout=5,
    ).raise_for_status()
    received = receiver.wait_for(4)
    assert {r.path for r in received} == {"/none", "/top-level"}
    assert all(r.headers.get("X-Hub-Signature") is None for r in received)
    update = next(json.loads(r.body) for r in received if b'"jira:issue_updated"' in r.body)
    [item] = update["changelog"]["items"]
    assert (item["field"], item["to"], item["toString"]) == (
        "assignee",
        "JIRAUSER10101",
        "Alice Example",
    )


@dc10
def test_a_dollar_variable_is_not_jira_10_syntax(
    jira: JiraEmulator, admin: requests.Session, svc: requests.Session, receiver: WebhookReceiver
) -> None:
    body = {"name": "old", "url": f"{receiver.url}/hook/${{issue.key}}", "events": EVENTS[:1]}
    admin.post(f"{jira.base_url}/rest/jira-webhook/1.0/webhooks", json=body, timeout=5)
    key = create(jira, svc)["key"]
    [request] = receiver.wait_for(1)
    assert request.path == f"/hook/${key}"


# --- a real client -----------------------------------------------------------------------------


@pytest.mark.parametrize("jira_flavor", [DC9, DC10, DC11], indirect=True)
def test_pycontribs_jira_with_a_pat(jira: JiraEmulator) -> None:
    client = JIRA(server=jira.base_url, token_auth="svc-pat-token", max_retries=0)
    assert client.server_info()["deploymentType"] == "Server"
    issue = client.create_issue(
        project="SEC", summary="SQLi", description="h2. Finding", issuetype={"name": "Task"}
    )
    client.add_comment(issue.key, "PR *opened*")
    client.transition_issue(issue.key, "In Progress")
    client.assign_issue(issue.key, "alice")
    found = client.search_issues("project = SEC AND status = 'In Progress'")
    assert [i.key for i in found] == [issue.key]
    fresh = client.issue(issue.key)
    assert fresh.fields.description == "h2. Finding"
    assert fresh.fields.assignee.name == "alice"
    assert client.comments(issue.key)[0].body == "PR *opened*"


@pytest.mark.parametrize("jira_flavor", ["cloud", DC10], indirect=True)
def test_server_info_answers_anonymously_but_not_to_bad_credentials(jira: JiraEmulator) -> None:
    url = f"{jira.base_url}/rest/api/2/serverInfo"
    assert requests.get(url, timeout=5).json()["baseUrl"] == jira.base_url
    assert pat_session("nope").get(url, timeout=5).status_code == 401

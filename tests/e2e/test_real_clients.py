"""Real third-party Jira clients against the emulator, as their users call Jira Cloud.

pycontribs `jira` and `atlassian-python-api` run on their default settings (REST v2, wiki-markup
text), then on REST v3 with ADF bodies: constructor, create, read, transition by name, comment,
attachment, assign by email, remote link and search. Every call must succeed, and the request log
must show no answer the emulator refused, so a client that works here works against Jira Cloud.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
import requests
from atlassian import Jira
from jira import JIRA
from jira.exceptions import JIRAError

from devstack.jira_emulator import JiraEmulator

EMAIL, TOKEN = "svc@example.com", "svc-token"
ALICE = "alice@example.com"
PR_URL = "https://github.com/acme/app/pull/7"


def adf(text: str) -> dict[str, Any]:
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}],
    }


def requests_made(jira: JiraEmulator) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = requests.get(
        f"{jira.base_url}/_emulator/requests", timeout=5
    ).json()
    return entries


def assert_all_answered(jira: JiraEmulator, *prefixes: str) -> None:
    """Every request the client sent got a 2xx, and went to one of the API prefixes."""
    log = requests_made(jira)
    assert log
    refused = [(e["method"], e["path"], e["status"]) for e in log if e["status"] >= 300]
    assert not refused, refused
    strays = [e["path"] for e in log if not e["path"].startswith(prefixes)]
    assert not strays, strays


# --- pycontribs jira -----------------------------------------------------------------------------


def pycontribs_flow(client: JIRA, description: Any, comment: Any) -> str:
    assert client.deploymentType == "Cloud"  # read from serverInfo by the constructor
    assert client.myself()["emailAddress"] == EMAIL
    issue = client.create_issue(
        project="SEC", summary="Found by pycontribs", description=description, issuetype="Task"
    )
    read = client.issue(issue.key)
    assert read.fields.summary == "Found by pycontribs"
    assert read.fields.status.name == "To Do"

    client.transition_issue(issue, "In Progress")
    assert client.issue(issue.key).fields.status.name == "In Progress"

    added = client.add_comment(issue, comment)
    assert [c.id for c in client.comments(issue)] == [added.id]

    attachment = client.add_attachment(issue, io.BytesIO(b"id,severity\n1,high\n"), "finding.csv")
    assert (attachment.filename, attachment.size) == ("finding.csv", 19)

    assert client.assign_issue(issue, ALICE) is True  # user search, then /rest/api/latest
    assert client.issue(issue.key).fields.assignee.emailAddress == ALICE

    link = client.add_simple_link(issue, {"url": PR_URL, "title": "PR #7"})
    assert [(r.id, r.object.url) for r in client.remote_links(issue)] == [(link.id, PR_URL)]

    found = client.search_issues("project = SEC AND status = 'In Progress'")
    assert [i.key for i in found] == [issue.key]
    assert found[0].fields.assignee.emailAddress == ALICE
    return str(issue.key)


def test_pycontribs_jira_on_its_default_rest_v2(jira: JiraEmulator) -> None:
    client = JIRA(jira.base_url, basic_auth=(EMAIL, TOKEN))
    key = pycontribs_flow(client, "h2. SQL injection\n*High*: the {{q}} parameter", "PR *opened*")
    issue = client.issue(key)
    assert issue.fields.description == "h2. SQL injection\n*High*: the {{q}} parameter"
    assert client.comments(key)[0].body == "PR *opened*"
    assert_all_answered(jira, "/rest/api/2/", "/rest/api/latest/")


def test_pycontribs_jira_on_rest_v3_with_adf(jira: JiraEmulator) -> None:
    client = JIRA(jira.base_url, basic_auth=(EMAIL, TOKEN), options={"rest_api_version": "3"})
    key = pycontribs_flow(client, adf("The q parameter is not escaped."), adf("PR opened"))
    assert client.issue(key).raw["fields"]["description"] == adf("The q parameter is not escaped.")
    assert client.comments(key)[0].raw["body"] == adf("PR opened")
    # The same issue through v2: the ADF read as wiki markup.
    v2 = JIRA(jira.base_url, basic_auth=(EMAIL, TOKEN))
    assert v2.issue(key).fields.description == "The q parameter is not escaped."
    assert_all_answered(jira, "/rest/api/3/", "/rest/api/2/", "/rest/api/latest/")


# --- atlassian-python-api ------------------------------------------------------------------------


def atlassian_flow(client: Jira, description: Any, comment: Any) -> str:
    assert client.get_server_info()["deploymentType"] == "Cloud"
    assert client.myself()["emailAddress"] == EMAIL
    created = client.issue_create(
        fields={
            "project": {"key": "SEC"},
            "issuetype": {"name": "Task"},
            "summary": "Found by atlassian-python-api",
            "description": description,
        }
    )
    key = str(created["key"])
    assert client.get_issue(key)["fields"]["summary"] == "Found by atlassian-python-api"

    client.set_issue_status(key, "In Progress")  # by the name of the target status
    assert client.issue(key)["fields"]["status"]["name"] == "In Progress"

    added = client.issue_add_comment(key, comment)
    assert added["body"] == comment

    uploaded = client.add_attachment_object(key, io.BytesIO(b"id,severity\n1,high\n"))
    assert uploaded[0]["size"] == 19

    (alice,) = client.user_find_by_user_string(query=ALICE)
    client.assign_issue(key, alice["accountId"])
    assert client.get_issue(key)["fields"]["assignee"]["emailAddress"] == ALICE

    client.create_or_update_issue_remote_links(key, PR_URL, "PR #7", global_id="pr-7")
    client.create_or_update_issue_remote_links(key, PR_URL, "PR #7 (merged)", global_id="pr-7")
    links = client.get_issue_remote_links(key)
    assert [(link["globalId"], link["object"]["title"]) for link in links] == [
        ("pr-7", "PR #7 (merged)")
    ]

    found = client.jql("project = SEC AND status = 'In Progress'")
    assert [i["key"] for i in found["issues"]] == [key]
    return key


def test_atlassian_python_api_on_its_default_rest_v2(jira: JiraEmulator) -> None:
    client = Jira(jira.base_url, username=EMAIL, password=TOKEN, cloud=True)
    key = atlassian_flow(client, "*High*: the {{q}} parameter", "PR *merged*")
    assert client.get_issue(key)["fields"]["description"] == "*High*: the {{q}} parameter"
    # jql() on Cloud goes to /rest/api/3/search/jql whatever the client's version.
    assert_all_answered(jira, "/rest/api/2/", "/rest/api/3/search/jql")


def test_atlassian_python_api_on_rest_v3_with_adf(jira: JiraEmulator) -> None:
    client = Jira(jira.base_url, username=EMAIL, password=TOKEN, cloud=True, api_version=3)
    key = atlassian_flow(client, adf("The q parameter"), adf("PR merged"))
    assert client.get_issue(key)["fields"]["description"] == adf("The q parameter")
    assert_all_answered(jira, "/rest/api/3/")


@pytest.mark.parametrize("api_version", ["2", "3"])
def test_given_a_wrong_token_then_both_clients_see_jiras_401(
    jira: JiraEmulator, api_version: str
) -> None:
    with pytest.raises(JIRAError) as pycontribs_error:
        JIRA(
            jira.base_url,
            basic_auth=(EMAIL, "wrong"),
            options={"rest_api_version": api_version},
            max_retries=0,
        )
    assert pycontribs_error.value.status_code == 401
    client = Jira(
        jira.base_url, username=EMAIL, password="wrong", cloud=True, api_version=api_version
    )
    with pytest.raises(requests.HTTPError) as atlassian_error:
        client.myself()
    assert atlassian_error.value.response.status_code == 401

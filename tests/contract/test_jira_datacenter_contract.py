"""The Data Center flavour's REST v2 answers, held to the spec subset where Data Center and Cloud
share a shape.

The subset is Atlassian's Cloud spec; Data Center's v2 differs on purpose in places, which are
checked in tests/e2e/test_emulator_datacenter.py instead of being forced through it:
- users carry `name`/`key` and no `accountId` (the spec's `User` keeps `name`/`key` as optional
  legacy properties, so user-bearing answers still validate);
- serverInfo's `deploymentType` is "Server" (the spec's text says "always Cloud", its type is a
  plain string);
- createmeta pages list under `values` (the spec: `issueTypes`/`fields`), and search is the
  offset-paged `/search`, which the subset (Cloud's `/search/jql` only) does not hold.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.contract.jira_http import TIMEOUT, EmulatorHandle, check, check_jira_error

pytestmark = pytest.mark.parametrize(
    "jira_flavor", [("datacenter", "9.12"), ("datacenter", "10.3")], indirect=True
)

MYSELF = "/rest/api/2/myself"
SERVER_INFO = "/rest/api/2/serverInfo"
ISSUES = "/rest/api/2/issue"
ISSUE = "/rest/api/2/issue/{issueIdOrKey}"
TRANSITIONS = "/rest/api/2/issue/{issueIdOrKey}/transitions"
COMMENTS = "/rest/api/2/issue/{issueIdOrKey}/comment"
ASSIGNEE = "/rest/api/2/issue/{issueIdOrKey}/assignee"
USER_SEARCH = "/rest/api/2/user/search"
PRIORITY = "/rest/api/2/priority"
STATUSES = "/rest/api/2/status"
PROJECTS = "/rest/api/2/project"
SVC_PAT = "svc-pat-token"


def call(
    jira: EmulatorHandle, method: str, template: str, key: str = "", token: str = SVC_PAT,
    **kwargs: Any,
) -> requests.Response:  # fmt: skip
    url = jira.base_url + template.replace("{issueIdOrKey}", key)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    return requests.request(method, url, headers=headers, timeout=TIMEOUT, **kwargs)


def test_dc_reads_match_the_spec(jira: EmulatorHandle) -> None:
    me = check(call(jira, "GET", MYSELF), MYSELF, 200)
    assert me["name"] == "svc"
    assert "accountId" not in me
    assert check(call(jira, "GET", SERVER_INFO), SERVER_INFO, 200)["deploymentType"] == "Server"
    users = check(call(jira, "GET", USER_SEARCH, params={"username": "alice"}), USER_SEARCH, 200)
    assert [u["key"] for u in users] == ["JIRAUSER10101"]
    check(call(jira, "GET", PRIORITY), PRIORITY, 200)
    check(call(jira, "GET", STATUSES), STATUSES, 200)
    check(call(jira, "GET", PROJECTS), PROJECTS, 200)


def test_dc_issue_lifecycle_matches_the_spec(jira: EmulatorHandle) -> None:
    fields = {
        "project": {"key": "SEC"},
        "issuetype": {"name": "Task"},
        "summary": "A DC issue",
        "description": "h2. Finding",
        "assignee": {"name": "alice"},
    }
    key = check(call(jira, "POST", ISSUES, json={"fields": fields}), ISSUES, 201)["key"]
    issue = check(call(jira, "GET", ISSUE, key), ISSUE, 200)
    assert issue["fields"]["description"] == "h2. Finding"
    assert issue["fields"]["assignee"]["name"] == "alice"
    transitions = check(call(jira, "GET", TRANSITIONS, key), TRANSITIONS, 200)["transitions"]
    progress = next(t["id"] for t in transitions if t["to"]["name"] == "In Progress")
    moved = call(jira, "POST", TRANSITIONS, key, json={"transition": {"id": progress}})
    check(moved, TRANSITIONS, 204)
    comment = check(call(jira, "POST", COMMENTS, key, json={"body": "*done*"}), COMMENTS, 201)
    assert comment["body"] == "*done*"
    assert comment["author"]["name"] == "svc"
    check(call(jira, "PUT", ASSIGNEE, key, json={"name": None}), ASSIGNEE, 204)


def test_dc_errors_match_the_spec(jira: EmulatorHandle) -> None:
    check_jira_error(call(jira, "GET", MYSELF, token="nope"), MYSELF, 401)
    check_jira_error(call(jira, "GET", USER_SEARCH), USER_SEARCH, 400)
    check_jira_error(call(jira, "GET", ISSUE, "SEC-999"), ISSUE, 404)

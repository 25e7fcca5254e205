"""Jira's answers parsed at the boundary: extra fields ignored, a missing or mistyped field the
code reads refused, and a refused answer a 502 that names the field, never a 500."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
import requests
from pydantic import ValidationError
from requests.adapters import BaseAdapter

from jira_sync.aws.http_api import error_response
from jira_sync.jira.client import JiraClient
from jira_sync.jira.errors import JiraUnavailable
from jira_sync.models.jira import (
    Account,
    CreateFieldPage,
    Issue,
    MyPermissions,
    ProjectStatuses,
    ServerInfo,
    Transitions,
)

TRANSITION = {
    "id": "31",
    "name": "Close",
    "to": {"name": "Closed", "statusCategory": {"key": "done", "colorName": "green"}},
    "fields": {
        "resolution": {
            "required": True,
            "name": "Resolution",
            "schema": {"type": "resolution"},
            "allowedValues": [{"id": "1", "name": "Done", "self": "https://x/1"}],
            "operations": ["set"],
        }
    },
}


class Canned(BaseAdapter):
    """Answers every request with one status and JSON body, as Jira would."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__()
        self.status = status
        self.body = body

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        response = requests.Response()
        response.status_code = self.status
        response._content = json.dumps(self.body).encode()
        response.headers["Content-Type"] = "application/json"
        response.request = request
        return response

    def close(self) -> None:
        pass


def answering(body: Any, status: int = 200) -> JiraClient:
    session = requests.Session()
    session.mount("https://", Canned(status, body))
    return JiraClient(
        "https://acme.atlassian.net", "svc@example.com", "token-1234", session=session
    )


def response_body(error: Exception) -> Mapping[str, Any]:
    response = error_response(error)
    body: Mapping[str, Any] = json.loads(response["body"])
    assert response["statusCode"] == 502
    return body


# -- the models --------------------------------------------------------------------------


def test_given_fields_jira_added_when_parsed_then_they_are_ignored() -> None:
    parsed = Transitions.model_validate(
        {"expand": "transitions", "transitions": [TRANSITION | {"isLooped": False, "new": 1}]}
    )

    transition = parsed.transitions[0]
    assert (transition.id, transition.to.name, transition.to.category_key) == (
        "31",
        "Closed",
        "done",
    )
    screen = transition.fields["resolution"]
    assert screen.must_fill
    assert screen.choices() == ["Done"]
    assert not hasattr(transition, "isLooped")


def test_given_camel_case_when_parsed_then_snake_case_names_hold_the_values() -> None:
    me = Account.model_validate(
        {"accountId": "712020:1", "displayName": "Svc", "emailAddress": "svc@example.com"}
    )
    info = ServerInfo.model_validate(
        {"baseUrl": "https://acme.atlassian.net", "deploymentType": "Cloud", "versionNumbers": [1]}
    )

    assert (me.account_id, me.display_name, me.email_address) == (
        "712020:1",
        "Svc",
        "svc@example.com",
    )
    assert (info.base_url, info.deployment_type, info.version_numbers) == (
        "https://acme.atlassian.net",
        "Cloud",
        [1],
    )


def test_given_an_account_whose_email_is_hidden_when_parsed_then_it_is_none() -> None:
    assert Account.model_validate({"accountId": "1", "displayName": "Svc"}).email_address is None
    # Data Center names an account by its login.
    assert Account.model_validate({"name": "svc", "key": "JIRAUSER10100"}).name == "svc"


def test_given_an_issue_with_fields_when_parsed_then_its_status_is_read_through_them() -> None:
    issue = Issue.model_validate(
        {"id": "10001", "key": "SEC-1", "self": "https://x", "fields": {"status": {"name": "Done"}}}
    )
    created = Issue.model_validate({"id": "10002", "key": "SEC-2", "self": "https://x"})

    assert issue.status is not None
    assert issue.status.name == "Done"
    assert created.status is None


def test_given_project_statuses_when_parsed_then_names_are_distinct_in_jiras_order() -> None:
    answer = [
        {"id": "1", "name": "Task", "statuses": [{"name": "To Do"}, {"name": "Done"}]},
        {"id": "2", "name": "Bug", "statuses": [{"name": "Triage"}, {"name": "Done"}]},
    ]

    assert ProjectStatuses.model_validate(answer).names() == ["To Do", "Done", "Triage"]


@pytest.mark.parametrize(
    ("model", "answer", "where"),
    [
        (Transitions, {"transitions": [TRANSITION | {"id": None}]}, ("transitions", 0, "id")),
        (Transitions, {"transitions": [{"id": "1", "name": "Go"}]}, ("transitions", 0, "to")),
        (
            Transitions,
            {"transitions": [TRANSITION | {"to": {"name": 7}}]},
            ("transitions", 0, "to", "name"),
        ),
        (Issue, {"key": "SEC-1"}, ("id",)),
        # Neither Cloud's accountId nor Data Center's name: the account as a whole.
        (Account, {"displayName": "Svc"}, ()),
        (
            MyPermissions,
            {"permissions": {"BROWSE_PROJECTS": {}}},
            ("permissions", "BROWSE_PROJECTS", "havePermission"),
        ),
        (CreateFieldPage, {"total": 1, "fields": [{"name": "Summary"}]}, ("fields", 0, "fieldId")),
    ],
)
def test_given_a_field_the_code_reads_missing_or_mistyped_when_parsed_then_refused(
    model: Any, answer: Any, where: tuple[str | int, ...]
) -> None:
    with pytest.raises(ValidationError) as refused:
        model.model_validate(answer)

    assert refused.value.errors()[0]["loc"] == where


# -- the client: a malformed answer is Jira being unavailable (502), never a crash ---------


def test_given_a_transition_without_id_when_listed_then_unavailable_naming_the_field() -> None:
    client = answering({"transitions": [TRANSITION | {"id": None}]})

    with pytest.raises(JiraUnavailable) as refused:
        client.transitions("SEC-1")

    message = str(refused.value)
    assert message.startswith("GET /rest/api/3/issue/SEC-1/transitions: Jira's answer is not")
    assert "transitions.0.id" in message
    assert refused.value.__context__ is None
    assert response_body(refused.value)["error"]["code"] == "jira_unavailable"


def test_given_a_non_string_status_name_when_read_then_unavailable() -> None:
    client = answering({"id": "1", "key": "SEC-1", "fields": {"status": {"name": ["Done"]}}})

    with pytest.raises(JiraUnavailable, match=r"fields\.status\.name"):
        client.issue_status("SEC-1")


def test_given_a_list_where_an_object_belongs_when_read_then_not_a_json_object() -> None:
    with pytest.raises(JiraUnavailable, match="Jira's answer is not a JSON object"):
        answering([{"accountId": "1"}]).myself()


def test_given_a_create_answer_without_key_when_created_then_unavailable_and_uncertain() -> None:
    client = answering({"id": "10001", "self": "https://x"}, status=201)

    with pytest.raises(JiraUnavailable) as refused:
        client.create_issue({"summary": "x"})

    assert refused.value.uncertain is True
    assert "key" in str(refused.value)


def test_given_a_well_formed_answer_with_extras_when_read_then_the_model_comes_back() -> None:
    client = answering(
        {"permissions": {"CREATE_ISSUES": {"havePermission": True, "id": "11", "type": "PROJECT"}}}
    )

    assert client.my_permissions("SEC", ["CREATE_ISSUES", "EDIT_ISSUES"]) == {
        "CREATE_ISSUES": True,
        "EDIT_ISSUES": False,
    }

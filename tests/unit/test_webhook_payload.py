"""Jira's webhook payload parsed where it enters: extra fields ignored, Jira's names read through
aliases, and a missing or mistyped field the code reads refused (what ``receive`` makes of a
refused payload is in tests/integration/test_webhook_work.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from jira_sync.models.webhook import WebhookPayload

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "events" / "webhook-jira-issue-updated.json"


def updated(**overrides: Any) -> dict[str, Any]:
    """A ``jira:issue_updated`` as Jira sends it (v2), with some of the fields nobody reads."""
    return {
        "timestamp": 1767225600000,
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_generic",
        "user": {"accountId": "712020:alice", "displayName": "Alice", "active": True},
        "issue": {
            "id": "10042",
            "self": "https://acme.atlassian.net/rest/api/2/issue/10042",
            "key": "SEC-42",
            "fields": {
                "summary": "SQL injection",
                "duedate": "2031-01-02",
                "status": {"name": "Done", "statusCategory": {"key": "done"}},
                "resolution": None,
                "customfield_10020": [{"id": 1, "name": "Sprint 1"}],
            },
        },
        "changelog": {
            "id": "10100",
            "items": [
                {
                    "field": "status",
                    "fieldtype": "jira",
                    "fieldId": "status",
                    "from": "3",
                    "fromString": "In Progress",
                    "to": "10001",
                    "toString": "Done",
                    "tmpFromAccountId": None,
                }
            ],
        },
    } | overrides


def parse(payload: dict[str, Any]) -> WebhookPayload:
    return WebhookPayload.model_validate_json(json.dumps(payload))


def test_given_the_webhook_sample_when_parsed_then_its_used_fields_are_read() -> None:
    event = json.loads(SAMPLE.read_text())

    payload = WebhookPayload.model_validate_json(event["body"])

    assert (payload.webhook_event, payload.issue.key) == ("jira:issue_updated", "SEC-42")
    assert (payload.issue.status, payload.issue.resolution) == ("Done", "Done")
    assert [item.field for item in payload.changelog or []] == ["resolution", "status"]


def test_given_fields_nobody_reads_when_parsed_then_they_are_ignored() -> None:
    payload = parse(updated(matchedWebhookIds=[1], issue_event_type_name=5))

    assert payload.model_extra is None
    assert payload.timestamp == 1767225600000
    assert payload.user is not None
    assert payload.user.account_id == "712020:alice"
    assert payload.issue.status == "Done"


def test_given_a_changelog_item_when_parsed_then_jira_names_are_read_through_aliases() -> None:
    [item] = parse(updated()).changelog or []

    assert (item.field, item.field_id) == ("status", "status")
    assert (item.from_, item.from_string) == ("3", "In Progress")
    assert (item.to, item.to_string) == ("10001", "Done")
    assert item.model_dump(by_alias=True) == {
        "field": "status",
        "fieldId": "status",
        "from": "3",
        "fromString": "In Progress",
        "to": "10001",
        "toString": "Done",
    }


@pytest.mark.parametrize(
    ("self_url", "base_url"),
    [
        ("https://acme.atlassian.net/rest/api/2/issue/10042", "https://acme.atlassian.net"),
        ("https://jira.example.com/jira/rest/api/2/issue/1", "https://jira.example.com/jira"),
        (
            "https://jira.example.com/a/rest/b/rest/api/2/issue/1",
            "https://jira.example.com/a/rest/b",
        ),
        ("HTTPS://Jira.Example.COM/Jira/rest/api/2/issue/1", "https://jira.example.com/Jira"),
        ("https://jira.example.com:8443/rest/api/2/issue/1", "https://jira.example.com:8443"),
        ("https:///rest/api/2/issue/1", None),
        ("http://localhost:8080//rest/api/2/issue/1", "http://localhost:8080"),
        ("https://acme.atlassian.net/browse/SEC-42", None),
        ("ftp://acme.example.com/rest/api/2/issue/1", None),
        ("/rest/api/2/issue/1", None),
        (None, None),
    ],
)
def test_given_issue_self_when_parsed_then_the_base_url_is_everything_before_rest(
    self_url: str | None, base_url: str | None
) -> None:
    issue = updated()["issue"] | {"self": self_url}

    assert parse(updated(issue=issue)).issue.base_url == base_url


def test_given_a_comment_event_without_user_or_changelog_then_both_read_as_absent() -> None:
    comment = {
        "id": "10001",
        "body": "Fixed in main.",
        "author": {"displayName": "Alice"},
        "updateAuthor": {"displayName": "Bob"},
    }
    raw = updated(webhookEvent="comment_updated", comment=comment)
    del raw["user"], raw["changelog"]

    payload = parse(raw)

    assert (payload.user, payload.changelog) == (None, None)
    assert payload.comment is not None
    assert payload.comment.body == "Fixed in main."
    assert payload.comment.author is not None
    assert payload.comment.author.display_name == "Alice"
    assert payload.comment.update_author is not None
    assert payload.comment.update_author.display_name == "Bob"


def test_given_a_data_center_payload_then_users_are_read_by_name_without_account_id() -> None:
    """Data Center's ``UserBean``: ``name`` (the login), ``key``, ``self``, ``displayName``,
    ``emailAddress``, and no ``accountId``; comment bodies are wiki markup strings."""
    user = {
        "self": "https://jira.example.com/jira/rest/api/2/user?username=svc",
        "name": "svc",
        "key": "JIRAUSER10100",
        "emailAddress": "svc@example.com",
        "displayName": "Security Sync Service",
        "active": True,
    }
    issue = updated()["issue"] | {"self": "https://jira.example.com/jira/rest/api/2/issue/10042"}
    comment = {"id": "1", "body": "PR *merged* {code}x{code}", "author": user}

    payload = parse(updated(user=user, issue=issue, comment=comment))

    assert payload.user is not None
    assert (payload.user.account_id, payload.user.name) == (None, "svc")
    assert payload.user.display_name == "Security Sync Service"
    assert payload.comment is not None
    assert payload.comment.author is not None
    assert payload.comment.author.name == "svc"
    assert payload.comment.body == "PR *merged* {code}x{code}"
    assert payload.issue.base_url == "https://jira.example.com/jira"


def test_given_null_resolution_and_a_data_center_item_then_they_read_as_absent() -> None:
    item = {"field": "status", "fieldtype": "jira", "from": "1", "to": "3", "toString": "Done"}

    payload = parse(updated(changelog={"id": "1", "items": [item]}))

    assert payload.issue.resolution is None
    assert [(i.field_id, i.from_string) for i in payload.changelog or []] == [(None, None)]


@pytest.mark.parametrize(
    "body",
    [b"{nope", b"[]", b'"issue"', b"{}", b'{"issue": null}', b'{"issue": "SEC-42"}'],
    ids=["not json", "an array", "a string", "no issue", "null issue", "issue not an object"],
)
def test_given_no_issue_object_when_parsed_then_it_is_refused(body: bytes) -> None:
    with pytest.raises(ValidationError):
        WebhookPayload.model_validate_json(body)


def test_given_a_comment_without_a_body_when_parsed_then_it_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        parse(updated(comment={"id": "1", "author": {"displayName": "Alice"}}))

    assert [error["loc"] for error in refused.value.errors()] == [("comment", "body")]


SELF = "https://acme.atlassian.net/rest/api/2/issue/10042"
ADF = {"type": "doc", "version": 1, "content": []}


@pytest.mark.parametrize(
    ("overrides", "where"),
    [
        ({"timestamp": "1767225600000"}, ("timestamp",)),
        ({"timestamp": True}, ("timestamp",)),
        ({"timestamp": 1.5}, ("timestamp",)),
        ({"webhookEvent": 1}, ("webhookEvent",)),
        ({"user": {"accountId": 42}}, ("user", "accountId")),
        ({"user": {"name": 42}}, ("user", "name")),
        ({"issue": {"key": 42, "self": SELF}}, ("issue", "key")),
        ({"issue": {"fields": {"status": {"name": 3}}}}, ("issue", "fields", "status", "name")),
        (
            {"changelog": {"items": [{"field": "status", "from": 3}]}},
            ("changelog", "items", 0, "from"),
        ),
        ({"changelog": {"items": ["status"]}}, ("changelog", "items", 0)),
        ({"changelog": {"items": {"field": "status"}}}, ("changelog", "items")),
        ({"comment": {"body": ADF}}, ("comment", "body")),
    ],
    ids=[
        "timestamp a string",
        "timestamp a boolean",
        "timestamp a float",
        "event a number",
        "account id a number",
        "user name a number",
        "key a number",
        "status name a number",
        "from a number",
        "item not an object",
        "items not a list",
        "comment body ADF",
    ],
)
def test_given_a_used_field_of_the_wrong_type_when_parsed_then_it_is_refused_not_coerced(
    overrides: dict[str, Any], where: tuple[str | int, ...]
) -> None:
    with pytest.raises(ValidationError) as refused:
        parse(updated(**overrides))

    assert [error["loc"] for error in refused.value.errors()] == [where]

"""The fields of a new Jira issue, built from an issue, a credential and the create screen."""

from __future__ import annotations

from typing import Any

import pytest

from devstack.jira_emulator.adf import problem as adf_problem
from jira_sync.jira.create_screen import CreateMeta
from jira_sync.jira.dialect import CLOUD
from jira_sync.jira.fields import FieldsRefused, build_fields, shape_value, summary_of
from jira_sync.models.credentials import CredentialSettings, FieldSource
from jira_sync.models.issues import IssueInput
from jira_sync.models.jira import FieldMeta


def meta(**extra: dict[str, Any]) -> CreateMeta:
    fields: dict[str, dict[str, Any]] = {
        "summary": {"name": "Summary", "required": True, "schema": {"type": "string"}},
        "description": {"name": "Description", "required": False, "schema": {"type": "string"}},
        "labels": {"name": "Labels", "required": False, "schema": {"type": "array"}},
        "duedate": {"name": "Due date", "required": False, "schema": {"type": "date"}},
        "priority": {
            "name": "Priority",
            "required": False,
            "hasDefaultValue": True,
            "schema": {"type": "priority"},
            "allowedValues": [{"name": n} for n in ("Highest", "High", "Medium", "Low")],
        },
        "components": {
            "name": "Component/s",
            "required": False,
            "schema": {"type": "array", "items": "component"},
            "allowedValues": [{"name": "api"}, {"name": "web"}],
        },
    }
    return screen_of("10001", fields | extra)


def screen_of(type_id: str, fields: dict[str, dict[str, Any]]) -> CreateMeta:
    """A create screen as the client would parse it from Jira's answer."""
    parsed = {field_id: FieldMeta.model_validate(meta) for field_id, meta in fields.items()}
    return CreateMeta(type_id, "Task", parsed)


def settings(**overrides: Any) -> CredentialSettings:
    return CredentialSettings.model_validate(
        {"name": "s", "url": "https://acme.atlassian.net", "email": "a@b.co", "project_key": "SEC"}
        | overrides
    )


def issue(**overrides: Any) -> IssueInput:
    return IssueInput.model_validate(
        {"name": "XSS", "description": "*bold*", "severity": "critical"} | overrides
    )


def test_given_a_plain_issue_then_every_field_is_filled() -> None:
    fields = build_fields(
        "f-1", issue(due_date="2030-01-02"), settings(labels=["appsec"]), meta()
    ).fields

    assert fields["project"] == {"key": "SEC"}
    assert fields["issuetype"] == {"id": "10001"}
    assert fields["summary"] == "XSS"
    assert fields["duedate"] == "2030-01-02"
    assert fields["priority"] == {"name": "Highest"}
    assert fields["labels"] == ["jira-sync", "appsec"]
    assert adf_problem(fields["description"]) is None
    assert "f-1" in str(fields["description"]["content"][-1])


def test_given_a_name_with_newlines_and_300_chars_then_summary_is_one_line_of_255() -> None:
    assert summary_of("a\nb\r\nc") == "a b c"
    cut = summary_of("y" * 300)
    assert len(cut) == 255
    assert cut.endswith("…")


def test_given_fields_off_the_screen_then_defaults_are_left_out() -> None:
    bare = screen_of("1", {"summary": {"name": "Summary", "required": True}})

    fields = build_fields("f", issue(due_date="2030-01-02"), settings(), bare).fields

    assert set(fields) == {"project", "issuetype", "summary"}


def test_given_required_fields_without_values_then_every_one_is_listed() -> None:
    screen = meta(
        customfield_1={"name": "Team", "required": True, "schema": {"type": "string"}},
        customfield_2={"name": "Env", "required": True, "schema": {"type": "option"}},
    )

    with pytest.raises(FieldsRefused) as refused:
        build_fields("f", issue(), settings(), screen)

    assert refused.value.code == "missing_required_fields"
    assert refused.value.details["missing_fields"] == [
        {"field": "customfield_1", "name": "Team"},
        {"field": "customfield_2", "name": "Env"},
    ]
    assert "Team (customfield_1)" in refused.value.message


def test_given_unknown_component_and_priority_then_both_are_reported() -> None:
    with pytest.raises(FieldsRefused) as refused:
        build_fields(
            "f",
            issue(severity="info"),
            settings(components=["mobile"], priority_map={"info": "Trivial"}),
            meta(),
        )

    assert refused.value.code == "invalid_fields"
    problems = refused.value.details["problems"]
    assert {p["field"] for p in problems} == {"components", "priority"}


def test_given_field_map_then_values_are_shaped_for_their_types() -> None:
    screen = meta(
        customfield_10={"name": "Source", "schema": {"type": "option"}, "allowedValues": []},
        customfield_11={"name": "Score", "schema": {"type": "number"}},
        customfield_12={"name": "Owner", "schema": {"type": "user"}},
        customfield_13={
            "name": "Notes",
            "schema": {"type": "string", "custom": "x:textarea"},
        },
        customfield_14={"name": "Tags", "schema": {"type": "array", "items": "option"}},
    )
    field_map = {
        "customfield_10": {"from": "severity"},
        "customfield_11": {"value": "7.5"},
        "customfield_12": {"value": "712020:abc"},
        "customfield_13": {"from": "issue_id"},
        "customfield_14": {"value": ["a", "b"]},
    }

    fields = build_fields("f-9", issue(), settings(field_map=field_map), screen).fields

    assert fields["customfield_10"] == {"value": "critical"}
    assert fields["customfield_11"] == 7.5
    assert fields["customfield_12"] == {"accountId": "712020:abc"}
    assert fields["customfield_13"]["type"] == "doc"
    assert fields["customfield_14"] == [{"value": "a"}, {"value": "b"}]


def test_given_a_field_map_entry_off_the_screen_then_it_is_reported() -> None:
    with pytest.raises(FieldsRefused) as refused:
        build_fields("f", issue(), settings(field_map={"customfield_77": {"value": 1}}), meta())

    assert refused.value.details["problems"][0]["field"] == "customfield_77"


def test_given_an_option_value_not_allowed_then_it_is_reported() -> None:
    screen = meta(
        customfield_10={
            "name": "Source",
            "schema": {"type": "option"},
            "allowedValues": [{"value": "Scanner"}],
        }
    )
    with pytest.raises(FieldsRefused):
        build_fields(
            "f", issue(), settings(field_map={"customfield_10": {"value": "Pentest"}}), screen
        )


def test_given_a_constant_object_then_it_is_sent_as_it_is() -> None:
    constant = FieldSource.model_validate({"value": {"id": "10020"}})

    assert shape_value({"id": "10020"}, {"type": "option"}, constant=constant, dialect=CLOUD) == {
        "id": "10020"
    }


def test_given_a_description_too_large_for_the_issue_item_then_refused_before_any_call() -> None:
    """Issue 9.11: 100,000 four-byte characters would make the issue item pass DynamoDB's 400 KB
    limit, and the link write would fail after Jira made the ticket."""
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as refused:
        IssueInput.model_validate({"name": "n", "description": "😀" * 60_000})

    assert "200,000 bytes" in str(refused.value)
    assert IssueInput.model_validate({"name": "n", "description": "😀" * 50_000})

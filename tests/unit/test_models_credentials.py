"""The credential request models: defaults, strict shapes and errors that never echo secrets."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from jira_sync.models.credentials import (
    DEFAULT_PRIORITY_MAP,
    CredentialCreate,
    CredentialPatch,
    mask_token,
)

TOKEN = "ATATT3xFfGF0-very-secret-token-7Q2"


def body(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Security",
        "url": "https://acme.atlassian.net",
        "email": "svc@example.com",
        "api_token": TOKEN,
        "project_key": "SEC",
    } | overrides


def errors_of(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    return {
        ".".join(str(part) for part in item["loc"]): item["type"]
        for item in error.value.errors(include_input=False)
    }


def test_given_minimal_body_when_parsed_then_documented_defaults_apply() -> None:
    request = CredentialCreate.model_validate(body())

    assert request.issue_type == "Task"
    assert request.priority_map == DEFAULT_PRIORITY_MAP
    assert request.priority_map["critical"] == "Highest"
    assert request.priority_map["info"] == "Lowest"
    assert request.state_map == {}
    assert request.webhook_secret is None
    assert request.api_token.get_secret_value() == TOKEN


def test_given_full_body_when_parsed_then_every_setting_is_kept_as_json() -> None:
    request = CredentialCreate.model_validate(
        body(
            issue_type="Bug",
            state_map={"open": "To Do", "resolved": "Done"},
            priority_map={"critical": "Highest"},
            resolution_map={"resolved": "Done"},
            status_rules=[{"status": "Done", "resolution": "Won't Do", "state": "closed"}],
            labels=["security", "appsec"],
            components=["api"],
            field_map={"customfield_10010": {"from": "severity"}, "environment": {"value": 1.5}},
        )
    )

    settings = request.settings_json()

    assert settings["field_map"] == {
        "customfield_10010": {"from": "severity"},
        "environment": {"value": 1.5},
    }
    assert settings["status_rules"] == [
        {"status": "Done", "resolution": "Won't Do", "state": "closed"}
    ]
    assert "api_token" not in settings
    assert "webhook_secret" not in settings
    assert request.status_names() == ["To Do", "Done"]


def test_given_unknown_field_when_parsed_then_it_is_named() -> None:
    with pytest.raises(ValidationError) as error:
        CredentialCreate.model_validate(body(token="x", projectKey="SEC"))

    assert errors_of(error) == {"token": "extra_forbidden", "projectKey": "extra_forbidden"}


@pytest.mark.parametrize("key", ["sec", "S", "SEC-1", "ABCDEFGHIJK", "1SEC", ""])
def test_given_bad_project_key_when_parsed_then_refused_with_what_a_key_looks_like(
    key: str,
) -> None:
    with pytest.raises(ValidationError) as error:
        CredentialCreate.model_validate(body(project_key=key))

    assert errors_of(error) == {"project_key": "invalid_project_key"}
    assert "uppercase letter" in str(error.value)


@pytest.mark.parametrize("key", ["SEC", "OPS2", "AB", "ABCDEFGHIJ"])
def test_given_valid_project_key_when_parsed_then_accepted(key: str) -> None:
    assert CredentialCreate.model_validate(body(project_key=key)).project_key == key


def test_given_state_map_with_unknown_state_when_parsed_then_the_key_is_refused() -> None:
    with pytest.raises(ValidationError) as error:
        CredentialCreate.model_validate(body(state_map={"done": "Done"}))

    assert errors_of(error) == {"state_map.done.[key]": "literal_error"}


def test_given_priority_map_with_unknown_severity_when_parsed_then_refused() -> None:
    with pytest.raises(ValidationError) as error:
        CredentialCreate.model_validate(body(priority_map={"urgent": "Highest"}))

    assert errors_of(error) == {"priority_map.urgent.[key]": "literal_error"}


@pytest.mark.parametrize(
    "source",
    [{}, {"from": "name", "value": "x"}, {"from": "password"}, {"value": None}, {"const": 1}],
)
def test_given_field_source_not_exactly_from_or_value_when_parsed_then_refused(
    source: dict[str, Any],
) -> None:
    with pytest.raises(ValidationError) as error:
        CredentialCreate.model_validate(body(field_map={"customfield_10010": source}))

    assert all(loc.startswith("field_map.customfield_10010") for loc in errors_of(error))


def test_given_field_map_keyed_by_display_name_when_parsed_then_asks_for_the_field_id() -> None:
    with pytest.raises(ValidationError) as error:
        CredentialCreate.model_validate(body(field_map={"Due Date": {"from": "due_date"}}))

    assert errors_of(error) == {"field_map.Due Date.[key]": "invalid_field_id"}


def test_given_label_with_space_when_parsed_then_refused() -> None:
    with pytest.raises(ValidationError) as error:
        CredentialCreate.model_validate(body(labels=["app sec"]))

    assert errors_of(error) == {"labels.0": "whitespace"}


def test_given_status_rule_without_state_when_parsed_then_state_is_required() -> None:
    with pytest.raises(ValidationError) as error:
        CredentialCreate.model_validate(body(status_rules=[{"status": "Done"}]))

    assert errors_of(error) == {"status_rules.0.state": "missing"}


@pytest.mark.parametrize("email", ["svc", "svc@", "@example.com", "svc example@x.com"])
def test_given_bad_email_when_parsed_then_refused(email: str) -> None:
    with pytest.raises(ValidationError) as error:
        CredentialCreate.model_validate(body(email=email))

    assert errors_of(error) == {"email": "invalid_email"}


def test_given_short_webhook_secret_when_parsed_then_refused_without_echoing_it() -> None:
    with pytest.raises(ValidationError) as error:
        CredentialCreate.model_validate(body(webhook_secret="short-hook-1"))

    assert errors_of(error) == {"webhook_secret": "too_short"}
    assert "short-hook-1" not in str(error.value)
    assert "short-hook-1" not in repr(error.value.errors(include_input=False))


def test_given_token_in_a_wrong_field_when_parsed_then_the_error_hides_it() -> None:
    with pytest.raises(ValidationError) as error:
        CredentialCreate.model_validate(body(name=TOKEN * 10, email=TOKEN))

    assert TOKEN not in str(error.value)


def test_given_token_with_whitespace_when_parsed_then_refused_without_echoing_it() -> None:
    with pytest.raises(ValidationError) as error:
        CredentialCreate.model_validate(body(api_token=TOKEN + "\n"))

    assert errors_of(error) == {"api_token": "whitespace"}
    assert TOKEN not in str(error.value)


def test_given_parsed_request_when_printed_then_secrets_are_hidden() -> None:
    request = CredentialCreate.model_validate(body(webhook_secret="w" * 32))

    printed = repr(request) + str(request) + str(request.model_dump())

    assert TOKEN not in printed
    assert "w" * 32 not in printed


def test_given_patch_with_null_when_parsed_then_names_the_field_and_how_to_clear() -> None:
    with pytest.raises(ValidationError) as error:
        CredentialPatch.model_validate({"labels": None, "name": "x"})

    assert "labels cannot be null" in str(error.value)
    # The braces read as typed: an empty map is {}, never {{}}.
    assert "send [] / {} to empty" in str(error.value)
    assert "[]" in str(error.value)


def test_given_empty_patch_when_parsed_then_refused() -> None:
    with pytest.raises(ValidationError, match="at least one field"):
        CredentialPatch.model_validate({})


def test_given_patch_when_changes_listed_then_only_sent_settings_appear() -> None:
    patch = CredentialPatch.model_validate(
        {"name": "Renamed", "api_token": TOKEN, "field_map": {"duedate": {"from": "due_date"}}}
    )

    assert patch.settings_changes() == {
        "name": "Renamed",
        "field_map": {"duedate": {"from": "due_date"}},
    }


def test_given_unknown_patch_field_when_parsed_then_refused() -> None:
    with pytest.raises(ValidationError) as error:
        CredentialPatch.model_validate({"credential_id": "x"})

    assert errors_of(error) == {"credential_id": "extra_forbidden"}


def test_given_token_when_masked_then_only_the_last_four_characters_show() -> None:
    assert mask_token(TOKEN) == "****-7Q2"
    assert mask_token("svc-token") == "****oken"

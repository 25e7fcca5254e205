"""Settings are read from JIRA_SYNC_* variables exactly as template.yaml sets them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from jira_sync.settings import Settings

BASE = {
    "JIRA_SYNC_TABLE_NAME": "jira-sync-Table",
    "JIRA_SYNC_EVENT_BUS_NAME": "jira-sync-bus",
    "JIRA_SYNC_SECRET_PREFIX": "jira-sync/credentials/",
}


def test_given_template_variables_when_read_then_every_setting_is_parsed() -> None:
    environ = BASE | {
        "JIRA_SYNC_EVENT_SOURCE": "findings",
        "JIRA_SYNC_ALLOWED_HOSTS": "*.atlassian.net, api.atlassian.com,",
        "JIRA_SYNC_PUBLIC_BASE_URL": "https://jira-sync.example.com/",
        "JIRA_SYNC_STAGE": "prod",
        "JIRA_SYNC_ALLOW_LOOPBACK": "1",
        "PATH": "/usr/bin",
    }

    settings = Settings.from_environ(environ)

    assert settings.table_name == "jira-sync-Table"
    assert settings.event_bus_name == "jira-sync-bus"
    assert settings.secret_prefix == "jira-sync/credentials/"
    assert settings.allowed_hosts == ["*.atlassian.net", "api.atlassian.com"]
    assert settings.public_base_url == "https://jira-sync.example.com"
    assert settings.allow_loopback is True
    assert settings.stage == "prod"


def test_given_empty_public_base_url_when_read_then_it_is_none() -> None:
    settings = Settings.from_environ(BASE | {"JIRA_SYNC_PUBLIC_BASE_URL": ""})

    assert settings.public_base_url is None
    assert settings.allow_loopback is False
    assert settings.allowed_hosts == []


@pytest.mark.parametrize("value", ["0", "false", "", "no"])
def test_given_a_false_flag_when_read_then_loopback_stays_refused(value: str) -> None:
    settings = Settings.from_environ(BASE | {"JIRA_SYNC_ALLOW_LOOPBACK": value})

    assert settings.allow_loopback is False


def test_given_no_table_name_when_read_then_the_missing_variable_is_named() -> None:
    environ = {key: value for key, value in BASE.items() if key != "JIRA_SYNC_TABLE_NAME"}

    with pytest.raises(ValidationError, match="table_name"):
        Settings.from_environ(environ)


def test_given_settings_when_changed_then_refused_because_they_are_frozen() -> None:
    settings = Settings.from_environ(BASE)

    with pytest.raises(ValidationError):
        setattr(settings, "table_name", "other")  # noqa: B010

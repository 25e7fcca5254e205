"""The `aws` fixture: moto in-process for DynamoDB and Secrets Manager, and the settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from tests.support.moto_aws import (
    ENDPOINT_VARIABLES,
    SECRET_PREFIX,
    TABLE_NAME,
    create_table_from_template,
    forget_container_state,
)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto in-process for DynamoDB and Secrets Manager, and the JIRA_SYNC_* settings."""
    for name in ENDPOINT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("JIRA_SYNC_TABLE_NAME", TABLE_NAME)
    monkeypatch.setenv("JIRA_SYNC_EVENT_BUS_NAME", "jira-sync-test-bus")
    monkeypatch.setenv("JIRA_SYNC_EVENT_SOURCE", "findings")
    monkeypatch.setenv("JIRA_SYNC_SECRET_PREFIX", SECRET_PREFIX)
    monkeypatch.setenv("JIRA_SYNC_ALLOWED_HOSTS", "*.atlassian.net,api.atlassian.com")
    monkeypatch.setenv("JIRA_SYNC_PUBLIC_BASE_URL", "")
    monkeypatch.setenv("JIRA_SYNC_ALLOW_LOOPBACK", "1")
    monkeypatch.setenv("JIRA_SYNC_STAGE", "test")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "1")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "jira-sync")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "JiraSyncTest")
    forget_container_state()
    with mock_aws():
        create_table_from_template()
        yield
    forget_container_state()

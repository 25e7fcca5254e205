"""The remediation handler in process on the sample SQS batch (moto and the Jira emulator):
what a batch does, what a bad record does to its batch, and the credential's remediation_map."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
import requests
from pydantic import ValidationError

from devstack.jira_emulator import JiraEmulator
from jira_sync.models.credentials import CredentialPatch
from jira_sync.usecases import tickets
from tests.integration.test_usecases import jira_calls, new_credential, ticket_request

ROOT = Path(__file__).resolve().parents[2]
BATCH = ROOT / "events" / "remediation-sqs-batch.json"


class Context:
    function_name = "jira-sync-RemediationFunction"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:remediation"
    aws_request_id = "11111111-2222-4333-8444-555555555555"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


@pytest.fixture
def handler(aws: None) -> Any:
    return importlib.import_module("functions.remediation.app").lambda_handler


def test_the_sample_batch_comments_twice_and_moves_the_issue_once(
    jira: JiraEmulator, handler: Any
) -> None:
    credential_id = new_credential(
        jira,
        remediation_map={"pull_request_opened": "in progress", "pull_request_merged": "resolved"},
    )
    tickets.create_ticket("finding-1", ticket_request(credential_id))
    batch = json.loads(BATCH.read_text())

    assert handler(batch, Context()) == {"batchItemFailures": []}
    assert handler(batch, Context()) == {"batchItemFailures": []}  # redelivered: nothing again

    assert len(jira_calls(jira, "POST", "/rest/api/3/issue/SEC-1/comment")) == 2
    assert tickets.get_issue("finding-1").state == "resolved"


def test_a_record_jira_cannot_take_now_fails_alone(jira: JiraEmulator, handler: Any) -> None:
    credential_id = new_credential(jira)
    tickets.create_ticket("finding-1", ticket_request(credential_id))
    batch = json.loads(BATCH.read_text())
    requests.post(
        f"{jira.base_url}/_emulator/faults",
        json={"method": "POST", "path": "*/comment", "status": 503, "times": 5},
        timeout=10,
    )

    answer = handler(batch, Context())

    failed = {item["itemIdentifier"] for item in answer["batchItemFailures"]}
    assert failed == {record["messageId"] for record in batch["Records"]}


@pytest.mark.parametrize(
    "remediation_map",
    [{"pull_request_closed": "closed"}, {"pull_request_merged": "done"}],
    ids=["unknown event", "unknown state"],
)
def test_a_remediation_map_names_known_events_and_states(remediation_map: Any) -> None:
    with pytest.raises(ValidationError):
        CredentialPatch.model_validate({"remediation_map": remediation_map})

"""Finding Detected in process (moto and the Jira emulator): the credential's auto_create rule
decides, the ticket is made by the never-twice create path, and a redelivery makes nothing."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from devstack.jira_emulator import JiraEmulator
from jira_sync.models.credentials import (
    SEVERITY_RANK,
    AutoCreateRule,
    CredentialCreate,
    CredentialPatch,
)
from jira_sync.usecases import credentials, remediation, tickets
from jira_sync.usecases.event_outcomes import RetryLater
from tests.integration.test_credentials_handler import credential_body
from tests.integration.test_usecases import fault, jira_calls, new_credential, ticket_request

HIGH = {"min_severity": "high"}
FINDING = {
    "name": "SQL injection in /search",
    "description": "The **q** parameter reaches the query unescaped.",
    "severity": "critical",
    "labels": ["web", "PCI"],
    "scanner_rule": "sqli-001",
}
SNAPSHOT = {"rows": [{"host": "10.0.0.5", "port": 443}]}


def detected(
    credential_id: str, issue_id: str = "finding-1", event_id: str | None = None, **extra: Any
) -> str:
    return json.dumps(
        {
            "version": "0",
            "id": event_id or str(uuid.uuid4()),
            "detail-type": "Finding Detected",
            "source": "findings",
            "detail": {"issue_id": issue_id, "credential_id": credential_id, "issue": FINDING}
            | extra,
        }
    )


def creates(jira: JiraEmulator) -> int:
    return len(jira_calls(jira, "POST", "/rest/api/3/issue"))


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ({"min_severity": "severe"}, "min_severity"),
        ({}, "min_severity"),
        ({"min_severity": "high", "labels_any": []}, "labels_any"),
        ({"min_severity": "high", "labels_any": ["two words"]}, "labels_any"),
        ({"min_severity": "high", "snapshot": "yes please"}, "snapshot"),
        ({"min_severity": "high", "projects": ["SEC"]}, "projects"),
    ],
    ids=["unknown severity", "no severity", "no labels", "spaced label", "not a flag", "extra"],
)
def test_an_auto_create_rule_is_checked_when_the_credential_is_saved(
    rule: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        CredentialPatch.model_validate({"auto_create": rule})
    assert problem in str(refused.value)


def test_a_patch_turns_auto_create_off_with_null_and_refuses_other_nulls(
    aws: None, jira: JiraEmulator
) -> None:
    view = credentials.create_credential(
        CredentialCreate.model_validate(credential_body(jira, auto_create=HIGH)),
        base_url="https://api.example",
    )
    assert view.auto_create == AutoCreateRule(min_severity="high")

    off = credentials.update_credential(
        view.credential_id,
        CredentialPatch.model_validate({"auto_create": None}),
        base_url="https://api.example",
    )

    assert off.auto_create is None
    with pytest.raises(ValidationError, match="labels cannot be null"):
        CredentialPatch.model_validate({"auto_create": None, "labels": None})


@given(
    st.sampled_from(list(SEVERITY_RANK)),
    st.sampled_from(list(SEVERITY_RANK)) | st.none(),
    st.lists(st.sampled_from(["web", "PCI", "infra"]), max_size=3),
)
def test_a_rule_matches_a_severity_at_least_its_own_and_any_of_its_labels(
    minimum: Any, severity: Any, labels: list[str]
) -> None:
    plain = AutoCreateRule(min_severity=minimum)
    labelled = AutoCreateRule(min_severity=minimum, labels_any=["pci"])
    severe = severity is not None and SEVERITY_RANK[severity] >= SEVERITY_RANK[minimum]

    assert plain.matches(severity, labels) is severe
    assert labelled.matches(severity, labels) is (severe and "PCI" in labels)


def test_a_matching_finding_gets_one_ticket_however_often_it_comes(
    aws: None, jira: JiraEmulator
) -> None:
    credential_id = new_credential(jira, auto_create=HIGH)
    event = detected(credential_id, event_id="event-1")

    assert remediation.handle(event) == "done"
    assert remediation.handle(event) == "duplicate"  # the same event redelivered
    assert remediation.handle(detected(credential_id)) == "done"  # the scanner sent it again

    assert creates(jira) == 1
    issue = tickets.get_issue("finding-1")
    assert issue.name == FINDING["name"]
    assert issue.severity == "critical"
    assert issue.jira is not None
    assert [line.text for line in issue.timeline] == [
        f'Created Jira ticket {issue.jira.key} for issue "{FINDING["name"]}"'
    ]


@pytest.mark.parametrize(
    ("rule", "finding"),
    [
        (None, {}),
        ({"min_severity": "critical"}, {"severity": "high"}),
        ({"min_severity": "low"}, {"severity": None}),
        ({"min_severity": "low", "labels_any": ["infra"]}, {}),
    ],
    ids=["no rule", "not severe enough", "no severity", "no matching label"],
)
def test_a_finding_the_rule_does_not_match_makes_nothing(
    aws: None, jira: JiraEmulator, rule: dict[str, Any] | None, finding: dict[str, Any]
) -> None:
    settings = {} if rule is None else {"auto_create": rule}
    credential_id = new_credential(jira, **settings)
    event = json.loads(detected(credential_id))
    event["detail"]["issue"] |= finding

    assert remediation.handle(json.dumps(event)) == "skipped"

    assert creates(jira) == 0
    assert tickets.store.get_issue_item("finding-1") is None


def test_the_snapshot_is_attached_only_when_the_rule_asks(aws: None, jira: JiraEmulator) -> None:
    without = new_credential(jira, auto_create=HIGH)
    with_rows = new_credential(jira, auto_create=HIGH | {"snapshot": True})

    remediation.handle(detected(without, "finding-1", snapshot=SNAPSHOT))
    remediation.handle(detected(with_rows, "finding-2", snapshot=SNAPSHOT))

    assert jira_calls(jira, "POST", "/rest/api/3/issue/SEC-1/attachments") == []
    assert len(jira_calls(jira, "POST", "/rest/api/3/issue/SEC-2/attachments")) == 1


def test_a_finding_already_linked_is_acknowledged_without_a_jira_call(
    aws: None, jira: JiraEmulator
) -> None:
    credential_id = new_credential(jira, auto_create=HIGH)
    tickets.create_ticket("finding-1", ticket_request(credential_id))
    before = creates(jira)

    assert remediation.handle(detected(credential_id)) == "skipped"

    assert creates(jira) == before


def test_an_unknown_credential_or_a_bad_detail_is_refused(aws: None, jira: JiraEmulator) -> None:
    credential_id = new_credential(jira, auto_create=HIGH)
    broken = json.loads(detected(credential_id))
    del broken["detail"]["issue"]["description"]

    assert remediation.handle(detected(str(uuid.uuid4()))) == "refused"
    assert remediation.handle(json.dumps(broken)) == "refused"
    assert creates(jira) == 0


def test_jira_failing_sends_the_event_back_and_the_retry_makes_one_ticket(
    aws: None, jira: JiraEmulator
) -> None:
    credential_id = new_credential(jira, auto_create=HIGH)
    event = detected(credential_id, event_id="event-1")
    fault(jira, method="POST", path="/rest/api/3/issue", status=503, times=1)

    with pytest.raises(RetryLater):
        remediation.handle(event)

    assert remediation.handle(event, receive_count=2) == "done"
    assert tickets.get_issue("finding-1").jira is not None


def test_jira_refusing_the_ticket_is_refused_not_retried(aws: None, jira: JiraEmulator) -> None:
    credential_id = new_credential(jira, auto_create=HIGH)
    fault(jira, method="POST", path="/rest/api/3/issue", status=400, times=1)

    assert remediation.handle(detected(credential_id)) == "refused"

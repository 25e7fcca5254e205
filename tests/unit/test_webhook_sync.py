"""How one jira:issue_updated becomes a change: state rules, out-of-order, echoes, due dates."""

from __future__ import annotations

from typing import Any

from jira_sync.models.credentials import StoredCredential
from jira_sync.models.issues import LinkRecord
from jira_sync.models.webhook import WebhookPayload
from jira_sync.usecases.webhook_sync import issue_updated, state_for

OURS = "712020:ours"


def credential(**overrides: Any) -> StoredCredential:
    return StoredCredential.model_validate(
        {
            "name": "c",
            "url": "https://acme.atlassian.net",
            "email": "svc@example.com",
            "project_key": "SEC",
            "state_map": {"open": "To Do", "in progress": "In Progress", "resolved": "Done"},
            "credential_id": "c1",
            "secret_version": "v1",
            "validation": {
                "ok": True,
                "jira_status": 200,
                "account_id": OURS,
                "checked_at": "2030-01-01T00:00:00Z",
            },
            "created_at": "2030-01-01T00:00:00Z",
            "updated_at": "2030-01-01T00:00:00Z",
            "version": 1,
        }
        | overrides
    )


def link(**overrides: Any) -> LinkRecord:
    return LinkRecord.model_validate(
        {
            "key": "SEC-1",
            "id": "10000",
            "browse_url": "https://acme.atlassian.net/browse/SEC-1",
            "base_url": "https://acme.atlassian.net",
            "credential_id": "c1",
            "issue_id": "i1",
            "state": "open",
        }
        | overrides
    )


def datacenter(username: str | None = "svc", **overrides: Any) -> StoredCredential:
    """A Data Center credential: its account is named by login (``validation.username``)."""
    validation = {
        "ok": True,
        "jira_status": 200,
        "username": username,
        "auth": "pat",
        "server_version": "10.3.0",
        "checked_at": "2030-01-01T00:00:00Z",
    }
    return credential(
        url="https://jira.example.com/jira",
        deployment="datacenter",
        auth="pat",
        email=None,
        validation=validation,
        **overrides,
    )


def payload(
    *items: dict[str, Any],
    timestamp: int = 1000,
    actor: str = "alice",
    user: dict[str, Any] | None = None,
) -> WebhookPayload:
    return WebhookPayload.model_validate(
        {
            "timestamp": timestamp,
            "webhookEvent": "jira:issue_updated",
            "user": {"accountId": actor} if user is None else user,
            "issue": {"key": "SEC-1", "fields": {"status": {"name": "Done"}}},
            "changelog": {"items": list(items)},
        }
    )


def status(to: str, frm: str = "To Do") -> dict[str, Any]:
    return {"field": "Status", "fieldId": "status", "fromString": frm, "toString": to}


def test_given_mapped_status_when_updated_then_state_follows_case_insensitively() -> None:
    change = issue_updated(payload(status("DONE")), credential(), link())

    assert change.issue["state"] == "resolved"
    assert change.state_change == ("open", "resolved")
    assert change.link["status_at"] == 1000
    assert change.timeline == 'Jira update (SEC-1): Status changed from "To Do" to "DONE"'


def test_given_an_older_status_when_updated_then_timeline_only() -> None:
    change = issue_updated(payload(status("Done"), timestamp=5), credential(), link(status_at=10))

    assert "state" not in change.issue
    assert "status_at" not in change.link
    assert change.timeline is not None


def test_given_a_status_as_old_as_the_last_applied_then_it_is_not_applied_again() -> None:
    """Issue 9.4: a replay at the same timestamp once flipped closed back to resolved."""
    change = issue_updated(
        payload(status("Done"), timestamp=10), credential(), link(state="closed", status_at=10)
    )

    assert "state" not in change.issue
    assert change.state_change is None
    assert "status_at" not in change.link


def test_given_our_own_echo_then_recorded_not_reapplied() -> None:
    change = issue_updated(
        payload(status("Done"), actor=OURS),
        credential(),
        link(state="closed", echo_status="done"),
    )

    assert "state" not in change.issue
    assert change.state_change is None
    assert change.link["echo_status"] is None
    assert change.link["jira_status"] == "Done"


def test_given_someone_else_reaching_the_echo_status_then_it_applies() -> None:
    change = issue_updated(
        payload(status("Done"), actor="alice"), credential(), link(echo_status="Done")
    )

    assert change.issue["state"] == "resolved"


def test_given_data_center_then_the_echo_is_recognised_by_login_name() -> None:
    echo = payload(status("Done"), user={"name": "SVC", "key": "JIRAUSER10100"})

    change = issue_updated(echo, datacenter(), link(state="closed", echo_status="Done"))

    assert change.state_change is None
    assert change.link["echo_status"] is None


def test_given_data_center_then_no_one_else_is_taken_for_our_account() -> None:
    echoed = link(echo_status="Done")
    cases = {
        "someone else": (payload(status("Done"), user={"name": "alice"}), datacenter()),
        "no name": (payload(status("Done"), user={"key": "JIRAUSER10100"}), datacenter()),
        "our name unknown": (payload(status("Done"), user={}), datacenter(username=None)),
        # Cloud compares accountIds: a name equal to some login means nothing there.
        "a name on Cloud": (payload(status("Done"), user={"name": "svc"}), credential()),
    }
    for name, (delivered, used) in cases.items():
        change = issue_updated(delivered, used, echoed)

        assert change.issue.get("state") == "resolved", name
        assert "echo_status" not in change.link, name


def test_given_status_and_resolution_rule_then_the_rule_wins() -> None:
    rules = [
        {"status": "Done", "resolution": "Won't Fix", "state": "closed"},
        {"status": "Done", "resolution": "Fixed", "state": "resolved"},
    ]
    resolution = {"field": "resolution", "fieldId": "resolution", "toString": "Won't Fix"}

    change = issue_updated(
        payload(resolution, status("Done")), credential(status_rules=rules), link()
    )

    assert change.issue["state"] == "closed"


def test_given_unmapped_status_then_no_state_change() -> None:
    change = issue_updated(payload(status("Blocked")), credential(), link())

    assert "state" not in change.issue
    assert change.issue["jira_status"] == "Blocked"


def test_given_due_date_changed_or_cleared_then_due_date_follows() -> None:
    set_item = {"field": "duedate", "fieldId": "duedate", "to": "2031-02-03", "toString": "x"}
    cleared = {"field": "duedate", "fieldId": "duedate", "from": "2031-02-03", "to": None}

    assert issue_updated(payload(set_item), credential(), link()).issue["due_date"] == "2031-02-03"
    assert issue_updated(payload(cleared), credential(), link()).issue["due_date"] is None


def test_given_a_status_shared_by_two_states_then_the_current_one_is_kept() -> None:
    shared = credential(state_map={"resolved": "Done", "closed": "Done"})

    assert state_for(shared, "done", None, "closed") == "closed"
    assert state_for(shared, "done", None, "open") == "resolved"

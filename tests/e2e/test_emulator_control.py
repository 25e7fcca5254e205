"""The `/_emulator/` control API: reset, state, faults, rate limit and the request log."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from devstack.jira_emulator import JiraEmulator
from tests.fixtures.emulator import emulator_session

SVC = ("svc@example.com", "svc-token")
ISSUE = {"fields": {"project": {"key": "SEC"}, "issuetype": {"name": "Task"}, "summary": "s"}}


def control(jira: JiraEmulator, method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(method, f"{jira.base_url}/_emulator/{path}", json=body, timeout=5)


def myself(jira: JiraEmulator, timeout: float = 5) -> requests.Response:
    return emulator_session(*SVC).get(f"{jira.base_url}/rest/api/3/myself", timeout=timeout)


def stored_keys(jira: JiraEmulator) -> list[str]:
    return [i["key"] for i in control(jira, "GET", "state").json()["issues"]]


def test_given_status_fault_when_matching_request_then_injected_status_body_and_headers(
    jira: JiraEmulator,
) -> None:
    fault = {
        "method": "GET",
        "path": "/rest/api/3/myself",
        "status": 503,
        "headers": {"Retry-After": "7"},
        "body": {"errorMessages": ["down"], "errors": {}},
    }
    assert control(jira, "POST", "faults", fault).status_code == 201
    response = myself(jira)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert response.json() == {"errorMessages": ["down"], "errors": {}}
    assert control(jira, "DELETE", "faults").status_code == 204
    assert myself(jira).status_code == 200


def test_given_fault_with_times_when_requests_exceed_then_only_first_n_fail(
    jira: JiraEmulator,
) -> None:
    control(jira, "POST", "faults", {"path": "/rest/api/3/*", "status": 500, "times": 2})
    assert [myself(jira).status_code for _ in range(3)] == [500, 500, 200]


def test_given_regex_path_when_other_method_or_path_then_not_applied(jira: JiraEmulator) -> None:
    control(
        jira, "POST", "faults", {"method": "POST", "path": r"^/rest/api/3/issue$", "status": 502}
    )
    assert myself(jira).status_code == 200
    response = emulator_session(*SVC).post(
        f"{jira.base_url}/rest/api/3/issue", json=ISSUE, timeout=5
    )
    assert response.status_code == 502
    assert stored_keys(jira) == []


def test_given_drop_connection_fault_when_requesting_then_connection_error(
    jira: JiraEmulator,
) -> None:
    control(
        jira, "POST", "faults", {"path": "/rest/api/3/myself", "drop_connection": True, "times": 1}
    )
    with pytest.raises(requests.ConnectionError):
        myself(jira)
    assert myself(jira).status_code == 200


def test_given_after_processing_drop_when_creating_then_issue_exists_but_no_response(
    jira: JiraEmulator,
) -> None:
    fault = {
        "method": "POST",
        "path": "/rest/api/3/issue",
        "drop_connection": True,
        "after_processing": True,
        "times": 1,
    }
    control(jira, "POST", "faults", fault)
    with pytest.raises(requests.ConnectionError):
        emulator_session(*SVC).post(f"{jira.base_url}/rest/api/3/issue", json=ISSUE, timeout=5)
    assert stored_keys(jira) == ["SEC-1"]


def test_given_after_processing_status_when_creating_then_issue_exists_and_status_replaced(
    jira: JiraEmulator,
) -> None:
    fault = {"method": "POST", "path": "/rest/api/3/issue", "status": 504, "after_processing": True}
    control(jira, "POST", "faults", fault)
    response = emulator_session(*SVC).post(
        f"{jira.base_url}/rest/api/3/issue", json=ISSUE, timeout=5
    )
    assert response.status_code == 504
    assert stored_keys(jira) == ["SEC-1"]


def test_given_latency_fault_when_client_timeout_is_shorter_then_read_timeout(
    jira: JiraEmulator,
) -> None:
    control(jira, "POST", "faults", {"path": "/rest/api/3/myself", "latency_ms": 1500, "times": 1})
    with pytest.raises(requests.ReadTimeout):
        myself(jira, timeout=0.3)


@pytest.mark.parametrize(
    "fault",
    [
        {},
        {"path": "/x"},
        {"path": "^(", "status": 500},
        {"path": "/x", "status": 99},
        {"path": "/x", "bogus": 1},
    ],
)
def test_given_invalid_fault_when_posted_then_400(
    jira: JiraEmulator, fault: dict[str, Any]
) -> None:
    assert control(jira, "POST", "faults", fault).status_code == 400


def test_given_rate_limit_when_burst_exceeded_then_429_with_jira_headers(
    jira: JiraEmulator,
) -> None:
    assert (
        control(jira, "POST", "rate-limit", {"requests_per_second": 0.5, "burst": 2}).status_code
        == 200
    )
    statuses = [myself(jira) for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    limited = statuses[2]
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["X-RateLimit-Limit"] == "2"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert limited.headers["X-RateLimit-Reset"].endswith("Z")
    assert limited.headers["RateLimit-Reason"] == "jira-burst-based"
    assert control(jira, "DELETE", "rate-limit").status_code == 204
    assert myself(jira).status_code == 200


def test_given_requests_when_reading_log_then_method_path_user_status_recorded(
    jira: JiraEmulator,
) -> None:
    myself(jira)
    requests.get(
        f"{jira.base_url}/rest/api/3/myself?expand=groups",
        auth=("svc@example.com", "bad"),
        timeout=5,
    )
    log = control(jira, "GET", "requests").json()
    assert [(e["method"], e["path"], e["user"], e["status"]) for e in log] == [
        ("GET", "/rest/api/3/myself", "svc@example.com", 200),
        ("GET", "/rest/api/3/myself", None, 401),
    ]
    assert log[1]["query"] == "expand=groups"
    assert "bad" not in str(log)
    assert control(jira, "DELETE", "requests").status_code == 204
    assert control(jira, "GET", "requests").json() == []


def test_given_changes_when_reset_then_seed_state_returns(jira: JiraEmulator) -> None:
    emulator_session(*SVC).post(f"{jira.base_url}/rest/api/3/issue", json=ISSUE, timeout=5)
    control(jira, "POST", "faults", {"path": "/nothing", "status": 500})
    control(jira, "POST", "rate-limit", {"requests_per_second": 100, "burst": 100})
    assert control(jira, "POST", "reset").status_code == 204
    state = control(jira, "GET", "state").json()
    assert state["issues"] == []
    assert state["faults"] == []
    assert state["rate_limit"] is None
    assert state["webhooks"] == []
    assert control(jira, "GET", "requests").json() == []
    created = emulator_session(*SVC).post(
        f"{jira.base_url}/rest/api/3/issue", json=ISSUE, timeout=5
    )
    assert created.json()["key"] == "SEC-1"


def test_given_control_api_when_called_then_not_recorded_nor_faulted(jira: JiraEmulator) -> None:
    control(jira, "POST", "faults", {"path": "/_emulator/*", "status": 500})
    assert control(jira, "GET", "state").status_code == 200
    assert control(jira, "GET", "requests").json() == []

"""The Jira client over real HTTP against the Jira emulator: auth, retries, deadlines, errors.

Faults and rate limits are injected through the emulator's `/_emulator/` control API; the
emulator's request log is the witness of how many attempts reached "Jira".
"""

from __future__ import annotations

import base64
import logging
import socket
import time
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests

from jira_sync import caching
from jira_sync.jira.cache import get_client
from jira_sync.jira.client import JiraClient
from jira_sync.jira.errors import (
    JiraAuthError,
    JiraError,
    JiraNotFound,
    JiraRateLimited,
    JiraRejected,
    JiraUnavailable,
)
from jira_sync.jira.retry import RetryPolicy

SVC = ("svc@example.com", "svc-token")
VIEWER = ("viewer@example.com", "viewer-token")
SCOPED = ("svc@example.com", "svc-scoped-token")
BAD_TOKEN = "svc-token-that-is-wrong-0123456789"
ISSUE_PATH = "/rest/api/3/issue"
MYSELF_PATH = "/rest/api/3/myself"


class Recorder:
    """A sleep that records each wait and really sleeps, so the timing is genuine."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        time.sleep(seconds)


def control(jira: Any, method: str, name: str, body: Any = None) -> Any:
    response = requests.request(method, f"{jira.base_url}/_emulator/{name}", json=body, timeout=10)
    response.raise_for_status()
    return response.json() if response.content else None


def fault(jira: Any, **spec: Any) -> None:
    control(jira, "POST", "faults", spec)


def logged(jira: Any, method: str, path: str) -> int:
    """How many requests the emulator received for ``method path`` (API paths only)."""
    entries = control(jira, "GET", "requests")
    if isinstance(entries, dict):
        entries = entries["requests"]
    return sum(1 for e in entries if e["method"] == method and e["path"].split("?")[0] == path)


def settled(jira: Any, method: str, path: str, at_least: int = 1) -> int:
    """``logged`` once the emulator has finished the slow requests it is still serving.

    The emulator logs a request when it answers it, so a request the client gave up on (read
    timeout) shows up later; waiting also keeps it from landing in the next test's log.
    """
    deadline = time.monotonic() + 10
    count = logged(jira, method, path)
    while count < at_least and time.monotonic() < deadline:
        time.sleep(0.05)
        count = logged(jira, method, path)
    return count


def client(jira: Any, credential: tuple[str, str] = SVC, **kwargs: Any) -> JiraClient:
    kwargs.setdefault("sleep", Recorder())
    return JiraClient(jira.base_url, *credential, **kwargs)


def secrets_of(email: str, token: str) -> list[str]:
    pair = f"{email}:{token}"
    return [token, pair, base64.b64encode(pair.encode()).decode()]


def exception_texts(exc: BaseException) -> str:
    """Everything an exception can show: str, repr, args, the chain and a formatted trace."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [str(current), repr(current), repr(current.args), repr(vars(current))]
        current = current.__cause__ or current.__context__
    parts.append("".join(traceback.format_exception(exc)))
    return "\n".join(parts)


def assert_secret_free(text: str, email: str, token: str) -> None:
    for secret in secrets_of(email, token):
        assert secret not in text


def no_deadline_issue() -> dict[str, Any]:
    return {
        "fields": {
            "project": {"key": "SEC"},
            "issuetype": {"name": "Task"},
            "summary": "Client test issue",
        }
    }


@pytest.fixture(autouse=True)
def _fresh_client_cache() -> Iterator[None]:
    caching.reset()
    yield
    caching.reset()


# -- the happy paths ---------------------------------------------------------------------


def test_given_service_account_when_myself_then_its_account_is_returned(jira: Any) -> None:
    me = client(jira).myself()
    assert me.email_address == "svc@example.com"
    assert me.account_id


def test_given_service_account_when_server_info_then_the_site_describes_itself(jira: Any) -> None:
    info = client(jira).server_info()
    assert info.base_url.rstrip("/") == jira.base_url.rstrip("/")


def test_given_project_sec_when_project_and_statuses_then_jira_values_come_back(jira: Any) -> None:
    jira_client = client(jira)
    assert jira_client.project("SEC").key == "SEC"
    statuses = jira_client.project_statuses("SEC")
    assert sorted(statuses) == ["Done", "In Progress", "To Do"]
    assert len(statuses) == len(set(statuses))


def test_given_svc_and_viewer_when_my_permissions_then_only_svc_may_create(jira: Any) -> None:
    wanted = ["BROWSE_PROJECTS", "CREATE_ISSUES", "TRANSITION_ISSUES"]
    assert client(jira, SVC).my_permissions("SEC", wanted) == dict.fromkeys(wanted, True)
    assert client(jira, VIEWER).my_permissions("SEC", wanted) == {
        "BROWSE_PROJECTS": True,
        "CREATE_ISSUES": False,
        "TRANSITION_ISSUES": False,
    }


def test_given_scoped_token_when_calling_through_the_gateway_path_then_it_works(jira: Any) -> None:
    gateway = JiraClient(f"{jira.base_url}/ex/jira/{jira.cloud_id}", *SCOPED)
    assert gateway.myself().email_address == "svc@example.com"
    with pytest.raises(JiraAuthError) as info:
        client(jira, SCOPED).myself()
    assert info.value.status == 401
    assert "/ex/jira/<cloudId>" in str(info.value)


# -- typed errors and secrecy ---------------------------------------------------------------


def test_given_a_bad_token_when_myself_then_auth_error_without_any_secret(
    jira: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    jira_client = client(jira, ("svc@example.com", BAD_TOKEN))
    with pytest.raises(JiraAuthError) as info:
        jira_client.myself()
    error = info.value
    assert error.status == 401
    assert "GET /rest/api/3/myself" in str(error)
    assert error.__cause__ is None
    assert error.__context__ is None
    text = "\n".join(
        [
            exception_texts(error),
            repr(jira_client),
            str(jira_client),
            repr(jira_client.session),
            repr(vars(jira_client)),
            repr(jira_client.session.headers),
            caplog.text,
        ]
    )
    assert_secret_free(text, "svc@example.com", BAD_TOKEN)


def test_given_transport_failures_when_raised_then_no_secret_in_errors_or_debug_logs(
    jira: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    email, token = SVC
    jira_client = client(jira, read_timeout=0.3, retry=RetryPolicy(backoff_base=0.01))
    fault(jira, method="GET", path=MYSELF_PATH, drop_connection=True, times=3)
    with pytest.raises(JiraUnavailable) as dropped:
        jira_client.myself()
    fault(jira, method="POST", path=ISSUE_PATH, latency_ms=1500, times=1)
    with pytest.raises(JiraUnavailable) as timed_out:
        jira_client.request("POST", ISSUE_PATH, json=no_deadline_issue())
    assert settled(jira, "POST", ISSUE_PATH) == 1
    for error in (dropped.value, timed_out.value):
        assert error.__cause__ is None
        assert error.__context__ is None
        assert_secret_free(exception_texts(error), email, token)
    assert "urllib3" in caplog.text  # debug logging of the HTTP layer was really captured
    assert_secret_free(caplog.text, email, token)


def test_given_an_unknown_project_when_project_then_not_found(jira: Any) -> None:
    with pytest.raises(JiraNotFound) as info:
        client(jira).project("NOPE")
    assert info.value.status == 404
    assert "GET /rest/api/3/project/NOPE" in str(info.value)


def test_given_a_key_with_slashes_when_project_then_it_stays_one_path_segment(jira: Any) -> None:
    with pytest.raises(JiraNotFound):
        client(jira).project("../myself")


def test_given_jira_refuses_a_field_then_rejected_carries_its_messages(jira: Any) -> None:
    body = {"errorMessages": ["Bad thing"], "errors": {"summary": "Summary is required."}}
    fault(jira, method="POST", path=ISSUE_PATH, status=400, body=body, times=1)
    with pytest.raises(JiraRejected) as info:
        client(jira).request("POST", ISSUE_PATH, json=no_deadline_issue())
    error = info.value
    assert error.status == 400
    assert error.error_messages == ["Bad thing"]
    assert error.errors == {"summary": "Summary is required."}
    assert "Bad thing" in str(error)
    assert "summary: Summary is required." in str(error)


def test_given_a_real_validation_failure_then_rejected_names_the_field(jira: Any) -> None:
    issue = no_deadline_issue()
    del issue["fields"]["summary"]
    with pytest.raises(JiraRejected) as info:
        client(jira).request("POST", ISSUE_PATH, json=issue)
    assert info.value.status == 400
    assert "summary" in info.value.errors


def test_given_garbage_instead_of_json_when_get_then_unavailable(jira: Any) -> None:
    fault(jira, method="GET", path=MYSELF_PATH, status=200, body="<html>oops</html>", times=1)
    with pytest.raises(JiraUnavailable) as info:
        client(jira).myself()
    assert "not JSON" in str(info.value)
    assert info.value.uncertain is False


def test_given_an_unexpected_json_shape_then_unavailable(jira: Any) -> None:
    path = "/rest/api/3/project/SEC/statuses"
    fault(jira, method="GET", path=path, status=200, body={"not": "a list"}, times=1)
    with pytest.raises(JiraUnavailable, match="not a JSON array"):
        client(jira).project_statuses("SEC")


def test_given_a_redirect_then_it_is_not_followed_and_rejected(jira: Any) -> None:
    target = f"{jira.base_url}/rest/api/3/serverInfo"
    fault(jira, method="GET", path=MYSELF_PATH, status=302, headers={"Location": target}, times=1)
    with pytest.raises(JiraRejected) as info:
        client(jira).myself()
    assert info.value.status == 302
    assert "redirect" in str(info.value)
    assert logged(jira, "GET", "/rest/api/3/serverInfo") == 0


# -- retries ------------------------------------------------------------------------------


def test_given_a_503_with_retry_after_when_get_then_it_is_retried_after_the_wait(
    jira: Any,
) -> None:
    fault(jira, method="GET", path=MYSELF_PATH, status=503, headers={"Retry-After": "1"}, times=1)
    sleep = Recorder()
    me = client(jira, sleep=sleep).myself()
    assert me.email_address == "svc@example.com"
    assert sleep.waits == [1.0]
    assert logged(jira, "GET", MYSELF_PATH) == 2


def test_given_a_503_when_post_then_it_is_not_retried(jira: Any) -> None:
    fault(jira, method="POST", path=ISSUE_PATH, status=503, headers={"Retry-After": "0"}, times=3)
    sleep = Recorder()
    with pytest.raises(JiraUnavailable) as info:
        client(jira, sleep=sleep).request("POST", ISSUE_PATH, json=no_deadline_issue())
    assert info.value.status == 503
    assert info.value.uncertain is False
    assert sleep.waits == []
    assert logged(jira, "POST", ISSUE_PATH) == 1


def test_given_an_idempotent_post_when_503_then_it_is_retried(jira: Any) -> None:
    fault(jira, method="POST", path="/rest/api/3/search/jql", status=503, times=1)
    response = client(jira, retry=RetryPolicy(backoff_base=0.01)).request(
        "POST", "/rest/api/3/search/jql", json={"jql": "project = SEC"}, idempotent=True
    )
    assert response.status_code == 200
    assert logged(jira, "POST", "/rest/api/3/search/jql") == 2


def test_given_a_502_that_persists_when_get_then_three_attempts_then_unavailable(
    jira: Any,
) -> None:
    fault(
        jira, method="GET", path=MYSELF_PATH, status=502, body="<html>bad gateway</html>", times=5
    )
    sleep = Recorder()
    with pytest.raises(JiraUnavailable) as info:
        client(jira, sleep=sleep, retry=RetryPolicy(backoff_base=0.02)).myself()
    assert info.value.status == 502
    assert logged(jira, "GET", MYSELF_PATH) == 3
    assert len(sleep.waits) == 2
    assert sleep.waits[0] <= 0.02
    assert sleep.waits[1] <= 0.04


def test_given_a_429_with_retry_after_beyond_the_deadline_then_rate_limited_at_once(
    jira: Any,
) -> None:
    fault(jira, method="GET", path=MYSELF_PATH, status=429, headers={"Retry-After": "30"}, times=1)
    sleep = Recorder()
    left = 5.0
    with pytest.raises(JiraRateLimited) as info:
        client(jira, sleep=sleep, remaining_time=lambda: left).myself()
    assert info.value.status == 429
    assert info.value.retry_after == 30.0
    assert sleep.waits == []
    assert logged(jira, "GET", MYSELF_PATH) == 1


def test_given_a_429_with_an_http_date_retry_after_beyond_the_deadline_then_at_once(
    jira: Any,
) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=40), usegmt=True)
    fault(jira, method="GET", path=MYSELF_PATH, status=429, headers={"Retry-After": later}, times=1)
    sleep = Recorder()
    with pytest.raises(JiraRateLimited) as info:
        client(jira, sleep=sleep, remaining_time=lambda: 10.0).myself()
    assert info.value.retry_after is not None
    assert 30.0 < info.value.retry_after <= 40.0
    assert sleep.waits == []


def test_given_a_429_that_fits_the_deadline_then_the_wait_is_honoured(jira: Any) -> None:
    fault(jira, method="GET", path=MYSELF_PATH, status=429, headers={"Retry-After": "1"}, times=1)
    sleep = Recorder()
    me = client(jira, sleep=sleep, remaining_time=lambda: 20.0).myself()
    assert me.email_address == "svc@example.com"
    assert sleep.waits == [1.0]


def test_given_a_rate_limited_jira_when_429_persists_then_rate_limited_after_three(
    jira: Any,
) -> None:
    fault(jira, method="GET", path=MYSELF_PATH, status=429, headers={"Retry-After": "0"}, times=5)
    with pytest.raises(JiraRateLimited) as info:
        client(jira).myself()
    assert info.value.retry_after == 0.0
    assert logged(jira, "GET", MYSELF_PATH) == 3


def test_given_the_emulator_rate_limit_when_bursting_then_requests_still_succeed(
    jira: Any,
) -> None:
    control(jira, "POST", "rate-limit", {"requests_per_second": 5, "burst": 1})
    sleep = Recorder()
    jira_client = client(jira, sleep=sleep)
    for _ in range(3):
        assert jira_client.myself().email_address == "svc@example.com"
    waits = sleep.waits
    assert waits, "the emulator's rate limit should have answered 429 at least once"
    assert logged(jira, "GET", MYSELF_PATH) == 3 + len(waits)


def test_given_a_dropped_connection_when_get_then_it_is_retried(jira: Any) -> None:
    fault(jira, method="GET", path=MYSELF_PATH, drop_connection=True, times=1)
    sleep = Recorder()
    me = client(jira, sleep=sleep, retry=RetryPolicy(backoff_base=0.01)).myself()
    assert me.email_address == "svc@example.com"
    assert len(sleep.waits) == 1
    assert settled(jira, "GET", MYSELF_PATH, at_least=2) == 2


def test_given_a_dropped_connection_when_post_then_uncertain_and_not_retried(jira: Any) -> None:
    fault(
        jira, method="POST", path=ISSUE_PATH, drop_connection=True, after_processing=True, times=1
    )
    with pytest.raises(JiraUnavailable) as info:
        client(jira).request("POST", ISSUE_PATH, json=no_deadline_issue())
    assert info.value.uncertain is True
    assert info.value.status is None
    assert logged(jira, "POST", ISSUE_PATH) == 1


def test_given_latency_beyond_read_timeout_when_post_then_uncertain_unavailable(
    jira: Any,
) -> None:
    fault(jira, method="POST", path=ISSUE_PATH, latency_ms=1500, times=1)
    sleep = Recorder()
    with pytest.raises(JiraUnavailable) as info:
        client(jira, read_timeout=0.3, sleep=sleep).request(
            "POST", ISSUE_PATH, json=no_deadline_issue()
        )
    assert info.value.uncertain is True
    assert "no answer within 0.3 s" in str(info.value)
    assert sleep.waits == []
    assert settled(jira, "POST", ISSUE_PATH) == 1


def test_given_latency_beyond_read_timeout_when_get_then_retried(jira: Any) -> None:
    fault(jira, method="GET", path=MYSELF_PATH, latency_ms=1500, times=1)
    me = client(jira, read_timeout=0.3, retry=RetryPolicy(backoff_base=0.01)).myself()
    assert me.email_address == "svc@example.com"
    assert settled(jira, "GET", MYSELF_PATH, at_least=2) == 2


def test_given_nothing_listening_when_post_then_unavailable_and_certainly_not_sent() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The port is free again: nothing accepts connections on it.
    jira_client = JiraClient(f"http://127.0.0.1:{port}", *SVC, sleep=Recorder())
    with pytest.raises(JiraUnavailable) as info:
        jira_client.request("POST", ISSUE_PATH, json=no_deadline_issue())
    assert info.value.uncertain is False
    assert info.value.status is None
    # Nothing answered to say which Jira it was: the message names where the call went.
    assert str(info.value).endswith(f"POST http://127.0.0.1:{port}{ISSUE_PATH}: could not connect")


# -- deadlines ----------------------------------------------------------------------------


def test_given_too_little_time_left_when_get_then_nothing_is_sent(jira: Any) -> None:
    with pytest.raises(JiraUnavailable) as info:
        client(jira, remaining_time=lambda: 1.2).myself()
    assert "too little time left" in str(info.value)
    assert logged(jira, "GET", MYSELF_PATH) == 0


def test_given_a_deadline_then_the_read_timeout_is_cut_to_fit_it(jira: Any) -> None:
    fault(jira, method="GET", path=MYSELF_PATH, latency_ms=2000, times=1)
    left = {"seconds": 2.0}
    started = time.monotonic()
    with pytest.raises(JiraUnavailable) as info:
        client(jira, remaining_time=lambda: left["seconds"] - (time.monotonic() - started)).myself()
    # 2 s left minus the 1 s margin: the first attempt may wait 1 s, and no retry fits after it.
    assert "no answer within 1.0 s" in str(info.value)
    assert settled(jira, "GET", MYSELF_PATH) == 1


def test_with_deadline_shares_the_session_and_changes_only_the_deadline(jira: Any) -> None:
    base = client(jira)
    bounded = base.with_deadline(lambda: 1.0)
    assert bounded.session is base.session
    with pytest.raises(JiraUnavailable):
        bounded.myself()
    assert base.myself().email_address == "svc@example.com"


# -- the per-container cache ------------------------------------------------------------------


def test_given_the_same_credential_when_get_client_then_the_same_client_and_session(
    jira: Any,
) -> None:
    first = get_client(jira.base_url, *SVC)
    second = get_client(jira.base_url + "/", *SVC)
    assert second is first
    bounded = get_client(jira.base_url, *SVC, remaining_time=lambda: 30.0)
    assert bounded.session is first.session
    assert bounded.myself().email_address == "svc@example.com"


def test_given_a_rotated_token_when_get_client_then_a_new_session(jira: Any) -> None:
    first = get_client(jira.base_url, *SVC)
    rotated = get_client(jira.base_url, "svc@example.com", "svc-token-rotated")
    assert rotated is not first
    assert rotated.session is not first.session
    with pytest.raises(JiraAuthError):
        rotated.myself()
    assert first.myself().email_address == "svc@example.com"


def test_given_another_email_when_get_client_then_another_client(jira: Any) -> None:
    assert get_client(jira.base_url, *SVC) is not get_client(jira.base_url, *VIEWER)


def test_jira_errors_share_one_base_with_the_documented_attributes() -> None:
    for kind in (JiraAuthError, JiraNotFound, JiraRejected, JiraRateLimited, JiraUnavailable):
        error = kind("GET /x: Jira answered HTTP 418", status=418)
        assert isinstance(error, JiraError)
        assert (error.status, error.error_messages, error.errors) == (418, [], {})
        assert error.message == str(error)

"""The handlers' decorator: metrics always reach the log, and never fail the request."""

from __future__ import annotations

import json
from typing import Any

import pytest

from jira_sync import caching, observability


class Context:
    function_name = "jira-sync-TestFunction"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:jira-sync-Test"
    aws_request_id = "0b6f3c2e-7d1a-4f5e-9c3b-2a1d0e9f8c7b"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@observability.lambda_entry()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    observability.count("Test_done")
    return {"statusCode": 201}


def emf_lines(text: str) -> list[dict[str, Any]]:
    found = []
    for line in text.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict) and "_aws" in value:
            found.append(value)
    return found


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE", raising=False)
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    observability.metrics().clear_metrics()
    caching.reset()


def test_given_no_namespace_in_the_environment_then_the_metric_goes_out_under_jirasync(
    capfd: pytest.CaptureFixture[str],
) -> None:
    response = handler({"requestContext": {"requestId": "r-1"}}, Context())

    assert response == {"statusCode": 201}
    (line,) = emf_lines(capfd.readouterr().out)
    assert line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "JiraSync"
    assert line["Test_done"] == [1.0]


def test_given_a_flush_that_fails_then_the_answer_stands_and_nothing_carries_over(
    capfd: pytest.CaptureFixture[str],
) -> None:
    observability.metrics().namespace = None  # Powertools refuses to flush without one

    response = handler({"requestContext": {"requestId": "r-2"}}, Context())

    assert response == {"statusCode": 201}
    assert not observability.metrics().metric_set
    assert emf_lines(capfd.readouterr().out) == []


def test_given_an_invocation_without_metrics_then_no_metrics_line(
    capfd: pytest.CaptureFixture[str],
) -> None:
    @observability.lambda_entry()
    def quiet(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"statusCode": 200}

    assert quiet({}, Context()) == {"statusCode": 200}
    assert emf_lines(capfd.readouterr().out) == []

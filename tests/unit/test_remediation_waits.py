"""How long a remediation message that failed for now waits before its next receive."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest

from tests.support.moto_aws import forget_container_state


@pytest.fixture
def wait_before_next(monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in {
        "JIRA_SYNC_TABLE_NAME": "t",
        "JIRA_SYNC_EVENT_BUS_NAME": "b",
        "JIRA_SYNC_SECRET_PREFIX": "p/",
    }.items():
        monkeypatch.setenv(name, value)
    forget_container_state()
    yield importlib.import_module("functions.remediation.app").wait_before_next
    forget_container_state()


@pytest.mark.parametrize(
    ("receives", "retry_after", "expected"),
    [(1, None, 10), (2, None, 20), (4, None, 80), (1, 2.0, 2.0), (2, 2.0, 10), (3, 60.0, 60.0)],
)
def test_jiras_retry_after_comes_first_then_a_backoff_keeps_the_receives_from_running_out(
    wait_before_next: Any, receives: int, retry_after: float | None, expected: float
) -> None:
    assert wait_before_next(receives, retry_after) == expected


@pytest.mark.parametrize(("receives", "retry_after"), [(5, None), (5, 30.0), (6, None)])
def test_the_queues_last_receive_lets_the_message_reach_the_dlq_at_once(
    wait_before_next: Any, monkeypatch: pytest.MonkeyPatch, receives: int, retry_after: float | None
) -> None:
    monkeypatch.setenv("JIRA_SYNC_REMEDIATION_MAX_RECEIVES", "5")
    forget_container_state()

    assert wait_before_next(receives, retry_after) == 0
    assert wait_before_next(4, None) == 80


def test_the_template_gives_the_function_the_queues_receive_count() -> None:
    from pathlib import Path

    from devstack.intrinsics import StackContext
    from devstack.template import load

    template = Path(__file__).resolve().parents[2] / "template.yaml"
    spec, _ = load(template, context=StackContext(stack_name="s", sqs_endpoint="http://x"))
    (queue,) = (q for q in spec.queues if q.logical_id == "RemediationQueue")
    assert queue.redrive_policy is not None

    assert spec.functions["RemediationFunction"].environment[
        "JIRA_SYNC_REMEDIATION_MAX_RECEIVES"
    ] == str(json.loads(queue.redrive_policy)["maxReceiveCount"])

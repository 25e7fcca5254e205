"""The sample events in events/ are real: each names a route the template serves, and the
webhook sample carries a signature that verifies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode

from jira_sync.jira.webhook_signature import verify_signature
from tests.unit.test_template import http_routes

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted(
    p for p in (ROOT / "events").glob("*.json") if not p.name.startswith("remediation-")
)
REMEDIATION_SAMPLES = sorted((ROOT / "events").glob("remediation-*.json"))
# The secret the webhook sample was signed with (a sample value, documented here only).
SAMPLE_WEBHOOK_SECRET = "example-webhook-secret-0123456789"


def template_routes() -> set[str]:
    template, problems = decode(str(ROOT / "template.yaml"))
    assert template is not None, problems
    loaded: dict[str, Any] = json.loads(json.dumps(template))
    return {f"{method} {path}" for _name, method, path, _props in http_routes(loaded)}


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda path: path.name)
def test_given_a_sample_event_then_its_route_is_in_the_template(sample: Path) -> None:
    event = json.loads(sample.read_text())
    assert event["routeKey"] in template_routes()
    assert event["requestContext"]["routeKey"] == event["routeKey"]


def test_given_the_webhook_sample_then_its_signature_verifies() -> None:
    event = json.loads((ROOT / "events" / "webhook-jira-issue-updated.json").read_text())

    assert verify_signature(
        SAMPLE_WEBHOOK_SECRET, event["body"].encode(), event["headers"]["x-hub-signature"]
    )


@pytest.mark.parametrize("sample", REMEDIATION_SAMPLES, ids=lambda path: path.name)
def test_given_a_remediation_sample_then_the_rule_delivers_it_and_it_parses(sample: Path) -> None:
    from jira_sync.models.remediation import BusEvent, FindingDetail, PullRequestDetail

    data = json.loads(sample.read_text())
    bodies = (
        [record["body"] for record in data["Records"]]
        if "Records" in data
        else [sample.read_text()]
    )
    template, _ = decode(str(ROOT / "template.yaml"))
    assert template is not None
    pattern = json.loads(json.dumps(template))["Resources"]["RemediationRule"]["Properties"][
        "EventPattern"
    ]
    for body in bodies:
        event = BusEvent.model_validate_json(body)
        assert event.detail_type in pattern["detail-type"]
        model = FindingDetail if event.detail_type == "Finding Detected" else PullRequestDetail
        model.model_validate(event.detail)

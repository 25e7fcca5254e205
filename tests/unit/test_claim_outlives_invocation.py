"""A create's claim must outlive the invocation holding it, or a live create is taken over.

``CLAIM_SECONDS`` is a constant in the layer and the timeout a setting of the template; this
holds one to the other, so raising the tickets function's timeout cannot silently break it.
"""

from __future__ import annotations

from pathlib import Path

from cfnlint.decode import decode

from jira_sync.usecases.tickets import CLAIM_SECONDS

ROOT = Path(__file__).resolve().parents[2]


def tickets_timeout() -> float:
    decoded, matches = decode(str(ROOT / "template.yaml"))
    assert not matches, matches
    assert decoded is not None
    function = decoded["Resources"]["TicketsFunction"]["Properties"]
    default = decoded["Globals"]["Function"].get("Timeout", 3)
    return float(function.get("Timeout", default))


def test_given_the_tickets_function_timeout_then_a_claim_outlives_any_invocation() -> None:
    assert tickets_timeout() < CLAIM_SECONDS

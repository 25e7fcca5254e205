"""Does the public webhook route's timing tell an outsider anything? (figures only)

Issue 9.5: a tester found, on loopback, an unknown credential answered 0.15 ms slower than a
malformed id, and a linked key 0.11 ms slower than an unlinked one (z >= 5 over 600 samples).
This sends forged deliveries of four kinds, interleaved in random order over one kept-alive
connection to the devstack's API, and prints each pair's difference of means and its z
(Welch). |z| < 3 is not significant; the goal is that no pair is.

    PYTHONPATH=layers/jira_sync:. .venv/bin/python bench/webhook_timing.py [--samples 600]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import time

import requests

from devstack.stack import Devstack
from jira_sync.jira.webhook_signature import sign

SECRET = "bench-webhook-secret-of-32-chars"
UNKNOWN = "0e6c9a4e-5b1d-4f3a-9c2e-1a0000000001"
PAIRS = (
    ("malformed id", "unknown credential"),
    ("linked key", "unlinked key"),
    ("unknown credential", "linked key"),
)


def delivery(jira_url: str, key: str) -> bytes:
    return json.dumps(
        {
            "timestamp": int(time.time() * 1000),
            "webhookEvent": "jira:issue_updated",
            "issue": {"key": key, "self": f"{jira_url}/rest/api/2/issue/10000"},
            "changelog": {"items": [{"field": "status", "toString": "Done"}]},
        }
    ).encode()


def welch_z(first: list[float], second: list[float]) -> float:
    spread = math.sqrt(
        statistics.variance(first) / len(first) + statistics.variance(second) / len(second)
    )
    return (statistics.fmean(first) - statistics.fmean(second)) / spread if spread else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=600)
    args = parser.parse_args()
    stack = Devstack(template="template.yaml")
    stack.start()
    try:
        samples = measure(stack, args.samples)
    finally:
        stack.stop()
    print(f"{args.samples} forged deliveries of each kind, ms (median / mean)")
    for kind, values in samples.items():
        print(
            f"  {kind:20s} {statistics.median(values) * 1000:7.3f} "
            f"{statistics.fmean(values) * 1000:7.3f}"
        )
    for first, second in PAIRS:
        difference = statistics.fmean(samples[first]) - statistics.fmean(samples[second])
        z = welch_z(samples[first], samples[second])
        verdict = "not significant" if abs(z) < 3 else "SIGNIFICANT"
        print(f"  {first} - {second}: {difference * 1000:+.3f} ms, z = {z:+.2f} ({verdict})")


def measure(stack: Devstack, count: int) -> dict[str, list[float]]:
    created = requests.post(
        f"{stack.api_url}/credentials",
        json={
            "name": "timing",
            "url": stack.jira_url,
            "email": "svc@example.com",
            "api_token": "svc-token",
            "project_key": "SEC",
            "webhook_secret": SECRET,
        },
        timeout=60,
    )
    created.raise_for_status()
    credential_id = created.json()["credential_id"]
    ticket = requests.post(
        f"{stack.api_url}/issues/timed/ticket",
        json={"credential_id": credential_id, "issue": {"name": "t", "description": "d"}},
        timeout=60,
    )
    ticket.raise_for_status()
    key = ticket.json()["jira"]["key"]
    linked, unlinked = delivery(stack.jira_url, key), delivery(stack.jira_url, "SEC-999")
    forged = "not-the-secret-of-this-credential"
    kinds = {
        "malformed id": ("not-a-uuid", key, linked),
        "unknown credential": (UNKNOWN, key, linked),
        "linked key": (credential_id, key, linked),
        "unlinked key": (credential_id, "SEC-999", unlinked),
    }
    session = requests.Session()
    order = [kind for kind in kinds for _ in range(count)]
    random.Random(5).shuffle(order)
    samples: dict[str, list[float]] = {kind: [] for kind in kinds}
    for warm in kinds.values():  # one of each first: no cold container in the figures
        session.post(f"{stack.api_url}/webhooks/jira/{warm[0]}/{warm[1]}", data=warm[2])
    for kind in order:
        path_id, path_key, body = kinds[kind]
        headers = {"X-Hub-Signature": sign(forged, body), "Content-Type": "application/json"}
        url = f"{stack.api_url}/webhooks/jira/{path_id}/{path_key}"
        started = time.perf_counter()
        response = session.post(url, data=body, headers=headers, timeout=30)
        samples[kind].append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return samples


if __name__ == "__main__":
    main()

"""Ticket creation under Jira's rate limit (figures only): how much of the allowed rate the
service uses, how many answers are errors, and whether any ticket is duplicated or lost.

The devstack runs as `make run` does (workers in parallel, DynamoDB Local when Java is there);
the Jira emulator limits every API request to `--rate` per second with a burst of `--burst`,
answering 429 with `Retry-After` as Jira Cloud does. `--callers` threads create `--creates`
tickets, each caller honouring the `Retry-After` header of a 409, 502 or 503 and sending the
same request again. Goals (issue 9.10): >= 90 % of the allowed rate, <= 5 % error answers,
0 duplicates, 0 lost.

    PYTHONPATH=layers/jira_sync:. .venv/bin/python bench/rate_limit.py [--creates 100]
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests

from devstack.stack import Devstack

RETRY_STATUSES = frozenset({409, 502, 503})


@dataclass
class Tally:
    answers: Counter[int] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int) -> None:
        with self.lock:
            self.answers[status] += 1


def create(stack: Devstack, issue_id: str, credential_id: str, tally: Tally) -> str | None:
    """One caller's create, resent after each Retry-After until it answers 201."""
    body = {
        "credential_id": credential_id,
        "issue": {"name": f"finding {issue_id}", "description": "rate limited", "severity": "low"},
    }
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        response = requests.post(f"{stack.api_url}/issues/{issue_id}/ticket", json=body, timeout=60)
        tally.add(response.status_code)
        if response.status_code == 201:
            key: str = response.json()["jira"]["key"]
            return key
        if response.status_code not in RETRY_STATUSES:
            return None
        time.sleep(float(response.headers.get("Retry-After", "1")))
    return None


def jira_requests(stack: Devstack) -> list[dict[str, Any]]:
    log = requests.get(f"{stack.jira_url}/_emulator/requests", timeout=10).json()
    entries: list[dict[str, Any]] = log if isinstance(log, list) else log["requests"]
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creates", type=int, default=100)
    parser.add_argument("--callers", type=int, default=6)
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--burst", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    stack = Devstack(template="template.yaml")
    stack.start()
    try:
        figures = run(stack, args)
    finally:
        stack.stop()
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"DynamoDB: {figures['dynamodb']}; {args.creates} creates from {args.callers} callers")
    print(f"Jira limit: {args.rate:g} requests/s, burst {args.burst}")
    print(f"elapsed                      {figures['elapsed_s']:.1f} s")
    print(
        f"Jira requests accepted       {figures['jira_accepted']} "
        f"({figures['jira_429']} answered 429)"
    )
    print(
        f"share of the allowed rate    {figures['rate_share_in_window'] * 100:.1f} % while Jira "
        f"was called ({figures['jira_window_s']:.1f} s)   goal >= 90 %; "
        f"{figures['rate_share'] * 100:.1f} % of the whole run"
    )
    print(
        f"error answers                {figures['error_answers']} of {figures['api_requests']} "
        f"requests = {figures['error_rate'] * 100:.1f} %   goal <= 5 %  {figures['answers']}"
    )
    print(f"duplicates                   {figures['duplicates']}   goal 0")
    print(f"lost                         {figures['lost']}   goal 0")


def run(stack: Devstack, args: argparse.Namespace) -> dict[str, Any]:
    credential = requests.post(
        f"{stack.api_url}/credentials",
        json={
            "name": "bench",
            "url": stack.jira_url,
            "email": "svc@example.com",
            "api_token": "svc-token",
            "project_key": "SEC",
        },
        timeout=60,
    )
    credential.raise_for_status()
    credential_id = credential.json()["credential_id"]
    requests.post(
        f"{stack.jira_url}/_emulator/rate-limit",
        json={"requests_per_second": args.rate, "burst": args.burst},
        timeout=10,
    ).raise_for_status()
    # One warm worker per caller first, as a busy deployment has: the run measures how Jira's
    # allowed rate is used, not how long the devstack takes to start worker processes.
    with ThreadPoolExecutor(max_workers=args.callers) as pool:
        list(
            pool.map(
                lambda i: requests.get(f"{stack.api_url}/issues/warm-{i}", timeout=60),
                range(args.callers),
            )
        )
    requests.delete(f"{stack.jira_url}/_emulator/requests", timeout=10)
    tally = Tally()
    ids = [f"rl-{index}" for index in range(args.creates)]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.callers) as pool:
        keys = list(pool.map(lambda i: create(stack, i, credential_id, tally), ids))
    elapsed = time.monotonic() - started
    log = jira_requests(stack)
    requests.delete(f"{stack.jira_url}/_emulator/rate-limit", timeout=10)
    accepted = sum(1 for entry in log if entry["status"] != 429)
    allowed = args.rate * elapsed + args.burst
    # The same over the time Jira was being called (first to last request it received): the
    # run's own start-up (cold workers) and last answers are not time Jira's limit applied to.
    moments = sorted(datetime.fromisoformat(entry["time"]) for entry in log)
    window = (moments[-1] - moments[0]).total_seconds() if moments else 0.0
    allowed_in_window = args.rate * window + args.burst
    state = requests.get(f"{stack.jira_url}/_emulator/state", timeout=10).json()
    per_issue = Counter(
        (issue.get("properties") or {}).get("jira-sync", {}).get("issue_id")
        for issue in state["issues"]
    )
    linked = [
        requests.get(f"{stack.api_url}/issues/{issue_id}", timeout=10).json().get("jira")
        for issue_id in ids
    ]
    api_requests = sum(tally.answers.values())
    errors = api_requests - tally.answers[201]
    return {
        "dynamodb": stack.dynamodb_backend,
        "elapsed_s": elapsed,
        "jira_accepted": accepted,
        "jira_429": sum(1 for entry in log if entry["status"] == 429),
        "rate_share": accepted / allowed,
        "jira_window_s": window,
        "rate_share_in_window": accepted / allowed_in_window,
        "api_requests": api_requests,
        "error_answers": errors,
        "error_rate": errors / api_requests if api_requests else 0.0,
        "answers": dict(sorted(tally.answers.items())),
        "duplicates": sum(count - 1 for issue_id, count in per_issue.items() if count > 1),
        "lost": sum(1 for key, link in zip(keys, linked, strict=True) if not key or not link),
    }


if __name__ == "__main__":
    main()

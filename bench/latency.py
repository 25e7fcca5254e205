"""Request latency of the local servers, timed (figures only, nothing asserted): the Jira
emulator and the local API Gateway (devstack/http_adapter.py, with an in-process stand-in for
the function so only the HTTP layer is measured), each started here on a free 127.0.0.1 port.

For each request it prints the median and p90 over a kept-alive connection and over a new
connection per request. A kept-alive figure far above the new-connection one (~40 ms on Linux)
is the Nagle/delayed-ACK stall of a server that writes headers and body separately.

    PYTHONPATH=layers/jira_sync:. .venv/bin/python bench/latency.py [--requests N]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from devstack.http_adapter import ApiGateway
from devstack.jira_emulator import JiraEmulator
from devstack.lambda_pool import InvokeResult
from devstack.processes import LogBuffer
from devstack.template import Route

AUTH = "Basic " + base64.b64encode(b"svc@example.com:svc-token").decode("ascii")
MYSELF = "/rest/api/3/myself"
SEARCH = "/rest/api/3/search/jql"
SEARCH_BODY = json.dumps(
    {"jql": "project = SEC ORDER BY key", "maxResults": 1, "fields": ["summary"]}
).encode()
ECHO_BODY = json.dumps({"name": "bench", "items": list(range(20))}).encode()


class Probe:
    """One request, sent `count` times over one connection or a new connection each time."""

    def __init__(
        self, label: str, method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> None:
        self.label = label
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body

    def _once(self, conn: http.client.HTTPConnection) -> float:
        started = time.perf_counter()
        conn.request(self.method, self.path, body=self.body, headers=self.headers)
        response = conn.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
        if response.status >= 400:
            raise RuntimeError(f"{self.label}: HTTP {response.status}")
        return elapsed

    def kept_alive(self, port: int, count: int) -> list[float]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            self._once(conn)  # connect and warm up; not counted
            return [self._once(conn) for _ in range(count)]
        finally:
            conn.close()

    def new_connection(self, port: int, count: int) -> list[float]:
        samples = []
        for _ in range(count):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                samples.append(self._once(conn))
            finally:
                conn.close()
        return samples


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"median {statistics.median(ordered) * 1000:7.2f} ms  p90 {p90 * 1000:7.2f} ms"


def report(probe: Probe, port: int, count: int) -> None:
    print(f"{probe.label}")
    print(f"  kept-alive      {_ms(probe.kept_alive(port, count))}")
    print(f"  new connection  {_ms(probe.new_connection(port, count))}")


@contextmanager
def emulator() -> Iterator[int]:
    jira = JiraEmulator(host="127.0.0.1", port=0)
    jira.start()
    try:
        yield jira.port
    finally:
        jira.stop()


def _echo(_function: str, event: dict[str, Any]) -> InvokeResult:
    """Stands in for a function: answers with the request body, so only HTTP is timed."""
    body = event.get("body") or json.dumps({"ok": True})
    return InvokeResult(
        "bench",
        True,
        {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": body},
    )


@contextmanager
def api_gateway(invoke: Callable[[str, dict[str, Any]], InvokeResult]) -> Iterator[int]:
    routes = [Route("ANY", "/echo", "Echo", "NONE")]
    gateway = ApiGateway(
        routes, invoke, api_id="bench000", account_id="123456789012", logs=LogBuffer()
    )
    gateway.start()
    try:
        yield gateway.port
    finally:
        gateway.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50, help="samples per figure")
    count = parser.parse_args().requests
    auth = {"Authorization": AUTH, "Accept": "application/json"}
    json_body = {"Content-Type": "application/json"}
    print(f"{count} requests per figure, 127.0.0.1")
    with emulator() as port:
        for probe in (
            Probe("emulator  GET  /rest/api/3/myself", "GET", MYSELF, auth, None),
            Probe(
                "emulator  POST /rest/api/3/search/jql",
                "POST",
                SEARCH,
                auth | json_body,
                SEARCH_BODY,
            ),
        ):
            report(probe, port, count)
    with api_gateway(_echo) as port:
        for probe in (
            Probe("apigw     GET  /echo", "GET", "/echo", {}, None),
            Probe("apigw     POST /echo", "POST", "/echo", json_body, ECHO_BODY),
        ):
            report(probe, port, count)


if __name__ == "__main__":
    main()

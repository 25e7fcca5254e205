"""`python -m devstack` (what `make run` runs): start the local stack until Ctrl-C, SIGTERM or
SIGHUP (a closed terminal), which all stop it cleanly; its children die with it even on SIGKILL.

Ports come from API_PORT, JIRA_EMULATOR_PORT, DYNAMODB_PORT and MOTO_PORT (0 = any free port);
a taken one ends the start with one line naming it and exit status 2.
DEVSTACK_DYNAMODB=moto (or --dynamodb moto) uses moto instead of DynamoDB Local.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import urllib.error
import urllib.request
from types import FrameType

from devstack.ports import PortInUse
from devstack.processes import LogLine
from devstack.stack import Devstack

EXIT_PORT_IN_USE = 2


def _port(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _echo(line: LogLine) -> None:
    if line.source in ("moto", "dynamodb-local", "api-gateway"):
        return  # request logs of the emulators would drown the functions' lines
    sys.stdout.write(f"[{line.source}] {line.text}\n")
    sys.stdout.flush()


def _health(api_url: str) -> str:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=60) as response:
            return f"{response.status} {response.read().decode(errors='replace')}"
    except urllib.error.HTTPError as error:
        return f"{error.code} {error.read().decode(errors='replace')}"
    except OSError as error:
        return f"unreachable ({error})"


def banner(stack: Devstack) -> str:
    api = stack.api_url
    lines = [
        "",
        "jira-sync local stack (loopback only)",
        f"  API (HTTP API v2 adapter) {api}",
        "    IAM authorization is NOT emulated locally: every route is open on 127.0.0.1.",
    ]
    for route in stack.routes:
        lines.append(
            f"    {route.route_key:<45} -> {route.function} (auth in AWS: {route.authorization})"
        )
    if stack.jira is not None:
        lines.append(f"  Jira emulator             {stack.jira_url}  (svc@example.com / svc-token)")
    if stack.dynamodb_backend == "dynamodb-local":
        lines.append(f"  DynamoDB Local            {stack.dynamodb_endpoint}")
    else:
        lines.append(f"  DynamoDB (moto FALLBACK)  {stack.dynamodb_endpoint}")
        lines.append(f"    fell back to moto because: {stack.dynamodb_fallback_reason}")
    lines.append(f"  moto (Secrets Manager, EventBridge, SQS) {stack.moto_endpoint}")
    lines.append(f"  table {stack.table_name}, event bus {stack.event_bus_name}, region us-east-1")
    for note in stack.stack.not_emulated:
        lines.append(f"  not run locally: {note}")
    create = json.dumps(
        {
            "name": "local",
            "url": stack.jira_url if stack.jira is not None else "http://127.0.0.1:8080",
            "email": "svc@example.com",
            "api_token": "svc-token",
            "project_key": "SEC",
            "state_map": {"open": "To Do", "in progress": "In Progress", "resolved": "Done"},
            "remediation_map": {"pull_request_merged": "resolved"},
        }
    )
    jira_site = stack.jira_url if stack.jira is not None else "http://127.0.0.1:8080"
    ticket = json.dumps(
        {
            "credential_id": "<credential_id>",
            "issue": {
                "name": "SQL injection in /search",
                "description": "The **q** parameter is not escaped.",
                "severity": "high",
                "due_date": "2030-01-31",
            },
        }
    )
    lines += [
        "",
        "Example session:",
        f"  curl -s {api}/health",
        f"  curl -s -X POST {api}/credentials -H 'content-type: application/json' \\",
        f"       -d '{create}'",
        f"  curl -s {api}/credentials/<credential_id>     # shows its webhook_url",
        f"  curl -s -X POST {api}/issues/finding-1/ticket -H 'content-type: application/json' \\",
        f"       -d '{ticket}'",
        f"  curl -s {api}/issues/finding-1                 # the link and the timeline",
        f"  curl -s -u svc@example.com:svc-token {jira_site}/rest/api/3/issue/SEC-1",
        f"  curl -s -X PUT {api}/issues/finding-1/state -H 'content-type: application/json' \\",
        """       -d '{"state": "in progress"}'""",
        "  # two-way: register the credential's webhook_url and webhook_secret in Jira, as admin",
        "  curl -s -u admin@example.com:admin-token -X POST "
        f"{jira_site}/rest/webhooks/1.0/webhook \\",
        '       -H \'content-type: application/json\' -d \'{"name": "jira-sync", '
        '"url": "<webhook_url>", "secret": "<webhook_secret>", '
        '"events": ["jira:issue_updated", "comment_created", "jira:issue_deleted"]}\'',
        "  # the remediation loop: a merged pull request comments on the ticket, moves it by the",
        "  # credential's remediation_map, and [bus] lines show the events it publishes",
        "  make event FILE=events/remediation-pull-request-merged.json ISSUE=finding-1",
        "  # with the AWS CLI installed: the table as it is",
        "  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \\",
        f"    aws --endpoint-url {stack.dynamodb_endpoint} --region us-east-1 \\",
        f"    dynamodb scan --table-name {stack.table_name}",
        "",
        "Ctrl-C stops everything.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument("--template", default="template.yaml")
    parser.add_argument("--dynamodb", choices=("auto", "local", "moto"), default=None)
    parser.add_argument("--quiet", action="store_true", help="do not echo the functions' log lines")
    args = parser.parse_args(argv)

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # SIGHUP's default would end the process without its stop, leaving the children to PDEATHSIG.
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    stack = Devstack(
        template=args.template,
        api_port=_port("API_PORT", 3000),
        jira_port=_port("JIRA_EMULATOR_PORT", 8080),
        dynamodb_port=_port("DYNAMODB_PORT", 8000),
        moto_port=_port("MOTO_PORT", 5000),
        dynamodb=args.dynamodb,
        echo=None if args.quiet else _echo,
    )
    try:
        stack.start()  # stops what it started if it fails
    except PortInUse as error:
        sys.stderr.write(f"{error}\n")
        return EXIT_PORT_IN_USE
    try:
        if not stop.is_set():
            print(banner(stack), flush=True)
            print(f"GET /health -> {_health(stack.api_url)}", flush=True)
        stop.wait()
    finally:
        print("stopping the local stack ...", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

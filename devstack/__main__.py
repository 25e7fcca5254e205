"""`python -m devstack` (what `make run` runs): start the local stack until Ctrl-C, SIGTERM or
SIGHUP (a closed terminal), which all stop it cleanly; its children die with it even on SIGKILL.

Ports come from API_PORT, JIRA_EMULATOR_PORT, DYNAMODB_PORT and MOTO_PORT (0 = any free port);
a taken one ends the start with one line naming it and exit status 2.
DEVSTACK_DYNAMODB=moto (or --dynamodb moto) uses moto instead of DynamoDB Local.
JIRA_EMULATOR_FLAVOR=datacenter (default cloud) and JIRA_EMULATOR_VERSION (e.g. 9.12, 10.3;
default 10.3.0) choose which Jira the emulator plays; the banner says which runs.
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

from devstack.jira_emulator import flavors
from devstack.jira_emulator.flavors import Flavor
from devstack.ports import PortInUse
from devstack.processes import LogLine
from devstack.stack import Devstack

EXIT_PORT_IN_USE = 2


def _port(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _flavor() -> Flavor:
    """The emulator's flavour from JIRA_EMULATOR_FLAVOR / JIRA_EMULATOR_VERSION."""
    name = os.environ.get("JIRA_EMULATOR_FLAVOR") or "cloud"
    return flavors.make(name.strip().lower(), os.environ.get("JIRA_EMULATOR_VERSION") or None)


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
        f"    API reference: {api}/docs (Swagger UI), {api}/openapi.json (OpenAPI 3.1)",
    ]
    for route in stack.routes:
        lines.append(
            f"    {route.route_key:<45} -> {route.function} (auth in AWS: {route.authorization})"
        )
    flavor = stack.jira_flavor
    if stack.jira is not None:
        who = "PAT svc-pat-token" if flavor.datacenter else "svc@example.com / svc-token"
        lines.append(f"  Jira emulator             {stack.jira_url}  ({who})")
        lines.append(f"    plays {flavor.describe()}")
    if stack.dynamodb_backend == "dynamodb-local":
        lines.append(f"  DynamoDB Local            {stack.dynamodb_endpoint}")
    else:
        lines.append(f"  DynamoDB (moto FALLBACK)  {stack.dynamodb_endpoint}")
        lines.append(f"    fell back to moto because: {stack.dynamodb_fallback_reason}")
    lines.append(f"  moto (Secrets Manager, EventBridge, SQS) {stack.moto_endpoint}")
    lines.append(f"  table {stack.table_name}, event bus {stack.event_bus_name}, region us-east-1")
    for note in stack.stack.not_emulated:
        lines.append(f"  not run locally: {note}")
    jira_site = stack.jira_url if stack.jira is not None else "http://127.0.0.1:8080"
    login: dict[str, str] = {"email": "svc@example.com", "api_token": "svc-token"}
    if flavor.datacenter:
        # A personal access token alone: the deployment is found from serverInfo, and a PAT
        # is Data Center's default auth.
        login = {"api_token": "svc-pat-token"}
    create = json.dumps(
        {
            "name": "local",
            "url": jira_site,
            **login,
            "project_key": "SEC",
            "state_map": {"open": "To Do", "in progress": "In Progress", "resolved": "Done"},
            "remediation_map": {"pull_request_merged": "resolved"},
        }
    )
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
        _jira_read(flavor, jira_site),
        f"  curl -s -X PUT {api}/issues/finding-1/state -H 'content-type: application/json' \\",
        """       -d '{"state": "in progress"}'""",
        "  # two-way: register the credential's webhook_url and webhook_secret in Jira, as admin",
        *_webhook_registration(flavor, jira_site),
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


def _jira_read(flavor: Flavor, site: str) -> str:
    if flavor.datacenter:
        return f"  curl -s -H 'Authorization: Bearer svc-pat-token' {site}/rest/api/2/issue/SEC-1"
    return f"  curl -s -u svc@example.com:svc-token {site}/rest/api/3/issue/SEC-1"


def _webhook_registration(flavor: Flavor, site: str) -> list[str]:
    """The admin webhook as this Jira takes it: Cloud and DC 9 at /rest/webhooks/1.0/webhook
    (DC 9 has no secret), DC 10+ at /rest/jira-webhook/1.0/webhooks with `configuration`."""
    events = '"events": ["jira:issue_updated", "comment_created", "jira:issue_deleted"]'
    if not flavor.datacenter:
        auth = "-u admin@example.com:admin-token"
        body = (
            '{"name": "jira-sync", "url": "<webhook_url>", "secret": "<webhook_secret>", '
            f"{events}}}"
        )
    elif flavor.signs_webhooks:
        auth = "-H 'Authorization: Bearer admin-pat-token'"
        body = (
            f'{{"name": "jira-sync", "url": "<webhook_url>", "active": true, {events}, '
            '"configuration": {"SECRET": "<webhook_secret>", "EXCLUDE_BODY": "false"}}'
        )
    else:
        auth = "-H 'Authorization: Bearer admin-pat-token'"
        body = f'{{"name": "jira-sync", "url": "<webhook_url>", {events}}}'
    return [
        f"  curl -s {auth} -X POST {site}{flavor.webhooks_path} \\",
        f"       -H 'content-type: application/json' -d '{body}'",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument("--template", default="template.yaml")
    parser.add_argument("--dynamodb", choices=("auto", "local", "moto"), default=None)
    parser.add_argument("--quiet", action="store_true", help="do not echo the functions' log lines")
    args = parser.parse_args(argv)
    try:
        flavor = _flavor()
    except ValueError as error:
        parser.error(f"JIRA_EMULATOR_FLAVOR / JIRA_EMULATOR_VERSION: {error}")

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
        jira_flavor=flavor,
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

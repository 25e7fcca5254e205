"""One flow per kind of Jira a team runs (issue 11 point 5): create, state change and webhook
through the devstack, parametrised over how the credential reaches Jira: Jira Cloud with a
classic API token; Cloud with a scoped token given as the site URL (found to work only through
the gateway, ``/ex/jira/<cloudId>``, as a service account's token does); Jira Data Center 9
(personal access token, REST v2, webhooks proven by a URL token: it cannot sign) and Data
Center 10 (the same, webhooks signed)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from devstack.jira_emulator import flavors
from devstack.jira_emulator.seed import CLOUD_ID
from devstack.stack import Devstack
from tests.e2e.test_webhooks_api import (
    ADMIN,
    ALICE,
    EVENTS,
    SECRET,
    STATE_MAP,
    api,
    issue,
    wait_for,
)
from tests.fixtures.devstack import WEBHOOK_RETRY_DELAYS
from tests.fixtures.emulator import emulator_session, pat_session
from tests.support import openapi_check


@dataclass(frozen=True)
class Deployment:
    credential: dict[str, Any]
    auth: str
    version: str | None = None  # Data Center's; None: Cloud
    expected: dict[str, Any] = field(default_factory=dict)

    @property
    def datacenter(self) -> bool:
        return self.version is not None

    def session(self, who: str) -> requests.Session:
        if self.datacenter:
            return pat_session(f"{who}-pat-token")
        return emulator_session(
            *{"svc": ("svc@example.com", "svc-token"), "alice": ALICE, "admin": ADMIN}[who]
        )

    @property
    def api(self) -> str:
        return "/rest/api/2" if self.datacenter else "/rest/api/3"


DEPLOYMENTS = {
    "cloud, classic token": Deployment(
        {"email": "svc@example.com", "api_token": "svc-token"}, "api_token"
    ),
    "cloud, scoped token at the site URL": Deployment(
        {"email": "svc@example.com", "api_token": "svc-scoped-token"},
        "scoped_token",
        expected={"cloud_id": CLOUD_ID},
    ),
    "data center 9, PAT": Deployment(
        {"api_token": "svc-pat-token"},
        "pat",
        "9.12",
        expected={"username": "svc", "server_version": "9.12.0"},
    ),
    "data center 10, PAT": Deployment(
        {"api_token": "svc-pat-token"},
        "pat",
        "10.3",
        expected={"username": "svc", "server_version": "10.3.0"},
    ),
}


@pytest.fixture(scope="module")
def datacenter_stacks() -> Iterator[dict[str, Devstack]]:
    """One devstack per Data Center version, started when first asked for."""
    started: dict[str, Devstack] = {}
    yield started
    for stack in started.values():
        openapi_check.unwatch(stack.api_url)
        stack.stop()


@pytest.fixture
def stack(request: pytest.FixtureRequest, datacenter_stacks: dict[str, Devstack]) -> Devstack:
    deployment: Deployment = DEPLOYMENTS[request.node.callspec.params["deployment"]]
    if deployment.version is None:
        chosen: Devstack = request.getfixturevalue("clean_devstack")
        return chosen
    if deployment.version not in datacenter_stacks:
        started = Devstack(
            template="template.yaml",
            webhook_retry_delays=WEBHOOK_RETRY_DELAYS,
            jira_flavor=flavors.make("datacenter", deployment.version),
        )
        started.start()
        # Its answers are held to the OpenAPI document, as the shared devstack's are.
        openapi_check.install()
        openapi_check.watch(started.api_url)
        datacenter_stacks[deployment.version] = started
    chosen = datacenter_stacks[deployment.version]
    chosen.reset_jira()
    chosen.wipe_table()
    return chosen


def register_webhook(stack: Devstack, deployment: Deployment, url: str) -> None:
    """The admin webhook as that Jira takes it (the devstack banner's registration)."""
    flavor = stack.jira_flavor
    body: dict[str, Any] = {"name": "jira-sync", "url": url, "events": EVENTS}
    if not deployment.datacenter:
        body |= {"filters": {"issue-related-events-section": "project = SEC"}, "secret": SECRET}
    elif flavor.signs_webhooks:
        body |= {"active": True, "configuration": {"SECRET": SECRET, "EXCLUDE_BODY": "false"}}
    else:
        body |= {"filters": {"issue-related-events-section": "project = SEC"}}
    registered = deployment.session("admin").post(
        f"{stack.jira_url}{flavor.webhooks_path}", json=body, timeout=10
    )
    assert registered.status_code in (200, 201), registered.text


def move_in_jira(stack: Devstack, deployment: Deployment, key: str, status: str) -> None:
    """Someone (not the service) moves the ticket in Jira."""
    session = deployment.session("alice")
    url = f"{stack.jira_url}{deployment.api}/issue/{key}/transitions"
    available = session.get(url, timeout=10).json()["transitions"]
    chosen = next(t for t in available if t["to"]["name"] == status)
    response = session.post(url, json={"transition": {"id": chosen["id"]}}, timeout=10)
    assert response.status_code == 204, response.text


@pytest.mark.parametrize("deployment", list(DEPLOYMENTS))
def test_create_state_change_and_webhook_work_the_same_on_each_deployment(
    stack: Devstack, deployment: str
) -> None:
    chosen = DEPLOYMENTS[deployment]
    made = api(
        stack,
        "POST",
        "/credentials",
        {
            "name": deployment,
            "url": stack.jira_url,
            "project_key": "SEC",
            "webhook_secret": SECRET,
            "state_map": STATE_MAP,
        }
        | chosen.credential,
    )
    assert made.status_code == 201, made.text
    credential = made.json()
    validation = credential["validation"]
    assert validation["ok"] is True
    assert validation["auth"] == chosen.auth
    assert {name: validation[name] for name in chosen.expected} == chosen.expected
    assert credential["deployment"] == ("datacenter" if chosen.datacenter else "cloud")
    assert credential["webhook_auth"] == ("url_token" if chosen.version == "9.12" else "signature")
    ticket = api(
        stack,
        "POST",
        "/issues/w1/ticket",
        {
            "credential_id": credential["credential_id"],
            "issue": {
                "name": "finding",
                "description": "details **bold**",
                "due_date": "2030-01-01",
            },
        },
    )
    assert ticket.status_code == 201, ticket.text
    key = ticket.json()["jira"]["key"]
    register_webhook(stack, chosen, credential["webhook_url"])
    link = issue(stack)["jira"]
    assert (link["base_url"], link["browse_url"]) == (
        stack.jira_url,
        f"{stack.jira_url}/browse/{key}",
    )
    read = chosen.session("svc").get(f"{stack.jira_url}{chosen.api}/issue/{key}", timeout=10)
    description = read.json()["fields"]["description"]
    if chosen.datacenter:
        assert description.startswith("details *bold*")  # wiki markup through REST v2
    else:
        assert description["type"] == "doc"  # ADF through v3

    moved = api(stack, "PUT", "/issues/w1/state", {"state": "in progress"}).json()
    assert moved["jira"] == {"key": key, "transition": "applied", "to_status": "In Progress"}
    read = chosen.session("svc").get(f"{stack.jira_url}{chosen.api}/issue/{key}", timeout=10)
    assert read.json()["fields"]["status"]["name"] == "In Progress"

    move_in_jira(stack, chosen, key, "Done")  # its webhook comes back with the proof in force
    wait_for(lambda: issue(stack)["state"] == "resolved", "the state from Jira's webhook")

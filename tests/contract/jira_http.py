"""Small HTTP helpers for the contract tests: seeded logins, URL building, spec checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import requests

from tests.contract.openapi import subset, validate_response

API = "/rest/api/3"
TIMEOUT = 10

# The emulator's seeded logins (docs/design.md, "Seeded data").
ADMIN = ("admin@example.com", "admin-token")
SVC = ("svc@example.com", "svc-token")
ALICE = ("alice@example.com", "alice-token")
VIEWER = ("viewer@example.com", "viewer-token")
SCOPED = ("svc@example.com", "svc-scoped-token")
WRONG = ("svc@example.com", "not-the-token")


class EmulatorHandle(Protocol):
    """What the `jira` fixture gives: the site's root URL and its cloudId."""

    base_url: str
    cloud_id: str


@dataclass(frozen=True)
class Site:
    """One base URL (the site, or /ex/jira/<cloudId>) and the login used against it."""

    root: str
    auth: tuple[str, str]

    @classmethod
    def site(cls, jira: EmulatorHandle, auth: tuple[str, str] = SVC) -> Site:
        return cls(jira.base_url.rstrip("/"), auth)

    @classmethod
    def cloud(cls, jira: EmulatorHandle, auth: tuple[str, str] = SCOPED) -> Site:
        return cls(f"{jira.base_url.rstrip('/')}/ex/jira/{jira.cloud_id}", auth)

    def as_user(self, auth: tuple[str, str]) -> Site:
        return Site(self.root, auth)

    def call(
        self, method: str, template: str, path: dict[str, str] | None = None, **kwargs: Any
    ) -> requests.Response:
        """Send METHOD to template (relative to /rest/api/3 unless it starts with /rest or /_)."""
        url_path = template if template.startswith(("/rest/", "/_")) else API + template
        for name, value in (path or {}).items():
            url_path = url_path.replace("{" + name + "}", quote(value, safe=""))
        timeout = kwargs.pop("timeout", TIMEOUT)
        return requests.request(
            method, self.root + url_path, auth=self.auth, timeout=timeout, **kwargs
        )


def spec_path(template: str) -> str:
    """The spec path a test template names: as given when it starts with /rest/ (a v2 route,
    say), else below /rest/api/3."""
    return template if template.startswith("/rest/") else API + template


def check(response: requests.Response, template: str, status: int) -> Any:
    """Assert the status, then hold the response to the spec operation at spec_path(template)."""
    assert response.status_code == status, (
        f"{response.request.method} {response.url}: expected {status}, got "
        f"{response.status_code}: {response.text[:500]}"
    )
    return validate_response(response, spec_path(template))


def check_jira_error(response: requests.Response, template: str, status: int) -> dict[str, Any]:
    """An error response: documented status, ErrorCollection, and Jira's two keys with a reason.

    The spec's ErrorCollection requires nothing, so `{}` would pass it; Jira itself always sends
    both `errorMessages` and `errors`, and at least one says what went wrong.
    """
    body = check(response, template, status)
    assert isinstance(body, dict), body
    assert "errorMessages" in body, body
    assert "errors" in body, body
    assert body["errorMessages"] or body["errors"], f"error body says nothing: {body}"
    return body


def check_component(name: str, instance: Any, where: str) -> None:
    subset().validate_component(name, instance, where=where)


def adf(text: str) -> dict[str, Any]:
    """A one-paragraph Atlassian Document Format document."""
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}],
    }

"""Which Jira the emulator plays: Jira Cloud (the default) or Jira Data Center at a version.

Everything that differs between the two is decided here, from the flavour and version, so the
route modules ask one question ("does this site sign webhooks?") instead of comparing versions.
Sources of each fact are noted where it is decided; Data Center facts are from Atlassian's
Data Center docs unless a comment says otherwise.

Rendering (users by `name`/`key` on Data Center, by `accountId` on Cloud) happens deep inside
view functions shared by every route; rather than thread the flavour through each of them, the
server sets the flavour of the request being served in a context variable (`serving`) and
`current()` reads it. Outside a request (a bare unit test) it is Cloud.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from devstack.jira_emulator import apis
from devstack.jira_emulator.apis import ApiVersion

FlavorName = Literal["cloud", "datacenter"]
FLAVORS: tuple[FlavorName, ...] = ("cloud", "datacenter")
# A current Data Center release (10.3 is the Long Term Support release of the 10 line).
DEFAULT_DC_VERSION = "10.3.0"
CLOUD_VERSION = "1001.0.0-SNAPSHOT"
WEBHOOKS_LEGACY = "/rest/webhooks/1.0/webhook"
WEBHOOKS_DC10 = "/rest/jira-webhook/1.0/webhooks"
_VERSION = re.compile(r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?$")


@dataclass(frozen=True)
class Flavor:
    name: FlavorName
    version: str
    numbers: tuple[int, int, int]

    @property
    def datacenter(self) -> bool:
        return self.name == "datacenter"

    @property
    def major(self) -> int:
        return self.numbers[0]

    @property
    def api_versions(self) -> tuple[ApiVersion, ...]:
        """Cloud: v3, v2, latest. Data Center: v2 and latest only (its REST API has no v3)."""
        return (apis.V2, apis.LATEST) if self.datacenter else apis.CLOUD

    @property
    def deployment_type(self) -> str:
        """serverInfo's `deploymentType`: Data Center reports "Server" (Atlassian's REST docs
        for DC 9/10 show `"deploymentType": "Server"`; some builds say "DataCenter")."""
        return "Server" if self.datacenter else "Cloud"

    @property
    def basic_auth(self) -> bool:
        """Basic auth is on by default up to Jira 10 and off by default from Jira 11 ("Basic
        authentication is disabled by default on Jira 11", Atlassian's Jira 11 upgrade notes)."""
        return not self.datacenter or self.major < 11

    @property
    def webhooks_path(self) -> str:
        """Admin webhooks: `/rest/webhooks/1.0/webhook` on Cloud and DC <= 9; Jira DC 10 moved
        them to `/rest/jira-webhook/1.0/webhooks` with a new body (JRASERVER-78733)."""
        return WEBHOOKS_DC10 if self.datacenter and self.major >= 10 else WEBHOOKS_LEGACY

    @property
    def signs_webhooks(self) -> bool:
        """Whether a webhook with a secret is signed (`X-Hub-Signature`). Cloud: yes. Data Center:
        from 10.0, whose webhooks take `configuration.SECRET` (Atlassian "Managing webhooks",
        DC 10 docs: "Securing your webhook"). Jira 9's registration body has no secret
        (JRASERVER-78733 shows the 9.x body), so DC 9 never signs."""
        return not self.datacenter or self.major >= 10

    @property
    def url_variables_with_dollar(self) -> bool:
        """URL variables are `${issue.key}` on Cloud and DC <= 9; Jira 10 "dropped the `$` in
        webhook URL variables — `${issue.id}` became `{issue.id}`" (third-party integration
        docs, not stated by Atlassian). So on DC 10+ `{issue.key}` is substituted and a `$`
        written before it stays in the URL."""
        return not self.datacenter or self.major < 10

    def describe(self) -> str:
        if self.datacenter:
            return f"Jira Data Center {self.version} (REST v2, personal access tokens)"
        return "Jira Cloud (REST v3, v2 and latest)"


CLOUD = Flavor("cloud", CLOUD_VERSION, (1001, 0, 0))


def parse_version(text: str) -> tuple[int, int, int]:
    found = _VERSION.match(text.strip())
    if found is None:
        raise ValueError(f"not a Jira version such as 10.3 or 9.12.15: {text!r}")
    major, minor, patch = (int(part or 0) for part in found.groups())
    return major, minor, patch


def make(name: str = "cloud", version: str | None = None) -> Flavor:
    """The flavour for a CLI or environment choice; `version` only applies to Data Center."""
    if name == "cloud":
        return CLOUD
    if name != "datacenter":
        raise ValueError(f"flavor must be one of {', '.join(FLAVORS)}, not {name!r}")
    numbers = parse_version(version or DEFAULT_DC_VERSION)
    if numbers < (8, 14, 0):
        raise ValueError("personal access tokens need Jira Data Center 8.14 or later")
    return Flavor("datacenter", ".".join(map(str, numbers)), numbers)


_SERVING: contextvars.ContextVar[Flavor] = contextvars.ContextVar("jira_flavor", default=CLOUD)


def current() -> Flavor:
    """The flavour of the site serving the current request (Cloud outside a request)."""
    return _SERVING.get()


@contextmanager
def serving(flavor: Flavor) -> Iterator[None]:
    token = _SERVING.set(flavor)
    try:
        yield
    finally:
        _SERVING.reset(token)

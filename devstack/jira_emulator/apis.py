"""The REST API versions a site serves under `/rest/api/`, and how each renders rich text.

Jira Cloud serves v3 (rich text as Atlassian Document Format) and v2 (the same resources, rich
text as wiki-markup strings), and `/rest/api/latest` as an alias of v2. Every route module
registers its routes once per version of the tuple the server hands it, so a flavour that serves
other versions (Data Center: v2 and latest only) is a different tuple, not different routes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devstack.jira_emulator.web import Handler, Router


@dataclass(frozen=True)
class ApiVersion:
    """`segment` is the path segment (`3`, `2`, `latest`); `render` the version whose shapes and
    `self` links the answers carry; `adf` whether rich text is ADF (else wiki markup)."""

    segment: str
    render: str
    adf: bool

    @property
    def prefix(self) -> str:
        return f"/rest/api/{self.segment}"


V3 = ApiVersion("3", "3", adf=True)
V2 = ApiVersion("2", "2", adf=False)
LATEST = ApiVersion("latest", "2", adf=False)
CLOUD: tuple[ApiVersion, ...] = (V3, V2, LATEST)

_BY_SEGMENT = {v.segment: v for v in (V3, V2, LATEST)}
_VERSIONED = re.compile(r"^/rest/api/([^/]+)(?:/|$)")


def for_path(path: str) -> ApiVersion:
    """The version a request path names; v3 for paths outside `/rest/api/<version>/`."""
    found = _VERSIONED.match(path)
    return _BY_SEGMENT.get(found.group(1), V3) if found else V3


def add(
    router: Router, versions: Iterable[ApiVersion], method: str, suffix: str, handler: Handler
) -> None:
    """Serve `METHOD /rest/api/<version><suffix>` for every version."""
    for version in versions:
        router.add(method, version.prefix + suffix, handler)

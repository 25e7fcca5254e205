"""What differs between Jira Cloud and Data Center on the calls jira-sync makes.

Cloud speaks REST v3, whose rich text is ADF, and names users by ``accountId``; Data Center
(and Server) speaks REST v2 only, whose rich text is wiki markup, and names users by ``name``.
Cloud's old ``/search`` is gone (``/search/jql`` replaced it); Data Center has only ``/search``.
Everything else jira-sync calls has the same path under either API version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Deployment = Literal["cloud", "datacenter"]
RichText = Literal["adf", "wiki"]


@dataclass(frozen=True, slots=True)
class Dialect:
    deployment: Deployment
    api: str
    search_path: str
    rich_text: RichText
    user_key: Literal["accountId", "name"]


CLOUD = Dialect("cloud", "/rest/api/3", "/rest/api/3/search/jql", "adf", "accountId")
DATACENTER = Dialect("datacenter", "/rest/api/2", "/rest/api/2/search", "wiki", "name")


def dialect_of(deployment: Deployment | None) -> Dialect:
    """The dialect of a stored credential's deployment (None: stored before Data Center was
    supported, so Cloud)."""
    return DATACENTER if deployment == "datacenter" else CLOUD


def deployment_of(deployment_type: str | None) -> Deployment:
    """``serverInfo.deploymentType``: ``Cloud``, or ``Server`` on Data Center (which some
    versions call ``DataCenter``)."""
    return "cloud" if (deployment_type or "").casefold() == "cloud" else "datacenter"

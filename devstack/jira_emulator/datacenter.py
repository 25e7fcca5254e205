"""Data Center identities for the seeded users: `name`/`key`, password and personal access tokens.

The same four people as on Cloud (the state keeps referring to them by their Cloud account id,
the emulator's internal id); on Data Center they are named and rendered the Data Center way:
`name` (the username), `key` (since Jira 8 new users get keys such as `JIRAUSER10100`, distinct
from the name), no `accountId`, and `self` links by `username=` (Atlassian's DC REST docs).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from devstack.jira_emulator import catalog, seed
from devstack.jira_emulator.flavors import Flavor


@dataclass(frozen=True)
class Identity:
    account_id: str
    name: str
    key: str
    password: str
    personal_access_tokens: tuple[str, ...]


_BY_EMAIL = {u.email: u.account_id for u in seed.USERS}
IDENTITIES: tuple[Identity, ...] = (
    Identity(_BY_EMAIL["admin@example.com"], "admin", "JIRAUSER10000", "admin-password",
             ("admin-pat-token",)),
    Identity(_BY_EMAIL["svc@example.com"], "svc", "JIRAUSER10100", "svc-password",
             ("svc-pat-token",)),
    Identity(_BY_EMAIL["alice@example.com"], "alice", "JIRAUSER10101", "alice-password",
             ("alice-pat-token",)),
    Identity(_BY_EMAIL["viewer@example.com"], "viewer", "JIRAUSER10102", "viewer-password",
             ("viewer-pat-token",)),
)  # fmt: skip
BY_ACCOUNT_ID = {i.account_id: i for i in IDENTITIES}
BY_NAME = {i.name: i for i in IDENTITIES}


def identity(user: seed.User) -> Identity:
    return BY_ACCOUNT_ID[user.account_id]


def user_by_name(name: str) -> seed.User | None:
    """Usernames match case-insensitively on Data Center (they are stored lower-cased)."""
    found = BY_NAME.get(name.casefold())
    return None if found is None else catalog.USERS_BY_ID[found.account_id]


def user_view(u: seed.User, base: str, api: str = "2") -> dict[str, Any]:
    """A user as DC embeds it in issues, comments and webhooks (`UserBean`)."""
    ident = identity(u)
    avatar = f"{base}/secure/useravatar?ownerId={quote(ident.key)}&avatarId=10122"
    return {
        "self": f"{base}/rest/api/{api}/user?username={quote(ident.name)}",
        "name": ident.name,
        "key": ident.key,
        "emailAddress": u.email,
        "avatarUrls": {
            "48x48": avatar,
            "24x24": f"{avatar}&size=small",
            "16x16": f"{avatar}&size=xsmall",
            "32x32": f"{avatar}&size=medium",
        },
        "displayName": u.display_name,
        "active": True,
        "timeZone": u.time_zone,
    }


def user_key(account_id: str | None) -> str | None:
    """What DC changelogs carry in `from`/`to` for user fields: the user key."""
    return None if account_id is None else BY_ACCOUNT_ID[account_id].key


def authenticate(flavor: Flavor, header: str | None) -> seed.User | None:
    """`Bearer <personal access token>` (Jira 8.14+) or, while the version allows it, Basic
    `username:password`. Cloud API tokens and email logins are not Data Center credentials."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer":
        for ident in IDENTITIES:
            if any(
                hmac.compare_digest(value.encode(), t.encode())
                for t in ident.personal_access_tokens
            ):
                return catalog.USERS_BY_ID[ident.account_id]
        return None
    if scheme.lower() != "basic" or not flavor.basic_auth:
        return None
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    name, sep, password = decoded.partition(":")
    found = BY_NAME.get(name.casefold())
    if not sep or found is None:
        return None
    if not hmac.compare_digest(password.encode(), found.password.encode()):
        return None
    return catalog.USERS_BY_ID[found.account_id]

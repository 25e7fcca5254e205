"""Jira's webhook payload (the v2 shape), as far as inbound sync reads it.

Jira Cloud and Jira Data Center send the same shape, except for users: Cloud names them by
``accountId``, Data Center by ``name`` (the login; also ``key``, not read) with no ``accountId``.
Descriptions and comment bodies are strings on both (v2: wiki markup).

Parsed once where it enters, after the signature header check. Jira adds fields all the time,
so the models ignore what they do not name and name only what inbound sync reads; nested
objects it reads one value of are flattened with ``AliasPath`` (fewer models, a cheaper cold
start). Only ``issue`` and a comment's ``body`` are required: every other field has a meaning
when Jira leaves it out (no ``user`` on comment events, no ``changelog`` beside a comment, no
``fieldId`` on older Jira Data Center), so absent and null both read as "not there". A field
that is there must have Jira's JSON type, without coercion (``strict``): a payload that does not
fit is malformed.
"""

from __future__ import annotations

from pydantic import AliasPath, BaseModel, ConfigDict, Field


class _Jira(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


class User(_Jira):
    """The webhook's ``user`` or a comment's author: ``accountId`` on Cloud; on Data Center,
    which has no ``accountId``, the login ``name``."""

    account_id: str | None = Field(None, alias="accountId")
    name: str | None = None
    display_name: str | None = Field(None, alias="displayName")


class ChangelogItem(_Jira):
    """One changed field; ``from``/``to`` are raw values, the ``*String`` ones display text."""

    field: str | None = None
    field_id: str | None = Field(None, alias="fieldId")
    from_: str | None = Field(None, alias="from")
    from_string: str | None = Field(None, alias="fromString")
    to: str | None = None
    to_string: str | None = Field(None, alias="toString")


class Issue(_Jira):
    """``key`` and ``self`` may be absent: the receiver checks them itself, in its own order (a
    key that is not the path's is a mismatch before a ``self`` naming no Jira is malformed)."""

    key: str | None = None
    self_url: str | None = Field(None, alias="self")
    status: str | None = Field(None, validation_alias=AliasPath("fields", "status", "name"))
    resolution: str | None = Field(None, validation_alias=AliasPath("fields", "resolution", "name"))

    @property
    def base_url(self) -> str | None:
        """Everything in ``self`` before ``/rest/``: the payload names its Jira nowhere else.

        ``self`` is ``<base>/rest/api/2/issue/<id>``, and a Data Center base may have a context
        path (``https://jira.example.com/jira``), kept; so the cut is at the last ``/rest/api/``
        (a context path may hold ``/rest/`` itself), else at the first ``/rest/``. Scheme and
        host are lower-cased, as the credential's URL is stored."""
        if self.self_url is None:
            return None
        cut = self.self_url.rfind("/rest/api/")
        if cut < 0:
            cut = self.self_url.find("/rest/")
        if cut < 0:
            return None
        base = self.self_url[:cut].rstrip("/")
        scheme, sep, rest = base.partition("://")
        if not sep or scheme.lower() not in ("https", "http") or not rest:
            return None
        host, slash, path = rest.partition("/")
        return f"{scheme.lower()}://{host.lower()}{slash}{path}"


class Comment(_Jira):
    """A comment; v2 bodies are plain text, so a body that is not a string is malformed."""

    body: str
    author: User | None = None
    update_author: User | None = Field(None, alias="updateAuthor")


class WebhookPayload(_Jira):
    webhook_event: str | None = Field(None, alias="webhookEvent")
    timestamp: int | None = None  # ms; orders deliveries, as Jira's arrive in any order
    user: User | None = None
    issue: Issue
    changelog: list[ChangelogItem] | None = Field(  # its items: the changelog id is not read
        None, validation_alias=AliasPath("changelog", "items")
    )
    comment: Comment | None = None

"""Jira's answers, as far as jira-sync reads them, parsed where they enter: in the Jira client.

Jira adds fields all the time, so every model ignores what it does not name. What a model
names is what jira-sync reads, so a missing or mistyped one makes the answer malformed (the
client's "unexpected shape", a 502) instead of a crash deep in a use case. Names are
snake_case, Jira's camelCase are the aliases; the models are frozen because the create screen
and transitions are cached per container and shared between invocations.
"""

# No ``from __future__ import annotations``: pydantic would then evaluate each annotation
# string as the models are created, 10-20% of this module's import on every cold start.

from typing import Any

from pydantic import AliasChoices, AliasPath, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError


class JiraPayload(BaseModel):
    # Built on first use (defer_build): each handler reads only a few of these answers, and
    # building them all at import cost every cold start more than building those few later.
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True, defer_build=True)


class Status(JiraPayload):
    """A status (a transition's target, an issue's current one, a project's)."""

    name: str
    category_key: str | None = Field(
        default=None, validation_alias=AliasPath("statusCategory", "key")
    )


class Issue(JiraPayload):
    """An issue as the create (``{id, key, self}``), search and ``GET /issue`` answers give it;
    ``status`` only when its ``fields`` were asked for, ``properties`` (issue property key ->
    value) only when they were (an issue without the property has no entry)."""

    id: str
    key: str
    status: Status | None = Field(default=None, validation_alias=AliasPath("fields", "status"))
    properties: dict[str, Any] = Field(default_factory=dict)


class SearchResults(JiraPayload):
    """A page of a search: Cloud's ``/search/jql`` pages by ``nextPageToken`` (absent on the last
    page), Data Center's ``/search`` by ``startAt`` and ``total``."""

    # Optional in Atlassian's spec: a page without it has no matches.
    issues: list[Issue] = Field(default_factory=list)
    next_page_token: str | None = Field(default=None, alias="nextPageToken")
    total: int | None = None


class IssueProperty(JiraPayload):
    """``GET /issue/{key}/properties/{propertyKey}``: the property's key and JSON value."""

    key: str
    value: Any = None


class AllowedValue(JiraPayload):
    """One choice of a field: options have a ``value``, most other kinds a ``name``."""

    name: str | None = None
    value: str | None = None

    @property
    def label(self) -> str:
        return self.name or self.value or ""


class FieldMeta(JiraPayload):
    """A field of a create or transition screen."""

    name: str
    required: bool = False
    has_default_value: bool = Field(default=False, alias="hasDefaultValue")
    allowed_values: list[AllowedValue] | None = Field(default=None, alias="allowedValues")
    schema_: dict[str, Any] = Field(default_factory=dict, alias="schema")

    @property
    def must_fill(self) -> bool:
        """Required, and Jira fills no default: the caller has to send a value."""
        return self.required and not self.has_default_value

    def allows(self, wanted: str) -> bool:
        if not self.allowed_values:
            return True
        return any(wanted in (option.name, option.value) for option in self.allowed_values)

    def choices(self) -> list[str]:
        return [option.label for option in self.allowed_values or []]


class CreateField(FieldMeta):
    """A create screen's field: createmeta pages are lists, so each names its own id."""

    field_id: str = Field(alias="fieldId")


class Transition(JiraPayload):
    """A transition from the issue's current status, with its screen (``expand=...fields``)."""

    id: str
    name: str
    to: Status
    fields: dict[str, FieldMeta] = Field(default_factory=dict)


class Transitions(JiraPayload):
    transitions: list[Transition]


class IssueType(JiraPayload):
    """An issue type as createmeta lists it; the project statuses answer adds its statuses."""

    id: str
    name: str
    statuses: list[Status] = Field(default_factory=list)


class ProjectStatuses(JiraPayload):
    """``GET /project/{key}/statuses``: a JSON array with one item per issue type."""

    issue_types: list[IssueType]

    # Not a RootModel: parametrising one builds its schema at import, defer_build or not.
    @model_validator(mode="before")
    @classmethod
    def _from_array(cls, data: Any) -> Any:
        if not isinstance(data, list):
            raise PydanticCustomError("list_type", "Input should be a valid list")
        return {"issue_types": data}

    def names(self) -> list[str]:
        """Distinct status names over the issue types, in Jira's order."""
        return list(
            dict.fromkeys(status.name for item in self.issue_types for status in item.statuses)
        )


# Pages of startAt/maxResults/total; without a total a page is the last one. Cloud names the
# list ``issueTypes`` / ``fields``, Data Center ``values``.


class IssueTypePage(JiraPayload):
    issue_types: list[IssueType] = Field(validation_alias=AliasChoices("issueTypes", "values"))
    total: int | None = None


class CreateFieldPage(JiraPayload):
    fields: list[CreateField] = Field(validation_alias=AliasChoices("fields", "values"))
    total: int | None = None


class Account(JiraPayload):
    """``GET /myself``; the email may be hidden by the account's privacy settings. Cloud names
    an account by ``accountId``, Data Center by ``name`` (its login) and ``key``."""

    account_id: str | None = Field(default=None, alias="accountId")
    name: str | None = None
    # Optional in Atlassian's spec (privacy settings may hide it).
    display_name: str | None = Field(default=None, alias="displayName")
    email_address: str | None = Field(default=None, alias="emailAddress")

    @model_validator(mode="after")
    def _named(self) -> "Account":
        if self.account_id is None and self.name is None:
            raise ValueError("an account has an accountId (Cloud) or a name (Data Center)")
        return self


class Permission(JiraPayload):
    have_permission: bool = Field(alias="havePermission")


class MyPermissions(JiraPayload):
    permissions: dict[str, Permission]


class TenantInfo(JiraPayload):
    """``/_edge/tenant_info`` of a Cloud site: its cloudId, public."""

    cloud_id: str = Field(alias="cloudId", pattern=r"^[0-9a-fA-F-]{36}$")


class ServerInfo(JiraPayload):
    # Optional in Atlassian's spec: without it the credential's own URL is the site's.
    base_url: str | None = Field(default=None, alias="baseUrl")
    deployment_type: str | None = Field(default=None, alias="deploymentType")
    version_numbers: list[int] = Field(default_factory=list, alias="versionNumbers")


class Project(JiraPayload):
    id: str
    key: str
    name: str

"""Shapes of a credential: what the API accepts, what the table stores, what the API shows.

Request models forbid unknown fields and never echo input values in their errors
(``hide_input_in_errors``), so a token typed into the wrong field cannot leak through a 400.
"""

# No ``from __future__ import annotations``: pydantic would then evaluate each annotation
# string as the models are created, 10-20% of this module's import on every cold start.

import json
import math
import re
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    SecretStr,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

IssueState = Literal["open", "in progress", "closed", "resolved"]
Severity = Literal["critical", "high", "medium", "low", "info"]
# Issue attributes a Jira field can be filled from (the issue of POST /issues/{id}/ticket).
# Remediation events that may move an issue (the keys of a credential's remediation_map).
RemediationEvent = Literal["pull_request_opened", "pull_request_merged"]
IssueAttribute = Literal["issue_id", "name", "description", "due_date", "severity", "state"]
Deployment = Literal["cloud", "datacenter"]
# How the token is sent: Basic (Cloud: email and API token; Data Center: username and
# password) or Bearer (a Data Center personal access token).
AuthScheme = Literal["basic", "pat"]
# How a webhook proves it came from the credential's Jira: its X-Hub-Signature, or, where the
# site cannot sign (Data Center before 10), a random token in the webhook URL's path.
WebhookAuth = Literal["signature", "url_token"]

DEFAULT_ISSUE_TYPE = "Task"
DEFAULT_PRIORITY_MAP: dict[Severity, str] = {
    "critical": "Highest",
    "high": "High",
    "medium": "Medium",
    "low": "Low",
    "info": "Lowest",
}
# The permissions jira-sync uses (keys of GET /rest/api/3/permissions).
REQUIRED_PERMISSIONS: tuple[str, ...] = (
    "BROWSE_PROJECTS",
    "CREATE_ISSUES",
    "EDIT_ISSUES",
    "TRANSITION_ISSUES",
    "ADD_COMMENTS",
    "CREATE_ATTACHMENTS",
)
MAX_ITEMS = 50
# A credential is one DynamoDB item (at most 400 KB, maps nested at most 32 levels), so the
# constants of a field_map are bounded well inside that.
MAX_FIELD_MAP_BYTES = 65_536
MAX_VALUE_DEPTH = 16

# Atlassian's spec (CreateProjectDetails.key): an uppercase letter, then one or more uppercase
# alphanumerics, at most 10 characters.
_PROJECT_KEY = re.compile(r"[A-Z][A-Z0-9]{1,9}")
# System field ids (duedate, environment, ...) and custom fields (customfield_10010).
_FIELD_ID = re.compile(r"customfield_[0-9]{1,12}|[a-z][A-Za-z0-9_]{0,63}")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")


def _project_key(value: str) -> str:
    if not _PROJECT_KEY.fullmatch(value):
        raise PydanticCustomError(
            "invalid_project_key",
            "must be a Jira project key: an uppercase letter then 1-9 uppercase letters or "
            "digits, e.g. SEC",
        )
    return value


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise PydanticCustomError(
            "invalid_email", "must be the Atlassian account's email address, e.g. svc@example.com"
        )
    return value


def _no_whitespace(value: str) -> str:
    if any(char.isspace() for char in value):
        raise PydanticCustomError("whitespace", "must not contain spaces (Jira labels are words)")
    return value


def _field_id(value: str) -> str:
    if not _FIELD_ID.fullmatch(value):
        raise PydanticCustomError(
            "invalid_field_id",
            "must be a Jira field id such as customfield_10010 or duedate (not its display name)",
        )
    return value


def _storable_value(value: JsonValue) -> JsonValue:
    """A constant DynamoDB can store: nested at most MAX_VALUE_DEPTH levels, and numbers it
    can hold; otherwise the item write fails after Jira accepted the credential (a 500)."""
    pending: list[tuple[JsonValue, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth >= MAX_VALUE_DEPTH:
                raise PydanticCustomError(
                    "too_deep",
                    "must nest arrays and objects at most {levels} levels deep",
                    {"levels": MAX_VALUE_DEPTH},
                )
            if isinstance(item, dict) and "" in item:
                raise PydanticCustomError("empty_key", "object keys must not be empty")
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
        elif (
            isinstance(item, int | float)
            and not isinstance(item, bool)
            and not _storable_number(item)
        ):
            raise PydanticCustomError(
                "number_range",
                "numbers must be finite, with at most 38 digits and a magnitude from 1e-128 "
                "to 1e125 (what DynamoDB stores)",
            )
    return value


def _storable_number(number: int | float) -> bool:
    """What boto3 writes to DynamoDB exactly: at most 38 digits, magnitude 1e-128 to < 1e126."""
    if isinstance(number, float) and not math.isfinite(number):
        return False
    if number == 0:
        return True
    exact = Decimal(repr(number)) if isinstance(number, float) else Decimal(number)
    return len(exact.as_tuple().digits) <= 38 and -128 <= exact.adjusted() <= 125


def _secret_without_whitespace(value: SecretStr) -> SecretStr:
    if any(char.isspace() for char in value.get_secret_value()):
        raise PydanticCustomError(
            "whitespace", "must not contain whitespace (check the pasted value)"
        )
    return value


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
JiraName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2048)]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_email)
]
# A Data Center login for basic auth: Basic splits ``login:password`` at its first colon.
Username = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=255, pattern=r"^[^:\s]+$"),
]
ProjectKey = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_project_key)]
Label = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=255),
    AfterValidator(_no_whitespace),
]
FieldId = Annotated[str, AfterValidator(_field_id)]
ApiToken = Annotated[
    SecretStr, Field(min_length=8, max_length=2048), AfterValidator(_secret_without_whitespace)
]
WebhookSecret = Annotated[
    SecretStr, Field(min_length=16, max_length=256), AfterValidator(_secret_without_whitespace)
]

_STRICT = ConfigDict(extra="forbid", hide_input_in_errors=True)
# Settings whose absence is null (not an empty list or map): a patch clears them with null.
NULLABLE_PATCH_FIELDS = frozenset({"auto_create"})


def _unset(value: object) -> bool:
    """For ``exclude_if``: keys the API leaves out rather than show as null."""
    return value is None


class FieldSource(BaseModel):
    """Where a Jira field's value comes from: an issue attribute or a constant.

    It dumps as the API writes it, ``{"from": ...}`` or ``{"value": ...}``, also inside a
    credential's view (no field serializer: that module alone costs a cold start 1-2 ms)."""

    model_config = ConfigDict(
        extra="forbid", hide_input_in_errors=True, populate_by_name=True, serialize_by_alias=True
    )

    from_: IssueAttribute | None = Field(default=None, alias="from", exclude_if=_unset)
    value: Annotated[JsonValue, AfterValidator(_storable_value)] = Field(
        default=None, exclude_if=_unset
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.from_ is None) == (self.value is None):
            raise PydanticCustomError(
                "field_source",
                'must be either {"from": <issue attribute>} or {"value": <constant>}, not both',
            )
        return self

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _field_map_size(value: dict[str, FieldSource]) -> dict[str, FieldSource]:
    plain = {key: source.to_json() for key, source in value.items()}
    size = len(json.dumps(plain, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    if size > MAX_FIELD_MAP_BYTES:
        raise PydanticCustomError(
            "too_large",
            "takes {size} bytes as JSON, at most {limit}: shorten its constant values",
            {"size": size, "limit": MAX_FIELD_MAP_BYTES},
        )
    return value


FieldMap = Annotated[
    dict[FieldId, FieldSource], Field(max_length=MAX_ITEMS), AfterValidator(_field_map_size)
]


class StatusRule(BaseModel):
    """Inbound rule: a Jira status (and optionally resolution) means this issue state."""

    model_config = _STRICT

    status: JiraName
    resolution: JiraName | None = None
    state: IssueState


SEVERITY_RANK: dict[Severity, int] = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


class AutoCreateRule(BaseModel):
    """When a ``Finding Detected`` event makes a ticket: severity at least ``min_severity``
    and, with ``labels_any``, one of those labels; ``snapshot`` attaches the event's rows."""

    model_config = _STRICT

    min_severity: Severity
    labels_any: list[Label] | None = Field(default=None, min_length=1, max_length=MAX_ITEMS)
    snapshot: bool = False

    def matches(self, severity: Severity | None, labels: list[str]) -> bool:
        """A finding without a severity never matches: the rule is about how bad it is."""
        if severity is None or SEVERITY_RANK[severity] < SEVERITY_RANK[self.min_severity]:
            return False
        if self.labels_any is None:
            return True
        wanted = {label.casefold() for label in self.labels_any}
        return any(label.casefold() in wanted for label in labels)


class CredentialSettings(BaseModel):
    """The non-secret settings of a credential, as stored in the table."""

    model_config = _STRICT

    name: Name
    url: Url
    # None in a request: found from the URL's serverInfo; set once stored.
    deployment: Deployment | None = None
    # None in a request: basic on Cloud, pat on Data Center; set once stored.
    auth: AuthScheme | None = None
    # Cloud's login (with an API token); Data Center's basic login is ``username``.
    email: Email | None = None
    username: Username | None = None
    # None: signature, except on a Data Center that cannot sign (before 10): url_token.
    webhook_auth: WebhookAuth | None = None
    project_key: ProjectKey
    issue_type: JiraName = DEFAULT_ISSUE_TYPE
    state_map: dict[IssueState, JiraName] = Field(default_factory=dict)
    priority_map: dict[Severity, JiraName] = Field(
        default_factory=lambda: dict(DEFAULT_PRIORITY_MAP)
    )
    resolution_map: dict[IssueState, JiraName] = Field(default_factory=dict)
    status_rules: list[StatusRule] = Field(default_factory=list, max_length=MAX_ITEMS)
    labels: list[Label] = Field(default_factory=list, max_length=MAX_ITEMS)
    components: list[JiraName] = Field(default_factory=list, max_length=MAX_ITEMS)
    field_map: FieldMap = Field(default_factory=dict)
    # The state a remediation event moves the issue to; none: the event only comments.
    remediation_map: dict[RemediationEvent, IssueState] = Field(default_factory=dict)
    # None: Finding Detected events make no ticket.
    auto_create: AutoCreateRule | None = None

    def status_names(self) -> list[str]:
        """Every Jira status name the settings refer to, in first-seen order."""
        names = [*self.state_map.values(), *(rule.status for rule in self.status_rules)]
        return list(dict.fromkeys(names))

    def settings_json(self) -> dict[str, Any]:
        """The settings as plain JSON, ``field_map`` entries with their API key ``from``."""
        data = self.model_dump(mode="json", include=set(CredentialSettings.model_fields))
        data["field_map"] = {key: source.to_json() for key, source in self.field_map.items()}
        return data


class CredentialCreate(CredentialSettings):
    """Body of ``POST /credentials``."""

    api_token: ApiToken
    webhook_secret: WebhookSecret | None = None


class CredentialPatch(BaseModel):
    """Body of ``PATCH /credentials/{id}``: any subset of the create fields, none null."""

    model_config = _STRICT

    name: Name | None = None
    url: Url | None = None
    deployment: Deployment | None = None
    auth: AuthScheme | None = None
    email: Email | None = None
    username: Username | None = None
    webhook_auth: WebhookAuth | None = None
    api_token: ApiToken | None = None
    webhook_secret: WebhookSecret | None = None
    project_key: ProjectKey | None = None
    issue_type: JiraName | None = None
    state_map: dict[IssueState, JiraName] | None = None
    priority_map: dict[Severity, JiraName] | None = None
    resolution_map: dict[IssueState, JiraName] | None = None
    status_rules: list[StatusRule] | None = Field(default=None, max_length=MAX_ITEMS)
    labels: list[Label] | None = Field(default=None, max_length=MAX_ITEMS)
    components: list[JiraName] | None = Field(default=None, max_length=MAX_ITEMS)
    field_map: FieldMap | None = None
    remediation_map: dict[RemediationEvent, IssueState] | None = None
    # The one field a patch may set to null: that turns auto-create off.
    auto_create: AutoCreateRule | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            nulls = sorted(
                str(key)
                for key, value in data.items()
                if value is None and key not in NULLABLE_PATCH_FIELDS
            )
            if nulls:
                raise PydanticCustomError(
                    "null_value",
                    # pydantic-core fills {name} and keeps every other brace as written.
                    "{fields} cannot be null: leave a field out to keep it, or send [] / {} to "
                    "empty a list or map",
                    {"fields": ", ".join(nulls)},
                )
            if not data:
                raise PydanticCustomError(
                    "empty_patch", "the body sets no field: send at least one field to change"
                )
        return data

    def settings_changes(self) -> dict[str, Any]:
        """The non-secret fields this patch sets, as plain JSON."""
        fields = set(CredentialSettings.model_fields) & self.model_fields_set
        data = self.model_dump(mode="json", include=fields)
        if self.field_map is not None:
            data["field_map"] = {key: source.to_json() for key, source in self.field_map.items()}
        return data


class ValidationResult(BaseModel):
    """What the last check against Jira found; ``ok`` means nothing is missing or unknown."""

    model_config = ConfigDict(extra="ignore")

    ok: bool
    jira_status: int | None
    account_id: str | None = None
    display_name: str | None = None
    checked_at: AwareDatetime
    missing_permissions: list[str] = Field(default_factory=list)
    unknown_statuses: list[str] = Field(default_factory=list)
    # How the token got in: on Cloud directly at the site (a classic API token), or through
    # api.atlassian.com/ex/jira/<cloud_id> (a scoped token, e.g. a service account's); on
    # Data Center as a personal access token or a basic login.
    auth: Literal["api_token", "scoped_token", "pat", "basic"] | None = None
    cloud_id: str | None = None
    # Data Center names accounts by login (``name``), not accountId.
    username: str | None = None
    # serverInfo's versionNumbers, as "10.3.0" (Data Center only).
    server_version: str | None = None

    def version_tuple(self) -> tuple[int, ...]:
        try:
            return tuple(int(part) for part in (self.server_version or "").split(".") if part)
        except ValueError:
            return ()


class StoredCredential(CredentialSettings):
    """A credential as kept in the table: settings plus bookkeeping, never the secrets."""

    model_config = ConfigDict(extra="ignore")

    credential_id: str
    secret_version: str
    validation: ValidationResult
    created_at: AwareDatetime
    updated_at: AwareDatetime
    version: int = Field(ge=1)
    # Where API calls go when the site refused the token and its gateway took it; ``url``
    # stays the site (browse links, webhooks' ``issue.self``).
    api_url: str | None = None

    @property
    def client_url(self) -> str:
        return self.api_url or self.url

    @property
    def login(self) -> str | None:
        """The Basic login (Cloud's email, Data Center's username); None with a PAT."""
        if self.auth == "pat":
            return None
        return self.username if self.deployment == "datacenter" else self.email

    def webhook_auth_in_force(self) -> WebhookAuth:
        """The credential's choice, else a signature wherever the site can sign: Cloud, and
        Data Center from 10 (the first that signs admin webhooks with a secret)."""
        if self.webhook_auth is not None:
            return self.webhook_auth
        if self.deployment == "datacenter" and self.validation.version_tuple() < (10,):
            return "url_token"
        return "signature"


def login_problems(settings: CredentialSettings) -> list[dict[str, str]]:
    """What the login fields lack or have too much of for the settled deployment and auth
    (both set): one message per field, saying what to send instead."""
    problems: list[dict[str, str]] = []
    if settings.deployment == "cloud":
        if settings.auth == "pat":
            problems.append(
                {
                    "field": "auth",
                    "message": "Jira Cloud takes no personal access token: use basic (the "
                    "account's email and an API token)",
                }
            )
        if settings.email is None:
            problems.append(
                {"field": "email", "message": "is required on Jira Cloud (the account's email)"}
            )
        if settings.username is not None:
            problems.append(
                {"field": "username", "message": "is for Data Center basic auth: send email"}
            )
    elif settings.auth == "basic" and settings.username is None:
        problems.append(
            {
                "field": "username",
                "message": "is required with basic auth on Data Center (the login name; "
                "api_token holds its password)",
            }
        )
    elif settings.auth == "pat" and settings.username is not None:
        problems.append(
            {
                "field": "username",
                "message": "is not used with a personal access token: leave it out, or set "
                "auth to basic",
            }
        )
    return problems


class CredentialView(CredentialSettings):
    """A credential as the API shows it: its settings, the token masked, no secret but the
    webhook secret generated by a create, in that create's answer only."""

    # Built on first use: every handler imports this module, only the credentials one shows.
    model_config = ConfigDict(defer_build=True)

    credential_id: str
    api_token: str
    webhook_secret_set: bool
    webhook_url: str
    validation: ValidationResult
    created_at: str
    updated_at: str
    version: int
    webhook_secret: str | None = Field(default=None, exclude_if=_unset)


class CredentialList(BaseModel):
    """``GET /credentials``, oldest first."""

    model_config = ConfigDict(defer_build=True)

    credentials: list[CredentialView]


def mask_token(token: str) -> str:
    """``"****"`` plus the token's last 4 characters (the API contract); tokens have 8 or more."""
    return "****" + token[-4:]

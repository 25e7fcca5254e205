"""Credential use cases: create, read, list, update, delete and validate against Jira.

A credential is checked against Jira before anything is written, so a refused one leaves no
item and no secret behind. The secret is written before the item that points at its
version, and an item write that fails deletes the new secret again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr

from jira_sync import store
from jira_sync.aws import secret_store
from jira_sync.aws.secret_store import CredentialSecret
from jira_sync.errors import Conflict, ValidationFailed
from jira_sync.jira.cache import get_client
from jira_sync.jira.client import JiraClient
from jira_sync.jira.errors import JiraAuthError, JiraError, JiraNotFound, JiraRejected
from jira_sync.jira.urls import gateway_cloud_id, normalize_jira_url, resolve_host
from jira_sync.models.credentials import (
    REQUIRED_PERMISSIONS,
    CredentialCreate,
    CredentialList,
    CredentialPatch,
    CredentialSettings,
    CredentialView,
    StoredCredential,
    ValidationResult,
    mask_token,
)
from jira_sync.models.jira import Account
from jira_sync.settings import get_settings
from jira_sync.store import issues as issues_store
from jira_sync.store import memberships
from jira_sync.usecases.connection import load_credential, secret_of

# A fence a crashed delete leaves stops creates this long at most.
FENCE_SECONDS = 60.0
RemainingTime = Callable[[], float]
Resolver = Callable[[str], list[str]]

# Changing any of these can change what Jira says about the credential.
_CHECKED_FIELDS = frozenset({"url", "email", "project_key", "state_map", "status_rules"})
_REFUSALS = (JiraAuthError, JiraNotFound, JiraRejected)


def create_credential(
    request: CredentialCreate,
    *,
    base_url: str,
    remaining_time: RemainingTime | None = None,
    resolve: Resolver = resolve_host,
) -> CredentialView:
    """Checks the credential against Jira, then stores it; returns the view.

    When the request has no webhook secret one is generated and returned once, in this
    result only, as ``webhook_secret``.
    """
    url = _normalize_url(request.url, resolve)
    settings = CredentialSettings.model_validate(request.settings_json() | {"url": url})
    validation, api_url = _check_or_raise(settings, request.api_token, remaining_time, resolve)

    generated = request.webhook_secret is None
    webhook_secret = (
        secret_store.generate_webhook_secret()
        if request.webhook_secret is None
        else request.webhook_secret
    )
    secret = CredentialSecret(api_token=request.api_token, webhook_secret=webhook_secret)
    credential_id = str(uuid.uuid4())
    now = _now()
    version_id = secret_store.create_secret(credential_id, secret)
    credential = StoredCredential.model_validate(
        settings.settings_json()
        | {
            "credential_id": credential_id,
            "secret_version": version_id,
            "validation": validation,
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "api_url": api_url,
        }
    )
    try:
        store.put_new_credential(credential)
    except BaseException:
        secret_store.delete_secret(credential_id)
        raise
    shown = webhook_secret.get_secret_value() if generated else None
    return _view(credential, secret, base_url, webhook_secret=shown)


def get_credential(credential_id: str, *, base_url: str) -> CredentialView:
    credential = load_credential(credential_id)
    return _view(credential, secret_of(credential), base_url)


def list_credentials(*, base_url: str) -> CredentialList:
    """Every credential's view, oldest first."""
    return CredentialList(
        credentials=[
            _view(credential, secret_of(credential), base_url)
            for credential in store.list_credentials()
        ]
    )


def update_credential(
    credential_id: str,
    patch: CredentialPatch,
    *,
    base_url: str,
    remaining_time: RemainingTime | None = None,
    resolve: Resolver = resolve_host,
) -> CredentialView:
    """Applies a partial update; re-checks against Jira when a checked field or the token changes.

    A new ``url`` needs the token in the same request: the stored token never goes to a new host.
    A refused check raises before anything is written. A new secret version is written before
    the item that points at it, so a lost race (409) leaves the item on its old, intact version.
    """
    credential = load_credential(credential_id)
    changes = patch.settings_changes()
    if "url" in changes:
        changes["url"] = _normalize_url(changes["url"], resolve)
        if changes["url"] != credential.url and patch.api_token is None:
            # The stored token is only ever sent to the host it was saved for.
            raise ValidationFailed(
                "api_token: send the API token again when changing url (the stored token is "
                "never sent to a new Jira host)",
                fields=[{"field": "api_token", "message": "is required when url changes"}],
            )
    settings = CredentialSettings.model_validate(credential.settings_json() | changes)

    current = secret_of(credential)
    secret = CredentialSecret(
        api_token=current.api_token if patch.api_token is None else patch.api_token,
        webhook_secret=(
            current.webhook_secret if patch.webhook_secret is None else patch.webhook_secret
        ),
    )
    if patch.api_token is not None or _CHECKED_FIELDS & changes.keys():
        validation, changes["api_url"] = _check_or_raise(
            settings, secret.api_token, remaining_time, resolve
        )
        changes["validation"] = validation.model_dump(mode="json")
    if patch.api_token is not None or patch.webhook_secret is not None:
        changes["secret_version"] = secret_store.put_secret(credential_id, secret)
    changes["updated_at"] = _iso(_now())
    updated = store.update_credential(credential_id, changes, expected_version=credential.version)
    return _view(updated, secret, base_url)


def delete_credential(credential_id: str) -> None:
    """Deletes the credential and its secret; refused (409, listing the issue ids) while any
    ticket is linked or any create claim is held through it.

    Atomic with respect to creates: the credential is fenced first, so no create can join it
    after the members are read; the fence is lifted if the delete is refused.
    """
    load_credential(credential_id)
    token = uuid.uuid4().hex
    now = datetime.now(UTC).timestamp()
    memberships.fence(credential_id, token, now=now, until=now + FENCE_SECONDS)
    try:
        held = _held_issues(credential_id)
        if held:
            listed = held[: memberships.MAX_LISTED]
            more = " and more" if len(held) > len(listed) else ""
            raise Conflict(
                f"issues are linked or being created through this credential "
                f"({', '.join(listed[:5])}{', ...' if len(listed) > 5 else ''}{more}): unlink "
                "them (DELETE /issues/{issue_id}/ticket) or let their creates finish first",
                code="credential_in_use",
                issue_ids=listed,
            )
        store.delete_credential(credential_id)
    except BaseException:
        memberships.unfence(credential_id, token)
        raise
    secret_store.delete_secret(credential_id)


def _held_issues(credential_id: str) -> list[str]:
    """The issues whose link or create claim is through the credential, as their items say
    (strongly consistent); members no issue backs any more are dropped."""
    held: list[str] = []
    stale: list[str] = []
    for member in memberships.members(credential_id):
        issue_id = member["issue_id"]
        if member["kind"] == "link_item":
            held.append(issue_id)
            continue
        record = issues_store.get_issue_item(issue_id)
        if record is not None and record.jira is not None:
            ours = record.jira.credential_id == credential_id
        elif record is not None and record.creating is not None:
            # A claim from before claims named their credential counts as ours.
            ours = record.creating.credential_id in (None, credential_id)
        else:
            ours = False
        (held if ours else stale).append(issue_id)
    memberships.drop_stale(credential_id, stale)
    return held


def validate_credential(
    credential_id: str, *, remaining_time: RemainingTime | None = None
) -> ValidationResult:
    """Checks the stored credential against Jira now and stores the result.

    A refusal (401/403, unknown project, other 4xx) is a result with ``ok: false`` and Jira's
    status, not an error; Jira being unreachable raises (502) and stores nothing.
    """
    credential = load_credential(credential_id)
    secret = secret_of(credential)
    check = _check(credential, secret.api_token, remaining_time, resolve_host)
    changes: dict[str, Any] = {"validation": check.result.model_dump(mode="json")}
    if check.refusal is None:
        changes["api_url"] = check.api_url
    store.update_credential(credential_id, changes, expected_version=credential.version)
    return check.result


def _check_or_raise(
    settings: CredentialSettings,
    api_token: SecretStr,
    remaining_time: RemainingTime | None,
    resolve: Resolver,
) -> tuple[ValidationResult, str | None]:
    """The check's result and where API calls go (None: the site itself); raises a refusal."""
    check = _check(settings, api_token, remaining_time, resolve)
    if check.refusal is not None:
        raise check.refusal
    return check.result, check.api_url


@dataclass(frozen=True, slots=True)
class _Check:
    result: ValidationResult
    refusal: JiraError | None
    api_url: str | None


def _check(
    settings: CredentialSettings,
    api_token: SecretStr,
    remaining_time: RemainingTime | None,
    resolve: Resolver,
) -> _Check:
    """What Jira says of the credential; a refusal is returned, an outage raised.

    A site that refuses the token (401) may still take it through its gateway: scoped tokens
    (the only kind a service account can make) work only at ``<gateway>/ex/jira/<cloudId>``,
    and the cloudId is public at the site's ``/_edge/tenant_info``. The site's refusal stands
    when the gateway refuses too."""
    token = api_token.get_secret_value()
    client = get_client(settings.url, settings.email, token, remaining_time)
    api_url: str | None = None
    # Given as the gateway URL: connected that way (the URL names its cloudId).
    cloud_id = gateway_cloud_id(settings.url)
    account: Account | None = None
    try:
        try:
            account = client.myself()
        except JiraAuthError as refused:
            gateway = _gateway_of(client, settings.url, resolve) if refused.status == 401 else None
            if gateway is None:
                raise
            cloud_id, api_url = gateway
            client = get_client(api_url, settings.email, token, remaining_time)
            try:
                account = client.myself()
            except _REFUSALS:
                raise refused from None
        client.project(settings.project_key)
        held = client.my_permissions(settings.project_key, REQUIRED_PERMISSIONS)
        known = {name.casefold() for name in client.project_statuses(settings.project_key)}
    except _REFUSALS as refusal:
        return _Check(_result(refusal.status, account, [], [], cloud_id), refusal, None)
    missing = [name for name in REQUIRED_PERMISSIONS if not held.get(name, False)]
    unknown = [name for name in settings.status_names() if name.casefold() not in known]
    return _Check(_result(200, account, missing, unknown, cloud_id), None, api_url)


def _gateway_of(client: JiraClient, site: str, resolve: Resolver) -> tuple[str, str] | None:
    """(cloudId, gateway URL) of a Cloud site, or None when it is not one (no tenant_info,
    already the gateway) or the gateway's URL is not an allowed Jira URL."""
    if gateway_cloud_id(site) is not None:
        return None
    try:
        cloud_id = client.tenant_cloud_id()
    except (JiraError, ValueError):
        return None
    try:
        url = _normalize_url(f"{get_settings().atlassian_gateway_url}/ex/jira/{cloud_id}", resolve)
    except ValueError:
        return None
    return cloud_id, url


def _result(
    jira_status: int | None,
    account: Account | None,
    missing: list[str],
    unknown: list[str],
    cloud_id: str | None = None,
) -> ValidationResult:
    return ValidationResult(
        ok=jira_status == 200 and not missing and not unknown,
        jira_status=jira_status,
        account_id=None if account is None else account.account_id,
        display_name=None if account is None else account.display_name,
        checked_at=_now(),
        missing_permissions=missing,
        unknown_statuses=unknown,
        auth=None if account is None else ("scoped_token" if cloud_id else "api_token"),
        cloud_id=cloud_id,
    )


def _normalize_url(url: str, resolve: Resolver) -> str:
    settings = get_settings()
    return normalize_jira_url(
        url,
        allowed_hosts=settings.allowed_hosts,
        allow_loopback=settings.allow_loopback,
        resolve=resolve,
    )


def _view(
    credential: StoredCredential,
    secret: CredentialSecret,
    base_url: str,
    *,
    webhook_secret: str | None = None,
) -> CredentialView:
    settings = {name: getattr(credential, name) for name in CredentialSettings.model_fields}
    return CredentialView(
        **settings,
        credential_id=credential.credential_id,
        api_token=mask_token(secret.api_token.get_secret_value()),
        webhook_secret_set=secret.webhook_secret is not None,
        webhook_url=f"{base_url}/webhooks/jira/{credential.credential_id}/${{issue.key}}",
        validation=credential.validation,
        created_at=_iso(credential.created_at),
        updated_at=_iso(credential.updated_at),
        version=credential.version,
        webhook_secret=webhook_secret,
    )


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")

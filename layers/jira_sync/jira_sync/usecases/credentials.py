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
from jira_sync.jira.dialect import DATACENTER, deployment_of
from jira_sync.jira.errors import JiraAuthError, JiraError, JiraNotFound, JiraRejected
from jira_sync.jira.urls import gateway_cloud_id, normalize_jira_url, resolve_host
from jira_sync.jira.webhook_token import url_token
from jira_sync.models.credentials import (
    REQUIRED_PERMISSIONS,
    CredentialCreate,
    CredentialList,
    CredentialPatch,
    CredentialSettings,
    CredentialView,
    StoredCredential,
    ValidationResult,
    login_problems,
    mask_token,
)
from jira_sync.models.jira import Account, ServerInfo
from jira_sync.settings import get_settings
from jira_sync.store import issues as issues_store
from jira_sync.store import memberships
from jira_sync.usecases.connection import load_credential, secret_of

# A fence a crashed delete leaves stops creates this long at most.
FENCE_SECONDS = 60.0
RemainingTime = Callable[[], float]
Resolver = Callable[[str], list[str]]

# Changing any of these can change what Jira says about the credential.
_CHECKED_FIELDS = frozenset(
    {"url", "deployment", "auth", "email", "username", "project_key", "state_map", "status_rules"}
)
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
    check = _check_or_raise(settings, request.api_token, remaining_time, resolve)
    settings, validation, api_url = check.settings, check.result, check.api_url

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
    return _view(credential, secret, base_url, webhook_secret=shown, show_webhook_url=True)


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
        check = _check_or_raise(settings, secret.api_token, remaining_time, resolve)
        changes["api_url"] = check.api_url
        changes["deployment"], changes["auth"] = check.settings.deployment, check.settings.auth
        changes["validation"] = check.result.model_dump(mode="json")
    if patch.api_token is not None or patch.webhook_secret is not None:
        changes["secret_version"] = secret_store.put_secret(credential_id, secret)
    changes["updated_at"] = _iso(_now())
    updated = store.update_credential(credential_id, changes, expected_version=credential.version)
    # A new secret, or a switch to the URL token, gives a URL the site does not have yet.
    fresh_url = patch.webhook_secret is not None or (
        updated.webhook_auth_in_force() != credential.webhook_auth_in_force()
    )
    return _view(updated, secret, base_url, show_webhook_url=fresh_url)


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
    changes: dict[str, Any] = {
        "validation": check.result.model_dump(mode="json"),
        "deployment": check.settings.deployment,
        "auth": check.settings.auth,
    }
    if check.refusal is None:
        changes["api_url"] = check.api_url
    store.update_credential(credential_id, changes, expected_version=credential.version)
    return check.result


def _check_or_raise(
    settings: CredentialSettings,
    api_token: SecretStr,
    remaining_time: RemainingTime | None,
    resolve: Resolver,
) -> _Check:
    """The check (its result, where API calls go, the settled settings); raises a refusal."""
    check = _check(settings, api_token, remaining_time, resolve)
    if check.refusal is not None:
        raise check.refusal
    return check


@dataclass(frozen=True, slots=True)
class _Check:
    result: ValidationResult
    refusal: JiraError | None
    api_url: str | None
    # The settings with their deployment and auth settled (found, or the defaults).
    settings: CredentialSettings


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
    settings, info = _settled(settings, token, remaining_time)
    if settings.deployment == "datacenter":
        return _check_datacenter(settings, token, info, remaining_time)
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
        result = _result(
            refusal.status, account, [], [], auth=_cloud_auth(cloud_id), cloud_id=cloud_id
        )
        return _Check(result, refusal, None, settings)
    missing = [name for name in REQUIRED_PERMISSIONS if not held.get(name, False)]
    unknown = [name for name in settings.status_names() if name.casefold() not in known]
    result = _result(200, account, missing, unknown, auth=_cloud_auth(cloud_id), cloud_id=cloud_id)
    return _Check(result, None, api_url, settings)


def _settled(
    settings: CredentialSettings, token: str, remaining_time: RemainingTime | None
) -> tuple[CredentialSettings, ServerInfo | None]:
    """The settings with deployment and auth set, and serverInfo when it was read: to find
    the deployment when none is given, and on Data Center for its version (which decides
    whether its webhooks can be signed). Login fields that do not fit raise a 400 before
    any authenticated call."""
    info: ServerInfo | None = None
    deployment = settings.deployment
    if deployment != "cloud":
        # Public on both deployments: asked without the token, before it is known which
        # way (Basic or Bearer) this site takes it.
        client = get_client(settings.url, settings.email, token, remaining_time)
        info = client.server_info(anonymous=True)
        deployment = deployment or deployment_of(info.deployment_type)
    auth = settings.auth or ("pat" if deployment == "datacenter" else "basic")
    settled = settings.model_copy(update={"deployment": deployment, "auth": auth})
    problems = login_problems(settled)
    if problems:
        raise ValidationFailed(
            "; ".join(f"{item['field']}: {item['message']}" for item in problems)
            + f" (the URL is Jira {'Cloud' if deployment == 'cloud' else 'Data Center'})",
            fields=problems,
        )
    return settled, info


def _check_datacenter(
    settings: CredentialSettings,
    token: str,
    info: ServerInfo | None,
    remaining_time: RemainingTime | None,
) -> _Check:
    """The Cloud check's calls in Data Center's REST v2, as a PAT (Bearer) or a basic login."""
    client = get_client(
        settings.url,
        settings.username if settings.auth == "basic" else None,
        token,
        remaining_time,
        dialect=DATACENTER,
        bearer=settings.auth == "pat",
    )
    version = ".".join(str(part) for part in info.version_numbers) if info else None
    account: Account | None = None
    try:
        account = client.myself()
        client.project(settings.project_key)
        held = client.my_permissions(settings.project_key, REQUIRED_PERMISSIONS)
        known = {name.casefold() for name in client.project_statuses(settings.project_key)}
    except _REFUSALS as refusal:
        result = _result(
            refusal.status, account, [], [], auth=settings.auth, server_version=version
        )
        return _Check(result, refusal, None, settings)
    missing = [name for name in REQUIRED_PERMISSIONS if not held.get(name, False)]
    unknown = [name for name in settings.status_names() if name.casefold() not in known]
    result = _result(200, account, missing, unknown, auth=settings.auth, server_version=version)
    return _Check(result, None, None, settings)


def _cloud_auth(cloud_id: str | None) -> str:
    return "scoped_token" if cloud_id else "api_token"


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
    *,
    auth: str | None,
    cloud_id: str | None = None,
    server_version: str | None = None,
) -> ValidationResult:
    """The check's result; ``auth`` is how the token got in (None: it did not)."""
    return ValidationResult.model_validate(
        {
            "ok": jira_status == 200 and not missing and not unknown,
            "jira_status": jira_status,
            "account_id": None if account is None else account.account_id,
            "username": None if account is None else account.name,
            "display_name": None if account is None else account.display_name,
            "checked_at": _now(),
            "missing_permissions": missing,
            "unknown_statuses": unknown,
            "auth": None if account is None else auth,
            "cloud_id": cloud_id,
            "server_version": server_version,
        }
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
    show_webhook_url: bool = False,
) -> CredentialView:
    settings = {name: getattr(credential, name) for name in CredentialSettings.model_fields}
    settings["webhook_auth"] = credential.webhook_auth_in_force()
    return CredentialView(
        **settings,
        credential_id=credential.credential_id,
        api_token=mask_token(secret.api_token.get_secret_value()),
        webhook_secret_set=secret.webhook_secret is not None,
        webhook_url=_webhook_url(credential, secret, base_url, shown=show_webhook_url),
        validation=credential.validation,
        created_at=_iso(credential.created_at),
        updated_at=_iso(credential.updated_at),
        version=credential.version,
        webhook_secret=webhook_secret,
    )


def _webhook_url(
    credential: StoredCredential, secret: CredentialSecret, base_url: str, *, shown: bool
) -> str:
    """Where Jira sends the credential's webhooks. With a URL token the path holds it: whole
    only in the answer that set the webhook secret (it is derived from it), masked after.
    ``${issue.key}`` is Jira's URL variable, substituted per event."""
    prefix = f"{base_url}/webhooks/jira/{credential.credential_id}"
    if credential.webhook_auth_in_force() != "url_token" or secret.webhook_secret is None:
        return f"{prefix}/${{issue.key}}"
    token = url_token(secret.webhook_secret.get_secret_value(), credential.credential_id)
    return f"{prefix}/{token if shown else mask_token(token)}/${{issue.key}}"


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")

"""Jira Data Center 10+ admin webhooks: `/rest/jira-webhook/1.0/webhooks`.

Jira 10 moved admin webhooks to Atlassian's common webhooks plugin, with a new resource and
body (JRASERVER-78733; jira.js `server/api/webhooks.ts`):

    {"name": ..., "url": ..., "events": [...], "active": true, "scopeType": "global",
     "configuration": {"FILTERS": "<JQL>", "EXCLUDE_BODY": "false", "SECRET": "<secret>"}}

Settings live in `configuration`; the 9.x top-level `filters`, `excludeBody` and `secret` are
ignored (JRASERVER-78733: "the JQL ignored completely"; integrators report a top-level
`secret` is "silently ignored, and the requests then arrive unsigned"). The JQL key `FILTERS`
follows the pattern of `EXCLUDE_BODY`/`SECRET` (Atlassian does not document it). Answers are
the plugin's `Webhook` shape; the secret is never echoed back (our choice: it is write-only in
the admin UI). Errors keep Jira's `errorMessages`/`errors` form (undocumented for this plugin).
"""

from __future__ import annotations

from typing import Any

from devstack.jira_emulator import jql
from devstack.jira_emulator.core import Core
from devstack.jira_emulator.flavors import WEBHOOKS_DC10 as BASE
from devstack.jira_emulator.routes_webhooks import FILTER_KEY, _admin, _webhook_id
from devstack.jira_emulator.web import (
    JiraError,
    Request,
    Response,
    Router,
    json_response,
    no_content,
)
from devstack.jira_emulator.webhooks import Webhook

CONFIG_KEYS = frozenset({"FILTERS", "EXCLUDE_BODY", "SECRET"})


def _flag(raw: Any, name: str, default: bool) -> bool:
    if raw is None:
        return default
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in {"true", "false"}:
        return raw.strip().lower() == "true"
    raise JiraError(400, errors={name: f"'{name}' must be true or false."})


def _legacy_body(body: Any) -> dict[str, Any]:
    """The 10.x body in the hub's (9.x) terms, checked the way Jira checks it."""
    if not isinstance(body, dict):
        raise JiraError(400, ["The request body must be a JSON object."])
    config = body.get("configuration") or {}
    if not isinstance(config, dict) or not all(isinstance(v, str | bool) for v in config.values()):
        raise JiraError(400, errors={"configuration": "configuration must map names to strings."})
    query = config.get("FILTERS") or ""
    if not isinstance(query, str):
        raise JiraError(400, errors={"configuration": "FILTERS must be a JQL string."})
    if query.strip():
        try:
            jql.parse(query)
        except jql.JqlError as exc:
            raise JiraError(400, errors={"configuration": str(exc)}) from None
    scope = body.get("scopeType", "global")
    if scope not in (None, "global"):
        raise JiraError(400, errors={"scopeType": "Only global webhooks are supported."})
    secret = config.get("SECRET")
    return {
        "name": body.get("name"),
        "url": body.get("url"),
        "events": body.get("events"),
        "filters": {FILTER_KEY: query},
        "excludeBody": _flag(config.get("EXCLUDE_BODY"), "EXCLUDE_BODY", False),
        "enabled": _flag(body.get("active"), "active", True),
        "secret": secret if isinstance(secret, str) and secret else None,
    }


def view(hook: Webhook) -> dict[str, Any]:
    config: dict[str, str] = {"EXCLUDE_BODY": "true" if hook.exclude_body else "false"}
    if hook.jql:
        config["FILTERS"] = hook.jql
    return {
        "id": hook.id,
        "name": hook.name,
        "createdDate": hook.last_updated_ms,
        "updatedDate": hook.last_updated_ms,
        "events": list(hook.events),
        "configuration": config,
        "url": hook.url,
        "active": hook.enabled,
        "scopeType": "global",
        "sslVerificationRequired": True,
    }


def register(router: Router, core: Core) -> None:
    hub = core.hub

    def found(req: Request) -> Webhook:
        hook = hub.hook(_webhook_id(req))
        if hook is None:
            raise JiraError(404, [f"Webhook with id '{req.params['id']}' does not exist."])
        return hook

    def create(req: Request) -> Response:
        _admin(req)
        user = req.acting_user
        created = hub.create(
            _legacy_body(req.json()),
            user={"accountId": user.account_id, "displayName": user.display_name},
        )
        if not isinstance(created, Webhook):
            return json_response(*created)
        return json_response(201, view(created))

    def list_all(req: Request) -> Response:
        _admin(req)
        return json_response(200, [view(h) for h in hub.hooks()])

    def get_one(req: Request) -> Response:
        _admin(req)
        return json_response(200, view(found(req)))

    def delete(req: Request) -> Response:
        _admin(req)
        hub.delete(found(req).id)
        return no_content()

    router.add("POST", BASE, create)
    router.add("GET", BASE, list_all)
    router.add("GET", f"{BASE}/{{id}}", get_one)
    router.add("DELETE", f"{BASE}/{{id}}", delete)

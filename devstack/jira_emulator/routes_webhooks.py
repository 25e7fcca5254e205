"""Admin webhooks REST API (`/rest/webhooks/1.0/webhook`: Cloud and Data Center up to 9);
storage and validation are the hub's. Data Center 10's resource is routes_webhooks_dc10.py."""

from __future__ import annotations

from devstack.jira_emulator import catalog, datacenter, jql
from devstack.jira_emulator.core import Core
from devstack.jira_emulator.web import (
    JiraError,
    Request,
    Response,
    Router,
    json_response,
    no_content,
)

BASE = "/rest/webhooks/1.0/webhook"
FILTER_KEY = "issue-related-events-section"
NOT_ADMIN = "You are not authorized to perform this action. Administrator privileges are required."


def _admin(req: Request) -> None:
    if not catalog.has_permission(req.acting_user, "ADMINISTER"):
        raise JiraError(403, [NOT_ADMIN])


def _check_filter(body: object) -> None:
    """Jira refuses a webhook whose JQL filter does not parse; the hub validates the rest."""
    filters = body.get("filters") if isinstance(body, dict) else None
    query = filters.get(FILTER_KEY) if isinstance(filters, dict) else None
    if isinstance(query, str) and query.strip():
        try:
            jql.parse(query)
        except jql.JqlError as exc:
            raise JiraError(400, errors={"filters": str(exc)}) from None


def _webhook_id(req: Request) -> int:
    try:
        return int(req.params["id"])
    except ValueError:
        raise JiraError(404, [f"Webhook with id '{req.params['id']}' does not exist."]) from None


def register(router: Router, core: Core) -> None:
    hub = core.hub

    def create(req: Request) -> Response:
        _admin(req)
        body = req.json()
        _check_filter(body)
        user = req.acting_user
        # Data Center names the last editor by user key; Jira 9's body has no `secret` (its
        # webhooks are never signed), so one sent anyway is dropped like any unknown property.
        updated_by = user.account_id
        if core.flavor.datacenter:
            updated_by = datacenter.identity(user).key
        if isinstance(body, dict) and not core.flavor.signs_webhooks:
            body = {k: v for k, v in body.items() if k != "secret"}
        status, view = hub.register(
            body,
            base_url=req.site_url,
            user={"accountId": updated_by, "displayName": user.display_name},
        )
        return json_response(status, view)

    def list_all(req: Request) -> Response:
        _admin(req)
        return json_response(200, hub.list(base_url=req.site_url))

    def get_one(req: Request) -> Response:
        _admin(req)
        found = hub.get(_webhook_id(req), base_url=req.site_url)
        if found is None:
            raise JiraError(404, [f"Webhook with id '{req.params['id']}' does not exist."])
        return json_response(200, found)

    def delete(req: Request) -> Response:
        _admin(req)
        if not hub.delete(_webhook_id(req)):
            raise JiraError(404, [f"Webhook with id '{req.params['id']}' does not exist."])
        return no_content()

    router.add("POST", BASE, create)
    router.add("GET", BASE, list_all)
    router.add("GET", f"{BASE}/{{id}}", get_one)
    router.add("DELETE", f"{BASE}/{{id}}", delete)

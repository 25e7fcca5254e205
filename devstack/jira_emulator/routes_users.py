"""User search (`GET /user/search`), which clients such as pycontribs' `assign_issue` use to
turn an email address into the account id Jira Cloud assigns by."""

from __future__ import annotations

from devstack.jira_emulator import apis, catalog, seed, views
from devstack.jira_emulator.apis import ApiVersion
from devstack.jira_emulator.core import Core
from devstack.jira_emulator.web import JiraError, Request, Response, Router, json_response

# Jira filters, then pages "up to the thousandth user".
MAX_USERS = 1000
MISSING = "One of the 'accountId', 'query' or 'property' parameters must be provided."
BOTH = "The 'query' and 'accountId' parameters cannot be used together."
BAD_PROPERTY = "The 'property' parameter must be of the form 'key.path=value'."


def _number(req: Request, name: str, default: int) -> int:
    raw = req.arg(name)
    try:
        value = default if raw is None else int(raw)
    except ValueError:
        raise JiraError(400, [f"The '{name}' parameter must be an integer."]) from None
    if value < 0:
        raise JiraError(400, [f"The '{name}' parameter must not be negative."])
    return value


def matches_query(user: seed.User, query: str) -> bool:
    """Prefix match on the display name (or any word of it) and the email address."""
    wanted = query.casefold()
    names = [user.display_name.casefold(), *user.display_name.casefold().split()]
    return any(n.startswith(wanted) for n in names) or user.email.casefold().startswith(wanted)


def register(router: Router, core: Core, versions: tuple[ApiVersion, ...]) -> None:
    def search(req: Request) -> Response:
        query, account_id, prop = req.arg("query"), req.arg("accountId"), req.arg("property")
        if query is None and account_id is None and prop is None:
            raise JiraError(400, [MISSING])
        if query is not None and account_id is not None:
            raise JiraError(400, [BOTH])
        if prop is not None:
            path, equals, _ = prop.partition("=")
            if not equals or not path.strip(". "):
                raise JiraError(400, [BAD_PROPERTY])
        start = _number(req, "startAt", 0)
        size = _number(req, "maxResults", 50)
        if not catalog.has_permission(req.acting_user, "USER_PICKER"):
            return json_response(200, [])  # Jira: empty results without the permission
        found = [
            u
            for u in seed.USERS
            if (account_id is None or u.account_id == account_id)
            and (query is None or matches_query(u, query))
            # Seeded users carry no user properties, so a property filter matches nobody.
            and prop is None
        ][:MAX_USERS]
        page = found[start : start + size]
        return json_response(200, [views.user(u, req.base_url, req.api.render) for u in page])

    apis.add(router, versions, "GET", "/user/search", search)

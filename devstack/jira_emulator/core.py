"""What every route shares: the state, the webhook hub, permission checks and event emission."""

from __future__ import annotations

from devstack.jira_emulator import catalog, datacenter, flavors, jql, payloads, seed
from devstack.jira_emulator.flavors import Flavor
from devstack.jira_emulator.state import Comment, History, Issue, State
from devstack.jira_emulator.web import JiraError, Request
from devstack.jira_emulator.webhooks import WebhookHub

ISSUE_NOT_FOUND = "Issue does not exist or you do not have permission to see it."
# The `issue_event_type_name` of the `jira:issue_updated` Jira sends with each comment event.
COMMENT_ISSUE_EVENT_TYPES = {
    "comment_created": "issue_commented",
    "comment_updated": "issue_comment_edited",
    "comment_deleted": "issue_comment_deleted",
}


class Core:
    def __init__(self, hub: WebhookHub, flavor: Flavor = flavors.CLOUD) -> None:
        self.state = State()
        self.hub = hub
        self.flavor = flavor

    # -- lookups and permissions ----------------------------------------------------------

    def issue(self, req: Request, id_or_key: str) -> Issue:
        """The issue the caller may browse; 404 with Jira's wording otherwise."""
        found = self.state.find(id_or_key)
        if found is None or not catalog.has_permission(req.acting_user, "BROWSE_PROJECTS"):
            raise JiraError(404, [ISSUE_NOT_FOUND])
        return found

    @staticmethod
    def can(req: Request, permission: str) -> bool:
        return catalog.has_permission(req.acting_user, permission)

    def require(self, req: Request, permission: str, status: int, message: str) -> None:
        if not self.can(req, permission):
            raise JiraError(status, [message])

    # -- webhook emission -----------------------------------------------------------------

    def emit_issue(
        self,
        event: str,
        type_name: str,
        issue: Issue,
        user: seed.User,
        site: str,
        history: History | None = None,
    ) -> None:
        """Hand a `jira:issue_*` event to the hub; the filter sees the issue as it is now."""
        snapshot = issue.snapshot()
        payload = payloads.issue_event(event, type_name, snapshot, user, site, history)
        self._emit(event, payload, snapshot)

    def emit_comment(
        self, event: str, comment: Comment, issue: Issue, user: seed.User, site: str
    ) -> None:
        """A comment change reaches webhooks twice, as in Jira: as `jira:issue_updated` (for
        webhooks that only follow issues) and as the `comment_*` event itself."""
        snapshot = issue.snapshot()
        type_name = COMMENT_ISSUE_EVENT_TYPES[event]
        self._emit(
            "jira:issue_updated",
            payloads.issue_comment_event(type_name, comment, snapshot, user, site),
            snapshot,
        )
        self._emit(event, payloads.comment_event(event, comment, snapshot, site), snapshot)

    def _emit(self, event: str, payload: dict[str, object], snapshot: Issue) -> None:
        doc = search_document(snapshot)

        def matches(query: str) -> bool:
            return jql.matches(query, doc)

        self.hub.emit(
            event,
            payload,
            issue_key=snapshot.key,
            issue_id=snapshot.id,
            project_key=snapshot.project.key,
            matches=matches,
        )


def search_document(issue: Issue) -> jql.Document:
    """What JQL sees of an issue (names and ids; lower-casing happens in the evaluator)."""
    f = issue.fields
    status = catalog.STATUSES_BY_ID[issue.status]
    category = catalog.CATEGORIES_BY_KEY[status.category]
    issue_type = catalog.ISSUE_TYPES_BY_ID[issue.issue_type]
    values: dict[str, list[str]] = {
        "key": [issue.key],
        "id": [issue.id],
        "project": [issue.project.key, issue.project.id, issue.project.name],
        "labels": list(f.get("labels", [])),
        "status": [status.name, status.id],
        "statuscategory": [category.key, category.name, str(category.id)],
        "issuetype": [issue_type.name, issue_type.id],
        "priority": []
        if f.get("priority") is None
        else [catalog.PRIORITIES_BY_ID[f["priority"]].name, f["priority"]],
        "resolution": []
        if issue.resolution is None
        else [catalog.RESOLUTIONS_BY_ID[issue.resolution].name, issue.resolution],
        "components": [
            v for c in f.get("components", []) for v in (c, catalog.COMPONENTS_BY_ID[c][1].name)
        ],
        "duedate": [] if f.get("duedate") is None else [f["duedate"]],
        "summary": [f["summary"]],
    }
    for role, account_id in (("assignee", f.get("assignee")), ("reporter", issue.reporter)):
        if account_id is None:
            values[role] = []
        else:
            user = catalog.USERS_BY_ID[account_id]
            values[role] = [account_id, user.email, user.display_name]
            if flavors.current().datacenter:  # DC's JQL names users by username (or key)
                ident = datacenter.BY_ACCOUNT_ID[account_id]
                values[role] += [ident.name, ident.key]
    return jql.Document(values, {"created": issue.created, "updated": issue.updated})

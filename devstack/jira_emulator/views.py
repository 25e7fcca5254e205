"""JSON renderings of seed objects and issues, shaped like Jira Cloud's (spec schemas noted).

`base` is the URL prefix self links start with; `api` is "3" (REST v3, ADF) or "2" (REST v2
and the shapes webhooks carry: description and comment bodies as wiki markup, see wiki.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from devstack.jira_emulator import catalog, datacenter, flavors, seed, wiki
from devstack.jira_emulator.state import (
    Attachment,
    Comment,
    History,
    Issue,
    RemoteLink,
    jira_time,
)

ISSUE_EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"


def avatar_urls(kind: str, ident: str) -> dict[str, str]:
    base = "https://avatar-management.services.atlassian.com/emulator"
    return {f"{n}x{n}": f"{base}/{kind}/{ident}?size={n}" for n in (16, 24, 32, 48)}


def user(u: seed.User, base: str, api: str = "3") -> dict[str, Any]:
    """`UserDetails` (spec), as embedded in issues, comments and webhooks (Data Center's
    `name`/`key` shape on a Data Center site)."""
    if flavors.current().datacenter:
        return datacenter.user_view(u, base, api)
    return {
        "self": f"{base}/rest/api/{api}/user?accountId={u.account_id}",
        "accountId": u.account_id,
        "emailAddress": u.email,
        "avatarUrls": avatar_urls("user", u.account_id),
        "displayName": u.display_name,
        "active": True,
        "timeZone": u.time_zone,
        "accountType": u.account_type,
    }


def user_by_id(account_id: str | None, base: str, api: str = "3") -> dict[str, Any] | None:
    if account_id is None:
        return None
    return user(catalog.USERS_BY_ID[account_id], base, api)


def myself(u: seed.User, base: str, api: str = "3") -> dict[str, Any]:
    """`User` (spec) for GET /myself."""
    return {
        **user(u, base, api),
        "locale": "en_US",
        "groups": {"size": 1, "items": []},
        "applicationRoles": {"size": 1, "items": []},
        "expand": "groups,applicationRoles",
    }


def status_category(category: seed.StatusCategory, base: str, api: str = "3") -> dict[str, Any]:
    return {
        "self": f"{base}/rest/api/{api}/statuscategory/{category.id}",
        "id": category.id,
        "key": category.key,
        "colorName": category.color,
        "name": category.name,
    }


def status(s: seed.Status, base: str, api: str = "3") -> dict[str, Any]:
    """`StatusDetails` (spec)."""
    return {
        "self": f"{base}/rest/api/{api}/status/{s.id}",
        "description": s.description,
        "iconUrl": f"{base}/images/icons/statuses/generic.png",
        "name": s.name,
        "id": s.id,
        "statusCategory": status_category(catalog.CATEGORIES_BY_KEY[s.category], base, api),
    }


def resolution(r: seed.Resolution, base: str, api: str = "3") -> dict[str, Any]:
    """`Resolution` (spec)."""
    return {
        "self": f"{base}/rest/api/{api}/resolution/{r.id}",
        "id": r.id,
        "description": r.description,
        "name": r.name,
    }


def priority(p: seed.Priority, base: str, api: str = "3", *, full: bool = False) -> dict[str, Any]:
    """`Priority` (spec); issues embed the short form, GET /priority the full one."""
    view: dict[str, Any] = {
        "self": f"{base}/rest/api/{api}/priority/{p.id}",
        "iconUrl": f"{base}/images/icons/priorities/{p.name.lower()}.svg",
        "name": p.name,
        "id": p.id,
    }
    if full:
        view |= {"statusColor": p.color, "description": p.description, "isDefault": p.default}
    return view


def issue_type(t: seed.IssueType, base: str, api: str = "3") -> dict[str, Any]:
    """`IssueTypeDetails` (spec)."""
    return {
        "self": f"{base}/rest/api/{api}/issuetype/{t.id}",
        "id": t.id,
        "description": t.description,
        "iconUrl": f"{base}/images/icons/issuetypes/{t.icon}.svg",
        "name": t.name,
        "subtask": False,
        "avatarId": 10300 + int(t.id) % 100,
        "hierarchyLevel": 0,
    }


def component(
    c: seed.Component, project: seed.Project, base: str, api: str = "3", *, full: bool = False
) -> dict[str, Any]:
    """`ProjectComponent` (spec); issues embed the short form."""
    view: dict[str, Any] = {
        "self": f"{base}/rest/api/{api}/component/{c.id}",
        "id": c.id,
        "name": c.name,
    }
    if full:
        view |= {
            "description": c.description,
            "assigneeType": "PROJECT_DEFAULT",
            "realAssigneeType": "PROJECT_DEFAULT",
            "isAssigneeTypeValid": False,
            "project": project.key,
            "projectId": int(project.id),
        }
    return view


def project_ref(p: seed.Project, base: str, api: str = "3") -> dict[str, Any]:
    """`ProjectDetails` (spec), as embedded in issues."""
    return {
        "self": f"{base}/rest/api/{api}/project/{p.id}",
        "id": p.id,
        "key": p.key,
        "name": p.name,
        "projectTypeKey": "software",
        "simplified": False,
        "avatarUrls": avatar_urls("project", p.id),
    }


def project(
    p: seed.Project,
    base: str,
    api: str = "3",
    *,
    detailed: bool = True,
    expand: Iterable[str] = (),
) -> dict[str, Any]:
    """`Project` (spec) for GET /project/{key} (detailed), /project/search and /project
    (summary, plus what `expand` names: description, lead, issueTypes, projectKeys)."""
    view: dict[str, Any] = {
        "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
        "self": f"{base}/rest/api/{api}/project/{p.id}",
        "id": p.id,
        "key": p.key,
        "name": p.name,
        "avatarUrls": avatar_urls("project", p.id),
        "projectTypeKey": "software",
        "simplified": False,
        "style": "classic",
        "isPrivate": False,
        "properties": {},
    }
    wanted = {"description", "lead", "issueTypes", "projectKeys"} if detailed else set(expand)
    lead = next(u for u in seed.USERS if u.email == p.lead_email)
    if "description" in wanted:
        view["description"] = p.description
    if "lead" in wanted:
        view["lead"] = user(lead, base, api)
    if "issueTypes" in wanted:
        view["issueTypes"] = [
            issue_type(catalog.ISSUE_TYPES_BY_ID[t], base, api) for t in p.issue_types
        ]
    if "projectKeys" in wanted and not detailed:
        view["projectKeys"] = [p.key]
    if detailed:
        view |= {
            "components": [component(c, p, base, api, full=True) for c in p.components],
            "assigneeType": "UNASSIGNED",
            "versions": [],
            "roles": {},
        }
    return view


def custom_field_value(f: seed.CustomField, value: Any, base: str, api: str = "3") -> Any:
    if value is None or f.kind != "option":
        return value
    option = next(o for o in f.options if o.id == value)
    return {
        "self": f"{base}/rest/api/{api}/customFieldOption/{option.id}",
        "value": option.value,
        "id": option.id,
    }


def comment(
    c: Comment, issue: Issue, base: str, api: str = "3", *, properties: bool = False
) -> dict[str, Any]:
    """`Comment` (spec); the v2 body is wiki markup; ``properties`` as `expand=properties`."""
    view: dict[str, Any] = {
        "self": f"{base}/rest/api/{api}/issue/{issue.id}/comment/{c.id}",
        "id": c.id,
        "author": user_by_id(c.author, base, api),
        "body": c.body if api == "3" else wiki.from_adf(c.body),
        "updateAuthor": user_by_id(c.update_author, base, api),
        "created": jira_time(c.created),
        "updated": jira_time(c.updated),
        "jsdPublic": True,
    }
    if properties:
        view["properties"] = [{"key": k, "value": v} for k, v in c.properties.items()]
    return view


def attachment(a: Attachment, base: str, api: str = "3") -> dict[str, Any]:
    """`Attachment` (spec)."""
    return {
        "self": f"{base}/rest/api/{api}/attachments/{a.id}",
        "id": a.id,
        "filename": a.filename,
        "author": user_by_id(a.author, base, api),
        "created": jira_time(a.created),
        "size": len(a.content),
        "mimeType": a.mime_type,
        "content": f"{base}/rest/api/{api}/attachment/content/{a.id}",
    }


def attachment_metadata(a: Attachment, base: str, api: str = "3") -> dict[str, Any]:
    """`AttachmentMetadata` (spec) for GET /attachment/{id}: unlike `Attachment`, its id is an
    integer (`format: int64`)."""
    return {**attachment(a, base, api), "id": int(a.id)}


def remote_link_self(link: RemoteLink, issue: Issue, base: str, api: str = "3") -> str:
    return f"{base}/rest/api/{api}/issue/{issue.key}/remotelink/{link.id}"


def remote_link(link: RemoteLink, issue: Issue, base: str, api: str = "3") -> dict[str, Any]:
    """`RemoteIssueLink` (spec): the id as an integer, fields never given left out."""
    return {
        "id": int(link.id),
        "self": remote_link_self(link, issue, base, api),
        **link.link,
    }


def history(h: History, base: str, api: str = "3") -> dict[str, Any]:
    """`Changelog` (spec)."""
    return {
        "id": h.id,
        "author": user_by_id(h.author, base, api),
        "created": jira_time(h.created),
        # The spec types ChangeDetails' values as strings, so empty ones are left out here
        # (webhook changelogs keep Jira's explicit nulls).
        "items": [{k: v for k, v in item.view().items() if v is not None} for item in h.items],
    }


def issue_fields(issue: Issue, base: str, api: str = "3") -> dict[str, Any]:
    """Every field of an issue as GET /issue returns it (api="2": as v2 and webhooks do)."""
    f = issue.fields
    description = f.get("description")
    fields: dict[str, Any] = {
        "summary": f["summary"],
        "description": description
        if api == "3" or description is None
        else wiki.from_adf(description),
        "issuetype": issue_type(catalog.ISSUE_TYPES_BY_ID[issue.issue_type], base, api),
        "project": project_ref(issue.project, base, api),
        "status": status(catalog.STATUSES_BY_ID[issue.status], base, api),
        "statuscategorychangedate": jira_time(issue.category_changed or issue.created),
        "resolution": None
        if issue.resolution is None
        else resolution(catalog.RESOLUTIONS_BY_ID[issue.resolution], base, api),
        "resolutiondate": None
        if issue.resolution_date is None
        else jira_time(issue.resolution_date),
        "priority": None
        if f.get("priority") is None
        else priority(catalog.PRIORITIES_BY_ID[f["priority"]], base, api),
        "duedate": f.get("duedate"),
        "labels": list(f.get("labels", [])),
        "components": [
            component(catalog.COMPONENTS_BY_ID[c][1], issue.project, base, api)
            for c in f.get("components", [])
        ],
        "reporter": user_by_id(issue.reporter, base, api),
        "creator": user_by_id(issue.creator, base, api),
        "assignee": user_by_id(f.get("assignee"), base, api),
        "created": jira_time(issue.created),
        "updated": jira_time(issue.updated),
        "attachment": [attachment(a, base, api) for a in issue.attachments],
        "comment": {
            "comments": [comment(c, issue, base, api) for c in issue.comments],
            "self": f"{base}/rest/api/{api}/issue/{issue.id}/comment",
            "maxResults": len(issue.comments),
            "total": len(issue.comments),
            "startAt": 0,
        },
    }
    for custom_id in issue.project.custom_fields:
        definition = catalog.CUSTOM_FIELDS_BY_ID[custom_id]
        fields[custom_id] = custom_field_value(definition, f.get(custom_id), base, api)
    return fields


def select_fields(all_fields: dict[str, Any], wanted: Iterable[str] | None) -> dict[str, Any]:
    """Apply Jira's `fields` parameter: names, `*all`, `*navigable`, `-name` exclusions."""
    if wanted is None:
        return all_fields
    names = [w.strip() for w in wanted if w.strip()]
    include: set[str] = set()
    everything = False
    for name in names:
        if name in {"*all", "*navigable"}:
            everything = True
        elif not name.startswith("-"):
            include.add(name)
    chosen = (
        dict(all_fields) if everything else {k: v for k, v in all_fields.items() if k in include}
    )
    for name in names:
        if name.startswith("-"):
            chosen.pop(name[1:], None)
    return chosen


def issue_bean(
    issue: Issue,
    base: str,
    *,
    fields: Iterable[str] | None = None,
    properties: Iterable[str] | None = None,
    expand: Iterable[str] = (),
    api: str = "3",
) -> dict[str, Any]:
    """`IssueBean` (spec) for GET /issue and search results; with api="2", the REST v2 rendering
    (also what webhook payloads carry and link to)."""
    bean: dict[str, Any] = {
        "expand": ISSUE_EXPAND,
        "id": issue.id,
        "self": f"{base}/rest/api/{api}/issue/{issue.id}",
        "key": issue.key,
        "fields": select_fields(issue_fields(issue, base, api), fields),
    }
    if properties is not None:
        keys = [k.strip() for k in properties if k.strip()]
        every = "*all" in keys
        bean["properties"] = {k: v for k, v in issue.properties.items() if every or k in keys}
    if "changelog" in expand:
        bean["changelog"] = {
            "startAt": 0,
            "maxResults": len(issue.histories),
            "total": len(issue.histories),
            "histories": [history(h, base, api) for h in issue.histories],
        }
    return bean

"""Comments (ADF bodies in v3, wiki-markup strings in v2, validated like descriptions) and
attachments (multipart, XSRF-checked)."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.message import Message
from email.policy import HTTP
from typing import Any

from devstack.jira_emulator import apis, fields, views
from devstack.jira_emulator.apis import ApiVersion
from devstack.jira_emulator.core import Core
from devstack.jira_emulator.state import Comment, Issue, now
from devstack.jira_emulator.web import (
    JiraError,
    Request,
    Response,
    Router,
    json_response,
    no_content,
)

XSRF_FAILED = b"XSRF check failed"
# The spec's `orderBy` enum for GET /issue/{key}/comment; anything else is a 400.
COMMENT_ORDERS = {"created": False, "+created": False, "-created": True}


def _comment_properties(req: Request) -> dict[str, Any]:
    body = req.json()
    raw = body.get("properties") if isinstance(body, dict) else None
    properties, problem = fields.parse_properties(raw)
    if problem:
        raise JiraError(400, [problem.replace("Issue properties", "Comment properties")])
    return properties


def _expands_properties(req: Request) -> bool:
    return "properties" in {part.strip() for part in (req.arg("expand") or "").split(",")}


def _comment_body(req: Request) -> dict[str, Any]:
    """The body to store, as ADF: v3 sends ADF, v2 a wiki-markup string."""
    body = req.json()
    content = body.get("body") if isinstance(body, dict) else None
    wiki_blank = not req.api.adf and isinstance(content, str) and not content.strip()
    if content is None or content == "" or wiki_blank:
        raise JiraError(400, errors={"comment": "Comment body can not be empty!"})
    try:
        return fields.rich_text(content, wiki_markup=not req.api.adf)
    except fields.FieldProblem as problem:
        raise JiraError(400, errors={"comment": str(problem)}) from None


def _find_comment(issue: Issue, comment_id: str) -> Comment:
    found = next((c for c in issue.comments if c.id == comment_id), None)
    if found is None:
        raise JiraError(404, [f"Can not find a comment for the id: {comment_id}."])
    return found


def _file_parts(req: Request) -> list[tuple[str, str, bytes]]:
    """(filename, mime type, bytes) of every multipart part named `file`."""
    content_type = req.header("Content-Type") or ""
    if not content_type.lower().startswith("multipart/form-data"):
        raise JiraError(415, ["The request must be multipart/form-data with a part named 'file'."])
    envelope = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + req.body
    parsed: Message = message_from_bytes(envelope, policy=HTTP)
    files = []
    for part in parsed.iter_parts() if parsed.is_multipart() else []:  # type: ignore[attr-defined]
        if part.get_param("name", header="content-disposition") != "file":
            continue
        filename = part.get_filename() or "file"
        payload = part.get_payload(decode=True) or b""
        files.append((filename, part.get_content_type(), payload))
    return files


def register(router: Router, core: Core, versions: tuple[ApiVersion, ...]) -> None:
    state = core.state

    def list_comments(req: Request) -> Response:
        order = req.arg("orderBy")
        newest_first = COMMENT_ORDERS.get(order or "created")
        if newest_first is None:
            raise JiraError(400, [f"Comments can only be ordered by created, not by '{order}'."])
        with state.lock:
            issue = core.issue(req, req.params["issue"])
            start = int(req.arg("startAt") or 0)
            size = int(req.arg("maxResults") or 5000)
            ordered = sorted(issue.comments, key=lambda c: c.created)  # stable: ties keep order
            if newest_first:
                ordered.reverse()
            page = ordered[start : start + size]
            return json_response(
                200,
                {
                    "startAt": start,
                    "maxResults": size,
                    "total": len(issue.comments),
                    "comments": [
                        views.comment(
                            c,
                            issue,
                            req.base_url,
                            req.api.render,
                            properties=_expands_properties(req),
                        )
                        for c in page
                    ],
                },
            )

    def add_comment(req: Request) -> Response:
        content = _comment_body(req)
        properties = _comment_properties(req)
        with state.lock:
            issue = core.issue(req, req.params["issue"])
            core.require(
                req, "ADD_COMMENTS", 400, "You do not have the permission to comment on this issue."
            )
            comment = state.new_comment(issue, req.acting_user.account_id, content, properties)
            core.emit_comment("comment_created", comment, issue, req.acting_user, req.site_url)
            return json_response(201, views.comment(comment, issue, req.base_url, req.api.render))

    def get_comment(req: Request) -> Response:
        with state.lock:
            issue = core.issue(req, req.params["issue"])
            comment = _find_comment(issue, req.params["id"])
            return json_response(
                200,
                views.comment(
                    comment,
                    issue,
                    req.base_url,
                    req.api.render,
                    properties=_expands_properties(req),
                ),
            )

    def comment_property(req: Request) -> Response:
        with state.lock:
            for issue in state.issues.values():
                found = next((c for c in issue.comments if c.id == req.params["id"]), None)
                if found is not None:
                    core.issue(req, issue.key)  # browse permission, as Jira checks
                    key = req.params["key"]
                    if key not in found.properties:
                        raise JiraError(404, [f"The property with key '{key}' does not exist."])
                    return json_response(200, {"key": key, "value": found.properties[key]})
            raise JiraError(404, [f"Can not find a comment for the id: {req.params['id']}."])

    def _may(req: Request, comment: Comment, own: str, every: str) -> bool:
        mine = comment.author == req.acting_user.account_id
        return core.can(req, every) or (mine and core.can(req, own))

    def edit_comment(req: Request) -> Response:
        content = _comment_body(req)
        with state.lock:
            issue = core.issue(req, req.params["issue"])
            comment = _find_comment(issue, req.params["id"])
            if not _may(req, comment, "EDIT_OWN_COMMENTS", "EDIT_ALL_COMMENTS"):
                raise JiraError(400, ["You do not have the permission to edit this comment."])
            comment.body = content
            comment.update_author = req.acting_user.account_id
            comment.updated = now()
            core.emit_comment("comment_updated", comment, issue, req.acting_user, req.site_url)
            return json_response(200, views.comment(comment, issue, req.base_url, req.api.render))

    def delete_comment(req: Request) -> Response:
        with state.lock:
            issue = core.issue(req, req.params["issue"])
            comment = _find_comment(issue, req.params["id"])
            if not _may(req, comment, "DELETE_OWN_COMMENTS", "DELETE_ALL_COMMENTS"):
                raise JiraError(400, ["You do not have the permission to delete this comment."])
            issue.comments.remove(comment)
            core.emit_comment("comment_deleted", comment, issue, req.acting_user, req.site_url)
            return no_content()

    def add_attachments(req: Request) -> Response:
        token = (req.header("X-Atlassian-Token") or "").strip().lower()
        if token not in {"no-check", "nocheck"}:
            return Response(403, XSRF_FAILED, "text/plain;charset=UTF-8")
        with state.lock:
            issue = core.issue(req, req.params["issue"])
            core.require(
                req,
                "CREATE_ATTACHMENTS",
                403,
                "You do not have permission to create attachments for this issue.",
            )
        files = _file_parts(req)
        if not files:
            raise JiraError(
                400, ["No attachment was found in the request: send a part named 'file'."]
            )
        with state.lock:
            issue = core.issue(req, req.params["issue"])
            created = [
                state.new_attachment(issue, req.acting_user.account_id, name, mime, data)
                for name, mime, data in files
            ]
            return json_response(
                200, [views.attachment(a, req.base_url, req.api.render) for a in created]
            )

    def attachment_meta(req: Request) -> Response:
        with state.lock:
            found = state.find_attachment(req.params["id"])
            if found is None:
                raise JiraError(
                    404, [f"The attachment with id '{req.params['id']}' does not exist."]
                )
            return json_response(
                200, views.attachment_metadata(found[1], req.base_url, req.api.render)
            )

    def attachment_content(req: Request) -> Response:
        with state.lock:
            found = state.find_attachment(req.params["id"])
            if found is None:
                raise JiraError(
                    404, [f"The attachment with id '{req.params['id']}' does not exist."]
                )
            attachment = found[1]
            safe_name = re.sub(r"[^\w.\- ]", "_", attachment.filename)
            return Response(
                200,
                attachment.content,
                attachment.mime_type,
                {"Content-Disposition": f'attachment; filename="{safe_name}"'},
            )

    for method, suffix, handler in (
        ("GET", "/issue/{issue}/comment", list_comments),
        ("POST", "/issue/{issue}/comment", add_comment),
        ("GET", "/issue/{issue}/comment/{id}", get_comment),
        ("PUT", "/issue/{issue}/comment/{id}", edit_comment),
        ("DELETE", "/issue/{issue}/comment/{id}", delete_comment),
        ("GET", "/comment/{id}/properties/{key}", comment_property),
        ("POST", "/issue/{issue}/attachments", add_attachments),
        ("GET", "/attachment/{id}", attachment_meta),
        ("GET", "/attachment/content/{id}", attachment_content),
    ):
        apis.add(router, versions, method, suffix, handler)

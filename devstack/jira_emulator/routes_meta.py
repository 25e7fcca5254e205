"""Read-only site metadata: myself, serverInfo, projects, statuses, priorities, fields, createmeta,
mypermissions; the same in every API version."""

from __future__ import annotations

from typing import Any

from devstack.jira_emulator import apis, catalog, screens, seed, views
from devstack.jira_emulator.apis import ApiVersion
from devstack.jira_emulator.core import Core
from devstack.jira_emulator.flavors import Flavor
from devstack.jira_emulator.state import jira_time, now
from devstack.jira_emulator.web import JiraError, Request, Response, Router, json_response

MAX_PAGE = 200
PROJECT_EXPANDS = frozenset({"description", "lead", "issueTypes", "projectKeys"})


def _project(req: Request, id_or_key: str) -> seed.Project:
    found = catalog.project(id_or_key)
    if found is None or not catalog.has_permission(req.acting_user, "BROWSE_PROJECTS"):
        raise JiraError(404, [f"No project could be found with key '{id_or_key}'."])
    return found


def _page(req: Request) -> tuple[int, int]:
    try:
        start = int(req.arg("startAt") or 0)
        size = int(req.arg("maxResults") or 50)
    except ValueError:
        raise JiraError(
            400, ["The 'startAt' and 'maxResults' parameters must be integers."]
        ) from None
    if size > MAX_PAGE:
        raise JiraError(400, [f"Parameter 'maxResults' must not exceed the limit '{MAX_PAGE}'"])
    if start < 0 or size < 0:
        raise JiraError(400, ["The 'startAt' and 'maxResults' parameters must not be negative."])
    return start, size


def _browsable(req: Request) -> list[seed.Project]:
    if not catalog.has_permission(req.acting_user, "BROWSE_PROJECTS"):
        return []
    return list(seed.PROJECTS)


def register(router: Router, core: Core, versions: tuple[ApiVersion, ...]) -> None:
    def myself(req: Request) -> Response:
        return json_response(200, views.myself(req.acting_user, req.base_url, req.api.render))

    flavor = core.flavor

    def server_info(req: Request) -> Response:
        major, minor, patch = flavor.numbers
        return json_response(
            200,
            {
                "baseUrl": req.site_url,
                "displayUrl": req.site_url,
                "version": flavor.version,
                "versionNumbers": list(flavor.numbers),
                "deploymentType": flavor.deployment_type,
                "buildNumber": int(f"{major}{minor:02d}{patch:03d}")
                if flavor.datacenter
                else 100300,
                "buildDate": "2025-12-01T00:00:00.000+0000",
                "serverTime": jira_time(now()),
                "scmInfo": "emulator",
                "serverTitle": seed.SERVER_TITLE,
                "serverTimeZone": "Etc/UTC",
            },
        )

    def project(req: Request) -> Response:
        found = _project(req, req.params["key"])
        return json_response(200, views.project(found, req.base_url, req.api.render))

    def projects(req: Request) -> Response:
        """GET /project: every project the caller may browse (deprecated in favour of
        /project/search, still served)."""
        expand = {e.strip() for v in req.query.get("expand", []) for e in v.split(",")}
        return json_response(
            200,
            [
                views.project(
                    p,
                    req.base_url,
                    req.api.render,
                    detailed=False,
                    expand=expand & PROJECT_EXPANDS,
                )
                for p in _browsable(req)
            ],
        )

    def project_search(req: Request) -> Response:
        start, size = _page(req)
        keys = {k.upper() for v in req.query.get("keys", []) for k in v.split(",") if k}
        text = (req.arg("query") or "").casefold()
        visible = [
            p
            for p in _browsable(req)
            if (not keys or p.key in keys)
            and (not text or text in p.key.casefold() or text in p.name.casefold())
        ]
        page = visible[start : start + size]
        return json_response(
            200,
            {
                "self": f"{req.base_url}{req.api.prefix}/project/search"
                f"?startAt={start}&maxResults={size}",
                "maxResults": size,
                "startAt": start,
                "total": len(visible),
                "isLast": start + size >= len(visible),
                "values": [
                    views.project(p, req.base_url, req.api.render, detailed=False) for p in page
                ],
            },
        )

    def project_statuses(req: Request) -> Response:
        found = _project(req, req.params["key"])
        statuses = [
            views.status(catalog.STATUSES_BY_ID[s], req.base_url, req.api.render)
            for s in found.statuses
        ]
        result = []
        for type_id in found.issue_types:
            issue_type = catalog.ISSUE_TYPES_BY_ID[type_id]
            result.append(
                {
                    "self": f"{req.base_url}{req.api.prefix}/issueType/{type_id}",
                    "id": type_id,
                    "name": issue_type.name,
                    "subtask": False,
                    "statuses": statuses,
                }
            )
        return json_response(200, result)

    def priorities(req: Request) -> Response:
        return json_response(
            200,
            [views.priority(p, req.base_url, req.api.render, full=True) for p in seed.PRIORITIES],
        )

    def statuses(req: Request) -> Response:
        return json_response(
            200, [views.status(s, req.base_url, req.api.render) for s in seed.STATUSES]
        )

    def status_one(req: Request) -> Response:
        found = catalog.status(req.params["idOrName"])
        if found is None:
            raise JiraError(404, [f"The status with ID '{req.params['idOrName']}' does not exist."])
        return json_response(200, views.status(found, req.base_url, req.api.render))

    def resolutions(req: Request) -> Response:
        return json_response(
            200, [views.resolution(r, req.base_url, req.api.render) for r in seed.RESOLUTIONS]
        )

    def issue_types(req: Request) -> Response:
        return json_response(
            200, [views.issue_type(t, req.base_url, req.api.render) for t in seed.ISSUE_TYPES]
        )

    def fields(req: Request) -> Response:
        return json_response(200, field_list())

    def createmeta_types(req: Request) -> Response:
        found = _project(req, req.params["key"])
        start, size = _page(req)
        types = [
            views.issue_type(catalog.ISSUE_TYPES_BY_ID[t], req.base_url, req.api.render)
            for t in found.issue_types
        ]
        return json_response(200, _meta_page(flavor, "issueTypes", types, start, size))

    def createmeta_fields(req: Request) -> Response:
        found = _project(req, req.params["key"])
        type_id = req.params["typeId"]
        if type_id not in found.issue_types:
            raise JiraError(
                404, ["Issue type with id '" + type_id + "' does not exist in the project."]
            )
        start, size = _page(req)
        meta = screens.create_metadata(found, type_id, req.base_url, req.api.render)
        return json_response(200, _meta_page(flavor, "fields", meta, start, size))

    def mypermissions(req: Request) -> Response:
        requested = [
            k.strip() for v in req.query.get("permissions", []) for k in v.split(",") if k.strip()
        ]
        if not requested:
            raise JiraError(400, ["The 'permissions' query parameter is required."])
        unknown = [k for k in requested if k not in catalog.PERMISSIONS_BY_KEY]
        if unknown:
            raise JiraError(400, [f"The permission keys {unknown} are not valid."])
        project_ref = req.arg("projectKey") or req.arg("projectId")
        if project_ref is not None:
            _project(req, project_ref)
        issue_ref = req.arg("issueKey") or req.arg("issueId")
        if issue_ref is not None:
            core.issue(req, issue_ref)
        result: dict[str, Any] = {}
        for key in requested:
            _, ident, name, kind, description = catalog.PERMISSIONS_BY_KEY[key]
            result[key] = {
                "id": ident,
                "key": key,
                "name": name,
                "type": kind,
                "description": description,
                "havePermission": catalog.has_permission(req.acting_user, key),
            }
        return json_response(200, {"permissions": result})

    for suffix, handler in (
        ("/myself", myself),
        ("/serverInfo", server_info),
        ("/project", projects),
        ("/project/search", project_search),
        ("/project/{key}", project),
        ("/project/{key}/statuses", project_statuses),
        ("/priority", priorities),
        ("/status", statuses),
        ("/status/{idOrName}", status_one),
        ("/resolution", resolutions),
        ("/issuetype", issue_types),
        ("/field", fields),
        ("/issue/createmeta/{key}/issuetypes", createmeta_types),
        ("/issue/createmeta/{key}/issuetypes/{typeId}", createmeta_fields),
        ("/mypermissions", mypermissions),
    ):
        apis.add(router, versions, "GET", suffix, handler)


def _meta_page(
    flavor: Flavor, cloud_key: str, items: list[dict[str, Any]], start: int, size: int
) -> dict[str, Any]:
    """A createmeta page. Cloud names the list `issueTypes`/`fields`; Data Center (9.0+, the
    paged replacement of `createmeta?expand=`) pages every list as `values` with `isLast`."""
    page: dict[str, Any] = {"maxResults": size, "startAt": start, "total": len(items)}
    if flavor.datacenter:
        page["isLast"] = start + size >= len(items)
        page["values"] = items[start : start + size]
    else:
        page[cloud_key] = items[start : start + size]
    return page


def field_list() -> list[dict[str, Any]]:
    """`FieldDetails` (spec) for every system and custom field."""
    result: list[dict[str, Any]] = []
    for spec in screens.SYSTEM_FIELDS.values():
        result.append(_field(spec.id, spec.name, spec.schema, custom=False))
    for field_id, (name, schema) in screens.READ_ONLY_FIELDS.items():
        result.append(_field(field_id, name, schema, custom=False))
    for custom in seed.CUSTOM_FIELDS:
        spec = screens.custom_spec(custom)
        result.append(_field(spec.id, spec.name, spec.schema, custom=True))
    return result


def _field(field_id: str, name: str, schema: dict[str, Any], *, custom: bool) -> dict[str, Any]:
    clause_names = (
        [field_id] if not custom else [field_id.replace("customfield_", "cf[") + "]", name]
    )
    return {
        "id": field_id,
        "key": field_id,
        "name": name,
        "custom": custom,
        "orderable": field_id not in screens.READ_ONLY_FIELDS,
        "navigable": True,
        "searchable": True,
        "clauseNames": clause_names,
        "schema": schema,
    }

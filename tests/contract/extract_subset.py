"""Cut the project's slice out of Atlassian's Jira Cloud platform OpenAPI spec.

The full spec (2.4 MB) is the one Atlassian publishes with its Jira Cloud platform REST API v3
documentation; it is not kept in the repository. The contract tests read the committed subset this
script writes: only the operations in OPERATIONS, with every component they reference,
transitively; each kept object is copied unchanged, so the subset says exactly what Atlassian's
spec says.

REST v2: that spec documents `/rest/api/3` only, and Atlassian documents v2 as the same
operations, whose rich text (description, comment body, environment, textarea custom fields) is a
wiki-markup string instead of ADF; the v3 schemas leave those fields untyped, so they hold both.
Each v2 operation is therefore the v3 operation copied unchanged to its `/rest/api/2` path,
unless the spec given holds the v2 path itself (Atlassian's separate v2 spec), which then wins.

Usage: python -m tests.contract.extract_subset [--check] /path/to/jira-platform-openapi-v3.json
(--check writes nothing and fails when the committed subset differs from what the spec gives).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SUBSET_PATH = Path(__file__).with_name("jira-openapi-subset.json")

V3 = "/rest/api/3/"
V2 = "/rest/api/2/"

# (method, path) of every Jira REST v3 operation the project calls or the emulator serves.
V3_OPERATIONS: tuple[tuple[str, str], ...] = (
    ("get", "/rest/api/3/myself"),
    ("get", "/rest/api/3/serverInfo"),
    ("get", "/rest/api/3/project/{projectIdOrKey}"),
    ("get", "/rest/api/3/project/search"),
    ("get", "/rest/api/3/project/{projectIdOrKey}/statuses"),
    ("get", "/rest/api/3/priority"),
    ("get", "/rest/api/3/status"),
    ("get", "/rest/api/3/field"),
    ("get", "/rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes"),
    ("get", "/rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}"),
    ("post", "/rest/api/3/issue"),
    ("get", "/rest/api/3/issue/{issueIdOrKey}"),
    ("put", "/rest/api/3/issue/{issueIdOrKey}"),
    ("delete", "/rest/api/3/issue/{issueIdOrKey}"),
    ("get", "/rest/api/3/issue/{issueIdOrKey}/transitions"),
    ("post", "/rest/api/3/issue/{issueIdOrKey}/transitions"),
    ("post", "/rest/api/3/issue/{issueIdOrKey}/attachments"),
    ("get", "/rest/api/3/issue/{issueIdOrKey}/comment"),
    ("post", "/rest/api/3/issue/{issueIdOrKey}/comment"),
    ("get", "/rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}"),
    ("put", "/rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}"),
    ("get", "/rest/api/3/mypermissions"),
    ("get", "/rest/api/3/search/jql"),
    # Further routes the Jira emulator serves (devstack/jira_emulator), held to the spec too.
    ("get", "/rest/api/3/status/{idOrName}"),
    ("get", "/rest/api/3/resolution"),
    ("get", "/rest/api/3/issuetype"),
    ("put", "/rest/api/3/issue/{issueIdOrKey}/assignee"),
    ("get", "/rest/api/3/issue/{issueIdOrKey}/properties"),
    ("delete", "/rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}"),
    ("get", "/rest/api/3/issue/{issueIdOrKey}/comment/{id}"),
    ("put", "/rest/api/3/issue/{issueIdOrKey}/comment/{id}"),
    ("delete", "/rest/api/3/issue/{issueIdOrKey}/comment/{id}"),
    ("get", "/rest/api/3/comment/{commentId}/properties/{propertyKey}"),
    ("get", "/rest/api/3/attachment/{id}"),
    ("get", "/rest/api/3/attachment/content/{id}"),
    ("post", "/rest/api/3/search/jql"),
    # Routes real clients (pycontribs jira, atlassian-python-api) call.
    ("get", "/rest/api/3/project"),
    ("get", "/rest/api/3/user/search"),
    ("post", "/rest/api/3/issue/{issueIdOrKey}/remotelink"),
    ("get", "/rest/api/3/issue/{issueIdOrKey}/remotelink"),
    ("get", "/rest/api/3/issue/{issueIdOrKey}/remotelink/{linkId}"),
)
# The emulator serves every one of them under REST v2 as well (and /rest/api/latest, v2's alias).
V2_OPERATIONS: tuple[tuple[str, str], ...] = tuple(
    (method, V2 + path.removeprefix(V3)) for method, path in V3_OPERATIONS
)
OPERATIONS: tuple[tuple[str, str], ...] = V3_OPERATIONS + V2_OPERATIONS

_SOURCE_NOTE = (
    "Subset of Atlassian's Jira Cloud platform REST API OpenAPI spec ({title}, version {version}, "
    "{license}), extracted by tests/contract/extract_subset.py from the full spec Atlassian "
    "publishes with its REST API v3 documentation; the /rest/api/2 operations are its v3 "
    "operations copied unchanged to their v2 paths (v2 has the same operations, with rich text "
    "as wiki-markup strings, which these schemas leave untyped)"
)


def _path_item(spec: dict[str, Any], path: str) -> dict[str, Any]:
    """The spec's item for path; for a v2 path the spec lacks, its v3 twin's."""
    paths = spec["paths"]
    if path in paths:
        return paths[path]  # type: ignore[no-any-return]
    twin = V3 + path.removeprefix(V2)
    if path.startswith(V2) and twin in paths:
        return paths[twin]  # type: ignore[no-any-return]
    raise KeyError(path)


def _local_refs(node: Any) -> Iterator[str]:
    """Yield every local `$ref` target ("#/components/...") found anywhere under node."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith("#/"):
                raise ValueError(f"non-local $ref {ref!r} is not supported")
            yield ref
        for value in node.values():
            yield from _local_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _local_refs(item)


def _pointer_parts(ref: str) -> list[str]:
    return [part.replace("~1", "/").replace("~0", "~") for part in ref[2:].split("/")]


def extract_subset(
    spec: dict[str, Any], operations: tuple[tuple[str, str], ...] = OPERATIONS
) -> dict[str, Any]:
    """Return a standalone OpenAPI document holding only `operations` and what they reference."""
    paths: dict[str, dict[str, Any]] = {}
    for method, path in operations:
        try:
            item = _path_item(spec, path)
            operation = item[method]
        except KeyError:
            raise KeyError(f"{method.upper()} {path} is not in the spec") from None
        paths.setdefault(path, {})[method] = operation
        shared = item.get("parameters")
        if shared is not None:
            paths[path]["parameters"] = shared

    components: dict[str, dict[str, Any]] = {}
    pending = list(_local_refs(paths))
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        parts = _pointer_parts(ref)
        if len(parts) != 3 or parts[0] != "components":
            raise ValueError(f"$ref {ref!r} does not name a component")
        target = spec["components"][parts[1]][parts[2]]
        components.setdefault(parts[1], {})[parts[2]] = target
        pending.extend(_local_refs(target))

    schemes_used = {
        name
        for item in paths.values()
        for operation in item.values()
        if isinstance(operation, dict)
        for requirement in operation.get("security", [])
        for name in requirement
    }
    if schemes_used:
        all_schemes = spec["components"]["securitySchemes"]
        components["securitySchemes"] = {name: all_schemes[name] for name in schemes_used}

    tags_used = {
        tag
        for item in paths.values()
        for operation in item.values()
        if isinstance(operation, dict)
        for tag in operation.get("tags", [])
    }
    info = dict(spec["info"])
    info["x-source"] = _SOURCE_NOTE.format(
        title=info["title"], version=info["version"], license=info["license"]["name"]
    )
    subset: dict[str, Any] = {
        "openapi": spec["openapi"],
        "info": info,
        "servers": spec.get("servers", []),
        "tags": [tag for tag in spec.get("tags", []) if tag["name"] in tags_used],
        "paths": paths,
        "components": {kind: dict(sorted(items.items())) for kind, items in components.items()},
    }
    return subset


def render(subset: dict[str, Any]) -> str:
    """Serialise deterministically so the committed file can be compared byte for byte."""
    return json.dumps(subset, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", type=Path, help="Atlassian's full jira-platform-openapi-v3.json")
    parser.add_argument("--output", type=Path, default=SUBSET_PATH)
    parser.add_argument(
        "--check", action="store_true", help="fail if --output differs; write nothing"
    )
    args = parser.parse_args(argv)
    spec = json.loads(args.spec.read_text(encoding="utf-8"))
    subset = extract_subset(spec)
    text = render(subset)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.is_file() else ""
        if current != text:
            print(f"{args.output} is stale: run without --check to rewrite it")
            return 1
        print(f"{args.output} is up to date with {args.spec}")
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(
        f"wrote {args.output}: {len(OPERATIONS)} operations, "
        f"{len(subset['components'].get('schemas', {}))} schemas"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

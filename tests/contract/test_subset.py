"""The committed spec subset stands alone and is what the extractor makes of Atlassian's spec."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.contract.extract_subset import (
    OPERATIONS,
    SUBSET_PATH,
    _local_refs,
    _pointer_parts,
    extract_subset,
    render,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
FULL_SPEC = REPO_ROOT.parent / "shared/contracts/jira-platform-openapi-v3.json"


def committed() -> dict[str, Any]:
    return json.loads(SUBSET_PATH.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_the_subset_holds_exactly_the_operations_the_project_uses() -> None:
    paths = committed()["paths"]
    held = {
        (method, path)
        for path, item in paths.items()
        for method in item
        if method in {"get", "put", "post", "delete", "patch", "head", "options"}
    }
    assert held == set(OPERATIONS)


def test_every_reference_in_the_subset_resolves_inside_it() -> None:
    document = committed()
    for ref in set(_local_refs(document)):
        node: Any = document
        for part in _pointer_parts(ref):
            assert part in node, f"{ref} does not resolve inside the committed subset"
            node = node[part]


def test_the_subset_names_its_source_and_licence() -> None:
    info = committed()["info"]
    assert info["license"]["name"] == "Apache 2.0"
    assert info["x-source"] == (
        "Subset of Atlassian's Jira Cloud platform REST API OpenAPI spec "
        f"(The Jira Cloud platform REST API, version {info['version']}, Apache 2.0), "
        "extracted by tests/contract/extract_subset.py; see ../shared/contracts/ in the "
        "project's parent for the full file"
    )


def test_given_the_full_spec_when_extracting_then_the_committed_subset_is_up_to_date() -> None:
    if not FULL_SPEC.is_file():
        pytest.skip(f"Atlassian's full spec is not beside the clone ({FULL_SPEC})")
    spec = json.loads(FULL_SPEC.read_text(encoding="utf-8"))
    assert render(extract_subset(spec)) == SUBSET_PATH.read_text(encoding="utf-8"), (
        "tests/contract/jira-openapi-subset.json is stale: run "
        f"python -m tests.contract.extract_subset {FULL_SPEC}"
    )


def test_given_a_small_spec_then_only_the_operations_and_their_transitive_refs_are_kept() -> None:
    ref = "#/components/schemas/"
    spec: dict[str, Any] = {
        "openapi": "3.0.1",
        "info": {"title": "T", "version": "9", "license": {"name": "Apache 2.0"}},
        "tags": [{"name": "kept"}, {"name": "dropped"}],
        "paths": {
            "/a": {
                "get": {
                    "tags": ["kept"],
                    "security": [{"basicAuth": []}],
                    "responses": {
                        "200": {"content": {"application/json": {"schema": {"$ref": ref + "A"}}}}
                    },
                },
                "post": {"tags": ["dropped"], "responses": {}},
            },
            "/b": {"get": {"responses": {"200": {"$ref": "#/components/schemas/D"}}}},
        },
        "components": {
            "schemas": {
                "A": {"properties": {"b": {"allOf": [{"$ref": ref + "B"}]}}},
                "B": {"items": {"$ref": ref + "C"}},
                "C": {"properties": {"a": {"$ref": ref + "A"}}},
                "D": {},
            },
            "securitySchemes": {"basicAuth": {"type": "http"}, "OAuth2": {"type": "oauth2"}},
        },
    }
    subset = extract_subset(spec, (("get", "/a"),))
    assert subset["paths"] == {"/a": {"get": spec["paths"]["/a"]["get"]}}
    assert sorted(subset["components"]["schemas"]) == ["A", "B", "C"]
    assert subset["components"]["securitySchemes"] == {"basicAuth": {"type": "http"}}
    assert subset["tags"] == [{"name": "kept"}]
    assert subset["info"]["x-source"].startswith(
        "Subset of Atlassian's Jira Cloud platform REST API OpenAPI spec (T, version 9, Apache 2.0)"
    )
    with pytest.raises(KeyError, match=r"DELETE /a is not in the spec"):
        extract_subset(spec, (("delete", "/a"),))

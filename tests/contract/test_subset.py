"""The committed spec subset stands alone: self-consistent, covering what the tests use, sourced.

Atlassian's full spec is not in the repository. To check the subset against a newer full spec, run
`python -m tests.contract.extract_subset --check /path/to/jira-platform-openapi-v3.json`.
"""

from __future__ import annotations

import ast
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from jsonschema import SchemaError
from openapi_schema_validator import OAS30Validator

from tests.contract.extract_subset import (
    OPERATIONS,
    SUBSET_PATH,
    V2,
    V3,
    _local_refs,
    _pointer_parts,
    extract_subset,
    main,
    render,
)
from tests.contract.jira_http import spec_path

CONTRACT_TESTS = sorted(Path(__file__).parent.glob("test_jira*_contract.py"))
_CHECKS = frozenset({"check", "check_jira_error"})


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
    refs = set(_local_refs(document))
    assert refs
    for ref in refs:
        node: Any = document
        for part in _pointer_parts(ref):
            assert part in node, f"{ref} does not resolve inside the committed subset"
            node = node[part]


def test_the_subset_is_what_the_extractor_makes_of_it_so_nothing_is_missing_or_extra() -> None:
    # Extraction keeps the operations and what they reference, transitively: a subset that is its
    # own extraction lacks no component its operations need and holds none they do not.
    assert render(extract_subset(committed())) == SUBSET_PATH.read_text(encoding="utf-8"), (
        "tests/contract/jira-openapi-subset.json is not the extractor's output: regenerate it "
        "with python -m tests.contract.extract_subset /path/to/jira-platform-openapi-v3.json"
    )


def test_every_component_schema_is_a_well_formed_openapi_3_0_schema() -> None:
    schemas = committed()["components"]["schemas"]
    assert "ErrorCollection" in schemas
    for name, schema in schemas.items():
        try:
            OAS30Validator.check_schema(schema)
        except SchemaError as exc:
            pytest.fail(f"components.schemas.{name}: {exc}")


def _templates_checked(source: str) -> tuple[set[str], list[str]]:
    """The templates a contract test module hands to check()/check_jira_error()."""
    tree = ast.parse(source)
    assigned: defaultdict[str, set[str]] = defaultdict(set)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    assigned[target.id].add(node.value.value)
    found: set[str] = set()
    unresolved: list[str] = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _CHECKS
            and len(node.args) >= 2
        ):
            continue
        template = node.args[1]
        if isinstance(template, ast.Constant) and isinstance(template.value, str):
            found.add(template.value)
        elif isinstance(template, ast.Name) and template.id in assigned:
            found |= assigned[template.id]
        else:
            unresolved.append(f"line {node.lineno}: {ast.unparse(template)}")
    return found, unresolved


@pytest.mark.parametrize("module", CONTRACT_TESTS, ids=lambda path: path.name)
def test_every_template_a_contract_test_checks_is_a_path_of_the_subset(module: Path) -> None:
    paths = committed()["paths"]
    templates, unresolved = _templates_checked(module.read_text(encoding="utf-8"))
    assert not unresolved, f"pass a literal or a named constant as the template: {unresolved}"
    missing = sorted(t for t in templates if spec_path(t) not in paths)
    assert not missing, f"{module.name} checks templates the subset lacks: {missing}"


def test_the_contract_tests_check_every_path_of_the_subset() -> None:
    checked = {
        spec_path(template)
        for module in CONTRACT_TESTS
        for template in _templates_checked(module.read_text(encoding="utf-8"))[0]
    }
    assert set(committed()["paths"]) <= checked


def test_the_subset_names_its_source_and_licence() -> None:
    info = committed()["info"]
    assert info["license"]["name"] == "Apache 2.0"
    assert info["x-source"] == (
        "Subset of Atlassian's Jira Cloud platform REST API OpenAPI spec "
        f"(The Jira Cloud platform REST API, version {info['version']}, Apache 2.0), "
        "extracted by tests/contract/extract_subset.py from the full spec Atlassian publishes "
        "with its REST API v3 documentation; the /rest/api/2 operations are its v3 operations "
        "copied unchanged to their v2 paths (v2 has the same operations, with rich text as "
        "wiki-markup strings, which these schemas leave untyped)"
    )


def test_every_v3_operation_is_held_under_rest_v2_too() -> None:
    paths = committed()["paths"]
    for path, item in paths.items():
        if path.startswith(V3):
            twin = paths.get(V2 + path.removeprefix(V3))
            assert twin is not None, f"{path} has no /rest/api/2 twin"
            assert {m: twin[m] for m in item} == item, f"{path}: the v2 twin differs"


def test_given_a_spec_without_v2_paths_then_v2_operations_are_their_v3_twins() -> None:
    operation = {"responses": {"200": {"description": "OK"}}}
    spec: dict[str, Any] = {
        "openapi": "3.0.1",
        "info": {"title": "T", "version": "9", "license": {"name": "Apache 2.0"}},
        "paths": {"/rest/api/3/x": {"get": operation}},
    }
    subset = extract_subset(spec, (("get", "/rest/api/3/x"), ("get", "/rest/api/2/x")))
    assert subset["paths"]["/rest/api/2/x"] == {"get": operation}
    own = {"responses": {"204": {"description": "v2's own"}}}
    spec["paths"]["/rest/api/2/x"] = {"get": own}
    assert extract_subset(spec, (("get", "/rest/api/2/x"),))["paths"]["/rest/api/2/x"] == {
        "get": own
    }
    with pytest.raises(KeyError, match=r"GET /rest/api/2/y is not in the spec"):
        extract_subset(spec, (("get", "/rest/api/2/y"),))


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


def test_given_a_spec_path_then_the_extractor_writes_and_checks_the_subset(tmp_path: Path) -> None:
    spec = tmp_path / "full.json"
    spec.write_text(SUBSET_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    output = tmp_path / "subset.json"
    assert main(["--check", str(spec), "--output", str(output)]) == 1  # nothing written yet
    assert main([str(spec), "--output", str(output)]) == 0
    assert output.read_text(encoding="utf-8") == SUBSET_PATH.read_text(encoding="utf-8")
    assert main(["--check", str(spec), "--output", str(output)]) == 0
    output.write_text("{}\n", encoding="utf-8")
    assert main(["--check", str(spec), "--output", str(output)]) == 1

"""The OpenAPI document: committed fresh, valid OpenAPI 3.1, the template's routes exactly,
every error code the code raises, and served by ``GET /openapi.json`` without building it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from jira_sync import api_spec
from tests.unit.test_function_routes import ROUTED, load_handler

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "layers" / "jira_sync" / "jira_sync" / "openapi.json"
_RAISED_CODE = re.compile(r"""\bcode\s*=\s*"([a-z_]+)\"""")


def committed() -> dict[str, Any]:
    return json.loads(DOCUMENT.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_given_the_models_then_the_committed_document_is_what_make_openapi_writes() -> None:
    assert DOCUMENT.read_text(encoding="utf-8") == api_spec.render(), (
        "layers/jira_sync/jira_sync/openapi.json is stale: run make openapi and commit it"
    )


def test_given_a_stale_file_then_the_check_mode_fails(tmp_path: Path) -> None:
    stale = tmp_path / "openapi.json"
    stale.write_text("{}\n", encoding="utf-8")
    assert api_spec.main(["--check", "--output", str(stale)]) == 1
    assert api_spec.main(["--output", str(stale)]) == 0
    assert api_spec.main(["--check", "--output", str(stale)]) == 0


def test_given_the_document_then_it_is_valid_openapi_3_1() -> None:
    document = committed()
    assert document["openapi"].startswith("3.1.")
    validate(document)


def test_given_template_yaml_then_the_document_has_exactly_its_http_routes() -> None:
    """``ANY`` routes (Jira's webhooks) are documented as POST, what Jira sends, and under API
    Gateway's ``x-amazon-apigateway-any-method``; the ``$default`` catch-all is no path."""
    expected: set[tuple[str, str]] = set()
    for routes in ROUTED.values():
        for key in routes:
            if key == "$default":
                continue
            method, path = key.split(" ", 1)
            expected.add((method, path))
    documented: set[tuple[str, str]] = set()
    for path, item in committed()["paths"].items():
        if api_spec.ANY_METHOD in item:
            assert set(item) == {"post", api_spec.ANY_METHOD}, path
            documented.add(("ANY", path))
        else:
            documented |= {(method.upper(), path) for method in item}
    assert documented == expected


def test_given_the_webhook_routes_then_only_they_are_open() -> None:
    document = committed()
    assert document["security"] == [{api_spec.SECURITY_SCHEME: []}]
    scheme = document["components"]["securitySchemes"][api_spec.SECURITY_SCHEME]
    assert scheme["x-amazon-apigateway-authtype"] == "awsSigv4"
    for path, item in document["paths"].items():
        for operation in item.values():
            is_webhook = path.startswith("/webhooks/")
            assert ("security" in operation) is is_webhook, path
            if is_webhook:
                assert operation["security"] == []


def test_given_every_error_code_the_code_raises_then_the_envelope_lists_it() -> None:
    sources = [
        *(ROOT / "layers" / "jira_sync" / "jira_sync").rglob("*.py"),
        *(ROOT / "functions").rglob("*.py"),
    ]
    raised = {code for path in sources for code in _RAISED_CODE.findall(path.read_text())}
    # http_api.error_response's own codes are literals of its _error calls.
    http_api = (ROOT / "layers" / "jira_sync" / "jira_sync" / "aws" / "http_api.py").read_text()
    raised |= set(re.findall(r'_error\(\s*\d+,\s*"([a-z_]+)"', http_api))
    assert raised, "the pattern found no code"
    assert raised <= set(api_spec.ERROR_CODES), raised - set(api_spec.ERROR_CODES)
    envelope = committed()["components"]["schemas"]["ErrorDetail"]
    assert envelope["properties"]["code"]["enum"] == list(api_spec.ERROR_CODES)


def test_given_each_operation_then_its_request_example_is_a_valid_body() -> None:
    for operation in api_spec.OPERATIONS:
        if operation.request is not None and operation.request_example is not None:
            operation.request.model_validate(operation.request_example)


def test_given_get_openapi_json_then_the_credentials_function_answers_the_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    module: Any = load_handler("credentials")
    event = {"routeKey": "GET /openapi.json", "requestContext": {"http": {"method": "GET"}}}
    response = module.dispatch(module.ROUTES, event, None)
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"] == "application/json"
    assert json.loads(response["body"]) == committed()


def test_given_a_cold_start_then_no_handler_imports_the_generator() -> None:
    script = (
        "import importlib.util, sys\n"
        "for name in ('credentials', 'tickets', 'transitions', 'webhooks', 'remediation'):\n"
        "    spec = importlib.util.spec_from_file_location(name, f'functions/{name}/app.py')\n"
        "    module = importlib.util.module_from_spec(spec)\n"
        "    spec.loader.exec_module(module)\n"
        "assert 'jira_sync.api_spec' not in sys.modules, 'a handler imports jira_sync.api_spec'\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "layers" / "jira_sync"),
        "POWERTOOLS_TRACE_DISABLED": "1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr

"""Each function's own route table is exactly what template.yaml sends it.

A route in the template that the function does not dispatch would answer 404 in AWS; a route
the function dispatches that the template never sends is dead code nobody can reach.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_ROUTES = {
    "ANY /webhooks/jira/{credential_id}/{issue_key}",
    "ANY /webhooks/jira/{credential_id}/{url_token}/{issue_key}",
}


def template_routes() -> dict[str, set[str]]:
    decoded, matches = decode(str(ROOT / "template.yaml"))
    assert not matches, matches
    assert decoded is not None
    routes: dict[str, set[str]] = {}
    for resource in decoded["Resources"].values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        code = Path(str(props["CodeUri"])).name
        for event in props.get("Events", {}).values():
            if event["Type"] == "HttpApi":
                method, path = event["Properties"]["Method"].upper(), event["Properties"]["Path"]
                # API Gateway's routeKey of the catch-all route is "$default", no method.
                key = path if path == "$default" else f"{method} {path}"
                routes.setdefault(code, set()).add(key)
    return routes


def load_handler(name: str) -> ModuleType:
    """Loads functions/<name>/app.py under a name of its own, as Lambda loads each `app`."""
    path = ROOT / "functions" / name / "app.py"
    spec = importlib.util.spec_from_file_location(f"route_check_{name}_app", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FUNCTIONS = sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists())
ROUTED = template_routes()


@pytest.fixture(autouse=True)
def _no_tracing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


# The webhooks function takes its two routes whatever the method; remediation is fed by SQS.
@pytest.mark.parametrize("name", [n for n in FUNCTIONS if n not in {"webhooks", "remediation"}])
def test_given_a_routed_function_then_its_route_table_is_exactly_its_template_routes(
    name: str,
) -> None:
    module: Any = load_handler(name)
    assert set(module.ROUTES) == ROUTED.get(name, set())


def test_given_the_webhook_function_then_the_template_sends_it_only_the_webhook_routes() -> None:
    assert ROUTED["webhooks"] == WEBHOOK_ROUTES


def test_given_every_http_route_then_exactly_one_function_serves_it() -> None:
    seen: dict[str, str] = {}
    for name, routes in ROUTED.items():
        for route in routes:
            assert route not in seen, f"{route} is served by {seen[route]} and {name}"
            seen[route] = name
    assert set(ROUTED) <= set(FUNCTIONS)

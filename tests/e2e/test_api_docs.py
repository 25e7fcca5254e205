"""The API reference in the local stack: ``GET /openapi.json`` through the credentials
function, and Swagger UI at ``/docs`` (npm's swagger-ui-dist, no CDN) seen in headless
Chromium listing every operation of the document."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from devstack import api_docs
from devstack.stack import Devstack

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = json.loads((ROOT / "layers/jira_sync/jira_sync/openapi.json").read_text())
METHODS = {"get", "put", "post", "delete", "patch"}


def chromium() -> str:
    """Debian's chromium; .ci/run installs it and sets JIRA_SYNC_REQUIRE_CHROMIUM, so CI fails
    rather than skips when it is missing."""
    found = next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p),
        None,
    )
    if found is not None:
        return found
    reason = "no chromium on PATH: install Debian's chromium (apt-get install chromium)"
    if os.environ.get("JIRA_SYNC_REQUIRE_CHROMIUM"):
        pytest.fail(reason)
    pytest.skip(reason)


def test_given_the_stack_then_get_openapi_json_answers_the_committed_document(
    devstack: Devstack,
) -> None:
    response = requests.get(f"{devstack.api_url}/openapi.json", timeout=60)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == DOCUMENT
    route = next(r for r in devstack.routes if r.route_key == "GET /openapi.json")
    assert route.authorization == "AWS_IAM"


def test_given_the_stack_then_docs_serves_swagger_ui_from_node_modules(
    devstack: Devstack,
) -> None:
    if not api_docs.installed():
        pytest.fail("node_modules/swagger-ui-dist is missing: run make install")
    page = requests.get(f"{devstack.api_url}/docs", timeout=60)
    bundle = requests.get(f"{devstack.api_url}/docs/swagger-ui-bundle.js", timeout=60)
    initializer = requests.get(f"{devstack.api_url}/docs/swagger-initializer.js", timeout=60)
    outside = requests.get(f"{devstack.api_url}/docs/../package.json", timeout=60)

    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert not re.search(r"""(src|href)="(https?:)?//""", page.text), "no CDN"
    assert bundle.status_code == 200
    assert bundle.content == (api_docs.ASSETS / "swagger-ui-bundle.js").read_bytes()
    assert '"/openapi.json"' in initializer.text
    assert outside.status_code == 404


def test_given_headless_chromium_when_docs_opened_then_every_operation_is_listed(
    devstack: Devstack, tmp_path: Path
) -> None:
    browser = chromium()
    result = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=20000",
            "--dump-dom",
            f"{devstack.api_url}/docs",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    dom = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    assert 'class="swagger-ui' in dom, dom[:2000]

    expected = {
        f"operations-{operation['tags'][0]}-{operation['operationId']}"
        for item in DOCUMENT["paths"].values()
        for method, operation in item.items()
        if method in METHODS
    }
    shown = set(re.findall(r'id="(operations-[^"]+)"', dom))
    assert expected <= shown, sorted(expected - shown)
    for path in DOCUMENT["paths"]:
        assert f'data-path="{path}"' in dom, path
    assert DOCUMENT["info"]["title"] in dom

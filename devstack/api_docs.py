"""Swagger UI at ``/docs`` on the local API's port, from npm's ``swagger-ui-dist`` (no CDN).

``make install`` puts the package in node_modules/; the page is this module's own (absolute
asset paths, so ``/docs`` and ``/docs/`` both work) and points Swagger UI at the API's own
``GET /openapi.json``, which the credentials function serves like any other route. Only the
package's few static files are served, by name: nothing else of the disk is reachable.
"""

from __future__ import annotations

from pathlib import Path

from devstack.apigw import HttpResponse

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "node_modules" / "swagger-ui-dist"
PREFIX = "/docs"
_TYPES = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "index.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
    "oauth2-redirect.html": "text/html; charset=utf-8",
    "oauth2-redirect.js": "text/javascript; charset=utf-8",
}
PAGE = """<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>jira-sync API</title>
    <link rel="stylesheet" type="text/css" href="/docs/swagger-ui.css">
    <link rel="stylesheet" type="text/css" href="/docs/index.css">
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="/docs/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script src="/docs/swagger-initializer.js" charset="UTF-8"></script>
  </body>
</html>
"""
INITIALIZER = """window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    docExpansion: "list",
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "BaseLayout"
  });
};
"""


def installed() -> bool:
    return (ASSETS / "swagger-ui-bundle.js").is_file()


def serve(path: str, request_id: str) -> HttpResponse | None:
    """The response of a ``/docs`` path; None for any other path (the API's routes)."""
    if path != PREFIX and not path.startswith(PREFIX + "/"):
        return None
    name = path[len(PREFIX) :].strip("/")
    if name in ("", "index.html"):
        return _ok("text/html; charset=utf-8", PAGE.encode(), request_id)
    if name == "swagger-initializer.js":
        return _ok("text/javascript; charset=utf-8", INITIALIZER.encode(), request_id)
    content_type = _TYPES.get(name)
    if content_type is None:
        return _text(404, f"no {path}: /docs serves Swagger UI's own files only", request_id)
    if not installed():
        return _text(
            503,
            "Swagger UI is not installed: run make install (npm installs swagger-ui-dist)",
            request_id,
        )
    return _ok(content_type, (ASSETS / name).read_bytes(), request_id)


def _ok(content_type: str, body: bytes, request_id: str) -> HttpResponse:
    return HttpResponse(
        200,
        [
            ("content-type", content_type),
            ("cache-control", "no-cache"),
            ("apigw-requestid", request_id),
        ],
        body,
    )


def _text(status: int, message: str, request_id: str) -> HttpResponse:
    return HttpResponse(
        status,
        [("content-type", "text/plain; charset=utf-8"), ("apigw-requestid", request_id)],
        message.encode(),
    )

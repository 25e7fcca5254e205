"""The emulator's HTTP server: a threaded stdlib server, so it runs in-process or as a CLI with
no process manager.

Per request: control API (loopback only) or else rate limit -> injected fault -> base path
(`/ex/jira/<cloudId>` or the site root) -> Basic auth -> route -> after-processing fault.
A Data Center flavour (flavors.py) has no gateway or tenant_info, serves REST v2 only and
authenticates by personal access token (datacenter.py).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import logging
import re
import socket
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from devstack import httpd
from devstack.jira_emulator import (
    catalog,
    control,
    datacenter,
    flavors,
    routes_comments,
    routes_datacenter,
    routes_issues,
    routes_meta,
    routes_remote_links,
    routes_search,
    routes_transitions,
    routes_users,
    routes_webhooks,
    routes_webhooks_dc10,
    seed,
)
from devstack.jira_emulator.apis import ApiVersion
from devstack.jira_emulator.core import Core
from devstack.jira_emulator.faults import Fault
from devstack.jira_emulator.flavors import Flavor
from devstack.jira_emulator.web import (
    JiraError,
    Request,
    Response,
    Route,
    Router,
    error_body,
    json_response,
)
from devstack.jira_emulator.webhooks import WebhookHub

_log = logging.getLogger(__name__)
_GATEWAY = re.compile(r"^/ex/jira/([^/]+)(/.*)?$")
# Answered without credentials too: "This operation can be accessed anonymously" (Cloud spec,
# Get Jira instance info); Data Center's serverInfo resource allows anonymous access as well.
_ANONYMOUS = re.compile(r"^/rest/api/[^/]+/serverInfo/?$")
TENANT_INFO = "/_edge/tenant_info"
NOT_AUTHENTICATED = "Client must be authenticated to access this resource."
# A client that gives up (a timeout against an injected latency, say) closes its socket; writing
# the late answer then fails with one of these. Normal for a server, so not worth a traceback.
CLIENT_DISCONNECTS: tuple[type[OSError], ...] = (
    BrokenPipeError,
    ConnectionResetError,
    ConnectionAbortedError,
)


def api_router(core: Core, versions: tuple[ApiVersion, ...] | None = None) -> Router:
    """Every REST route, once per API version the site serves (Jira Cloud: v3, v2, latest;
    Data Center: v2, latest), with the flavour's own search, user search and webhooks."""
    flavor = core.flavor
    versions = flavor.api_versions if versions is None else versions
    router = Router()
    modules: tuple[Any, ...] = (
        routes_meta,
        routes_issues,
        routes_transitions,
        routes_comments,
        routes_remote_links,
    )
    modules += (routes_datacenter,) if flavor.datacenter else (routes_users, routes_search)
    for module in modules:
        module.register(router, core, versions)
    if flavor.webhooks_path == flavors.WEBHOOKS_DC10:
        routes_webhooks_dc10.register(router, core)
    else:
        routes_webhooks.register(router, core)
    return router


def _credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    email, sep, token = decoded.partition(":")
    return (email, token) if sep else None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Server6(_Server):
    address_family = socket.AF_INET6


class JiraEmulator:
    """An emulated Jira site on `host:port` (port 0 picks a free port): Jira Cloud, or with
    `flavor=flavors.make("datacenter", "10.3")` Jira Data Center at that version.

    `start()` returns once the socket is listening; `base_url` is then the site URL.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        webhook_retry_delays: Sequence[float] = (10.0, 60.0, 300.0),
        webhook_timeout: float = 5.0,
        flavor: Flavor = flavors.CLOUD,
    ) -> None:
        self.host = host
        self.port = port
        self.flavor = flavor
        self.cloud_id = seed.CLOUD_ID
        self.hub = WebhookHub(
            retry_delays=webhook_retry_delays,
            timeout=webhook_timeout,
            dollar_variables=flavor.url_variables_with_dollar,
        )
        self.core = Core(self.hub, flavor)
        self.controls = control.Controls(self.core)
        self._api = api_router(self.core)
        self._control = self.controls.router()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> JiraEmulator:
        handler = _handler_class(self)
        server_class: type[_Server] = _Server6 if ":" in self.host else _Server
        self._server = server_class((self.host, self.port), handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="jira-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.hub.close()

    def reset(self) -> None:
        self.controls.reset()

    @staticmethod
    def routes(flavor: Flavor = flavors.CLOUD) -> list[Route]:
        """Every route the emulator serves, as (method, path template).

        On Cloud the API routes (everything but `/_edge/tenant_info` and `/_emulator/...`) are
        served both at the site root, as listed, and below `/ex/jira/{cloudId}`.
        """
        hub = WebhookHub()
        try:
            core = Core(hub, flavor)
            api = api_router(core).templates()
            controls = control.Controls(core).router().templates()
        finally:
            hub.close()
        edge = [] if flavor.datacenter else [Route("GET", TENANT_INFO)]
        return [*edge, *api, *controls]

    def __enter__(self) -> JiraEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- request handling (called from server threads) ------------------------------------

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes, client: str
    ) -> Response | None:
        """The response to send, or None to drop the connection without answering."""
        with flavors.serving(self.flavor):
            return self._handle(method, target, headers, body, client)

    def _handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes, client: str
    ) -> Response | None:
        path, _, query_string = target.partition("?")
        query = parse_qs(query_string, keep_blank_values=True)
        if path == control.BASE or path.startswith(control.BASE + "/"):
            return self._handle_control(method, path, query, headers, body, client)
        entry: dict[str, Any] = {
            "method": method,
            "path": path,
            "query": query_string,
            "user": None,
            "status": None,
            "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        try:
            response = self._handle_api(method, path, query, headers, body, entry)
        finally:
            self.controls.log.add(entry)
        entry["status"] = None if response is None else response.status
        return response

    def _handle_control(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
        client: str,
    ) -> Response:
        if not ipaddress.ip_address(client.split("%")[0]).is_loopback:
            return json_response(
                403, error_body(["The control API only answers loopback clients."])
            )
        req = Request(method, path, query, headers, body, self.base_url, self.base_url)
        return self._dispatch(self._control, req)

    def _handle_api(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
        entry: dict[str, Any],
    ) -> Response | None:
        verdict = self.controls.limiter.check()
        if not verdict.allowed:
            return json_response(429, error_body(["Rate limit exceeded."]), verdict.headers)
        fault = self.controls.faults.take(method, path)
        if fault is not None and not fault.after_processing:
            time.sleep(fault.latency_ms / 1000)
            if fault.drop_connection:
                return None
            if fault.status is not None:
                return _fault_response(fault)
        response = self._serve(method, path, query, headers, body, entry)
        if fault is not None and fault.after_processing:
            time.sleep(fault.latency_ms / 1000)
            if fault.drop_connection:
                return None
            if fault.status is not None:
                return _fault_response(fault)
        return response

    def _serve(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
        entry: dict[str, Any],
    ) -> Response:
        site = self.base_url
        if self.flavor.datacenter:
            return self._serve_datacenter(method, path, query, headers, body, entry)
        if path == TENANT_INFO:
            if method != "GET":
                return json_response(
                    405, error_body([f"Method '{method}' is not allowed for this resource."])
                )
            return json_response(200, {"cloudId": self.cloud_id})
        base, sub, scoped = site, path, False
        gateway = _GATEWAY.match(path)
        if gateway is not None:
            if gateway.group(1) != self.cloud_id:
                return json_response(
                    404, error_body([f"Site with cloud id '{gateway.group(1)}' not found."])
                )
            base, sub, scoped = f"{site}/ex/jira/{self.cloud_id}", gateway.group(2) or "/", True
        header = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
        credentials = _credentials(header)
        user = (
            None
            if credentials is None
            else catalog.user_for_credentials(*credentials, scoped_base=scoped)
        )
        if user is None and header is None and _ANONYMOUS.match(sub):
            return self._dispatch(self._api, Request(method, sub, query, headers, body, base, site))
        if user is None:
            return json_response(401, error_body([NOT_AUTHENTICATED]))
        entry["user"] = user.email
        req = Request(method, sub, query, headers, body, base, site, user)
        response = self._dispatch(self._api, req)
        response.headers["X-AAccountId"] = user.account_id
        return response

    def _serve_datacenter(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
        entry: dict[str, Any],
    ) -> Response:
        """Data Center: one base (no /ex/jira gateway, no tenant_info), PAT or Basic auth.
        A path no resource serves (all of /rest/api/3) is 404 before authentication, as
        Jira DC's REST layer answers it."""
        site = self.base_url
        if not self._api.knows(path):
            return json_response(404, error_body([f"null for uri: {site}{path}"]))
        header = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
        user = datacenter.authenticate(self.flavor, header)
        if user is None and header is None and _ANONYMOUS.match(path):
            return self._dispatch(
                self._api, Request(method, path, query, headers, body, site, site)
            )
        if user is None:
            return json_response(401, error_body([NOT_AUTHENTICATED]))
        entry["user"] = user.email
        req = Request(method, path, query, headers, body, site, site, user)
        response = self._dispatch(self._api, req)
        response.headers["X-AUSERNAME"] = datacenter.identity(user).name
        return response

    @staticmethod
    def _dispatch(router: Router, req: Request) -> Response:
        try:
            found = router.route(req.method, req.path)
            if found is None:
                raise JiraError(404, [f"null for uri: {req.base_url}{req.path}"])
            handler, params = found
            req.params = params
            return handler(req)
        except JiraError as exc:
            return exc.response()
        except Exception:
            _log.exception("emulator handler failed for %s %s", req.method, req.path)
            return json_response(500, error_body(["Internal server error."]))


def _fault_response(fault: Fault) -> Response:
    headers = dict(fault.headers)
    if fault.body is None:
        return Response(fault.status or 500, b"", None, headers)
    if isinstance(fault.body, str):
        return Response(
            fault.status or 500, fault.body.encode("utf-8"), "text/plain;charset=UTF-8", headers
        )
    return json_response(fault.status or 500, fault.body, headers)


def _handler_class(emulator: JiraEmulator) -> type[httpd.Handler]:
    class Handler(httpd.Handler):
        server_version = "JiraEmulator/1.0"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            headers = dict(self.headers.items())
            response = emulator.handle(
                self.command, self.path, headers, body, self.client_address[0]
            )
            if response is None:
                self.close_connection = True
                return
            reply_headers = list(response.headers.items())
            if response.content_type:
                reply_headers.insert(0, ("Content-Type", response.content_type))
            self.send_whole(response.status, reply_headers, response.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        def handle(self) -> None:
            """Serve the connection; a client hanging up is routine, anything else is not and
            still reaches socketserver's error report."""
            try:
                super().handle()
            except CLIENT_DISCONNECTS as exc:
                self.close_connection = True
                _log.debug(
                    "client %s disconnected before the answer: %s",
                    self.client_address[0],
                    type(exc).__name__,
                )

        def log_message(self, format: str, *args: Any) -> None:
            """Silent: /_emulator/requests is the request log."""

    return Handler

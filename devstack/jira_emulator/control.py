"""The `/_emulator/` control API (no auth, loopback clients only): reset, state, faults, rate
limit, request log, webhook deliveries."""

from __future__ import annotations

from typing import Any

from devstack.jira_emulator import views
from devstack.jira_emulator.core import Core
from devstack.jira_emulator.faults import Faults, FaultSpecError, RateLimiter, RequestLog
from devstack.jira_emulator.web import (
    JiraError,
    Request,
    Response,
    Router,
    json_response,
    no_content,
)

BASE = "/_emulator"


class Controls:
    """Owns the knobs tests turn; `reset` puts the whole site back to the seed."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.faults = Faults()
        self.limiter = RateLimiter()
        self.log = RequestLog()

    def reset(self) -> None:
        self.core.state.reset()
        self.core.hub.reset()
        self.faults.clear()
        self.limiter.clear()
        self.log.clear()

    def dump(self, base: str) -> dict[str, Any]:
        state = self.core.state
        with state.lock:
            issues = [
                views.issue_bean(i, base, properties=["*all"], expand=["changelog"])
                for i in sorted(state.issues.values(), key=lambda i: int(i.id))
            ]
        return {
            "issues": issues,
            "webhooks": self.core.hub.snapshot(),
            "faults": self.faults.views(),
            "rate_limit": self.limiter.view(),
        }

    def router(self) -> Router:
        router = Router()

        def body(req: Request) -> Any:
            return req.json()

        def reset(req: Request) -> Response:
            self.reset()
            return no_content()

        def state(req: Request) -> Response:
            return json_response(200, self.dump(req.site_url))

        def add_fault(req: Request) -> Response:
            try:
                return json_response(201, self.faults.add(body(req)).view())
            except FaultSpecError as exc:
                raise JiraError(400, [str(exc)]) from None

        def list_faults(req: Request) -> Response:
            return json_response(200, self.faults.views())

        def clear_faults(req: Request) -> Response:
            self.faults.clear()
            return no_content()

        def set_rate_limit(req: Request) -> Response:
            try:
                return json_response(200, self.limiter.configure(body(req)))
            except FaultSpecError as exc:
                raise JiraError(400, [str(exc)]) from None

        def clear_rate_limit(req: Request) -> Response:
            self.limiter.clear()
            return no_content()

        def requests_log(req: Request) -> Response:
            return json_response(200, self.log.entries())

        def clear_requests(req: Request) -> Response:
            self.log.clear()
            return no_content()

        def deliveries(req: Request) -> Response:
            return json_response(200, self.core.hub.deliveries())

        router.add("POST", f"{BASE}/reset", reset)
        router.add("GET", f"{BASE}/state", state)
        router.add("POST", f"{BASE}/faults", add_fault)
        router.add("GET", f"{BASE}/faults", list_faults)
        router.add("DELETE", f"{BASE}/faults", clear_faults)
        router.add("POST", f"{BASE}/rate-limit", set_rate_limit)
        router.add("DELETE", f"{BASE}/rate-limit", clear_rate_limit)
        router.add("GET", f"{BASE}/requests", requests_log)
        router.add("DELETE", f"{BASE}/requests", clear_requests)
        router.add("GET", f"{BASE}/webhooks/deliveries", deliveries)
        return router

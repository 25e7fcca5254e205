"""Jira Cloud admin webhooks for the emulator: registrations and signed delivery with retries.

Jira delivers webhooks asynchronously, may retry them, and signs them when the webhook has a
secret. The emulator reproduces that so the service's receiver is tested against the same
headers, signature and retry behaviour it meets in production. Delivery happens on background
threads: `emit` runs on the emulator's request thread under its lock and must never do I/O.
"""

from __future__ import annotations

import builtins
import hashlib
import heapq
import hmac
import http.client
import itertools
import json
import logging
import socket
import ssl
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

__all__ = ["KNOWN_EVENTS", "Webhook", "WebhookHub"]

_log = logging.getLogger(__name__)

KNOWN_EVENTS: tuple[str, ...] = (
    "jira:issue_created",
    "jira:issue_updated",
    "jira:issue_deleted",
    "comment_created",
    "comment_updated",
    "comment_deleted",
)
FILTER_KEY = "issue-related-events-section"
USER_AGENT = "Atlassian Webhook HTTP Client"
# Jira retries on these statuses (plus connection errors and timeouts); see docs/design.md.
RETRYABLE_STATUSES = frozenset({408, 409, 425, 429}) | frozenset(range(500, 600))
WORKERS = 4
# The log keeps the most recent attempts so a long-running devstack does not grow without bound.
MAX_LOGGED_ATTEMPTS = 10_000
_MAX_RESPONSE_READ = 64 * 1024


@dataclass(frozen=True, slots=True)
class Webhook:
    id: int
    name: str
    url: str
    events: tuple[str, ...]
    jql: str
    exclude_body: bool
    secret: str | None
    enabled: bool
    last_updated_ms: int
    account_id: Any
    display_name: Any

    def view(self, base_url: str) -> dict[str, Any]:
        return {
            "name": self.name,
            "url": self.url,
            "excludeBody": self.exclude_body,
            "filters": {FILTER_KEY: self.jql},
            "events": list(self.events),
            "enabled": self.enabled,
            "self": f"{base_url.rstrip('/')}/rest/webhooks/1.0/webhook/{self.id}",
            "lastUpdatedUser": self.account_id,
            "lastUpdatedDisplayName": self.display_name,
            "lastUpdated": self.last_updated_ms,
        }


@dataclass(frozen=True, slots=True)
class _Job:
    """One delivery; `attempt` is its retry count, everything else is fixed at emit time."""

    identifier: str
    webhook_id: int
    event: str
    url: str
    body: bytes
    exclude_body: bool
    signature: str | None
    attempt: int
    generation: int


def _error(field: str | None, message: str) -> tuple[int, dict[str, Any]]:
    if field is None:
        return 400, {"errorMessages": [message], "errors": {}}
    return 400, {"errorMessages": [], "errors": {field: message}}


def _url_problem(url: str) -> str | None:
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        return "The URL must not contain whitespace or control characters."
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return "The URL is not valid."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "The URL must be an absolute http or https URL."
    return None


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _sign(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class WebhookHub:
    """Admin webhooks of one emulated Jira site: storage, filtering and delivery.

    Thread-safe. Worker threads start on the first delivery and stop on `close`.
    """

    def __init__(
        self,
        *,
        retry_delays: Sequence[float] = (10.0, 60.0, 300.0),
        timeout: float = 5.0,
        dollar_variables: bool = True,
    ) -> None:
        # URL variables are `${issue.key}` (Cloud, DC <= 9) or `{issue.key}` (DC 10+).
        self._variable_format = "${{{}}}" if dollar_variables else "{{{}}}"
        self._retry_delays = tuple(float(d) for d in retry_delays)
        self._timeout = timeout
        self._cond = threading.Condition()
        self._hooks: dict[int, Webhook] = {}
        self._next_id = 1
        self._queue: list[tuple[float, int, _Job]] = []
        self._seq = itertools.count()
        self._log: deque[dict[str, Any]] = deque(maxlen=MAX_LOGGED_ATTEMPTS)
        # Bumped by reset(): attempts already in flight then neither log nor reschedule.
        self._generation = 0
        self._closed = False
        self._threads: list[threading.Thread] = []
        self._active: set[http.client.HTTPConnection] = set()

    # -- registrations -------------------------------------------------------------------

    def register(
        self, body: Any, *, base_url: str, user: Mapping[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        """Validate a `POST /rest/webhooks/1.0/webhook` body; 201 with the view, or 400."""
        created = self.create(body, user=user)
        if isinstance(created, Webhook):
            return 201, created.view(base_url)
        return created

    def create(self, body: Any, *, user: Mapping[str, Any]) -> Webhook | tuple[int, dict[str, Any]]:
        """Store a webhook from a `/rest/webhooks/1.0/webhook` body; the record, or (400, error)."""
        if not isinstance(body, Mapping):
            return _error(None, "The request body must be a JSON object.")
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            return _error("name", "The webhook name is required.")
        url = body.get("url")
        if not isinstance(url, str) or not url.strip():
            return _error("url", "The webhook URL is required.")
        problem = _url_problem(url)
        if problem is not None:
            return _error("url", problem)
        events = body.get("events")
        if not isinstance(events, list) or not events:
            return _error("events", "At least one event is required.")
        unknown = [e for e in events if not isinstance(e, str) or e not in KNOWN_EVENTS]
        if unknown:
            return _error("events", f"Unknown event(s): {', '.join(map(str, unknown))}.")
        filters = body.get("filters")
        if filters is None:
            filters = {}
        if not isinstance(filters, Mapping):
            return _error("filters", "Filters must be a JSON object.")
        jql = filters.get(FILTER_KEY)
        if jql is None:
            jql = ""
        if not isinstance(jql, str):
            return _error("filters", f"The '{FILTER_KEY}' filter must be a JQL string.")
        flags: dict[str, bool] = {}
        for field, default in (("excludeBody", False), ("enabled", True)):
            value = body.get(field, default)
            if value is None:
                value = default
            if not isinstance(value, bool):
                return _error(field, f"'{field}' must be true or false.")
            flags[field] = value
        secret = body.get("secret")
        if secret is not None and not isinstance(secret, str):
            return _error("secret", "The secret must be a string.")
        with self._cond:
            hook = Webhook(
                id=self._next_id,
                name=name,
                url=url,
                events=tuple(dict.fromkeys(events)),
                jql=jql,
                exclude_body=flags["excludeBody"],
                secret=secret or None,
                enabled=flags["enabled"],
                last_updated_ms=int(time.time() * 1000),
                account_id=user.get("accountId"),
                display_name=user.get("displayName"),
            )
            self._hooks[hook.id] = hook
            self._next_id += 1
        return hook

    def hook(self, webhook_id: int) -> Webhook | None:
        with self._cond:
            return self._hooks.get(webhook_id)

    def hooks(self) -> builtins.list[Webhook]:
        with self._cond:
            return sorted(self._hooks.values(), key=lambda h: h.id)

    def list(self, *, base_url: str) -> list[dict[str, Any]]:
        with self._cond:
            hooks = sorted(self._hooks.values(), key=lambda h: h.id)
        return [h.view(base_url) for h in hooks]

    def get(self, webhook_id: int, *, base_url: str) -> dict[str, Any] | None:
        with self._cond:
            hook = self._hooks.get(webhook_id)
        return None if hook is None else hook.view(base_url)

    def delete(self, webhook_id: int) -> bool:
        """Remove a webhook; its pending retries are dropped, as nothing is left to deliver to."""
        with self._cond:
            return self._hooks.pop(webhook_id, None) is not None

    def snapshot(self) -> builtins.list[dict[str, Any]]:
        """Registrations for the emulator's state dump: no secret, only whether one is set."""
        with self._cond:
            hooks = sorted(self._hooks.values(), key=lambda h: h.id)
        return [
            {
                "id": h.id,
                "name": h.name,
                "url": h.url,
                "events": list(h.events),
                "filters": {FILTER_KEY: h.jql},
                "excludeBody": h.exclude_body,
                "enabled": h.enabled,
                "has_secret": h.secret is not None,
                "lastUpdatedUser": h.account_id,
                "lastUpdatedDisplayName": h.display_name,
                "lastUpdated": h.last_updated_ms,
            }
            for h in hooks
        ]

    # -- events --------------------------------------------------------------------------

    def emit(
        self,
        event: str,
        payload: Mapping[str, Any],
        *,
        issue_key: str,
        issue_id: str,
        project_key: str,
        matches: Callable[[str], bool],
    ) -> None:
        """Queue a delivery to every webhook subscribed to `event` whose filter matches."""
        with self._cond:
            if self._closed:
                return
            hooks = [h for h in self._hooks.values() if h.enabled and event in h.events]
            generation = self._generation
        if not hooks:
            return
        raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        variables = {
            self._variable_format.format(name): quote(str(value), safe="")
            for name, value in (
                ("issue.key", issue_key),
                ("issue.id", issue_id),
                ("project.key", project_key),
            )
        }
        jobs: builtins.list[_Job] = []
        for hook in sorted(hooks, key=lambda h: h.id):
            if hook.jql.strip() and not self._filter_matches(hook, matches):
                continue
            url = hook.url
            for name, value in variables.items():
                url = url.replace(name, value)
            body = b"" if hook.exclude_body else raw
            jobs.append(
                _Job(
                    identifier=str(uuid.uuid4().int >> 64),
                    webhook_id=hook.id,
                    event=event,
                    url=url,
                    body=body,
                    exclude_body=hook.exclude_body,
                    signature=None if hook.secret is None else _sign(hook.secret, body),
                    attempt=0,
                    generation=generation,
                )
            )
        if not jobs:
            return
        with self._cond:
            if self._closed or generation != self._generation:
                return
            now = time.monotonic()
            for job in jobs:
                heapq.heappush(self._queue, (now, next(self._seq), job))
            self._start_workers()
            self._cond.notify_all()

    @staticmethod
    def _filter_matches(hook: Webhook, matches: Callable[[str], bool]) -> bool:
        try:
            return bool(matches(hook.jql))
        except Exception as exc:
            # Jira skips a webhook whose filter cannot be evaluated; the change itself stands.
            _log.warning("webhook %d filter not evaluated: %s", hook.id, type(exc).__name__)
            return False

    def deliveries(self) -> builtins.list[dict[str, Any]]:
        """Every delivery attempt, oldest first (copies; safe to mutate)."""
        with self._cond:
            return [{**a, "headers": dict(a["headers"])} for a in self._log]

    # -- lifecycle -----------------------------------------------------------------------

    def reset(self) -> None:
        """Forget registrations, pending retries and the delivery log; ids restart at 1."""
        with self._cond:
            self._hooks.clear()
            self._queue.clear()
            self._log.clear()
            self._next_id = 1
            self._generation += 1
            self._cond.notify_all()

    def close(self) -> None:
        """Stop the workers, aborting deliveries in flight; later events are not delivered."""
        with self._cond:
            self._closed = True
            self._queue.clear()
            active = list(self._active)
            threads = list(self._threads)
            self._cond.notify_all()
        for conn in active:
            sock = conn.sock
            if sock is not None:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + self._timeout + 1.0
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    # -- delivery ------------------------------------------------------------------------

    def _start_workers(self) -> None:
        """Start the pool once; the caller holds the lock."""
        if self._threads:
            return
        for n in range(WORKERS):
            thread = threading.Thread(
                target=self._work, name=f"jira-emulator-webhook-{n}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _next_job(self) -> _Job | None:
        """Block until a job is due (None once closed)."""
        with self._cond:
            while not self._closed:
                if not self._queue:
                    self._cond.wait()
                    continue
                wait = self._queue[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                job = heapq.heappop(self._queue)[2]
                if job.generation == self._generation and job.webhook_id in self._hooks:
                    return job
            return None

    def _work(self) -> None:
        while (job := self._next_job()) is not None:
            self._attempt(job)

    def _attempt(self, job: _Job) -> None:
        headers = self._headers(job)
        status, error = self._post(job, headers)
        if status is not None:
            retry = status in RETRYABLE_STATUSES
            ok = 200 <= status < 300
            if not ok:
                error = f"HTTP {status}"
        else:
            retry, ok = True, False
        if ok:
            outcome = "delivered"
        elif not retry:
            outcome = "failed"
        elif job.attempt < len(self._retry_delays):
            outcome = "retry_scheduled"
        else:
            outcome = "gave_up"
        record = {
            "id": job.identifier,
            "webhook_id": job.webhook_id,
            "event": job.event,
            "url": job.url,
            "attempt": job.attempt,
            "headers": headers,
            "body": job.body.decode("utf-8"),
            "status": status,
            "outcome": outcome,
            "error": error,
            "at": _now_iso(),
        }
        with self._cond:
            if self._closed or job.generation != self._generation:
                return
            self._log.append(record)
            if outcome == "retry_scheduled":
                due = time.monotonic() + self._retry_delays[job.attempt]
                retry_job = _Job(
                    identifier=job.identifier,
                    webhook_id=job.webhook_id,
                    event=job.event,
                    url=job.url,
                    body=job.body,
                    exclude_body=job.exclude_body,
                    signature=job.signature,
                    attempt=job.attempt + 1,
                    generation=job.generation,
                )
                heapq.heappush(self._queue, (due, next(self._seq), retry_job))
                self._cond.notify_all()

    @staticmethod
    def _headers(job: _Job) -> dict[str, str]:
        parts = urlsplit(job.url)
        headers = {"Host": parts.netloc.rpartition("@")[2]}
        if not job.exclude_body:
            headers["Content-Type"] = "application/json; charset=utf-8"
        headers["Content-Length"] = str(len(job.body))
        headers["User-Agent"] = USER_AGENT
        headers["X-Atlassian-Webhook-Identifier"] = job.identifier
        if job.attempt > 0:
            headers["X-Atlassian-Webhook-Retry"] = str(job.attempt)
        if job.signature is not None:
            headers["X-Hub-Signature"] = job.signature
        return headers

    def _post(self, job: _Job, headers: Mapping[str, str]) -> tuple[int | None, str | None]:
        """POST exactly `headers` and the body; (status, None) or (None, transport error)."""
        parts = urlsplit(job.url)
        host = parts.hostname or ""
        conn: http.client.HTTPConnection
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(
                host, parts.port, timeout=self._timeout, context=ssl.create_default_context()
            )
        else:
            conn = http.client.HTTPConnection(host, parts.port, timeout=self._timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        with self._cond:
            if self._closed:
                return None, "hub closed"
            self._active.add(conn)
        try:
            conn.putrequest("POST", target, skip_host=True, skip_accept_encoding=True)
            for name, value in headers.items():
                conn.putheader(name, value)
            conn.endheaders(job.body or None)
            response = conn.getresponse()
            response.read(_MAX_RESPONSE_READ)
            return response.status, None
        except (OSError, http.client.HTTPException) as exc:
            return None, _describe(exc)
        finally:
            with self._cond:
                self._active.discard(conn)
            conn.close()

"""The only code of jira-sync that talks HTTP to Jira.

One ``request`` does auth, timeouts bounded by the Lambda's time left, retries of idempotent
calls (Retry-After honoured, never past the deadline) and maps every failure onto a typed
``JiraError``. Each Jira operation is then a small method on top of it, whose answer is parsed
here into a model of ``jira_sync.models.jira``: use cases never handle Jira's raw JSON, and a
malformed answer is a ``JiraUnavailable`` (502) naming the field, not a crash further in.

Typed errors are raised outside ``except`` blocks so that no requests/urllib3 exception (which
holds the prepared request and its Authorization header) hangs off ``__context__``.

``PinnedAdapter`` is the transport: it connects only to an address it has just checked.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import requests
import urllib3.exceptions
from pydantic import BaseModel, ValidationError
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import ConnectionPool

from jira_sync.jira import urls
from jira_sync.jira.auth import JiraBasicAuth, JiraBearerAuth
from jira_sync.jira.dialect import CLOUD, Dialect
from jira_sync.jira.errors import (
    JiraAuthError,
    JiraError,
    JiraNotFound,
    JiraRateLimited,
    JiraRejected,
    JiraUnavailable,
    describe,
    parse_error_body,
)
from jira_sync.jira.retry import (
    RETRY_AFTER_STATUSES,
    RETRYABLE_STATUSES,
    RetryPolicy,
    is_idempotent,
    parse_retry_after,
)
from jira_sync.models.jira import (
    Account,
    CreateField,
    CreateFieldPage,
    Issue,
    IssueProperty,
    IssueType,
    IssueTypePage,
    MyPermissions,
    Project,
    ProjectStatuses,
    SearchResults,
    ServerInfo,
    TenantInfo,
    Transition,
    Transitions,
)
from jira_sync.observability import count, logger

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 10.0
USER_AGENT = "jira-sync"

PAGE_SIZE = 50
# Searches that must see every match: a page of issues (ids and keys, Cloud also one property,
# which Jira serves up to 5000 of per page), and the most matches checked before giving up.
SEARCH_PAGE_SIZE = 100
MAX_MARKED_ISSUES = 500

RemainingTime = Callable[[], float]
Resolver = Callable[[str], list[str]]
ModelT = TypeVar("ModelT", bound=BaseModel)
PageT = TypeVar("PageT", IssueTypePage, CreateFieldPage)
ItemT = TypeVar("ItemT")


# 4xx statuses that say Jira did not start on the request (retryable later, never refusals).
NOT_TAKEN_ON_STATUSES = frozenset({408, 425})


@dataclass(frozen=True, slots=True)
class _Failure:
    error: JiraError
    retryable: bool


def api_path(template: str, *parts: str) -> str:
    """``template`` with each ``{}`` filled by a percent-encoded path segment.

    ``api_path("/rest/api/3/project/{}", key)`` keeps a key like ``../x`` from changing the path.
    """
    return template.format(*(quote(str(part), safe="") for part in parts))


class NotSent(requests.ConnectionError):
    """The transport would not connect, so nothing reached Jira. ``retryable`` when the name
    did not resolve (DNS may answer next time), not when it resolves to a refused address."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class PinnedAdapter(HTTPAdapter):
    """Connects only to an address it has just resolved and checked as the URL check does.

    urllib3 would resolve the name again for each new connection, apart from the check in
    ``normalize_jira_url``: a name rebound to 127.0.0.1 in between is connected to. Here every
    request resolves the host through ``resolve`` and checks every answer
    (``urls.checked_addresses``), then uses the pool of one checked address, with the Host
    header, SNI and certificate check on the name (urllib3's ``server_hostname``). Checking per
    request, not pinning per client, means a warm container never trusts a stale answer, for
    one resolver call per request (what urllib3 spends per new connection anyway). The address
    last used comes first while the name still resolves to it, so kept-alive connections stay
    in use; a refused connection moves on to the next checked address, as urllib3 does.

    Loopback addresses pass when ``allow_loopback`` is set or the URL's host is itself
    loopback (such a URL only passes the URL check on the local stack). Proxies are never
    used: a proxy would resolve the name itself, past the check.
    """

    def __init__(self, *, resolve: Resolver | None = None, allow_loopback: bool = False) -> None:
        super().__init__(max_retries=0)
        self._resolve = resolve
        self._allow_loopback = allow_loopback
        self._sending = threading.local()
        self._last: dict[str, str] = {}

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        parts = urlsplit(request.url or "")
        host = parts.hostname or ""
        addresses = self._checked(host)
        if not urls.is_ip_literal(host):
            request.headers["Host"] = parts.netloc.rpartition("@")[2]
        for index, address in enumerate(addresses):
            self._sending.address = address
            try:
                response = super().send(request, stream, timeout, verify, cert, proxies=None)
            except requests.ConnectionError as error:
                if index + 1 < len(addresses) and _refused(error):
                    continue
                raise
            finally:
                self._sending.address = None
            self._last[host] = address
            return response
        raise NotSent(f"no address of the Jira host {host!r} to connect to", retryable=False)

    def get_connection_with_tls_context(
        self,
        request: requests.PreparedRequest,
        verify: bool | str | None,
        proxies: Mapping[str, str] | None = None,
        cert: tuple[str, str] | str | None = None,
    ) -> ConnectionPool:
        """The pool of the address ``send`` checked, TLS checked against the name; no proxy."""
        address = getattr(self._sending, "address", None)
        if address is None:
            raise NotSent("no checked address: connections go through send()", retryable=False)
        host_params, tls = self.build_connection_pool_key_attributes(
            request, True if verify is None else verify, cert
        )
        pool_kwargs: dict[str, Any] = dict(tls)
        if address != host_params["host"]:
            pool_kwargs["server_hostname"] = host_params["host"]
        pool: ConnectionPool = self.poolmanager.connection_from_host(
            address, host_params["port"], host_params["scheme"], pool_kwargs=pool_kwargs
        )
        return pool

    def _checked(self, host: str) -> list[str]:
        """The host's addresses, each checked now; the one last used first."""
        loopback = self._allow_loopback or urls.is_loopback_host(host)
        try:
            found = (
                [host] if urls.is_ip_literal(host) else (self._resolve or urls.resolve_host)(host)
            )
        except (OSError, UnicodeError, ValueError):
            found = []
        try:
            addresses = urls.checked_addresses(host, found, allow_loopback=loopback)
        except urls.UnresolvedJiraHost:
            refusal, retryable = f"the Jira host {host!r} could not be resolved", True
        except urls.InvalidJiraUrl as error:
            refusal, retryable = f"not sent: {error}", False
        else:
            last = self._last.get(host)
            return sorted(addresses, key=lambda address: address != last)
        raise NotSent(refusal, retryable=retryable)


def new_session(
    *, resolve: Resolver | None = None, allow_loopback: bool = False
) -> requests.Session:
    """A session that asks for JSON, connects only to checked addresses (``PinnedAdapter``)
    and leaves retrying to the client (urllib3 retries off)."""
    session = requests.Session()
    adapter = PinnedAdapter(resolve=resolve, allow_loopback=allow_loopback)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
    return session


class JiraClient:
    """Jira REST client for one credential: Basic ``login:token``, or ``Bearer`` with a Data
    Center personal access token (``bearer``, or no login).

    ``base_url`` is a site (``https://acme.atlassian.net``), the scoped-token gateway
    (``https://api.atlassian.com/ex/jira/<cloudId>``) or a Data Center base URL (which may
    have a context path, ``https://jira.example.com/jira``); API paths are appended to it, in
    ``dialect``'s API version. It should
    have passed ``jira_sync.jira.urls.normalize_jira_url`` first. ``remaining_time`` returns the
    seconds the Lambda invocation has left (None: no deadline). ``resolve`` and
    ``allow_loopback`` go to the session's ``PinnedAdapter`` (``resolve_host``; loopback only
    for a loopback URL).
    """

    def __init__(
        self,
        base_url: str,
        email: str | None,
        api_token: str,
        *,
        dialect: Dialect = CLOUD,
        bearer: bool = False,
        remaining_time: RemainingTime | None = None,
        session: requests.Session | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        resolve: Resolver | None = None,
        allow_loopback: bool = False,
    ) -> None:
        if not base_url.startswith(("https://", "http://")):
            raise ValueError("Jira base URL must start with https:// (or http:// for loopback)")
        self.base_url = base_url.rstrip("/")
        self.dialect = dialect
        self._auth: JiraBasicAuth | JiraBearerAuth
        if bearer or email is None:
            self._auth = JiraBearerAuth(api_token)
        else:
            self._auth = JiraBasicAuth(email, api_token)
        self.session = (
            session
            if session is not None
            else new_session(resolve=resolve, allow_loopback=allow_loopback)
        )
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.retry = retry if retry is not None else RetryPolicy()
        self._remaining_time = remaining_time
        self._sleep = sleep

    @property
    def identity(self) -> str:
        """Who the client calls Jira as, for keying what Jira shows that account: the login,
        or for a PAT a digest of it (never the token)."""
        return self._auth.email or self._auth.digest

    @property
    def email(self) -> str | None:
        """The Basic login (an email on Cloud, a username on Data Center); None with a PAT."""
        return self._auth.email

    def __repr__(self) -> str:
        return f"JiraClient(base_url={self.base_url!r}, email={self.email!r})"

    def with_deadline(self, remaining_time: RemainingTime | None) -> JiraClient:
        """The same client and session, bounded by another invocation's time left."""
        clone = copy.copy(self)
        clone._remaining_time = remaining_time
        return clone

    # -- Jira operations: one small method each -------------------------------------------

    def myself(self) -> Account:
        """The account the credential authenticates as."""
        return self._answer(Account, self.dialect.api + "/myself")

    def server_info(self, *, anonymous: bool = False) -> ServerInfo:
        """Public on both deployments, and at the same v2 path: how a URL's deployment is
        found before its API version is known."""
        return self._answer(ServerInfo, "/rest/api/2/serverInfo", anonymous=anonymous)

    def tenant_cloud_id(self) -> str:
        """The site's cloudId. Asked without credentials: the page is public, and the token
        it follows up on was just refused by this site."""
        return self._answer(TenantInfo, "/_edge/tenant_info", anonymous=True).cloud_id

    def project(self, key: str) -> Project:
        return self._answer(Project, api_path(self.dialect.api + "/project/{}", key))

    def project_statuses(self, key: str) -> list[str]:
        """Distinct status names over the project's issue types, in Jira's order."""
        path = api_path(self.dialect.api + "/project/{}/statuses", key)
        return self._answer(ProjectStatuses, path).names()

    def my_permissions(self, project_key: str, permissions: Sequence[str]) -> dict[str, bool]:
        """Whether the account holds each of ``permissions`` in the project (absent: False)."""
        if not permissions:
            return {}
        held = self._answer(
            MyPermissions,
            self.dialect.api + "/mypermissions",
            params={"projectKey": project_key, "permissions": ",".join(permissions)},
        ).permissions
        return {name: name in held and held[name].have_permission for name in permissions}

    def create_meta_issue_types(self, project_key: str) -> list[IssueType]:
        """The issue types a project can create (every page)."""
        path = api_path(self.dialect.api + "/issue/createmeta/{}/issuetypes", project_key)
        return self._pages(path, IssueTypePage, lambda page: page.issue_types)

    def create_meta_fields(self, project_key: str, issue_type_id: str) -> list[CreateField]:
        """The create screen's fields of one issue type (every page)."""
        path = api_path(
            self.dialect.api + "/issue/createmeta/{}/issuetypes/{}", project_key, issue_type_id
        )
        return self._pages(path, CreateFieldPage, lambda page: page.fields)

    def create_issue(
        self, fields: Mapping[str, Any], properties: Sequence[Mapping[str, Any]] = ()
    ) -> Issue:
        """``POST /issue``: ``{id, key, self}``. Resent only after a 429 (nothing was made)."""
        body: dict[str, Any] = {"fields": dict(fields)}
        if properties:
            body["properties"] = [dict(item) for item in properties]
        return self._answer(Issue, self.dialect.api + "/issue", "POST", json=body, expected=(201,))

    def add_attachment(
        self, issue_key: str, filename: str, content: bytes, media_type: str = "text/csv"
    ) -> list[Any]:
        """Uploads one file; Jira wants the part named ``file`` and its XSRF opt-out header."""
        method, path = "POST", api_path(self.dialect.api + "/issue/{}/attachments", issue_key)
        data = self.request_json(
            method,
            path,
            files={"file": (filename, content, media_type)},
            headers={"X-Atlassian-Token": "no-check"},
            expected=(200,),
        )
        if not isinstance(data, list):
            raise _shape_error(method, path, "a JSON array", None)
        return data

    def add_comment(
        self,
        issue_key: str,
        body: Mapping[str, Any] | str,
        properties: Sequence[Mapping[str, Any]] = (),
    ) -> str:
        """Adds a comment (ADF on v3, wiki markup on v2); returns its id. A POST: resent only
        after a 429."""
        payload: dict[str, Any] = {"body": body if isinstance(body, str) else dict(body)}
        if properties:
            payload["properties"] = [dict(item) for item in properties]
        method, path = "POST", api_path(self.dialect.api + "/issue/{}/comment", issue_key)
        data = self.request_json(method, path, json=payload, expected=(201,))
        comment_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(comment_id, str):
            raise _shape_error(method, path, "a comment with an id", None)
        return comment_id

    def find_comment(self, issue_key: str, property_key: str, field: str, value: str) -> str | None:
        """The id of the newest of the ticket's last 100 comments whose property
        ``property_key`` has ``field`` = ``value``: how a comment whose answer was lost is
        found again."""
        data = self.request_json(
            "GET",
            api_path(self.dialect.api + "/issue/{}/comment", issue_key),
            params={"expand": "properties", "orderBy": "-created", "maxResults": 100},
        )
        comments = data.get("comments") if isinstance(data, dict) else None
        for comment in comments if isinstance(comments, list) else []:
            for entry in comment.get("properties") or [] if isinstance(comment, dict) else []:
                held = entry.get("value") if isinstance(entry, dict) else None
                if (
                    entry.get("key") == property_key
                    and isinstance(held, dict)
                    and held.get(field) == value
                    and isinstance(comment.get("id"), str)
                ):
                    return str(comment["id"])
        return None

    def transitions(self, issue_key: str) -> list[Transition]:
        """Transitions available from the issue's current status, with their screen fields."""
        return self._answer(
            Transitions,
            api_path(self.dialect.api + "/issue/{}/transitions", issue_key),
            params={"expand": "transitions.fields"},
        ).transitions

    def transition(
        self, issue_key: str, transition_id: str, fields: Mapping[str, Any] | None = None
    ) -> None:
        """Moves the issue through one transition (204). A POST: resent only after a 429."""
        body: dict[str, Any] = {"transition": {"id": transition_id}}
        if fields:
            body["fields"] = dict(fields)
        self.request(
            "POST",
            api_path(self.dialect.api + "/issue/{}/transitions", issue_key),
            json=body,
            expected=(204,),
        )

    def issue_status(self, issue_key: str) -> str | None:
        """The issue's current status name."""
        issue = self._answer(
            Issue, api_path(self.dialect.api + "/issue/{}", issue_key), params={"fields": "status"}
        )
        return None if issue.status is None else issue.status.name

    def search_marked(
        self,
        jql: str,
        property_key: str,
        *,
        page_size: int = SEARCH_PAGE_SIZE,
        max_issues: int = MAX_MARKED_ISSUES,
    ) -> Iterator[Issue]:
        """Issues matching ``jql``, in Jira's order, each with its ``property_key`` property in
        ``Issue.properties`` (no entry: the issue does not have it), fetched as they are read.

        Cloud's ``/search/jql`` returns the property with each issue (``properties``), one call
        per page, walked by ``nextPageToken``. Data Center's ``/search`` has no ``properties``
        parameter: its pages (``startAt``/``total``) give the keys, and each issue's property is
        read on its own. More than ``max_issues`` matches is a ``JiraUnavailable``, never a
        silent cut: a caller taking "not among them" for "absent" must have seen them all.
        """
        cloud = self.dialect.deployment == "cloud"
        path = self.dialect.search_path
        params: dict[str, Any] = {"jql": jql, "fields": "key", "maxResults": page_size}
        if cloud:
            params["properties"] = property_key
        token: str | None = None
        seen = 0
        while True:
            paging: dict[str, Any]
            if cloud:
                paging = {} if token is None else {"nextPageToken": token}
            else:
                paging = {"startAt": seen}
            page = self._answer(SearchResults, path, params=params | paging)
            for issue in page.issues:
                seen += 1
                if seen > max_issues:
                    raise JiraUnavailable(
                        f"GET {path}: more than {max_issues} issues match the search, so not "
                        "all of them could be checked",
                        method="GET",
                        path=path,
                    )
                yield issue if cloud else self._with_property(issue, property_key)
            token = page.next_page_token
            if not page.issues or (token is None if cloud else seen >= (page.total or 0)):
                return

    def _with_property(self, issue: Issue, property_key: str) -> Issue:
        """The issue with its ``property_key`` property read (``GET .../properties/{key}``);
        Jira answers 404 when the issue does not have it."""
        path = api_path(self.dialect.api + "/issue/{}/properties/{}", issue.key, property_key)
        try:
            found = self._answer(IssueProperty, path)
        except JiraNotFound:
            return issue
        return issue.model_copy(update={"properties": {property_key: found.value}})

    # -- plumbing --------------------------------------------------------------------------

    def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        expected: tuple[int, ...] = (200, 201, 204),
        anonymous: bool = False,
    ) -> Any:
        """``request`` and its JSON body (None when empty); unreadable JSON → JiraUnavailable."""
        response = self.request(
            method,
            path,
            params=params,
            json=json,
            files=files,
            headers=headers,
            idempotent=idempotent,
            expected=expected,
            anonymous=anonymous,
        )
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            pass
        raise JiraUnavailable(
            f"{method.upper()} {path}: Jira answered HTTP {response.status_code} with a body "
            f"that is not JSON ({_content_summary(response)})",
            method=method.upper(),
            path=path,
            status=response.status_code,
            uncertain=not is_idempotent(method, idempotent),
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        expected: tuple[int, ...] = (200, 201, 204),
        anonymous: bool = False,
    ) -> requests.Response:
        """Send ``method`` to ``base_url + path``; the response when its status is ``expected``.
        ``anonymous`` sends no credentials.

        Idempotent calls (by method, or ``idempotent=True``) are retried on connection errors,
        timeouts, 429 and 502/503/504 up to ``retry.max_attempts`` times; others only on 429,
        which Jira sends before it processes anything.
        Raises a ``JiraError`` subclass otherwise.
        """
        method = method.upper()
        url = self._url(path)
        retry_allowed = is_idempotent(method, idempotent)
        attempt = 0
        while True:
            attempt += 1
            timeout = self._timeout(method, path)
            started = time.monotonic()
            outcome = self._send(
                method, path, url, timeout, params, json, files, headers, anonymous
            )
            if isinstance(outcome, _Failure):
                failure = outcome
            else:
                logger.debug(
                    "Jira call",
                    method=method,
                    path=path,
                    status=outcome.status_code,
                    ms=round((time.monotonic() - started) * 1000),
                    attempt=attempt,
                )
                if outcome.status_code in expected:
                    return outcome
                failure = self._status_failure(method, path, outcome)
            if isinstance(failure.error, JiraRateLimited):
                count("Jira_429")
            # Jira answers 429 before doing anything, so even a create may be sent again.
            resend = retry_allowed or isinstance(failure.error, JiraRateLimited)
            wait = self._retry_wait(failure, attempt) if resend else None
            if wait is None:
                logger.info(
                    "Jira call failed", method=method, path=path, error=failure.error.message
                )
                raise failure.error
            count("Jira_retry")
            logger.warning(
                "Jira call failed: retrying",
                method=method,
                path=path,
                error=failure.error.message,
                retry=attempt,
                of=self.retry.max_attempts - 1,
                wait_seconds=round(wait, 2),
            )
            self._sleep(wait)

    def _send(
        self,
        method: str,
        path: str,
        url: str,
        timeout: tuple[float, float],
        params: Mapping[str, Any] | None,
        json: Any,
        files: Any,
        headers: Mapping[str, str] | None,
        anonymous: bool = False,
    ) -> requests.Response | _Failure:
        """One attempt. A failure is returned, not raised, so no requests exception is chained."""
        try:
            return self.session.request(
                method,
                url,
                params=params,
                json=json,
                files=files,
                headers=headers,
                auth=None if anonymous else self._auth,
                timeout=timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            return self._transport_failure(method, path, exc, timeout)

    def _answer(self, model: type[ModelT], path: str, method: str = "GET", **kwargs: Any) -> ModelT:
        """``request_json`` parsed into ``model``; a malformed answer is JiraUnavailable (502)."""
        data = self.request_json(method, path, **kwargs)
        try:
            return model.model_validate(data)
        except ValidationError as error:
            wanted = _wanted(error)
        # Raised here, outside the except block, like every typed error of this client.
        raise _shape_error(method, path, wanted, kwargs.get("idempotent"))

    def _pages(
        self, path: str, model: type[PageT], items: Callable[[PageT], Sequence[ItemT]]
    ) -> list[ItemT]:
        """Every item of a ``startAt``/``maxResults``/``total`` paged list."""
        found: list[ItemT] = []
        while True:
            page = self._answer(
                model, path, params={"startAt": len(found), "maxResults": PAGE_SIZE}
            )
            batch = items(page)
            found.extend(batch)
            if not batch or page.total is None or len(found) >= page.total:
                return found

    def _url(self, path: str) -> str:
        if not path.startswith("/") or path.startswith("//") or "://" in path:
            raise ValueError(f"Jira API path must be absolute within the site: {path!r}")
        return self.base_url + path

    def _budget(self) -> float | None:
        """Seconds usable before the deadline margin; None without a deadline."""
        if self._remaining_time is None:
            return None
        return self._remaining_time() - self.retry.deadline_margin

    def _timeout(self, method: str, path: str) -> tuple[float, float]:
        budget = self._budget()
        if budget is None:
            return (self.connect_timeout, self.read_timeout)
        if budget < self.retry.min_attempt_seconds:
            raise JiraUnavailable(
                f"{method} {path}: not sent, too little time left in this invocation "
                f"({max(budget, 0.0):.1f} s after the safety margin)",
                method=method,
                path=path,
            )
        return (min(self.connect_timeout, budget), min(self.read_timeout, budget))

    def _retry_wait(self, failure: _Failure, attempt: int) -> float | None:
        """Seconds to sleep before the next attempt, or None to give up now."""
        if not failure.retryable or attempt >= self.retry.max_attempts:
            return None
        error = failure.error
        if error.status in RETRY_AFTER_STATUSES and error.retry_after is not None:
            if error.retry_after > self.retry.max_retry_after:
                return None
            wait = error.retry_after
        else:
            wait = self.retry.backoff(attempt)
        budget = self._budget()
        if budget is not None and wait + self.retry.min_attempt_seconds > budget:
            return None
        return wait

    def _status_failure(self, method: str, path: str, response: requests.Response) -> _Failure:
        status = response.status_code
        messages, errors = parse_error_body(response.content)
        messages = [self._auth.redact(text) for text in messages]
        errors = {key: self._auth.redact(text) for key, text in errors.items()}
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        said = describe(messages, errors)
        kind: type[JiraError]
        note = ""
        if status == 401:
            kind = JiraAuthError
            note = (
                "authentication failed: check the account email and API token; a scoped API "
                "token only works through https://api.atlassian.com/ex/jira/<cloudId>"
            )
        elif status == 403:
            kind, note = JiraAuthError, "the account lacks a permission this needs"
        elif status == 404:
            kind, note = JiraNotFound, "not found, or the account cannot see it"
        elif status == 429:
            kind = JiraRateLimited
            note = "rate limited"
            if retry_after is not None:
                note += f", Retry-After {retry_after:g} s"
        elif 300 <= status < 400:
            kind, note = JiraRejected, "a redirect, which is not followed: use the site's final URL"
            said = ""
        elif status in NOT_TAKEN_ON_STATUSES:
            # 408 (Jira gave up waiting for the request) and 425 (too early): nothing was done,
            # and the same request later may work, so they are transient, not refusals.
            kind, note = JiraUnavailable, "Jira did not take the request on: try again later"
        elif 400 <= status < 500:
            kind = JiraRejected
        else:
            kind = JiraUnavailable
            if status < 500:
                note = "a status this call does not expect"
            if not said and response.content:
                said = _content_summary(response)
        message = f"{method} {path}: Jira answered HTTP {status}"
        message += (f" ({note})" if note else "") + (f": {said}" if said else "")
        error = kind(
            message,
            method=method,
            path=path,
            status=status,
            error_messages=messages,
            errors=errors,
            retry_after=retry_after,
        )
        if isinstance(error, JiraUnavailable):
            # A 503, 408 or 425 means Jira did not take the request on; others leave it open.
            error.uncertain = status not in {503, *NOT_TAKEN_ON_STATUSES}
        return _Failure(error, retryable=status in RETRYABLE_STATUSES)

    def _transport_failure(
        self,
        method: str,
        path: str,
        exc: requests.RequestException,
        timeout: tuple[float, float],
    ) -> _Failure:
        """A typed error for a failure below HTTP; its text names the kind of failure and
        where the call went (the base URL holds no secret), since nothing answered to say."""
        uncertain = True
        retryable = True
        if isinstance(exc, NotSent):
            what, uncertain, retryable = exc.reason, False, exc.retryable
        elif isinstance(exc, requests.ConnectTimeout):
            what = f"could not connect within {timeout[0]:.1f} s"
            uncertain = False
        elif isinstance(exc, requests.ReadTimeout):
            what = f"no answer within {timeout[1]:.1f} s"
        elif isinstance(exc, requests.exceptions.SSLError):
            what = "the TLS handshake failed (check the site's certificate)"
            uncertain = False
            retryable = False
        elif isinstance(exc, requests.ConnectionError):
            if _never_connected(exc):
                what = "could not connect"
                uncertain = False
            else:
                what = "the connection was dropped before Jira answered"
        elif isinstance(
            exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError
        ):
            what = "Jira's answer was cut off or unreadable"
        else:
            what = f"the request could not be sent ({type(exc).__name__})"
            uncertain = False
            retryable = False
        error = JiraUnavailable(
            f"{method} {self.base_url}{path}: {what}", method=method, path=path, uncertain=uncertain
        )
        return _Failure(error, retryable=retryable)


def _refused(exc: requests.ConnectionError) -> bool:
    """True when the connection itself failed at once (refused, unreachable), not timed out."""
    reason: BaseException | None = exc.args[0] if exc.args else None
    if isinstance(reason, urllib3.exceptions.MaxRetryError):
        reason = reason.reason
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _never_connected(exc: requests.ConnectionError) -> bool:
    """True when the failure happened before any byte of the request could have been sent."""
    reason: BaseException | None = exc.args[0] if exc.args else None
    if isinstance(reason, urllib3.exceptions.MaxRetryError):
        reason = reason.reason
    return isinstance(
        reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError
    )


def _shape_error(method: str, path: str, wanted: str, idempotent: bool | None) -> JiraUnavailable:
    """A 502 naming what the answer lacks; for a POST its outcome is unknown, as a lost answer."""
    return JiraUnavailable(
        f"{method.upper()} {path}: Jira's answer is not {wanted}",
        method=method.upper(),
        path=path,
        uncertain=not is_idempotent(method, idempotent),
    )


def _wanted(error: ValidationError) -> str:
    """What the answer should have been, from its first problem; never Jira's values."""
    first = error.errors(include_url=False, include_input=False, include_context=False)[0]
    if not first["loc"]:
        return "a JSON array" if first["type"] == "list_type" else "a JSON object"
    where = ".".join(str(part) for part in first["loc"])
    return f"in the expected shape ({where}: {first['msg']})"


def _content_summary(response: requests.Response) -> str:
    content_type = response.headers.get("Content-Type", "no content type")
    return f"{content_type}, {len(response.content)} bytes"

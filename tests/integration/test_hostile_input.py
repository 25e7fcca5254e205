"""No input makes any route answer 5xx: every handler in process (API Gateway v2 events, moto
for AWS, the Jira emulator over real HTTP) against hostile bodies, path parameters and headers.

Bodies are nested 100,000 deep, carry 5,000-digit numbers, NaN/Infinity literals, lone
surrogates, wrong types, huge strings, hostile URLs, or are base64 garbage; they are also valid
bodies with one value swapped for such a thing, so that the models and the use cases behind
them are reached too. The webhook route answers 200 whatever happens (its contract), so there
the property is that 200; elsewhere also that no handler logged an unexpected error.
"""

from __future__ import annotations

import base64
import copy
import importlib
import json
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from jira_sync.jira.webhook_signature import sign
from jira_sync.jira.webhook_token import url_token
from tests.integration.test_credentials_handler import LambdaContext, credential_body, sample
from tests.unit.test_function_routes import template_routes

SECRET = "hostile-webhook-secret-0123456789"
ROUTES = sorted(
    (route, function) for function, routes in template_routes().items() for route in routes
)
PARAMETER = re.compile(r"{(\w+)}")

HUGE = "x" * 300_000
URLS = [
    "http://[::1",
    "http://[]:8320",
    "https://[::1]x",
    "https://acme.atlassian.net:22",
    "https://acme.atlassian.net:8443",
    "https://api.atlassian.com:8443/ex/jira/11111111-2222-4333-8444-555555555555",
    "https://169.254.169.254",
    "http://0x7f.1",
    "https://user:pw@acme.atlassian.net",
    "https://evil.example",
    "https://äcme.atlassian.net",
    "javascript:alert(1)",
    "https://acme.atlassian.net/\x00",
    "https://" + "a" * 3000 + ".atlassian.net",
]
RAW_BODIES = [
    "[" * 100_000,
    "{" * 50_000,
    '{"a":' * 5_000 + "1" + "}" * 5_000,
    "1" * 5_000,
    '{"state": ' + "9" * 5_000 + "}",
    "NaN",
    '{"state": NaN}',
    '{"state": Infinity}',
    '{"state": -Infinity}',
    '{"state": 1e400}',
    '{"state": "\\ud800"}',
    '{"\\udfff": 1}',
    '{"state": "open"',
    '{"state": "open"} trailing',
    "\ufeff{}",
    "\ud800",
    "null",
    "[]",
    '"text"',
    json.dumps({"name": HUGE}),
]
MARKDOWN = ["> " * 10_000 + "x", "- " * 10_000 + "x", "*" * 50_000, "[" * 50_000, "`" * 10_000]

any_text = st.text(st.characters(exclude_categories=()), max_size=40)  # lone surrogates too
numbers = st.one_of(
    st.integers(min_value=-(10**60), max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.just(10**4000),
)
scalars = st.one_of(
    st.none(), st.booleans(), numbers, any_text, st.sampled_from([*URLS, *MARKDOWN, HUGE])
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(any_text, inner, max_size=4)
    ),
    max_leaves=12,
)
hostile_ids = st.one_of(
    any_text, st.sampled_from(["", "..", "../credentials", "%00", "x" * 5_000, "SEC-1 OR 1=1"])
)
headers = st.dictionaries(
    st.sampled_from(
        ["content-type", "x-hub-signature", "x-atlassian-webhook-identifier", "host", "x-" * 30]
    )
    | any_text,
    any_text | st.just(HUGE),
    max_size=4,
)


class World:
    """What the routes can refer to: a credential with issue "linked" linked to SEC-1 through
    it, and a spare credential for the routes that change or delete credentials (so that the
    first one keeps working for tickets whatever the examples do)."""

    def __init__(self, jira: Any) -> None:
        self.apps = {
            name: importlib.import_module(f"functions.{name}.app")
            for name in {function for _, function in ROUTES}
        }
        self.credential = credential_body(jira, webhook_secret=SECRET)
        status, created = self.call("POST /credentials", {}, json.dumps(self.credential))
        assert status == 201, created
        self.credential_id = created["credential_id"]
        status, spare = self.call("POST /credentials", {}, json.dumps(self.credential))
        assert status == 201, spare
        self.spare_id = spare["credential_id"]
        self.ticket = {
            "credential_id": self.credential_id,
            "issue": {"name": "SQL injection", "description": "The **q** parameter."},
            "snapshot": {"rows": [{"url": "/search", "score": 9.1}]},
        }
        status, linked = self.call(
            "POST /issues/{issue_id}/ticket", {"issue_id": "linked"}, json.dumps(self.ticket)
        )
        assert status == 201, linked
        self.webhook = json.loads(sample("webhook-jira-issue-updated")["body"])
        self.webhook["issue"]["self"] = f"{jira.base_url}/rest/api/2/issue/10000"
        self.webhook["issue"]["key"] = "SEC-1"

    def ids(self, route: str) -> dict[str, st.SearchStrategy[str]]:
        """Ids that exist or are well formed (never one a DELETE could remove), by parameter."""
        deleting = route.startswith("DELETE")
        credential = self.spare_id if route.startswith(("PATCH", "DELETE")) else self.credential_id
        return {
            "credential_id": st.just(
                "0e6c9a4e-5b1d-4f3a-9c2e-1a0000000001" if deleting else credential
            ),
            "issue_id": st.sampled_from(["fresh-1" if deleting else "linked", "fresh-2"])
            | st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,20}", fullmatch=True),
            "issue_key": st.just("SEC-1") | st.from_regex(r"[A-Z]{2,5}-[0-9]{1,4}", fullmatch=True),
            # The token route: the credential's token (it signs with a secret, so the token is
            # not its proof: refused after it holds), or one of the right shape.
            "url_token": st.just(url_token(SECRET, self.credential_id))
            | st.from_regex(r"[A-Za-z0-9_-]{32}", fullmatch=True),
        }

    def valid_body(self, route: str) -> Any:
        if route == "POST /credentials":
            return copy.deepcopy(self.credential)
        if route.startswith("PATCH /credentials"):
            return {"name": "Renamed", "labels": ["a"], "field_map": {}}
        if route == "POST /issues/{issue_id}/ticket":
            return copy.deepcopy(self.ticket)
        if route == "PUT /issues/{issue_id}/state":
            return {"state": "in progress"}
        if route.startswith("ANY /webhooks"):
            return copy.deepcopy(self.webhook)
        return {}

    def event(
        self,
        route: str,
        params: dict[str, str],
        body: str | None,
        *,
        base64_body: bool = False,
        extra_headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        event = copy.deepcopy(sample("credentials-create"))
        # The catch-all route: any method on a path no other route has.
        method, path = route.split(" ", 1) if route != "$default" else ("GET", "/no/such/route")
        event["routeKey"] = event["requestContext"]["routeKey"] = route
        event["requestContext"]["http"]["method"] = "POST" if method == "ANY" else method
        event["rawPath"] = event["requestContext"]["http"]["path"] = PARAMETER.sub(
            lambda match: params.get(match.group(1), ""), path
        )
        event["pathParameters"] = params
        event["headers"].update(extra_headers or {})
        event.pop("body", None)
        if body is not None:
            event["body"] = body
            event["isBase64Encoded"] = base64_body
        return event

    def call(
        self, route: str, params: dict[str, str], body: str | None, **kwargs: Any
    ) -> tuple[int, Any]:
        function = dict(ROUTES)[route]
        response = self.apps[function].lambda_handler(
            self.event(route, params, body, **kwargs), LambdaContext()
        )
        payload = json.loads(response["body"]) if response["body"] else None
        return response["statusCode"], payload


@st.composite
def requests_for(draw: st.DrawFn, world: World) -> tuple[str, dict[str, Any]]:
    """A route and the keyword arguments of ``World.call`` for it."""
    route, _ = draw(st.sampled_from(ROUTES))
    # Mostly ids that get past the 404, so that the bodies reach the use cases.
    params = {
        name: draw(hostile_ids if draw(st.integers(0, 3)) == 3 else ids)
        for name, ids in world.ids(route).items()
        if name in PARAMETER.findall(route)
    }
    shape = draw(st.sampled_from(["swap", "swap", "swap", "valid", "raw", "value", "none"]))
    body: str | None
    if shape == "raw":
        body = draw(st.sampled_from(RAW_BODIES) | any_text)
    elif shape == "value":
        body = json.dumps(draw(json_values))
    elif shape == "swap":
        valid = world.valid_body(route)
        target = valid
        # Down to a nested object now and then (issue, snapshot, field_map, changelog, ...).
        while draw(st.booleans()):
            inner = [key for key, value in target.items() if isinstance(value, dict)]
            if not inner:
                break
            target = target[draw(st.sampled_from(sorted(inner)))]
        key = draw(st.sampled_from(sorted(target)) | any_text) if target else draw(any_text)
        target[key] = draw(json_values)
        body = json.dumps(valid)
    elif shape == "valid":
        body = json.dumps(world.valid_body(route))
    else:
        body = None
    base64_body = draw(st.integers(0, 4)) == 0 and body is not None
    signed = body
    if base64_body and draw(st.booleans()):
        body = draw(any_text)  # not base64 at all
    elif base64_body and body is not None:
        body = base64.b64encode(body.encode("utf-8", "surrogatepass")).decode()
    extra = draw(headers)
    if route.startswith("ANY /webhooks") and signed is not None and draw(st.booleans()):
        extra["x-hub-signature"] = sign(SECRET, signed.encode("utf-8", "surrogatepass"))
    return route, {
        "params": params,
        "body": body,
        "base64_body": base64_body,
        "extra_headers": extra,
    }


@pytest.fixture
def world(aws: None, jira: Any) -> World:
    return World(jira)


@pytest.fixture
def failures(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """The "unexpected error" lines (what a 500 logs) since the last call."""
    caplog.set_level(logging.INFO)

    def read() -> list[str]:
        found = [
            record.getMessage()
            for record in caplog.records
            if record.getMessage() == "unexpected error"
        ]
        caplog.clear()
        return found

    return read


def assert_answered_below_500(status: int, payload: Any, route: str) -> None:
    assert status < 500, (route, payload)
    if route.startswith("ANY /webhooks"):
        assert (status, payload) == (200, {"status": "received"})
    elif status >= 400:
        error = payload["error"]
        assert set(error) == {"code", "message", "details"}, payload
        assert isinstance(error["message"], str), payload
        assert error["message"], payload


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_given_hostile_input_on_any_route_then_no_5xx_and_nothing_breaks_inside(
    world: World, failures: Callable[[], list[str]], data: st.DataObject
) -> None:
    route, request = data.draw(requests_for(world))
    failures()  # forget what an earlier, failed example logged

    status, payload = world.call(route, **request)
    event(f"{route} -> {status}")  # shown by --hypothesis-show-statistics

    assert_answered_below_500(status, payload, route)
    assert failures() == [], (route, status, payload)


@pytest.mark.parametrize(
    ("route", "body", "says"),
    [
        ("POST /credentials", "[" * 100_000, "nested too deeply"),
        ("PATCH /credentials/{credential_id}", "1" * 5_000, "too many digits"),
        ("PUT /issues/{issue_id}/state", '{"state": NaN}', "NaN"),
        ("POST /issues/{issue_id}/ticket", '{"issue": "\\ud800"}', "surrogate"),
    ],
)
def test_given_the_reported_bodies_then_400_invalid_json_says_what_to_fix(
    world: World, route: str, body: str, says: str
) -> None:
    params = {"credential_id": world.spare_id, "issue_id": "linked"}
    params = {name: params[name] for name in PARAMETER.findall(route)}

    status, payload = world.call(route, params, body)

    assert status == 400
    assert payload["error"]["code"] == "invalid_json"
    assert says in payload["error"]["message"]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://[::1", "malformed"),
        ("http://[]:8320", "malformed"),
        ("https://acme.atlassian.net:22", "port 22"),
        ("https://acme.atlassian.net:8443", "port 8443"),
    ],
)
@pytest.mark.parametrize("route", ["POST /credentials", "PATCH /credentials/{credential_id}"])
def test_given_the_reported_urls_then_400_invalid_url_says_what_to_fix(
    world: World, route: str, url: str, says: str
) -> None:
    body = world.valid_body(route) | {"url": url, "api_token": "svc-token"}
    params = {"credential_id": world.spare_id} if "{" in route else {}

    status, payload = world.call(route, params, json.dumps(body))

    assert status == 400
    assert payload["error"]["code"] == "invalid_url"
    assert says in payload["error"]["message"]

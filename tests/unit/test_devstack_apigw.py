"""The local API Gateway builds the v2.0 event and maps responses the way AWS does."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from devstack.apigw import Router, build_event, is_text_content_type, map_response
from devstack.template import Route

ROUTES = [
    Route("GET", "/credentials", "Creds", "AWS_IAM"),
    Route("POST", "/credentials/{credential_id}/validate", "Creds", "AWS_IAM"),
    Route("GET", "/credentials/{credential_id}", "Creds", "AWS_IAM"),
    Route("GET", "/credentials/special", "Special", "AWS_IAM"),
    Route("POST", "/webhooks/jira/{proxy+}", "Hooks", "NONE"),
    Route("ANY", "/files/{name}", "Files", "AWS_IAM"),
]
ROUTER = Router(ROUTES)
NOW = datetime(2026, 3, 12, 19, 3, 58, tzinfo=UTC)


def event_for(
    method: str,
    target: str,
    headers: list[tuple[str, str]] | None = None,
    body: bytes | None = None,
) -> dict[str, Any]:
    match = ROUTER.match(method, target.partition("?")[0])
    assert match is not None
    return build_event(
        match=match,
        method=method,
        target=target,
        headers=headers or [("Host", "127.0.0.1:3000")],
        body=body,
        source_ip="127.0.0.1",
        api_id="abcdef1234",
        account_id="123456789012",
        domain_name="127.0.0.1:3000",
        now=NOW,
        request_id="req-1",
    )


def test_given_literal_and_parameter_routes_when_matched_then_the_literal_one_wins() -> None:
    match = ROUTER.match("GET", "/credentials/special")

    assert match is not None
    assert match.route.function == "Special"
    assert match.path_parameters == {}


def test_given_parameter_route_when_matched_then_value_is_url_decoded() -> None:
    match = ROUTER.match("POST", "/credentials/a%20b%2Fc/validate")

    assert match is not None
    assert match.route.route_key == "POST /credentials/{credential_id}/validate"
    assert match.path_parameters == {"credential_id": "a b/c"}


def test_given_greedy_route_when_matched_then_proxy_takes_every_remaining_segment() -> None:
    match = ROUTER.match("POST", "/webhooks/jira/cred-1/SEC-42")

    assert match is not None
    assert match.path_parameters == {"proxy": "cred-1/SEC-42"}


def test_given_wrong_method_or_unknown_path_when_matched_then_no_route() -> None:
    assert ROUTER.match("DELETE", "/credentials") is None
    assert ROUTER.match("GET", "/nope") is None
    assert ROUTER.match("GET", "/credentials/") is None
    assert ROUTER.match("GET", "/webhooks/jira/") is None


def test_given_any_method_route_when_matched_then_every_method_reaches_it() -> None:
    for method in ("GET", "PUT", "DELETE"):
        match = ROUTER.match(method, "/files/x.csv")
        assert match is not None
        assert match.route.function == "Files"


def test_given_request_when_event_built_then_it_has_the_v2_shape() -> None:
    event = event_for(
        "POST",
        "/credentials/c%201/validate?x=1",
        headers=[("Host", "127.0.0.1:3000"), ("User-Agent", "curl/8"), ("X-Thing", "v")],
    )

    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /credentials/{credential_id}/validate"
    assert event["rawPath"] == "/credentials/c%201/validate"
    assert event["rawQueryString"] == "x=1"
    assert event["pathParameters"] == {"credential_id": "c 1"}
    assert event["headers"]["x-thing"] == "v"
    assert event["isBase64Encoded"] is False
    assert "body" not in event
    assert "cookies" not in event
    context = event["requestContext"]
    assert context["http"] == {
        "method": "POST",
        "path": "/credentials/c%201/validate",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "curl/8",
    }
    assert context["routeKey"] == event["routeKey"]
    assert context["stage"] == "$default"
    assert context["requestId"] == "req-1"
    assert context["apiId"] == "abcdef1234"
    assert context["accountId"] == "123456789012"
    assert context["time"] == "12/Mar/2026:19:03:58 +0000"
    assert context["timeEpoch"] == int(NOW.timestamp() * 1000)


def test_given_duplicate_headers_and_query_keys_when_event_built_then_values_comma_join() -> None:
    event = event_for(
        "GET",
        "/credentials?tag=a&tag=b%20c&empty=",
        headers=[("X-Multi", "1"), ("x-multi", "2"), ("Accept", "application/json")],
    )

    assert event["headers"]["x-multi"] == "1,2"
    assert event["headers"]["accept"] == "application/json"
    assert event["queryStringParameters"] == {"tag": "a,b c", "empty": ""}
    assert event["rawQueryString"] == "tag=a&tag=b%20c&empty="
    assert "pathParameters" not in event


def test_given_cookie_header_when_event_built_then_cookies_are_split_out_of_headers() -> None:
    event = event_for("GET", "/credentials", headers=[("Cookie", "a=1; b=2")])

    assert event["cookies"] == ["a=1", "b=2"]
    assert "cookie" not in event["headers"]


def test_given_json_body_when_event_built_then_body_is_text() -> None:
    body = json.dumps({"name": "é"}).encode()
    event = event_for(
        "POST",
        "/credentials/x/validate",
        headers=[("Content-Type", "application/json; charset=utf-8")],
        body=body,
    )

    assert event["body"] == body.decode()
    assert event["isBase64Encoded"] is False


def test_given_binary_or_untyped_body_when_event_built_then_body_is_base64() -> None:
    payload = b"\x00\xffPNG"
    for headers in ([("Content-Type", "image/png")], []):
        event = event_for("POST", "/credentials/x/validate", headers=headers, body=payload)
        assert event["isBase64Encoded"] is True
        assert base64.b64decode(event["body"]) == payload


def test_given_content_types_when_classified_then_text_like_ones_stay_text() -> None:
    assert is_text_content_type("text/csv")
    assert is_text_content_type("application/vnd.api+json")
    assert is_text_content_type("application/xml")
    assert not is_text_content_type("application/octet-stream")
    assert not is_text_content_type("multipart/form-data; boundary=x")
    assert not is_text_content_type(None)


def test_given_structured_result_when_mapped_then_status_headers_cookies_and_body_are_used() -> (
    None
):
    response = map_response(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "application/json", "X-Flag": True},
            "cookies": ["s=1; HttpOnly"],
            "body": '{"ok":1}',
        },
        "req-1",
    )

    assert response.status == 201
    assert ("Content-Type", "application/json") in response.headers
    assert ("X-Flag", "true") in response.headers
    assert ("set-cookie", "s=1; HttpOnly") in response.headers
    assert response.body == b'{"ok":1}'


def test_given_base64_result_when_mapped_then_body_is_decoded() -> None:
    response = map_response(
        {
            "statusCode": 200,
            "body": base64.b64encode(b"\x01\x02").decode(),
            "isBase64Encoded": True,
        },
        "req-1",
    )

    assert response.body == b"\x01\x02"


def test_given_bare_value_when_mapped_then_inferred_format_gives_200_json() -> None:
    response = map_response({"status": "ok"}, "req-1")
    text = map_response("hello", "req-1")

    assert response.status == 200
    assert ("content-type", "application/json") in response.headers
    assert json.loads(response.body) == {"status": "ok"}
    assert json.loads(text.body) == "hello"


def test_given_invalid_status_code_when_mapped_then_internal_server_error() -> None:
    response = map_response({"statusCode": "not-a-status", "body": "x"}, "req-1")

    assert response.status == 500
    assert json.loads(response.body) == {"message": "Internal Server Error"}

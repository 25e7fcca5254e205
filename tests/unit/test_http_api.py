"""One mapping from errors to API responses, and the request/response plumbing around it."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from pydantic import ValidationError

from jira_sync.aws.http_api import (
    error_response,
    json_body,
    json_response,
    no_content,
    path_parameter,
    public_base_url,
)
from jira_sync.errors import Conflict, NotFound, ValidationFailed
from jira_sync.jira.errors import (
    JiraAuthError,
    JiraNotFound,
    JiraRateLimited,
    JiraRejected,
    JiraUnavailable,
)
from jira_sync.jira.urls import InvalidJiraUrl
from jira_sync.models.credentials import CredentialCreate
from jira_sync.settings import Settings

SETTINGS = Settings(table_name="t", event_bus_name="b", secret_prefix="p/")


def error_of(response: dict[str, Any]) -> dict[str, Any]:
    assert response["headers"]["Content-Type"] == "application/json"
    error: dict[str, Any] = json.loads(response["body"])["error"]
    assert set(error) == {"code", "message", "details"}
    return error


def test_given_plain_json_body_when_read_then_parsed() -> None:
    assert json_body({"body": '{"a": [1, 2]}'}) == {"a": [1, 2]}


def test_given_base64_body_when_read_then_decoded_first() -> None:
    raw = base64.b64encode('{"name": "Sécurité"}'.encode()).decode()

    assert json_body({"body": raw, "isBase64Encoded": True}) == {"name": "Sécurité"}


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"body": ""},
        {"body": "{not json"},
        {"body": "eyJh", "isBase64Encoded": True},
        {"body": "not base64!", "isBase64Encoded": True},
        {"body": base64.b64encode(b"\xff\xfe").decode(), "isBase64Encoded": True},
    ],
)
def test_given_malformed_body_when_read_then_400_invalid_json(event: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as error:
        json_body(event)

    response = error_response(error.value)

    assert response["statusCode"] == 400
    assert error_of(response)["code"] == "invalid_json"


def test_given_malformed_json_with_a_secret_when_refused_then_the_message_omits_the_body() -> None:
    with pytest.raises(ValidationFailed) as error:
        json_body({"body": '{"api_token": "ATATT-secret-value" oops}'})

    body = error_response(error.value)["body"]

    assert "ATATT-secret-value" not in body
    assert "line 1 column" in body


def test_given_validation_error_when_mapped_then_400_names_each_field_and_the_fix() -> None:
    with pytest.raises(ValidationError) as error:
        CredentialCreate.model_validate(
            {
                "name": "x",
                "url": "https://acme.atlassian.net",
                "email": "svc@example.com",
                "api_token": "ATATT-secret-value",
                "project_key": "sec",
                "state_map": {"done": "Done"},
                "colour": "red",
            }
        )

    response = error_response(error.value)
    error_body = error_of(response)

    assert response["statusCode"] == 400
    assert error_body["code"] == "validation_failed"
    fields = {item["field"]: item["message"] for item in error_body["details"]["fields"]}
    assert fields["project_key"].startswith("must be a Jira project key")
    assert fields["colour"] == "is not an accepted field: remove it"
    assert "state_map.done (key)" in fields
    assert "project_key: must be a Jira project key" in error_body["message"]
    assert "ATATT-secret-value" not in response["body"]


def test_given_missing_fields_when_mapped_then_each_is_called_required() -> None:
    with pytest.raises(ValidationError) as error:
        CredentialCreate.model_validate({"name": "x"})

    fields = {
        item["field"]: item["message"]
        for item in error_of(error_response(error.value))["details"]["fields"]
    }

    assert fields == {
        # email is required on Cloud only: checked once the deployment is known.
        "url": "is required",
        "api_token": "is required",
        "project_key": "is required",
    }


def test_given_body_that_is_not_an_object_when_mapped_then_the_body_is_named() -> None:
    with pytest.raises(ValidationError) as error:
        CredentialCreate.model_validate(["not", "an", "object"])

    fields = error_of(error_response(error.value))["details"]["fields"]

    assert fields[0]["field"] == "body"


def test_given_secret_too_short_when_mapped_then_the_response_does_not_echo_it() -> None:
    with pytest.raises(ValidationError) as error:
        CredentialCreate.model_validate(
            {
                "name": "x",
                "url": "https://acme.atlassian.net",
                "email": "svc@example.com",
                "api_token": "tok",
                "project_key": "SEC",
            }
        )

    response = error_response(error.value)

    assert response["statusCode"] == 400
    assert '"tok"' not in response["body"]
    assert "input" not in response["body"]


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (NotFound("no credential with this id"), 404, "not_found"),
        (Conflict("linked", code="credential_in_use"), 409, "credential_in_use"),
        (ValidationFailed("bad", field="x"), 400, "validation_failed"),
    ],
)
def test_given_domain_error_when_mapped_then_its_status_code_and_details_are_used(
    error: Exception, status: int, code: str
) -> None:
    response = error_response(error)

    assert response["statusCode"] == status
    assert error_of(response)["code"] == code


def test_given_invalid_url_when_mapped_then_400_invalid_url_with_the_fix() -> None:
    response = error_response(InvalidJiraUrl("The Jira URL must start with https://"))

    assert response["statusCode"] == 400
    assert error_of(response) == {
        "code": "invalid_url",
        "message": "The Jira URL must start with https://",
        "details": {"field": "url"},
    }


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (
            JiraAuthError(
                "GET /rest/api/3/myself: 401", status=401, error_messages=["Unauthorized"]
            ),
            401,
        ),
        (JiraAuthError("GET /rest/api/3/myself: 403", status=403), 403),
        (
            JiraNotFound(
                "GET /rest/api/3/project/NOPE: 404",
                status=404,
                error_messages=["No project could be found with key 'NOPE'."],
            ),
            404,
        ),
        (
            JiraRejected("POST /rest/api/3/issue: 400", status=400, errors={"summary": "required"}),
            400,
        ),
    ],
)
def test_given_jira_refusal_when_mapped_then_422_with_jiras_status_and_messages(
    error: Exception, status: int
) -> None:
    response = error_response(error)
    body = error_of(response)

    assert response["statusCode"] == 422
    assert body["code"] == "jira_refused"
    assert body["details"]["jira_status"] == status
    assert body["details"]["errorMessages"] == error.error_messages  # type: ignore[attr-defined]
    assert body["details"]["errors"] == error.errors  # type: ignore[attr-defined]
    assert f"HTTP {status}" in body["message"]


def test_given_jira_project_refusal_when_mapped_then_jiras_words_are_in_the_message() -> None:
    error = JiraNotFound(
        "GET /rest/api/3/project/NOPE: 404",
        status=404,
        error_messages=["No project could be found with key 'NOPE'."],
    )

    assert "No project could be found" in error_of(error_response(error))["message"]


@pytest.mark.parametrize(
    "error",
    [
        JiraUnavailable("GET /rest/api/3/myself: 503 Service Unavailable", status=503),
        JiraUnavailable("GET /rest/api/3/myself: connection refused"),
    ],
)
def test_given_jira_outage_when_mapped_then_502_jira_unavailable(error: Exception) -> None:
    response = error_response(error)

    assert response["statusCode"] == 502
    assert error_of(response)["code"] == "jira_unavailable"


def test_given_jira_rate_limiting_when_mapped_then_503_with_retry_after_header() -> None:
    """Issue 9.10: Jira refused before doing anything, so the caller may resend; the wait is
    in the header that HTTP clients honour, not only in the body."""
    response = error_response(
        JiraRateLimited("POST /rest/api/3/issue: 429", status=429, retry_after=2.5)
    )

    assert response["statusCode"] == 503
    assert error_of(response)["code"] == "jira_rate_limited"
    assert error_of(response)["details"]["retry_after"] == 3
    assert response["headers"]["Retry-After"] == "3"


@pytest.mark.parametrize(
    "error",
    [
        Conflict("pending", code="create_outcome_pending", retry_after=7),
        JiraUnavailable("GET /x: 503", status=503, retry_after=7.0),
    ],
)
def test_given_an_error_carrying_retry_after_then_the_header_says_it_too(error: Exception) -> None:
    response = error_response(error)

    assert response["headers"]["Retry-After"] == "7"


def test_given_an_error_without_retry_after_then_no_header() -> None:
    assert "Retry-After" not in error_response(Conflict("taken"))["headers"]


def test_given_unexpected_bug_when_mapped_then_500_says_nothing_of_the_exception() -> None:
    response = error_response(KeyError("ATATT-secret-value in a bug"))
    body = error_of(response)

    assert response["statusCode"] == 500
    assert body["code"] == "internal_error"
    assert "ATATT" not in response["body"]
    assert "KeyError" not in response["body"]


def test_given_configured_public_base_url_when_asked_then_it_wins() -> None:
    settings = SETTINGS.model_copy(update={"public_base_url": "https://sync.example.com"})
    event = {"requestContext": {"domainName": "abc.execute-api.us-east-1.amazonaws.com"}}

    assert public_base_url(event, settings) == "https://sync.example.com"


def test_given_no_public_base_url_when_asked_then_the_request_domain_is_used() -> None:
    event = {"requestContext": {"domainName": "abc.execute-api.us-east-1.amazonaws.com"}}

    assert public_base_url(event, SETTINGS) == "https://abc.execute-api.us-east-1.amazonaws.com"


def test_given_path_parameter_missing_when_read_then_404() -> None:
    with pytest.raises(NotFound):
        path_parameter({"pathParameters": {}}, "credential_id")
    assert path_parameter({"pathParameters": {"credential_id": "c1"}}, "credential_id") == "c1"


def test_given_responses_when_built_then_they_are_api_gateway_v2_shaped() -> None:
    assert json_response(201, {"a": 1}) == {
        "statusCode": 201,
        "headers": {"Content-Type": "application/json"},
        "body": '{"a":1}',
    }
    assert no_content() == {"statusCode": 204, "headers": {}, "body": ""}


def test_a_route_the_api_does_not_have_gets_the_error_envelope_naming_it() -> None:
    from jira_sync.aws.http_api import dispatch

    event = {
        "routeKey": "$default",
        "rawPath": "/credential",
        "requestContext": {"http": {"method": "GET", "path": "/credential"}},
    }
    response = dispatch({}, event, None)  # type: ignore[arg-type]

    assert response["statusCode"] == 404
    error = json.loads(response["body"])["error"]
    assert error["code"] == "unknown_route"
    assert error["message"].startswith("no route GET /credential: ")
    assert error["details"] == {"method": "GET", "path": "/credential"}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"api_token": "short"}, "api_token", "must be at least 8 characters"),
        ({"api_token": "x" * 3000}, "api_token", "must be at most 2048 characters"),
        ({"webhook_secret": "short-secret"}, "webhook_secret", "must be at least 16 characters"),
    ],
)
def test_a_secret_of_the_wrong_length_is_told_in_characters(
    body: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as error:
        CredentialCreate.model_validate(
            {"name": "x", "url": "https://acme.atlassian.net", "project_key": "SEC"}
            | {"api_token": "long-enough-token"}
            | body
        )

    fields = {
        item["field"]: item["message"]
        for item in error_of(error_response(error.value))["details"]["fields"]
    }
    assert fields[field] == message


@pytest.mark.parametrize(
    ("due_date", "reason"),
    [("2030-13-01", "month value is outside expected range of 1-12"), ("tomorrow", "")],
)
def test_a_malformed_due_date_says_the_format(due_date: str, reason: str) -> None:
    from jira_sync.models.issues import TicketCreate

    with pytest.raises(ValidationError) as error:
        TicketCreate.model_validate(
            {"credential_id": "c", "issue": {"name": "n", "description": "d", "due_date": due_date}}
        )

    (item,) = error_of(error_response(error.value))["details"]["fields"]
    assert item["field"] == "issue.due_date"
    assert item["message"].startswith("must be a date as YYYY-MM-DD, e.g. 2030-01-31")
    assert reason in item["message"]


def test_a_refused_credential_says_what_to_check() -> None:
    unauthorized = error_of(
        error_response(
            JiraAuthError(
                "GET /rest/api/3/myself: 401",
                status=401,
                error_messages=["Client must be authenticated to access this resource."],
            )
        )
    )
    forbidden = error_of(error_response(JiraAuthError("GET /rest/api/3/project/SEC", status=403)))

    assert unauthorized["message"].startswith(
        "Jira refused (HTTP 401): Client must be authenticated to access this resource. - "
        "check the credential: on Jira Cloud the account's email and an API token"
    )
    assert "personal access token" in unauthorized["message"]
    assert "project permissions" in forbidden["message"]

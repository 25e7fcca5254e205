"""The credentials Lambda handler end to end in-process: API Gateway v2 events from events/,
moto for DynamoDB and Secrets Manager (table from template.yaml) and the Jira emulator over HTTP.
"""

from __future__ import annotations

import base64
import copy
import importlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
import requests

from jira_sync import caching
from jira_sync.aws import secret_store
from jira_sync.jira.urls import InvalidJiraUrl
from jira_sync.models.credentials import CredentialCreate
from jira_sync.usecases import credentials
from tests.support.moto_aws import SECRET_PREFIX, TABLE_NAME

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
WEBHOOK_SECRET = "hook-secret-0123456789abcdef"
SECRET_VALUES = ("svc-token", "viewer-token", "wrong-token", WEBHOOK_SECRET)


class LambdaContext:
    """What the Lambda runtime passes as ``context``, as much as the handler uses."""

    function_name = "jira-sync-CredentialsFunction"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = (
        "arn:aws:lambda:us-east-1:123456789012:function:jira-sync-CredentialsFunction"
    )
    aws_request_id = "4ec3f6d5-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
    log_group_name = "/aws/lambda/jira-sync-CredentialsFunction"
    log_stream_name = "2025/01/01/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 25_000


def sample(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((ROOT / "events" / f"{name}.json").read_text())
    return event


def api_event(
    method: str,
    path: str,
    body: Any = None,
    *,
    raw_body: str | None = None,
    base64_body: bool = False,
) -> dict[str, Any]:
    """An HTTP API v2 event for ``method path``, shaped like the events/ samples."""
    template = "credentials-create" if body is not None or raw_body is not None else "health"
    event = copy.deepcopy(sample(template))
    parts = path.strip("/").split("/")
    route = "/" + "/".join(parts)
    params: dict[str, str] = {}
    if len(parts) >= 2 and parts[0] == "credentials":
        params["credential_id"] = parts[1]
        route = "/credentials/{credential_id}" + ("/validate" if len(parts) == 3 else "")
    event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} {route}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event.pop("pathParameters", None)
    if params:
        event["pathParameters"] = params
    event.pop("body", None)
    text = raw_body if raw_body is not None else None if body is None else json.dumps(body)
    if text is not None:
        event["body"] = base64.b64encode(text.encode()).decode() if base64_body else text
        event["isBase64Encoded"] = base64_body
    return event


@pytest.fixture
def app(aws: None) -> ModuleType:
    return importlib.import_module("functions.credentials.app")


@pytest.fixture
def log_text(caplog: pytest.LogCaptureFixture) -> Callable[[], str]:
    """Everything logged (powertools' records propagate here too), with every extra key."""
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="jira_sync")

    def text() -> str:
        records = "\n".join(repr(vars(record)) for record in caplog.records)
        return records + "\n" + caplog.text

    return text


Call = Callable[..., tuple[int, Any]]


@pytest.fixture
def call(app: ModuleType) -> Call:
    def invoke(method: str, path: str, body: Any = None, **kwargs: Any) -> tuple[int, Any]:
        response = app.lambda_handler(api_event(method, path, body, **kwargs), LambdaContext())
        payload = json.loads(response["body"]) if response["body"] else None
        return response["statusCode"], payload

    return invoke


def credential_body(jira: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "Security",
        "url": jira.base_url,
        "email": "svc@example.com",
        "api_token": "svc-token",
        "project_key": "SEC",
        "state_map": {"open": "To Do", "in progress": "In Progress", "resolved": "Done"},
    } | overrides


def table_items() -> list[dict[str, Any]]:
    return boto3.client("dynamodb").scan(TableName=TABLE_NAME)["Items"]


def secret_names() -> list[str]:
    listed = boto3.client("secretsmanager").list_secrets(IncludePlannedDeletion=True)
    return [entry["Name"] for entry in listed["SecretList"]]


def stored_secret(credential_id: str) -> dict[str, Any]:
    value = boto3.client("secretsmanager").get_secret_value(
        SecretId=f"{SECRET_PREFIX}{credential_id}"
    )
    secret: dict[str, Any] = json.loads(value["SecretString"])
    return secret


def add_fault(jira: Any, **spec: Any) -> None:
    response = requests.post(f"{jira.base_url}/_emulator/faults", json=spec, timeout=5)
    response.raise_for_status()


def assert_no_secret_in(*texts: str) -> None:
    for text in texts:
        for value in SECRET_VALUES:
            assert value not in text


def test_given_health_route_when_called_then_ok(call: Call) -> None:
    assert call("GET", "/health") == (200, {"status": "ok"})


def test_given_good_credential_when_created_then_stored_masked_and_secret_written(
    call: Call, jira: Any, log_text: Callable[[], str]
) -> None:
    status, view = call("POST", "/credentials", credential_body(jira))

    assert status == 201
    credential_id = view["credential_id"]
    assert view["api_token"] == "****oken"
    assert view["webhook_secret_set"] is True
    generated = view["webhook_secret"]
    assert len(generated) >= 40
    assert view["webhook_url"] == (f"https://{DOMAIN}/webhooks/jira/{credential_id}/${{issue.key}}")
    assert view["validation"]["ok"] is True
    assert view["validation"]["jira_status"] == 200
    assert view["validation"]["display_name"]
    assert view["validation"]["account_id"]
    assert view["validation"]["missing_permissions"] == []
    assert view["validation"]["unknown_statuses"] == []
    assert (view["issue_type"], view["priority_map"]["critical"]) == ("Task", "Highest")
    assert view["version"] == 1

    assert stored_secret(credential_id) == {"api_token": "svc-token", "webhook_secret": generated}
    items = table_items()
    assert len(items) == 1
    assert items[0]["pk"] == {"S": "CREDENTIAL"}
    assert items[0]["sk"] == {"S": credential_id}
    assert "svc-token" not in json.dumps(items)
    assert generated not in json.dumps(items)
    assert generated not in log_text()
    assert_no_secret_in(log_text())


def test_given_created_credential_when_read_then_the_secret_is_never_shown_again(
    call: Call, jira: Any, log_text: Callable[[], str]
) -> None:
    _, created = call("POST", "/credentials", credential_body(jira))
    credential_id = created["credential_id"]

    status, view = call("GET", f"/credentials/{credential_id}")
    _, listing = call("GET", "/credentials")

    assert status == 200
    assert "webhook_secret" not in view
    expected = {key: value for key, value in created.items() if key != "webhook_secret"}
    assert view == expected
    assert listing == {"credentials": [expected]}
    assert created["webhook_secret"] not in json.dumps([view, listing]) + log_text()


def test_given_webhook_secret_when_created_then_it_is_stored_and_not_echoed(
    call: Call, jira: Any, log_text: Callable[[], str]
) -> None:
    status, view = call(
        "POST", "/credentials", credential_body(jira, webhook_secret=WEBHOOK_SECRET)
    )

    assert status == 201
    assert "webhook_secret" not in view
    assert stored_secret(view["credential_id"])["webhook_secret"] == WEBHOOK_SECRET
    assert_no_secret_in(json.dumps(view), log_text())


def test_given_wrong_token_when_created_then_422_with_jira_401_and_nothing_stored(
    call: Call, jira: Any, log_text: Callable[[], str]
) -> None:
    status, body = call("POST", "/credentials", credential_body(jira, api_token="wrong-token"))

    assert status == 422
    assert body["error"]["code"] == "jira_refused"
    assert body["error"]["details"]["jira_status"] == 401
    assert table_items() == []
    assert secret_names() == []
    assert_no_secret_in(json.dumps(body), log_text())


def test_given_unknown_project_when_created_then_422_with_jira_404_and_nothing_stored(
    call: Call, jira: Any
) -> None:
    status, body = call("POST", "/credentials", credential_body(jira, project_key="NOPE"))

    assert status == 422
    assert body["error"]["details"]["jira_status"] == 404
    assert body["error"]["details"]["errorMessages"]
    assert (table_items(), secret_names()) == ([], [])


def test_given_jira_failing_with_503_when_created_then_502_and_nothing_stored(
    call: Call, jira: Any
) -> None:
    add_fault(jira, method="GET", path="/rest/api/3/myself", status=503)

    status, body = call("POST", "/credentials", credential_body(jira))

    assert status == 502
    assert body["error"]["code"] == "jira_unavailable"
    assert (table_items(), secret_names()) == ([], [])


def test_given_browse_only_account_when_created_then_201_listing_missing_permissions(
    call: Call, jira: Any
) -> None:
    status, view = call(
        "POST",
        "/credentials",
        credential_body(jira, email="viewer@example.com", api_token="viewer-token"),
    )

    assert status == 201
    missing = view["validation"]["missing_permissions"]
    assert {"CREATE_ISSUES", "EDIT_ISSUES", "TRANSITION_ISSUES"} <= set(missing)
    assert "BROWSE_PROJECTS" not in missing
    assert view["validation"]["ok"] is False


def test_given_state_map_with_unknown_status_when_created_then_it_is_reported(
    call: Call, jira: Any
) -> None:
    body = credential_body(
        jira,
        state_map={"open": "to do", "closed": "Closed"},
        status_rules=[{"status": "Won't Fix", "state": "closed"}],
    )

    status, view = call("POST", "/credentials", body)

    assert status == 201
    assert view["validation"]["unknown_statuses"] == ["Closed", "Won't Fix"]
    assert view["validation"]["ok"] is False


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://acme.atlassian.net", "https"),
        ("https://acme.atlassian.net/jira", "path"),
        ("https://admin:pw-secret-1@acme.atlassian.net", "user name/password"),
        ("https://169.254.169.254", "IP address"),
        ("https://jira.example.com", "not allowed"),
    ],
)
def test_given_bad_url_when_created_then_400_invalid_url_naming_the_problem(
    call: Call, jira: Any, url: str, problem: str
) -> None:
    status, body = call("POST", "/credentials", credential_body(jira, url=url))

    assert status == 400
    assert body["error"]["code"] == "invalid_url"
    assert problem in body["error"]["message"]
    assert "pw-secret-1" not in json.dumps(body)
    assert (table_items(), secret_names()) == ([], [])


@pytest.mark.usefixtures("aws")
def test_given_allowed_name_resolving_to_private_address_when_created_then_refused(
    jira: Any,
) -> None:
    request = CredentialCreate.model_validate(
        credential_body(jira, url="https://acme.atlassian.net")
    )

    with pytest.raises(InvalidJiraUrl, match=r"10\.1\.2\.3, a private address"):
        credentials.create_credential(
            request, base_url="https://api.example.com", resolve=lambda host: ["10.1.2.3"]
        )
    assert (table_items(), secret_names()) == ([], [])


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"raw_body": "{not json"}, "invalid_json"),
        ({"raw_body": "[1, 2]"}, "validation_failed"),
        ({"body": {"name": "x", "colour": "red"}}, "validation_failed"),
    ],
)
def test_given_malformed_create_when_called_then_400(
    call: Call, kwargs: dict[str, Any], code: str
) -> None:
    status, body = call("POST", "/credentials", **kwargs)

    assert status == 400
    assert body["error"]["code"] == code


def test_given_base64_encoded_body_when_created_then_decoded(call: Call, jira: Any) -> None:
    status, view = call("POST", "/credentials", credential_body(jira), base64_body=True)

    assert status == 201
    assert view["project_key"] == "SEC"


def test_given_unknown_or_malformed_id_when_read_then_404(call: Call) -> None:
    status, body = call("GET", "/credentials/6f1c1b52-0000-4000-8000-000000000001")
    assert (status, body["error"]["code"]) == (404, "not_found")
    # No route has that shape: API Gateway's $default takes it.
    status, body = call("GET", "/credentials/../x")
    assert (status, body["error"]["code"]) == (404, "unknown_route")


def test_given_patch_of_settings_when_applied_then_stored_without_revalidation(
    call: Call, jira: Any
) -> None:
    _, created = call("POST", "/credentials", credential_body(jira))
    credential_id = created["credential_id"]

    status, view = call(
        "PATCH", f"/credentials/{credential_id}", {"name": "Renamed", "labels": ["appsec"]}
    )

    assert status == 200
    assert (view["name"], view["labels"], view["version"]) == ("Renamed", ["appsec"], 2)
    assert view["validation"] == created["validation"]
    assert call("GET", f"/credentials/{credential_id}")[1] == view


def test_given_patch_with_new_token_when_jira_accepts_then_secret_replaced_and_revalidated(
    call: Call, jira: Any
) -> None:
    _, created = call("POST", "/credentials", credential_body(jira))
    credential_id = created["credential_id"]

    status, view = call(
        "PATCH",
        f"/credentials/{credential_id}",
        {"email": "viewer@example.com", "api_token": "viewer-token"},
    )

    assert status == 200
    assert view["api_token"] == "****oken"
    assert "CREATE_ISSUES" in view["validation"]["missing_permissions"]
    assert stored_secret(credential_id) == {
        "api_token": "viewer-token",
        "webhook_secret": created["webhook_secret"],
    }


def test_given_refused_patch_when_applied_then_nothing_changes(call: Call, jira: Any) -> None:
    _, created = call("POST", "/credentials", credential_body(jira))
    credential_id = created["credential_id"]
    items_before = table_items()

    status, body = call(
        "PATCH", f"/credentials/{credential_id}", {"api_token": "wrong-token", "name": "New"}
    )

    assert status == 422
    assert body["error"]["details"]["jira_status"] == 401
    assert table_items() == items_before
    assert stored_secret(credential_id)["api_token"] == "svc-token"
    expected = {key: value for key, value in created.items() if key != "webhook_secret"}
    assert call("GET", f"/credentials/{credential_id}")[1] == expected


def test_given_new_url_without_token_when_patched_then_400_and_the_token_stays_home(
    call: Call, jira: Any
) -> None:
    _, created = call("POST", "/credentials", credential_body(jira))
    credential_id = created["credential_id"]
    requests.delete(f"{jira.base_url}/_emulator/requests", timeout=5)

    status, body = call(
        "PATCH",
        f"/credentials/{credential_id}",
        {"url": jira.base_url.replace("127.0.0.1", "localhost")},
    )

    assert status == 400
    assert body["error"]["details"]["fields"][0]["field"] == "api_token"
    assert requests.get(f"{jira.base_url}/_emulator/requests", timeout=5).json() == []
    assert call("GET", f"/credentials/{credential_id}")[1]["url"] == jira.base_url


def test_given_new_url_with_token_when_patched_then_checked_there_and_stored(
    call: Call, jira: Any
) -> None:
    _, created = call("POST", "/credentials", credential_body(jira))
    credential_id = created["credential_id"]
    new_url = jira.base_url.replace("127.0.0.1", "localhost")

    status, view = call(
        "PATCH", f"/credentials/{credential_id}", {"url": new_url + "/", "api_token": "svc-token"}
    )

    assert status == 200
    assert view["url"] == new_url
    assert view["validation"]["ok"] is True
    assert view["validation"]["checked_at"] > created["validation"]["checked_at"]


def test_given_new_webhook_secret_when_patched_then_stored_and_never_echoed(
    call: Call, jira: Any, log_text: Callable[[], str]
) -> None:
    _, created = call("POST", "/credentials", credential_body(jira))
    credential_id = created["credential_id"]

    status, view = call(
        "PATCH", f"/credentials/{credential_id}", {"webhook_secret": WEBHOOK_SECRET}
    )

    assert status == 200
    assert "webhook_secret" not in view
    assert stored_secret(credential_id)["webhook_secret"] == WEBHOOK_SECRET
    assert view["validation"] == created["validation"]
    assert_no_secret_in(json.dumps(view), log_text())


def test_given_patch_with_null_or_unknown_field_when_applied_then_400(
    call: Call, jira: Any
) -> None:
    _, created = call("POST", "/credentials", credential_body(jira))
    credential_id = created["credential_id"]

    null_status, null_body = call("PATCH", f"/credentials/{credential_id}", {"labels": None})
    extra_status, extra_body = call("PATCH", f"/credentials/{credential_id}", {"token": "x"})

    assert (null_status, extra_status) == (400, 400)
    assert "labels" in null_body["error"]["message"]
    assert extra_body["error"]["details"]["fields"] == [
        {"field": "token", "message": "is not an accepted field: remove it"}
    ]


def test_given_credential_when_deleted_then_204_and_item_and_secret_gone(
    call: Call, jira: Any
) -> None:
    _, created = call("POST", "/credentials", credential_body(jira))
    credential_id = created["credential_id"]

    status, body = call("DELETE", f"/credentials/{credential_id}")

    assert (status, body) == (204, None)
    assert table_items() == []
    assert secret_names() == []
    assert call("GET", f"/credentials/{credential_id}")[0] == 404
    assert call("DELETE", f"/credentials/{credential_id}")[0] == 404


def test_given_linked_ticket_when_credential_deleted_then_409_and_nothing_removed(
    call: Call, jira: Any
) -> None:
    _, created = call("POST", "/credentials", credential_body(jira))
    credential_id = created["credential_id"]
    boto3.client("dynamodb").put_item(
        TableName=TABLE_NAME,
        Item={
            "pk": {"S": f"LINK#{jira.base_url}#SEC-1"},
            "sk": {"S": "LINK"},
            "gsi1pk": {"S": f"CREDLINKS#{credential_id}"},
            "gsi1sk": {"S": "SEC-1"},
        },
    )

    status, body = call("DELETE", f"/credentials/{credential_id}")

    assert status == 409
    assert body["error"]["code"] == "credential_in_use"
    assert call("GET", f"/credentials/{credential_id}")[0] == 200
    assert f"{SECRET_PREFIX}{credential_id}" in secret_names()


def test_given_credential_when_validated_then_result_returned_and_stored(
    call: Call, jira: Any
) -> None:
    _, created = call("POST", "/credentials", credential_body(jira))
    credential_id = created["credential_id"]

    status, result = call("POST", f"/credentials/{credential_id}/validate")

    assert status == 200
    assert set(result) == {
        "ok",
        "jira_status",
        "account_id",
        "display_name",
        "checked_at",
        "missing_permissions",
        "unknown_statuses",
        "auth",
        "cloud_id",
        "username",
        "server_version",
    }
    assert (result["ok"], result["jira_status"]) == (True, 200)
    assert (result["auth"], result["cloud_id"]) == ("api_token", None)
    # Data Center's account name and version: none on Cloud.
    assert (result["username"], result["server_version"]) == (None, None)
    assert call("GET", f"/credentials/{credential_id}")[1]["validation"] == result


def test_given_jira_now_refusing_when_validated_then_ok_false_with_its_status_stored(
    call: Call, jira: Any
) -> None:
    _, created = call("POST", "/credentials", credential_body(jira))
    credential_id = created["credential_id"]
    add_fault(
        jira,
        method="GET",
        path="/rest/api/3/myself",
        status=401,
        body={"errorMessages": ["Client must be authenticated"], "errors": {}},
    )

    status, result = call("POST", f"/credentials/{credential_id}/validate")

    assert status == 200
    assert (result["ok"], result["jira_status"]) == (False, 401)
    assert call("GET", f"/credentials/{credential_id}")[1]["validation"] == result


def test_given_jira_down_when_validated_then_502_and_last_result_kept(
    call: Call, jira: Any
) -> None:
    _, created = call("POST", "/credentials", credential_body(jira))
    credential_id = created["credential_id"]
    add_fault(jira, method="GET", path="/rest/api/3/myself", status=503)

    status, body = call("POST", f"/credentials/{credential_id}/validate")

    assert status == 502
    assert body["error"]["code"] == "jira_unavailable"
    stored = call("GET", f"/credentials/{credential_id}")[1]["validation"]
    assert stored == created["validation"]


def test_given_warm_container_when_read_twice_then_second_read_makes_no_secrets_call(
    call: Call, jira: Any
) -> None:
    _, created = call("POST", "/credentials", credential_body(jira))
    credential_id = created["credential_id"]
    caching.reset()
    calls: list[str] = []
    secret_store.secretsmanager_client().meta.events.register(
        "before-call.secrets-manager.*", lambda model, **_: calls.append(model.name)
    )

    call("GET", f"/credentials/{credential_id}")
    cold = list(calls)
    call("GET", f"/credentials/{credential_id}")
    call("POST", f"/credentials/{credential_id}/validate")

    assert cold == ["GetSecretValue"]
    assert calls == cold


def test_given_unknown_route_when_called_then_404(call: Call) -> None:
    status, body = call("PUT", "/credentials")

    assert status == 404
    assert body["error"]["code"] == "unknown_route"
    assert body["error"]["message"].startswith("no route PUT /credentials: ")

"""Malformed bodies and values are 400s that say what to fix, never a 500 from deep inside.

``json_body`` refuses what is not RFC 8259 JSON (or too deep, or a number too long to parse);
a credential's ``field_map`` constants are held to what the table can store.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from pydantic import ValidationError

from jira_sync.aws.http_api import error_response, json_body
from jira_sync.errors import ValidationFailed
from jira_sync.models.credentials import (
    MAX_FIELD_MAP_BYTES,
    MAX_VALUE_DEPTH,
    CredentialPatch,
    FieldSource,
)


def refused(event: dict[str, Any]) -> dict[str, Any]:
    """The 400 body ``json_body(event)`` becomes."""
    with pytest.raises(ValidationFailed) as info:
        json_body(event)
    response = error_response(info.value)
    assert response["statusCode"] == 400
    body: dict[str, Any] = json.loads(response["body"])
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == "invalid_json"
    return body["error"]


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("[" * 100_000, "nested too deeply"),
        ('{"a": ' * 300 + "1" + "}" * 300, "nested too deeply"),
        ("1" * 5_000, "too many digits"),
        ('{"api_token": ' + "9" * 5_000 + "}", "too many digits"),
        ("NaN", "NaN"),
        ('{"value": Infinity}', "Infinity"),
        ('{"value": -Infinity}', "Infinity"),
        ('"\\ud800"', "surrogate"),
        ('"\\udc00"', "surrogate"),
        ('{"name": "a\\ud83dz"}', "surrogate"),
    ],
)
def test_given_a_body_json_loads_chokes_on_then_a_400_says_what_is_wrong(
    raw: str, says: str
) -> None:
    error = refused({"body": raw})

    assert says in error["message"]
    assert "line 1 column" in error["message"]


def test_given_a_text_body_with_a_raw_lone_surrogate_then_400() -> None:
    assert "UTF-8" in refused({"body": '{"name": "\ud800"}'})["message"]


@pytest.mark.parametrize(
    "body",
    [
        "!!!not base64",
        "eyJh",
        "ｅｙＪｈ",  # noqa: RUF001 - non-ASCII "base64"
        base64.b64encode(b'{"a": "\xff"}').decode(),
        base64.b64encode(b"\xfe\xff\x00{").decode(),
    ],
)
def test_given_base64_with_garbage_then_400(body: str) -> None:
    refused({"body": body, "isBase64Encoded": True})


def test_given_a_refused_body_with_a_secret_then_the_message_omits_it() -> None:
    error = refused({"body": '{"api_token": "ATATT-secret", "n": NaN}'})

    assert "ATATT-secret" not in json.dumps(error)


def test_given_valid_json_then_it_parses_as_before() -> None:
    text = '{"a": [1, 2.5, "é", "\\ud83d\\ude00", null, true], "b": ' + "7" * 4000 + "}"

    assert json_body({"body": text}) == {"a": [1, 2.5, "é", "😀", None, True], "b": int("7" * 4000)}


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"v": value}
    return value


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (float("inf"), "finite"),
        (float("nan"), "finite"),
        (10**38, "38 digits"),
        (-(10**40), "38 digits"),
        (1e200, "magnitude"),
        (5e-324, "magnitude"),
        ([1, {"deep": 1e300}], "magnitude"),
        (nested(MAX_VALUE_DEPTH + 1), "levels deep"),
        ({"": "x"}, "keys must not be empty"),
    ],
)
def test_given_a_constant_the_table_cannot_hold_then_a_400_names_the_field(
    value: Any, says: str
) -> None:
    with pytest.raises(ValidationError) as info:
        CredentialPatch.model_validate({"field_map": {"customfield_10051": {"value": value}}})

    response = error_response(info.value)
    error = json.loads(response["body"])["error"]
    assert response["statusCode"] == 400
    assert error["details"]["fields"][0]["field"] == "field_map.customfield_10051.value"
    assert says in error["message"]


@pytest.mark.parametrize(
    "value",
    [1.5, -(10**37), 10**37, 1e125, 1e-128, 0, 0.0, True, nested(MAX_VALUE_DEPTH), {"a": "é"}],
)
def test_given_a_storable_constant_then_it_is_kept(value: Any) -> None:
    assert FieldSource.model_validate({"value": value}).value == value


def test_given_field_map_constants_over_the_size_limit_then_400_with_the_limit() -> None:
    chunk = "x" * (MAX_FIELD_MAP_BYTES // 4)
    field_map = {f"customfield_{n}": {"value": chunk} for n in range(5)}

    with pytest.raises(ValidationError) as info:
        CredentialPatch.model_validate({"field_map": field_map})

    error = json.loads(error_response(info.value)["body"])["error"]
    assert error["details"]["fields"][0]["field"] == "field_map"
    assert str(MAX_FIELD_MAP_BYTES) in error["message"]

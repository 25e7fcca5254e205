"""The response validator itself, on hand-made OpenAPI 3.0 documents, the Jira subset and a
loopback server.

If the validator let bad documents through, every contract test built on it would be hollow:
these tests show it fails on a missing field, a wrong type, a null OpenAPI 3.0 does not allow and
a writeOnly property in a response, and on what tests/contract/openapi.py adds around the schema
library (status lookup, ErrorCollection for error bodies, empty bodies, the media type).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from tests.contract.openapi import (
    OpenApiDocument,
    subset,
    validate_json,
    validate_response,
)

THING = "/rest/api/3/thing/{thingId}"

DOC: dict[str, Any] = {
    "openapi": "3.0.1",
    "info": {"title": "test", "version": "1"},
    "paths": {
        THING: {
            "get": {
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                        },
                    },
                    "401": {"description": "no schema: held to ErrorCollection"},
                    "404": {"description": "example only", "content": {"application/json": {}}},
                }
            },
            "put": {
                "responses": {
                    "200": {
                        "description": "any JSON, or nothing",
                        "content": {"application/json": {"schema": {}}},
                    },
                    "204": {
                        "description": "done",
                        "content": {"application/json": {"schema": {}}},
                    },
                    "default": {
                        "description": "fallback",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Other"}}
                        },
                    },
                }
            },
            "delete": {"responses": {"204": {"description": "gone"}}},
            "post": {"responses": {"202": {"description": "accepted, no body documented"}}},
        }
    },
    "components": {
        "schemas": {
            "Thing": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "secret"],
                "properties": {
                    "id": {"type": "string", "readOnly": True},
                    "secret": {"type": "string", "writeOnly": True},
                    "label": {"type": "string", "nullable": True},
                    "kind": {"type": "string", "enum": ["a", "b"], "nullable": True},
                    "count": {"type": "integer"},
                    "owner": {
                        "allOf": [{"$ref": "#/components/schemas/Owner"}],
                        "description": "wrapped ref, as Atlassian writes them",
                    },
                },
            },
            "Owner": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name"],
                "properties": {"name": {"type": "string"}, "tags": {"type": "array"}},
            },
            "Other": {"type": "object", "required": ["reason"]},
            "ErrorCollection": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "errorMessages": {"type": "array", "items": {"type": "string"}},
                    "errors": {"type": "object", "additionalProperties": {"type": "string"}},
                    "status": {"type": "integer"},
                },
            },
        }
    },
}


@pytest.fixture(scope="module")
def doc() -> OpenApiDocument:
    return OpenApiDocument(DOC)


def messages(doc: OpenApiDocument, status: int, body: Any, method: str = "get") -> list[str]:
    return [str(v) for v in doc.violations(method, THING, status, body)]


def test_given_a_conforming_document_then_no_violation(doc: OpenApiDocument) -> None:
    body = {"id": "1", "label": None, "kind": "a", "count": 2, "owner": {"name": "o"}}
    assert messages(doc, 200, body) == []


def test_given_a_missing_required_field_then_it_is_reported_with_its_path(
    doc: OpenApiDocument,
) -> None:
    found = messages(doc, 200, {"id": "1", "owner": {}})
    assert found == ["$.owner: 'name' is a required property [spec #/components/schemas/Owner]"]


def test_given_an_unknown_property_where_additional_properties_are_false_then_it_fails(
    doc: OpenApiDocument,
) -> None:
    found = messages(doc, 200, {"id": "1", "extra": True})
    assert len(found) == 1
    assert "'extra' was unexpected" in found[0]


def test_given_several_violations_then_every_one_is_listed_with_its_json_path(
    doc: OpenApiDocument,
) -> None:
    with pytest.raises(AssertionError) as caught:
        doc.validate("get", THING, 200, {"id": 7, "owner": {"name": 1}, "count": "x"})
    text = str(caught.value)
    assert "$.id: 7 is not of type 'string'" in text
    assert "$.owner.name: 1 is not of type 'string'" in text
    assert "$.count: 'x' is not of type 'integer'" in text
    assert "[spec #/components/schemas/Thing/properties/id]" in text


def test_given_null_then_only_nullable_properties_accept_it(doc: OpenApiDocument) -> None:
    assert messages(doc, 200, {"id": "1", "label": None}) == []
    assert messages(doc, 200, {"id": None}) == [
        "$.id: None for not nullable [spec #/components/schemas/Thing/properties/id]",
        "$.id: None is not of type 'string' [spec #/components/schemas/Thing/properties/id]",
    ]
    # `nullable` works only beside a `type` in the same schema object (OpenAPI 3.0.3), so a
    # wrapped $ref to an object type does not take null either.
    found = messages(doc, 200, {"id": "1", "owner": None})
    assert "$.owner: None for not nullable [spec #/components/schemas/Owner]" in found


def test_given_a_nullable_enum_then_the_enum_still_applies(doc: OpenApiDocument) -> None:
    assert messages(doc, 200, {"id": "1", "kind": "a"}) == []
    assert messages(doc, 200, {"id": "1", "kind": "c"}) != []
    # OpenAPI 3.0.3: other constraints keep their meaning, so null must be one of the enum's values.
    assert messages(doc, 200, {"id": "1", "kind": None}) != []


def test_given_a_write_only_property_then_it_is_not_required_but_is_refused_in_a_response(
    doc: OpenApiDocument,
) -> None:
    assert messages(doc, 200, {"id": "1"}) == []
    found = messages(doc, 200, {"id": "1", "secret": "s"})
    assert found == [
        "$.secret: Tried to read write-only property with s "
        "[spec #/components/schemas/Thing/properties/secret]"
    ]


def test_given_an_error_status_without_a_schema_then_error_collection_applies(
    doc: OpenApiDocument,
) -> None:
    assert messages(doc, 401, {"errorMessages": ["no"], "errors": {}}) == []
    assert messages(doc, 404, {"errorMessages": ["no"], "errors": {}, "status": 404}) == []
    found = messages(doc, 401, {"message": "no"})
    assert found == [
        "$: Additional properties are not allowed ('message' was unexpected) "
        "[spec #/components/schemas/ErrorCollection]"
    ]


def test_given_a_status_without_its_own_entry_then_the_default_response_applies(
    doc: OpenApiDocument,
) -> None:
    assert messages(doc, 409, {"reason": "x"}, method="put") == []
    assert messages(doc, 409, {}, method="put") != []


def test_given_an_undocumented_status_then_it_fails(doc: OpenApiDocument) -> None:
    with pytest.raises(AssertionError, match=r"status 500 is not documented"):
        doc.violations("get", THING, 500, {})


def test_given_an_unknown_operation_then_it_fails(doc: OpenApiDocument) -> None:
    with pytest.raises(AssertionError, match=r"PATCH /rest/api/3/thing/\{thingId\} is not an"):
        doc.violations("patch", THING, 200, {})


def test_given_a_named_component_then_a_fragment_can_be_held_to_it(doc: OpenApiDocument) -> None:
    doc.validate_component("Owner", {"name": "o"}, where="$.owner")
    with pytest.raises(AssertionError, match=r"\$\.owner breaks components\.schemas\.Owner"):
        doc.validate_component("Owner", {"name": "o", "x": 1}, where="$.owner")
    with pytest.raises(AssertionError, match=r"no component schema 'Nope'"):
        doc.validate_component("Nope", {}, where="$")


# --- the Jira subset itself --------------------------------------------------------------------

STATUSES = "/rest/api/3/project/{projectIdOrKey}/statuses"
ISSUE_TYPE = {"id": "1", "name": "Task", "self": "https://x/1", "statuses": [], "subtask": False}


def test_given_the_jira_subset_then_read_only_fields_are_still_required_in_a_response() -> None:
    spec = subset()
    assert spec.violations("get", STATUSES, 200, [ISSUE_TYPE]) == []
    missing = {key: value for key, value in ISSUE_TYPE.items() if key != "id"}
    assert [str(v) for v in spec.violations("get", STATUSES, 200, [missing])] == [
        "$[0]: 'id' is a required property [spec #/components/schemas/IssueTypeWithStatus]"
    ]


def test_given_the_jira_subset_then_a_wrong_type_deep_in_a_ref_fails() -> None:
    wrong = {**ISSUE_TYPE, "statuses": [{"id": 3}]}
    found = [str(v) for v in subset().violations("get", STATUSES, 200, [wrong])]
    assert found == [
        "$[0].statuses[0].id: 3 is not of type 'string' "
        "[spec #/components/schemas/StatusDetails/properties/id]"
    ]


def test_given_the_jira_subset_then_a_write_only_field_in_a_response_fails() -> None:
    template = "/rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes"
    spec = subset()
    assert spec.violations("get", template, 200, {"issueTypes": [], "total": 0}) == []
    found = spec.violations("get", template, 200, {"createMetaIssueType": []})
    assert [v.spec for v in found] == [
        "#/components/schemas/PageOfCreateMetaIssueTypes/properties/createMetaIssueType"
    ]


def test_given_the_jira_subset_then_an_undocumented_error_body_fails() -> None:
    found = subset().violations("get", "/rest/api/3/myself", 401, {"message": "Unauthorized"})
    assert [v.spec for v in found] == ["#/components/schemas/ErrorCollection"]


# --- validate_response, over real HTTP ---------------------------------------------------------

_REPLIES: dict[str, tuple[int, str, bytes]] = {
    "/rest/api/3/thing/good": (200, "application/json;charset=UTF-8", b'{"id": "1"}'),
    "/ex/jira/cloud-1/rest/api/3/thing/good": (200, "application/json", b'{"id": "1"}'),
    "/rest/api/3/thing/bad": (200, "application/json", b'{"id": 1}'),
    "/rest/api/3/thing/html": (200, "text/html", b'{"id": "1"}'),
    "/rest/api/3/thing/notjson": (200, "application/json", b"<html>"),
    "/rest/api/3/thing/unauth": (
        401,
        "application/json",
        b'{"errorMessages": ["x"], "errors": {}}',
    ),
    "/rest/api/3/thing/empty": (204, "application/json", b""),
    "/rest/api/3/thing/emptyok": (200, "application/json", b""),
    "/rest/api/3/thing/chatty": (202, "application/json", b"{}"),
}


class _Handler(BaseHTTPRequestHandler):
    def _reply(self) -> None:
        status, content_type, body = _REPLIES[self.path]
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    do_GET = _reply
    do_PUT = _reply
    do_DELETE = _reply
    do_POST = _reply

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_given_a_conforming_http_response_then_its_body_is_returned(
    server: str, doc: OpenApiDocument
) -> None:
    assert validate_response(requests.get(f"{server}/rest/api/3/thing/good", timeout=5), THING, doc)
    assert validate_response(
        requests.get(f"{server}/ex/jira/cloud-1/rest/api/3/thing/good", timeout=5), THING, doc
    ) == {"id": "1"}


def test_given_a_nonconforming_http_response_then_it_fails_naming_the_request(
    server: str, doc: OpenApiDocument
) -> None:
    response = requests.get(f"{server}/rest/api/3/thing/bad", timeout=5)
    with pytest.raises(AssertionError, match=r"GET /rest/api/3/thing/bad -> 200 breaks the spec"):
        validate_response(response, THING, doc)


def test_given_json_served_as_another_media_type_then_it_fails(
    server: str, doc: OpenApiDocument
) -> None:
    response = requests.get(f"{server}/rest/api/3/thing/html", timeout=5)
    with pytest.raises(AssertionError, match=r"Content-Type is 'text/html'"):
        validate_response(response, THING, doc)


def test_given_a_body_that_is_not_json_then_it_fails(server: str, doc: OpenApiDocument) -> None:
    response = requests.get(f"{server}/rest/api/3/thing/notjson", timeout=5)
    with pytest.raises(AssertionError, match=r"body is not JSON"):
        validate_response(response, THING, doc)


def test_given_an_error_response_then_it_is_held_to_error_collection(
    server: str, doc: OpenApiDocument
) -> None:
    response = requests.get(f"{server}/rest/api/3/thing/unauth", timeout=5)
    assert validate_response(response, THING, doc) == {"errorMessages": ["x"], "errors": {}}


def test_given_a_response_the_spec_gives_no_body_then_a_body_fails(
    server: str, doc: OpenApiDocument
) -> None:
    assert (
        validate_response(requests.put(f"{server}/rest/api/3/thing/empty", timeout=5), THING, doc)
        is None
    )
    assert (
        validate_response(
            requests.delete(f"{server}/rest/api/3/thing/empty", timeout=5), THING, doc
        )
        is None
    )
    response = requests.post(f"{server}/rest/api/3/thing/chatty", timeout=5)
    with pytest.raises(AssertionError, match=r"expected no body"):
        validate_response(response, THING, doc)


def test_given_a_path_that_does_not_fit_the_template_then_it_fails(
    server: str, doc: OpenApiDocument
) -> None:
    response = requests.get(f"{server}/rest/api/3/thing/good", timeout=5)
    with pytest.raises(AssertionError, match=r"does not fit /rest/api/3/thing/\{thingId\}/x"):
        validate_response(response, THING + "/x", doc)


def test_given_an_any_schema_then_an_empty_body_is_accepted(
    server: str, doc: OpenApiDocument
) -> None:
    response = requests.put(f"{server}/rest/api/3/thing/emptyok", timeout=5)
    assert validate_response(response, THING, doc) is None


def test_given_a_plain_json_schema_then_validate_json_lists_violations_with_schema_paths() -> None:
    schema = {"type": "object", "required": ["a"], "properties": {"b": {"type": "integer"}}}
    validate_json(schema, {"a": 1, "b": 2}, "thing")
    with pytest.raises(AssertionError) as caught:
        validate_json(schema, {"b": "x"}, "thing")
    text = str(caught.value)
    assert "$: 'a' is a required property [spec #/required]" in text
    assert "$.b: 'x' is not of type 'integer' [spec #/properties/b/type]" in text

"""Validate HTTP responses against an OpenAPI 3.0 document (Atlassian's Jira spec subset).

OpenAPI 3.0 schemas are a dialect of JSON Schema (Wright draft 00); each one is converted to Draft
2020-12 before jsonschema sees it:

- `$ref: #/components/schemas/X` points into `$defs`; keywords beside a `$ref` are dropped, as
  OpenAPI 3.0 says they are ignored.
- `nullable: true` becomes a type union with "null" (and adds null to an `enum`).
- boolean `exclusiveMinimum`/`exclusiveMaximum` become the numeric 2020-12 form.
- `readOnly` stays (an annotation); a `writeOnly` property is dropped from `required` and must not
  appear, because OpenAPI says such properties are not sent in responses.
- `discriminator`, `example`, `xml`, `externalDocs` and `deprecated` are dropped: annotations.
- `format` is not asserted: Jira's own timestamps ("2020-03-26T22:20:59.000+0000") are not RFC 3339
  date-times, so a format check would reject genuine Jira responses.

Every converted subschema carries `x-spec`, the JSON pointer of its origin in the OpenAPI document,
so a violation says where the spec's expectation comes from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import best_match

from tests.contract.extract_subset import SUBSET_PATH

ERROR_SCHEMA = "ErrorCollection"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
_CLOUD_PREFIX = re.compile(r"^/ex/jira/[^/]+(?=/)")
_DROPPED = frozenset({"discriminator", "example", "xml", "externalDocs", "deprecated", "nullable"})
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SCHEMA_VALUES = ("items", "not", "additionalProperties")


@dataclass(frozen=True)
class Violation:
    """One way a document breaks the spec: where in the document, what, and the spec's source."""

    path: str
    message: str
    spec: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} [spec {self.spec}]"


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _convert(node: Any, pointer: str, *, in_response: bool) -> Any:
    """Turn one OpenAPI 3.0 schema object into a Draft 2020-12 schema (see module docstring)."""
    if isinstance(node, bool) or not isinstance(node, Mapping):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        prefix = "#/components/schemas/"
        if not ref.startswith(prefix):
            raise ValueError(f"unsupported $ref {ref!r} at {pointer}")
        return {"$ref": "#/$defs/" + ref[len(prefix) :], "x-spec": pointer}

    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key == "properties":
            out[key] = {}
            for name, sub in value.items():
                sub_pointer = f"{pointer}/properties/{_escape(name)}"
                if in_response and isinstance(sub, Mapping) and sub.get("writeOnly") is True:
                    out[key][name] = {
                        "not": {},
                        "x-spec": sub_pointer,
                        "x-write-only": True,
                    }
                else:
                    out[key][name] = _convert(sub, sub_pointer, in_response=in_response)
        elif key in _SCHEMA_LISTS:
            out[key] = [
                _convert(sub, f"{pointer}/{key}/{index}", in_response=in_response)
                for index, sub in enumerate(value)
            ]
        elif key in _SCHEMA_VALUES:
            out[key] = _convert(value, f"{pointer}/{key}", in_response=in_response)
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
            bound = "minimum" if key == "exclusiveMinimum" else "maximum"
            if value and bound in node:
                out[key] = node[bound]
        else:
            out[key] = value
    for key in ("exclusiveMinimum", "exclusiveMaximum"):
        bound = "minimum" if key == "exclusiveMinimum" else "maximum"
        if node.get(key) is True:
            out.pop(bound, None)

    if in_response and "required" in out and "properties" in node:
        write_only = {
            name
            for name, sub in node["properties"].items()
            if isinstance(sub, Mapping) and sub.get("writeOnly") is True
        }
        out["required"] = [name for name in out["required"] if name not in write_only]

    if node.get("nullable") is True:
        if "type" in out:
            types = out["type"] if isinstance(out["type"], list) else [out["type"]]
            out["type"] = [*types, "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [{"type": "null"}, out], "x-spec": pointer}
    out["x-spec"] = pointer
    return out


def _violations(errors: Iterator[ValidationError]) -> Iterator[Violation]:
    for error in errors:
        spec = "#/" + "/".join(_escape(str(part)) for part in error.schema_path)
        if isinstance(error.schema, Mapping) and "x-spec" in error.schema:
            spec = error.schema["x-spec"]
        if isinstance(error.schema, Mapping) and error.schema.get("x-write-only"):
            message = "writeOnly property must not appear in a response"
        else:
            message = error.message
            if len(message) > 300:
                message = message[:300] + "..."
        yield Violation(error.json_path, message, spec)
        if error.context:
            # anyOf/oneOf: say why the closest alternative failed, too.
            best = best_match(error.context)
            if best is not None:
                yield from _violations(iter([best]))


class OpenApiDocument:
    """An OpenAPI 3.0 document whose operations' responses can be validated."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        schemas = document.get("components", {}).get("schemas", {})
        self.defs = {
            name: _convert(schema, f"#/components/schemas/{_escape(name)}", in_response=True)
            for name, schema in schemas.items()
        }

    @classmethod
    def load(cls, path: Path = SUBSET_PATH) -> OpenApiDocument:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def operation(self, method: str, path_template: str) -> Mapping[str, Any]:
        try:
            return self.document["paths"][path_template][method.lower()]  # type: ignore[no-any-return]
        except KeyError:
            raise AssertionError(
                f"{method.upper()} {path_template} is not an operation of the spec"
            ) from None

    def response_schema(
        self, method: str, path_template: str, status: int
    ) -> dict[str, Any] | None:
        """The Draft 2020-12 schema for a response body, or None when the spec documents none.

        A 4xx/5xx response without a JSON schema in the spec is held to ErrorCollection: that is
        the error body Jira sends, and many of the spec's error responses leave it out.
        """
        operation = self.operation(method, path_template)
        responses = operation.get("responses", {})
        key = str(status)
        if key not in responses:
            key = f"{str(status)[0]}XX" if f"{str(status)[0]}XX" in responses else "default"
        if key not in responses:
            raise AssertionError(
                f"{method.upper()} {path_template}: status {status} is not documented "
                f"(documented: {', '.join(sorted(responses))})"
            )
        response = responses[key]
        pointer = f"#/paths/{_escape(path_template)}/{method.lower()}/responses/{key}"
        content = response.get("content", {}).get("application/json", {})
        if "schema" in content:
            pointer += "/content/application~1json/schema"
            return _convert(content["schema"], pointer, in_response=True)  # type: ignore[no-any-return]
        if status >= 400:
            if ERROR_SCHEMA not in self.defs:
                raise AssertionError(f"the spec has no {ERROR_SCHEMA} schema for error bodies")
            return {"$ref": f"#/$defs/{ERROR_SCHEMA}", "x-spec": pointer}
        return None

    def _validator(self, schema: Mapping[str, Any]) -> Draft202012Validator:
        return Draft202012Validator({"$schema": DIALECT, **schema, "$defs": self.defs})

    def violations(
        self, method: str, path_template: str, status: int, body: Any
    ) -> list[Violation]:
        schema = self.response_schema(method, path_template, status)
        if schema is None:
            if body is None:
                return []
            return [Violation("$", "the spec documents no body for this response", "-")]
        return self.schema_violations(schema, body)

    def schema_violations(self, schema: Mapping[str, Any], instance: Any) -> list[Violation]:
        errors = self._validator(schema).iter_errors(instance)
        return sorted(set(_violations(errors)), key=lambda v: (v.path, v.message))

    def validate(self, method: str, path_template: str, status: int, body: Any) -> None:
        """Raise AssertionError listing every violation of the documented response schema."""
        found = self.violations(method, path_template, status, body)
        if found:
            raise AssertionError(
                f"{method.upper()} {path_template} -> {status} breaks the spec:\n"
                + "\n".join(f"  {violation}" for violation in found)
            )

    def validate_component(self, name: str, instance: Any, *, where: str) -> None:
        """Hold a part of a response (e.g. an issue's fields.comment) to a named component."""
        if name not in self.defs:
            raise AssertionError(f"the spec has no component schema {name!r}")
        found = self.schema_violations({"$ref": f"#/$defs/{name}"}, instance)
        if found:
            raise AssertionError(
                f"{where} breaks components.schemas.{name}:\n"
                + "\n".join(f"  {violation}" for violation in found)
            )


def validate_json(schema: Mapping[str, Any], instance: Any, label: str) -> None:
    """Hold a body to a plain Draft 2020-12 schema (for routes the OpenAPI spec does not cover)."""
    Draft202012Validator.check_schema(schema)
    errors = Draft202012Validator(schema).iter_errors(instance)
    found = sorted(set(_violations(errors)), key=lambda v: (v.path, v.message))
    if found:
        raise AssertionError(
            f"{label} breaks its schema:\n" + "\n".join(f"  {violation}" for violation in found)
        )


@cache
def subset() -> OpenApiDocument:
    """The committed Jira spec subset, loaded once per test session."""
    return OpenApiDocument.load()


def template_matches(path_template: str, url_path: str) -> bool:
    """Whether a request path fits a template, ignoring a leading /ex/jira/<cloudId>."""
    pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path_template))
    return re.fullmatch(pattern, _CLOUD_PREFIX.sub("", url_path)) is not None


def validate_response(
    response: requests.Response,
    path_template: str,
    document: OpenApiDocument | None = None,
) -> Any:
    """Check a real HTTP response against the spec and return its parsed JSON body (or None).

    The request's method and the response's status pick the operation's response schema; the
    request path must fit path_template. A 204, or a response the spec gives no body, must be
    empty; any other body must be JSON served as application/json.
    """
    spec = document if document is not None else subset()
    method = (response.request.method or "").upper()
    url_path = urlsplit(response.url).path
    assert template_matches(path_template, url_path), (
        f"request path {url_path} does not fit {path_template}"
    )
    status = response.status_code
    label = f"{method} {url_path} -> {status}"
    schema = spec.response_schema(method, path_template, status)
    if status == 204 or schema is None:
        assert response.content == b"", f"{label}: expected no body, got {response.text[:200]!r}"
        return None
    if response.content == b"" and set(schema) <= {"x-spec"}:
        return None  # the spec's `schema: {}` (any value) also stands for "no body" in Jira's spec
    content_type = response.headers.get("Content-Type", "")
    assert content_type.split(";")[0].strip().lower() == "application/json", (
        f"{label}: Content-Type is {content_type!r}, the spec documents application/json"
    )
    try:
        body = response.json()
    except ValueError as exc:
        raise AssertionError(f"{label}: body is not JSON: {response.text[:200]!r}") from exc
    found = spec.schema_violations(schema, body)
    if found:
        raise AssertionError(
            f"{label} breaks the spec for {method} {path_template}:\n"
            + "\n".join(f"  {violation}" for violation in found)
        )
    return body

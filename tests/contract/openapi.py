"""Validate HTTP responses against an OpenAPI 3.0 document (Atlassian's Jira spec subset).

Schemas are used as Atlassian wrote them: openapi-schema-validator's OAS 3.0 read validator
(`OAS30ReadValidator`, for response bodies) does the OpenAPI 3.0 dialect — `nullable` (3.0.3: only
beside a `type` in the same schema object), boolean `exclusiveMinimum`/`exclusiveMaximum`,
`readOnly` (still required in a response), `writeOnly` (not required, refused if sent) and the
annotation-only keywords. `$ref`s resolve inside the document, registered with `referencing`.

What stays hand-written is what no schema library knows about Jira or HTTP:

- picking the response entry (the status, then `4XX`-style ranges, then `default`), and holding a
  4xx/5xx the spec gives no JSON schema to ErrorCollection: that is the error body Jira sends, and
  many of the spec's error responses leave it out;
- the HTTP checks: the path fits the template (also under /ex/jira/<cloudId>, and
  /rest/api/latest for a /rest/api/2 template: Jira serves `latest` as v2), a 204 or a response
  the spec gives no body is empty, `schema: {}` may be empty too, JSON comes as application/json;
- no format checker: Jira's own timestamps ("2020-03-26T22:20:59.000+0000") are not RFC 3339
  date-times, so `format` stays an annotation (JSON Schema's default);
- the report: each violation names its JSON path and the JSON pointer, in the spec, of the schema
  object that failed, so it says where the spec's expectation comes from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import requests
from jsonschema import Draft202012Validator, ValidationError
from openapi_schema_validator import OAS30ReadValidator
from referencing import Registry
from referencing.jsonschema import DRAFT4

from tests.contract.extract_subset import SUBSET_PATH

ERROR_SCHEMA = "ErrorCollection"
_DOCUMENT_URI = "urn:jira-sync:openapi-document"
_CLOUD_PREFIX = re.compile(r"^/ex/jira/[^/]+(?=/)")
_LATEST = re.compile(r"^/rest/api/latest(?=/)")
# Keywords that assert nothing: a schema made only of these accepts any value (or no body).
_ANNOTATIONS = frozenset({"description", "example", "externalDocs", "title", "deprecated"})


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


def _index(node: Any, pointer: str, out: dict[int, str]) -> None:
    """Map every object of a JSON document (by identity) to its JSON pointer."""
    if isinstance(node, Mapping):
        out[id(node)] = pointer
        for key, value in node.items():
            _index(value, f"{pointer}/{_escape(str(key))}", out)
    elif isinstance(node, list):
        for number, item in enumerate(node):
            _index(item, f"{pointer}/{number}", out)


def _violations(
    errors: Iterable[ValidationError], origins: Mapping[int, str]
) -> Iterator[Violation]:
    for error in errors:
        spec = origins.get(id(error.schema))
        if spec is None:
            spec = "#/" + "/".join(_escape(str(part)) for part in error.schema_path)
        message = error.message
        if len(message) > 300:
            message = message[:300] + "..."
        yield Violation(error.json_path, message, spec)
        if error.context:
            # anyOf/oneOf: say why the closest alternative failed, too.
            best = jsonschema.exceptions.best_match(error.context)
            if best is not None:
                yield from _violations([best], origins)


def _sorted(found: Iterable[Violation]) -> list[Violation]:
    return sorted(set(found), key=lambda v: (v.path, v.message))


class OpenApiDocument:
    """An OpenAPI 3.0 document whose operations' responses can be validated."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self._registry: Registry[Any] = Registry().with_resource(
            _DOCUMENT_URI, DRAFT4.create_resource(document)
        )
        self._origins: dict[int, str] = {}
        _index(document, "#", self._origins)
        self._validators: dict[str, Any] = {}  # pointer -> OAS30ReadValidator

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

    def schema_at(self, pointer: str) -> Any:
        """The object at a JSON pointer ("#/components/schemas/X") of the document."""
        node: Any = self.document
        for part in pointer.removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def response_schema(self, method: str, path_template: str, status: int) -> str | None:
        """The JSON pointer of a response body's schema, or None when the spec documents none.

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
        content = responses[key].get("content", {}).get("application/json", {})
        if "schema" in content:
            return (
                f"#/paths/{_escape(path_template)}/{method.lower()}/responses/{key}"
                "/content/application~1json/schema"
            )
        if status >= 400:
            if ERROR_SCHEMA not in self.document.get("components", {}).get("schemas", {}):
                raise AssertionError(f"the spec has no {ERROR_SCHEMA} schema for error bodies")
            return f"#/components/schemas/{ERROR_SCHEMA}"
        return None

    def accepts_anything(self, pointer: str) -> bool:
        """Whether the schema at pointer asserts nothing (the spec's `schema: {}`)."""
        schema = self.schema_at(pointer)
        return isinstance(schema, Mapping) and set(schema) <= _ANNOTATIONS

    def schema_violations(self, pointer: str, instance: Any) -> list[Violation]:
        """Every way instance breaks the schema at pointer, read as a response body."""
        validator = self._validators.get(pointer)
        if validator is None:
            validator = OAS30ReadValidator(
                {"$ref": _DOCUMENT_URI + pointer}, registry=self._registry
            )
            self._validators[pointer] = validator
        return _sorted(_violations(validator.iter_errors(instance), self._origins))

    def violations(
        self, method: str, path_template: str, status: int, body: Any
    ) -> list[Violation]:
        pointer = self.response_schema(method, path_template, status)
        if pointer is None:
            if body is None:
                return []
            return [Violation("$", "the spec documents no body for this response", "-")]
        return self.schema_violations(pointer, body)

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
        if name not in self.document.get("components", {}).get("schemas", {}):
            raise AssertionError(f"the spec has no component schema {name!r}")
        found = self.schema_violations(f"#/components/schemas/{_escape(name)}", instance)
        if found:
            raise AssertionError(
                f"{where} breaks components.schemas.{name}:\n"
                + "\n".join(f"  {violation}" for violation in found)
            )


def validate_json(schema: Mapping[str, Any], instance: Any, label: str) -> None:
    """Hold a body to a plain Draft 2020-12 schema (for routes the OpenAPI spec does not cover)."""
    Draft202012Validator.check_schema(schema)
    errors = Draft202012Validator(schema).iter_errors(instance)
    found = _sorted(_violations(errors, {}))
    if found:
        raise AssertionError(
            f"{label} breaks its schema:\n" + "\n".join(f"  {violation}" for violation in found)
        )


@cache
def subset() -> OpenApiDocument:
    """The committed Jira spec subset, loaded once per test session."""
    return OpenApiDocument.load()


def template_matches(path_template: str, url_path: str) -> bool:
    """Whether a request path fits a template, ignoring a leading /ex/jira/<cloudId> and reading
    /rest/api/latest as /rest/api/2."""
    pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path_template))
    path = _LATEST.sub("/rest/api/2", _CLOUD_PREFIX.sub("", url_path))
    return re.fullmatch(pattern, path) is not None


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
    pointer = spec.response_schema(method, path_template, status)
    if status == 204 or pointer is None:
        assert response.content == b"", f"{label}: expected no body, got {response.text[:200]!r}"
        return None
    if response.content == b"" and spec.accepts_anything(pointer):
        return None  # the spec's `schema: {}` (any value) also stands for "no body" in Jira's spec
    content_type = response.headers.get("Content-Type", "")
    assert content_type.split(";")[0].strip().lower() == "application/json", (
        f"{label}: Content-Type is {content_type!r}, the spec documents application/json"
    )
    try:
        body = response.json()
    except ValueError as exc:
        raise AssertionError(f"{label}: body is not JSON: {response.text[:200]!r}") from exc
    found = spec.schema_violations(pointer, body)
    if found:
        raise AssertionError(
            f"{label} breaks the spec for {method} {path_template}:\n"
            + "\n".join(f"  {violation}" for violation in found)
        )
    return body

"""Plain JSON to DynamoDB attribute values and back; key attributes never reach the models."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

KEY_ATTRIBUTES = frozenset({"pk", "sk", "gsi1pk", "gsi1sk", "expires_at"})
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(data: Mapping[str, Any]) -> dict[str, AttributeValueTypeDef]:
    """Plain JSON to DynamoDB attributes (floats become Decimal, as DynamoDB requires)."""
    plain = json.loads(json.dumps(data), parse_float=Decimal)
    return {key: _serializer.serialize(value) for key, value in plain.items()}


def to_value(value: Any) -> AttributeValueTypeDef:
    """One plain JSON value as a DynamoDB attribute value."""
    return to_item({"v": value})["v"]


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item's data attributes as plain JSON (numbers as int or float)."""
    return {
        key: _plain(_deserializer.deserialize(value))
        for key, value in item.items()
        if key not in KEY_ATTRIBUTES
    }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_plain(inner) for inner in value]
    return value

"""The container's DynamoDB client and the table name: built on first use, never at import."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3

from jira_sync.caching import once
from jira_sync.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@once
def dynamodb_client() -> DynamoDBClient:
    """The container's client (endpoint from AWS_ENDPOINT_URL_* if set)."""
    return boto3.client("dynamodb")


def table() -> str:
    return get_settings().table_name

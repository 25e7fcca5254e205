"""The container's DynamoDB client and the table name: built on first use, never at import."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from jira_sync.caching import once
from jira_sync.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@once
def dynamodb_client() -> DynamoDBClient:
    """The container's client (endpoint from AWS_ENDPOINT_URL_* if set).

    botocore's defaults (60 s timeouts, 10 attempts for DynamoDB) outlast the function and
    Jira's patience with a webhook: a stalled table would end the invocation before it could
    answer. Bounded by the settings, the caller still answers (a 503 Jira retries).
    """
    settings = get_settings()
    config = Config(
        connect_timeout=min(2.0, settings.table_timeout_seconds),
        read_timeout=settings.table_timeout_seconds,
        retries={"mode": "standard", "max_attempts": settings.table_max_attempts},
    )
    return boto3.client("dynamodb", config=config)


def table() -> str:
    return get_settings().table_name

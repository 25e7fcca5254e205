"""moto in-process for the integration tests: the table built from template.yaml, the settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
from cfnlint.decode import decode

from jira_sync import caching

ROOT = Path(__file__).resolve().parents[2]
TABLE_NAME = "jira-sync-test-Table"
SECRET_PREFIX = "jira-sync-test/credentials/"
ENDPOINT_VARIABLES = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "AWS_ENDPOINT_URL_EVENTBRIDGE",
    "AWS_ENDPOINT_URL_SQS",
)


def table_properties() -> dict[str, Any]:
    """The Table resource's Properties exactly as template.yaml declares them."""
    template, matches = decode(str(ROOT / "template.yaml"))
    assert not matches, matches
    assert template is not None
    properties: dict[str, Any] = json.loads(
        json.dumps(template["Resources"]["Table"]["Properties"])
    )
    return properties


def create_table_from_template() -> None:
    properties = table_properties()
    client = boto3.client("dynamodb")
    client.create_table(
        TableName=TABLE_NAME,
        BillingMode=properties["BillingMode"],
        AttributeDefinitions=properties["AttributeDefinitions"],
        KeySchema=properties["KeySchema"],
        GlobalSecondaryIndexes=properties["GlobalSecondaryIndexes"],
        SSESpecification={"Enabled": properties["SSESpecification"]["SSEEnabled"]},
    )
    ttl = properties["TimeToLiveSpecification"]
    client.update_time_to_live(
        TableName=TABLE_NAME,
        TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": ttl["Enabled"]},
    )


def forget_container_state() -> None:
    """What a new Lambda container would start without: settings, clients, every cache."""
    caching.reset()

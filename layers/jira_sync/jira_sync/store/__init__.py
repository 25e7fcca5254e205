"""The DynamoDB table: the only code that talks to it (credentials, issues, links, timeline)."""

from jira_sync.store.client import dynamodb_client
from jira_sync.store.credentials import (
    CREDENTIAL_PK,
    LINKS_GSI,
    delete_credential,
    get_credential,
    has_links,
    links_partition,
    list_credentials,
    put_new_credential,
    update_credential,
)

__all__ = [
    "CREDENTIAL_PK",
    "LINKS_GSI",
    "delete_credential",
    "dynamodb_client",
    "get_credential",
    "has_links",
    "links_partition",
    "list_credentials",
    "put_new_credential",
    "update_credential",
]

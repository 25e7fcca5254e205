"""Jira REST client: auth, deadlines, retries and typed errors for every Jira call."""

from jira_sync.jira.auth import JiraBasicAuth
from jira_sync.jira.cache import clear_client_cache, get_client
from jira_sync.jira.client import CONNECT_TIMEOUT, READ_TIMEOUT, JiraClient, api_path
from jira_sync.jira.errors import (
    JiraAuthError,
    JiraError,
    JiraNotFound,
    JiraRateLimited,
    JiraRejected,
    JiraUnavailable,
)
from jira_sync.jira.retry import RetryPolicy, parse_retry_after

__all__ = [
    "CONNECT_TIMEOUT",
    "READ_TIMEOUT",
    "JiraAuthError",
    "JiraBasicAuth",
    "JiraClient",
    "JiraError",
    "JiraNotFound",
    "JiraRateLimited",
    "JiraRejected",
    "JiraUnavailable",
    "RetryPolicy",
    "api_path",
    "clear_client_cache",
    "get_client",
    "parse_retry_after",
]

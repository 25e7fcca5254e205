"""The service's configuration, read once per container from the Lambda environment.

This is the only module that reads ``os.environ``: everything else receives a ``Settings``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from jira_sync.caching import once

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def _comma_list(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def _flag(value: object) -> object:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    return value


def _base_url(value: object) -> object:
    if isinstance(value, str):
        return value.strip().rstrip("/") or None
    return value


class Settings(BaseModel):
    """What the functions need to know about their stack; names mirror template.yaml."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    table_name: str = Field(min_length=1)
    event_bus_name: str = Field(min_length=1)
    event_source: str = Field(default="findings", min_length=1)
    secret_prefix: str = Field(min_length=1)
    allowed_hosts: Annotated[list[str], BeforeValidator(_comma_list)] = Field(default_factory=list)
    # None: webhook URLs are built from the API domain of the request.
    public_base_url: Annotated[str | None, BeforeValidator(_base_url)] = None
    # Only the local stack sets this, so credentials may point at the loopback Jira emulator.
    allow_loopback: Annotated[bool, BeforeValidator(_flag)] = False
    # Jira's JQL search is eventually consistent (seconds, Atlassian says): an issue created by a
    # call whose answer was lost may not show yet. Its absence counts only this long after.
    search_settle_seconds: float = Field(default=10.0, ge=0, le=300)
    # A request Jira received keeps running after our client gave up on it: a create whose
    # answer we never got may still make its issue this long after. Atlassian documents no
    # bound; two minutes is well past what its edge lets a request live.
    jira_request_lifetime_seconds: float = Field(default=120.0, ge=0, le=900)
    # Jira retries a failed delivery for about half an hour: a signed delivery older than this
    # is refused, so a captured one cannot be replayed later (at most the markers' 3 days).
    webhook_max_age_seconds: float = Field(default=3600.0, ge=60, le=3 * 24 * 3600)
    # Each DynamoDB call's read timeout and attempts. The webhooks function sets them lower:
    # Jira waits seconds for a webhook's answer, and a late answer is a lost 503.
    table_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    table_max_attempts: int = Field(default=3, ge=1, le=10)
    # The longest Retry-After a Jira call waits for inside an invocation. The remediation
    # function sets 0: its queue waits instead (the message's visibility), not the function.
    jira_max_wait_seconds: float = Field(default=60.0, ge=0, le=600)
    # Where an outbound change that failed transiently waits for its retry (the remediation
    # queue; None: not queued, the change is reported failed). Retries wait first_delay,
    # doubling up to max_delay (SQS delays a message 15 minutes at most), until give_up.
    retry_queue_url: str | None = None
    retry_first_delay_seconds: float = Field(default=5.0, ge=0, le=900)
    retry_max_delay_seconds: float = Field(default=300.0, ge=0, le=900)
    retry_give_up_seconds: float = Field(default=24 * 3600.0, ge=60, le=4 * 24 * 3600)
    # The remediation queue's maxReceiveCount (template Mappings): after that receive the
    # message goes to the DLQ on its next receive, so waiting longer only delays the alarm.
    remediation_max_receives: int | None = Field(default=None, ge=1, le=1000)
    # Where a site's scoped tokens work (``<gateway>/ex/jira/<cloudId>``); the devstack points
    # it at the Jira emulator, which serves the gateway's paths too.
    atlassian_gateway_url: Annotated[str, BeforeValidator(_base_url)] = "https://api.atlassian.com"
    stage: str = "dev"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        """Settings from ``JIRA_SYNC_*`` variables (e.g. ``JIRA_SYNC_TABLE_NAME``)."""
        prefix = "JIRA_SYNC_"
        values = {
            name.removeprefix(prefix).lower(): value
            for name, value in environ.items()
            if name.startswith(prefix)
        }
        return cls.model_validate(values)


def trace_subsegments() -> bool:
    """``JIRA_SYNC_TRACE_SUBSEGMENTS`` (stack parameter TraceSubsegments), read on its own:
    handlers choose their decorators at import, before the rest of the settings are needed."""
    return _flag(os.environ.get("JIRA_SYNC_TRACE_SUBSEGMENTS", "")) is True


@once
def get_settings() -> Settings:
    """The container's settings; read on first use, not at import time."""
    return Settings.from_environ(os.environ)

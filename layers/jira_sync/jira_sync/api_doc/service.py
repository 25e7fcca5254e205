"""The service's own routes: readiness and this document."""

# No ``from __future__ import annotations``: the models below are pydantic models.

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from jira_sync.api_doc.operation import COMMON, Operation

ERROR_CODES: dict[str, str] = {}


class Health(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["ok"]


class OpenApiDocument(BaseModel):
    """This document."""

    model_config = ConfigDict(extra="allow")

    openapi: str = Field(pattern=r"^3\.1\.")


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "GET",
        "/health",
        "getHealth",
        "Readiness",
        "service",
        200,
        Health,
        errors=dict(COMMON),
        ok_example={"status": "ok"},
    ),
    Operation(
        "GET",
        "/openapi.json",
        "getOpenApi",
        "This OpenAPI document",
        "service",
        200,
        OpenApiDocument,
        errors=dict(COMMON),
    ),
)

"""Jira configuration data for settings screens: projects, issue types, fields, workflow."""

# No ``from __future__ import annotations``: the models below are pydantic models.

from jira_sync.api_doc.operation import Operation

ERROR_CODES: dict[str, str] = {}

OPERATIONS: tuple[Operation, ...] = ()

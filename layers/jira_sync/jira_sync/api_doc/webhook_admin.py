"""The credential's webhook in Jira, registered for the user, and its secret's rotation."""

# No ``from __future__ import annotations``: the models below are pydantic models.

from jira_sync.api_doc.operation import Operation

ERROR_CODES: dict[str, str] = {}

OPERATIONS: tuple[Operation, ...] = ()

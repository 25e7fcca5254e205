"""Reconcile: linked tickets compared with local state, drift reported or repaired."""

# No ``from __future__ import annotations``: the models below are pydantic models.

from jira_sync.api_doc.operation import Operation

ERROR_CODES: dict[str, str] = {}

OPERATIONS: tuple[Operation, ...] = ()

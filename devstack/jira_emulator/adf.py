"""Atlassian Document Format: validation as strict as Jira's (wiki.py converts it for REST v2).

The JSON schema is `schemas/adf-schema-v1-full.json` from the npm package
`@atlaskit/adf-schema` 57.7.22 (Apache-2.0). Jira rejects some documents that schema accepts,
so `problem` adds Jira's extra rules on top of it.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft4Validator


@cache
def _validator() -> Draft4Validator:
    text = resources.files("devstack.jira_emulator").joinpath("schemas/adf-schema-v1-full.json")
    return Draft4Validator(json.loads(text.read_text(encoding="utf-8")))


def is_document(value: Any) -> bool:
    """Whether `value` even claims to be an ADF doc (Jira's first, coarser check)."""
    return isinstance(value, dict) and value.get("type") == "doc"


def problem(value: Any) -> str | None:
    """Why Jira would reject this ADF document, or None when it is acceptable."""
    if not is_document(value):
        return "not an ADF document"
    empty = _first_empty_text(value)
    if empty is not None:
        return f"empty text node at {empty}"
    error = next(iter(_validator().iter_errors(value)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        return f"schema violation at {where}"
    return None


def _first_empty_text(node: Any, where: str = "(root)") -> str | None:
    if not isinstance(node, dict):
        return None
    if node.get("type") == "text" and not node.get("text"):
        return where
    for index, child in enumerate(node.get("content") or []):
        found = _first_empty_text(child, f"{where}/content/{index}")
        if found is not None:
            return found
    return None


# Jira refuses rich text longer than this (Atlassian: JRACLOUD-68949). Counted here on the
# document's compact JSON, the longest reading of what Jira measures, so a client that fits
# here fits in Jira.
TEXT_LIMIT = 32_767
TOO_LONG = "The entered text is too long. It exceeds the allowed limit of 32,767 characters."


def too_long(value: Any) -> bool:
    """Whether an ADF document is over Jira's rich-text limit."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False)) > TEXT_LIMIT

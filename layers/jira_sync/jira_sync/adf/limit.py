"""Jira's limit on rich-text fields: 32,767 characters (Atlassian, JRACLOUD-68949).

Jira refuses a create whose description is longer, after everything else checked out. Which
representation Jira counts for an ADF document is not documented; this counts the document's
compact JSON, the longest reading, so a description within it fits whatever Jira counts. A
longer one is cut at a block boundary, the footer kept, and a closing note says the full text
is attached (the create attaches it as ``description.md``).
"""

from __future__ import annotations

import json

from jira_sync.adf.markdown import markdown_blocks
from jira_sync.adf.nodes import Node, document
from jira_sync.adf.plain import plain_paragraphs

JIRA_TEXT_LIMIT = 32_767
FULL_TEXT_FILENAME = "description.md"
CUT_NOTE = (
    "The description was cut here to fit Jira's limit of 32,767 characters: the full text is "
    f"attached as {FULL_TEXT_FILENAME}."
)


def size(node: Node | list[Node]) -> int:
    """Characters of ``node`` as compact JSON (what is measured against the limit)."""
    return len(json.dumps(node, separators=(",", ":"), ensure_ascii=False))


def description_doc(markdown: str, footer: str, limit: int = JIRA_TEXT_LIMIT) -> tuple[Node, bool]:
    """The description as ADF within ``limit``, and whether it had to be cut."""
    blocks = markdown_blocks(markdown)
    tail = plain_paragraphs(footer)
    whole = document([*blocks, *tail])
    if size(whole) <= limit:
        return whole, False
    ending = [*plain_paragraphs(CUT_NOTE), *tail]
    # Each block costs its own size plus the comma before it.
    budget = limit - size(document(ending)) - 1
    kept: list[Node] = []
    for block in blocks:
        cost = size(block) + 1
        if cost > budget:
            break
        kept.append(block)
        budget -= cost
    if not kept:
        kept = _plain_prefix(markdown, budget)
    return document([*kept, *ending]), True


def _plain_prefix(markdown: str, budget: int) -> list[Node]:
    """When not even the first block fits: as much of the text as fits, as plain paragraphs
    (binary search on the length, as escaping makes the size of a prefix unpredictable)."""
    low, high = 0, len(markdown)
    while low < high:
        middle = (low + high + 1) // 2
        if size(plain_paragraphs(markdown[:middle])) - 2 <= budget:
            low = middle
        else:
            high = middle - 1
    return plain_paragraphs(markdown[:low])

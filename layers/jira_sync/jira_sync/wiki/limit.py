"""Jira's limit on rich-text fields for wiki markup, as ``adf.limit`` keeps it for ADF: the same
32,767 characters, the same cut at a block boundary with the footer kept and the same note.

Jira stores wiki markup as a Java string, whose length counts UTF-16 code units (an emoji is
two); that is what is measured here.
"""

from __future__ import annotations

from jira_sync.adf.limit import CUT_NOTE, JIRA_TEXT_LIMIT
from jira_sync.wiki.markdown import markdown_blocks
from jira_sync.wiki.plain import plain_paragraphs

_BETWEEN_BLOCKS = "\n\n"


def size(wiki: str) -> int:
    """Characters of `wiki` as Jira counts them."""
    return len(wiki.encode("utf-16-le")) // 2


def description_wiki(markdown: str, footer: str, limit: int = JIRA_TEXT_LIMIT) -> tuple[str, bool]:
    """The description as wiki markup within `limit`, and whether it had to be cut."""
    blocks = markdown_blocks(markdown)
    tail = plain_paragraphs(footer)
    whole = _BETWEEN_BLOCKS.join([*blocks, *tail])
    if size(whole) <= limit:
        return whole, False
    ending = [*plain_paragraphs(CUT_NOTE), *tail]
    # Each block kept costs its own size plus the blank line after it.
    budget = limit - size(_BETWEEN_BLOCKS.join(ending))
    kept: list[str] = []
    for block in blocks:
        cost = size(block) + len(_BETWEEN_BLOCKS)
        if cost > budget:
            break
        kept.append(block)
        budget -= cost
    if not kept:
        kept = _plain_prefix(markdown, budget - len(_BETWEEN_BLOCKS))
    return _BETWEEN_BLOCKS.join([*kept, *ending]), True


def _plain_prefix(markdown: str, budget: int) -> list[str]:
    """When not even the first block fits: as much of the text as fits, as plain paragraphs
    (binary search on the length, as escaping makes the size of a prefix unpredictable)."""
    low, high = 0, len(markdown)
    while low < high:
        middle = (low + high + 1) // 2
        if size(_BETWEEN_BLOCKS.join(plain_paragraphs(markdown[:middle]))) <= budget:
            low = middle
        else:
            high = middle - 1
    return plain_paragraphs(markdown[:low])

"""GFM tables as Jira tables (``||head||`` and ``|cell|`` rows), or a paragraph per row where a
Jira table cannot stand (a list item).

Jira's cells hold no alignment, so a column's alignment is dropped; an empty cell holds a
space, as ``||`` alone would read as a header cell's separator.
"""

from __future__ import annotations

from collections.abc import Iterator

from jira_sync.adf.tree import Block
from jira_sync.wiki.escape import escape
from jira_sync.wiki.inline import Styles, inline_wiki

_STRONG: Styles = frozenset({"strong"})


def table(node: Block) -> list[str]:
    """The table as one block of rows, or nothing when it has none."""
    rows = ["".join(_cells(row)) for row in _rows(node) if row.children]
    return ["\n".join(rows)] if rows else []


def table_as_paragraphs(node: Block) -> list[str]:
    """Rows as `a | b` paragraphs, header cells strong."""
    paragraphs: list[str] = []
    for row in _rows(node):
        cells = [
            inline_wiki(cell.inline, lines=False, styles=_STRONG if _head(cell) else frozenset())
            for cell in row.children
        ]
        paragraphs.append(escape(" | ").join(cells))
    return paragraphs


def _cells(row: Block) -> Iterator[str]:
    last = "|"
    for cell in row.children:
        last = "||" if _head(cell) else "|"
        yield last + (inline_wiki(cell.inline, lines=False) or " ")
    yield last


def _head(cell: Block) -> bool:
    return cell.kind == "th"


def _rows(node: Block) -> Iterator[Block]:
    for section in node.children:
        yield from (row for row in section.children if row.kind == "tr")

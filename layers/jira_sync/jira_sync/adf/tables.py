"""GFM tables as ADF tables, or as one paragraph per row where ADF allows no table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from jira_sync.adf.inline import inline_blocks, inline_content
from jira_sync.adf.nodes import STRONG, Node, merge_text, paragraph, split_at_media, text
from jira_sync.adf.tree import Block

_ALIGN: dict[str, Literal["center", "end"]] = {
    "text-align:center": "center",
    "text-align:right": "end",
}


def table(node: Block) -> list[Node]:
    """`table` > `tableRow` > `tableHeader`/`tableCell` > paragraph (every cell needs a block)."""
    rows: list[Node] = []
    for row in _rows(node):
        cells = [_cell(cell) for cell in row.children]
        if cells:
            rows.append({"type": "tableRow", "content": cells})
    return [{"type": "table", "content": rows}] if rows else []


def table_as_paragraphs(node: Block) -> list[Node]:
    """Rows as `a | b` paragraphs, header cells strong: for list items and quotes. An image
    splits its row's paragraph, as it splits any (`inline.inline_blocks`)."""
    paragraphs: list[Node] = []
    for row in _rows(node):
        content: list[Node] = []
        for index, cell in enumerate(row.children):
            if index:
                content.extend(text(" | "))
            content.extend(inline_content(cell.inline, (STRONG,) if cell.kind == "th" else ()))
        paragraphs.extend(split_at_media(merge_text(content), paragraph))
    return paragraphs


def _rows(node: Block) -> Iterator[Block]:
    for section in node.children:
        yield from (row for row in section.children if row.kind == "tr")


def _cell(cell: Block) -> Node:
    style = cell.token.attrGet("style")
    align = _ALIGN.get(style) if isinstance(style, str) else None
    return {
        "type": "tableHeader" if cell.kind == "th" else "tableCell",
        "content": inline_blocks(cell.inline, lambda content: paragraph(content, align)),
    }

"""Markdown (CommonMark, GFM tables and strikethrough) as an ADF doc Jira accepts.

ADF nests less than Markdown: list items and quotes hold only paragraphs, lists and code
blocks. What does not fit is reshaped where it stands rather than refused, so a description
always goes through: a heading becomes a strong paragraph, a quote gives up its frame, a table
its grid (a paragraph per row), a rule turns into its marker as text (`---`). Raw HTML is
shown as text, never interpreted; NUL becomes U+FFFD, as CommonMark says and `plain` does.
Empty input gives a doc of one empty paragraph, as `plain_text_to_adf` does: the JSON schema
would take a doc with no block, Jira's editor (its ProseMirror schema) would not. An image
becomes external media, a block of its own (`inline`). The Markdown is read as
`tree.read_markdown` reads it for every writer (a single line break is a hard break).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from markdown_it.common.utils import unescapeAll

from jira_sync.adf.inline import inline_blocks
from jira_sync.adf.nodes import STRONG, Node, document, paragraph, text
from jira_sync.adf.plain import plain_paragraphs
from jira_sync.adf.tables import table, table_as_paragraphs
from jira_sync.adf.tree import Block, read_markdown

# Where blocks land: the doc takes any block; list items and quotes far fewer.
type Place = Literal["doc", "item", "quote"]

# Blocks a list item may start with (older editor schemas: `(paragraph | mediaSingle | codeBlock)`
# first); anything else gets an empty paragraph before it, which is also what an empty item holds.
_ITEM_STARTS = frozenset({"paragraph", "mediaSingle", "codeBlock"})


def markdown_to_adf(markdown: str, footer: str | None = None) -> Node:
    """An ADF doc of `markdown`, with `footer` as plain-text paragraphs at the end."""
    content = markdown_blocks(markdown)
    if footer:
        content.extend(plain_paragraphs(footer))
    return document(content)


def markdown_blocks(markdown: str) -> list[Node]:
    """The top-level ADF blocks of `markdown` (a doc's content)."""
    return _blocks(read_markdown(markdown), "doc")


def _blocks(nodes: Sequence[Block], place: Place) -> list[Node]:
    blocks: list[Node] = []
    for node in nodes:
        blocks.extend(_block(node, place))
    return blocks


def _block(node: Block, place: Place) -> list[Node]:
    kind = node.kind
    if kind == "paragraph":
        return inline_blocks(node.inline, paragraph)
    if kind == "heading":
        if place == "doc":
            level = int(node.token.tag.removeprefix("h"))
            return inline_blocks(node.inline, lambda content: _heading(level, content))
        return inline_blocks(node.inline, paragraph, (STRONG,))
    if kind in ("fence", "code_block"):
        return [_code_block(node)]
    if kind in ("bullet_list", "ordered_list"):
        return _list(node)
    if kind == "blockquote":
        if place == "doc":
            return [
                {
                    "type": "blockquote",
                    "content": _blocks(node.children, "quote") or [paragraph([])],
                }
            ]
        return _blocks(node.children, place)
    if kind == "hr":
        # markdown-it's markup for `---` is `----`; its marker thrice reads as typed.
        return (
            [{"type": "rule"}] if place == "doc" else [paragraph(text(node.token.markup[:1] * 3))]
        )
    if kind == "table":
        return table(node) if place == "doc" else table_as_paragraphs(node)
    if node.children:
        return _blocks(node.children, place)
    # html_block, and whatever a future rule may add: its source, line for line.
    return plain_paragraphs(node.token.content)


def _heading(level: int, content: list[Node]) -> Node:
    return {"type": "heading", "attrs": {"level": level}, "content": content}


def _code_block(node: Block) -> Node:
    """A `codeBlock` of one unmarked text node; none at all when the code is empty."""
    block: Node = {"type": "codeBlock"}
    words = unescapeAll(node.token.info).split() if node.kind == "fence" else []
    if words:
        block["attrs"] = {"language": words[0]}
    content = text(node.token.content.removesuffix("\n"))
    if content:
        block["content"] = content
    return block


def _list(node: Block) -> list[Node]:
    items = [_list_item(item) for item in node.children if item.kind == "list_item"]
    if not items:
        return []
    if node.kind == "bullet_list":
        return [{"type": "bulletList", "content": items}]
    ordered: Node = {"type": "orderedList", "content": items}
    start = node.token.attrGet("start")
    if start is not None and int(start) != 1:
        ordered["attrs"] = {"order": int(start)}
    return [ordered]


def _list_item(node: Block) -> Node:
    content = _blocks(node.children, "item")
    if not content or content[0]["type"] not in _ITEM_STARTS:
        content.insert(0, paragraph([]))
    return {"type": "listItem", "content": content}

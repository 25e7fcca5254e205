"""Markdown (CommonMark, GFM tables and strikethrough) as Jira wiki markup, read exactly as the
ADF writer reads it (`adf.tree.read_markdown`).

Blocks are separated by a blank line. Jira's lists hold lines, not blocks: an item's later
blocks follow on lines of their own (which Jira keeps in the item), and what cannot stand in a
list is reshaped as the ADF writer reshapes it: a heading becomes a strong paragraph, a quote
gives up its frame, a table its grid (a paragraph per row), a rule turns into its marker as
text. A quote cannot hold a quote (the inner ``{quote}`` would end the outer one), so a nested
quote is flattened, as in ADF. Jira's numbered lists always count from 1: an ordered list's
start number is not kept. Raw HTML is shown as text, never interpreted; NUL becomes U+FFFD.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal

from markdown_it.common.utils import unescapeAll

from jira_sync.adf.tree import Block, read_markdown
from jira_sync.wiki.code import code_block
from jira_sync.wiki.escape import escape
from jira_sync.wiki.inline import Styles, inline_wiki
from jira_sync.wiki.plain import plain_paragraphs
from jira_sync.wiki.tables import table, table_as_paragraphs

# Where blocks land: the document and a quote take any block, a list item only lines.
type Place = Literal["doc", "item", "quote"]

_STRONG: Styles = frozenset({"strong"})
_LISTS = frozenset({"bullet_list", "ordered_list"})


def markdown_to_wiki(markdown: str, footer: str | None = None) -> str:
    """Wiki markup of `markdown`, with `footer` as plain-text paragraphs at the end."""
    blocks = markdown_blocks(markdown)
    if footer:
        blocks.extend(plain_paragraphs(footer))
    return "\n\n".join(blocks)


def markdown_blocks(markdown: str) -> list[str]:
    """The top-level blocks of `markdown`, each as wiki markup (to be joined by blank lines)."""
    return _blocks(read_markdown(markdown), "doc", quoted=False)


def _blocks(nodes: Sequence[Block], place: Place, *, quoted: bool) -> list[str]:
    blocks: list[str] = []
    for node in nodes:
        blocks.extend(_block(node, place, quoted=quoted))
    return blocks


def _block(node: Block, place: Place, *, quoted: bool) -> list[str]:
    kind = node.kind
    if kind == "paragraph":
        return [inline_wiki(node.inline, lines=True)]
    if kind == "heading":
        if place == "item":
            return [inline_wiki(node.inline, lines=True, styles=_STRONG)]
        body = inline_wiki(node.inline, lines=False)
        return [f"{node.token.tag}. {body}" if body else f"{node.token.tag}."]
    if kind in ("fence", "code_block"):
        words = unescapeAll(node.token.info).split() if kind == "fence" else []
        code = node.token.content.removesuffix("\n")
        return [code_block(code, words[0] if words else None, ("quote",) if quoted else ())]
    if kind in _LISTS:
        lines = _list(node, "", quoted=quoted)
        return ["\n".join(lines)] if lines else []
    if kind == "blockquote":
        if place == "doc":
            inner = "\n\n".join(_blocks(node.children, "quote", quoted=True))
            return [f"{{quote}}\n{inner}\n{{quote}}" if inner else "{quote}\n{quote}"]
        return _blocks(node.children, place, quoted=quoted)
    if kind == "hr":
        # markdown-it's markup for `---` is `----`; its marker thrice reads as typed.
        return ["----"] if place != "item" else [escape(node.token.markup[:1] * 3)]
    if kind == "table":
        return table(node) if place != "item" else table_as_paragraphs(node)
    if node.children:
        return _blocks(node.children, place, quoted=quoted)
    # html_block, and whatever a future rule may add: its source, line for line.
    return plain_paragraphs(node.token.content)


def _list(node: Block, markers: str, *, quoted: bool) -> list[str]:
    """The list's lines; `markers` are those of the lists it sits in (``#*`` nests in ``#``)."""
    marker = markers + ("*" if node.kind == "bullet_list" else "#")
    lines: list[str] = []
    for item in node.children:
        if item.kind == "list_item":
            lines.extend(_item(item, marker, quoted=quoted))
    return lines


def _item(item: Block, marker: str, *, quoted: bool) -> list[str]:
    """An item's marker line and the lines that continue it; an item that starts with a list
    (or holds nothing) gets an empty marker line, which Jira keeps as an empty item."""
    lines: list[str] = []
    for child in _unquoted(item.children):
        if child.kind in _LISTS:
            if not lines:
                lines.append(marker + " ")
            lines.extend(_list(child, marker, quoted=quoted))
            continue
        for block in _block(child, "item", quoted=quoted):
            lines.append(block if lines else f"{marker} {block}")
    return lines or [marker + " "]


def _unquoted(nodes: Sequence[Block]) -> Iterator[Block]:
    """The blocks of an item with its quotes' blocks in their place (a list holds no quote)."""
    pending = list(reversed(nodes))
    while pending:
        node = pending.pop()
        if node.kind == "blockquote":
            pending.extend(reversed(node.children))
        else:
            yield node

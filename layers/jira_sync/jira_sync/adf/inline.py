"""Inline Markdown (emphasis, code, links, images, breaks) as ADF text nodes.

A soft line break becomes a space, as CommonMark renderers show it: Markdown is often
hard-wrapped at ~80 columns, and keeping those wraps as `hardBreak`s would leave ragged lines
in Jira's reflowing editor. Two trailing spaces or a backslash still give a `hardBreak`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from markdown_it.tree import SyntaxTreeNode

from jira_sync.adf.nodes import Mark, Marks, Node, merge_text, text

_STYLE: dict[str, Mark] = {
    "em": Mark("em"),
    "strong": Mark("strong"),
    "s": Mark("strike"),
}
_CODE = Mark("code")

# Atlassian's renderer trusts only some URL schemes, and a relative URL would resolve against the
# Jira site; a link to anything else keeps its label and loses the mark.
_LINKABLE = re.compile(r"(?:https?|ftps?)://|(?:mailto|tel):", re.IGNORECASE)


def inline_content(block: SyntaxTreeNode, marks: Marks = ()) -> list[Node]:
    """The inline nodes of a paragraph, heading or table cell, each carrying `marks` too."""
    nodes: list[Node] = []
    for child in block.children:
        if child.type == "inline":
            nodes.extend(_inline(child.children, marks))
    return merge_text(nodes)


def link_marks(href: object, title: object = None) -> Marks:
    """A link mark for `href`, or none when Jira could not safely follow it."""
    if not isinstance(href, str) or not _LINKABLE.match(href):
        return ()
    return (Mark("link", href, title if isinstance(title, str) and title else None),)


def _inline(nodes: Sequence[SyntaxTreeNode], marks: Marks) -> Iterator[Node]:
    for node in nodes:
        kind = node.type
        if kind == "text":
            yield from text(node.content, marks)
        elif kind == "html_inline":
            # Raw HTML is shown as typed; a tag may span lines, joined like soft breaks.
            yield from text(node.content.replace("\n", " "), marks)
        elif kind == "softbreak":
            yield from text(" ", marks)
        elif kind == "hardbreak":
            yield {"type": "hardBreak"}
        elif kind == "code_inline":
            yield from text(node.content, (*marks, _CODE))
        elif kind in _STYLE:
            yield from _inline(node.children, (*marks, _STYLE[kind]))
        elif kind == "link":
            yield from _inline(
                node.children,
                (*marks, *link_marks(node.attrs.get("href"), node.attrs.get("title"))),
            )
        elif kind == "image":
            yield from _image(node, marks)
        elif node.children:
            yield from _inline(node.children, marks)
        else:
            yield from text(node.content.replace("\n", " "), marks)


def _image(node: SyntaxTreeNode, marks: Marks) -> Iterator[Node]:
    """An image as a link to it, labelled by its alt text (media would need an upload).

    Inside a link (a badge, say) the outer link wins: that is where a click should go.
    """
    src = node.attrs.get("src")
    inside_link = any(mark.kind == "link" for mark in marks)
    own = marks if inside_link else (*marks, *link_marks(src, node.attrs.get("title")))
    label = list(_inline(node.children, own))
    if label:
        yield from label
    elif isinstance(src, str):
        yield from text(src, own)

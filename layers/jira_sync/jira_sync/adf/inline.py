"""Inline Markdown (emphasis, code, links, images, breaks) as ADF text nodes.

Every line break is a `hardBreak`: the shared reading (`tree.read_markdown`) leaves no soft
breaks, as findings are written for renderers that keep them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from markdown_it.token import Token

from jira_sync.adf.nodes import Mark, Marks, Node, merge_text, text

_STYLE: dict[str, Mark] = {"em": Mark("em"), "strong": Mark("strong"), "s": Mark("strike")}
_CODE = Mark("code")

# Atlassian's schema trusts a list of URL schemes (its `isSafeUrl`) and a relative URL would
# resolve against the Jira site; a link to anything but these keeps its label, not the mark.
_LINKABLE = re.compile(r"(?:https?|ftps?)://|(?:mailto|tel):", re.IGNORECASE)


def inline_content(tokens: Sequence[Token], marks: Marks = ()) -> list[Node]:
    """ADF inline nodes of markdown-it inline tokens, each carrying `marks` too."""
    return merge_text(list(_inline(tokens, marks)))


def link_marks(href: object, title: object = None) -> Marks:
    """A link mark for `href`, or none when Jira could not safely follow it."""
    if not isinstance(href, str) or not _LINKABLE.match(href):
        return ()
    return (Mark("link", href, title if isinstance(title, str) and title else None),)


def _inline(tokens: Sequence[Token], marks: Marks) -> Iterator[Node]:
    """One pass with a stack of marks in effect: emphasis may nest thousands deep."""
    stack = [marks]
    for token in tokens:
        kind = token.type
        if token.nesting == 1:
            stack.append(_opened(token, stack[-1]))
        elif token.nesting == -1:
            if len(stack) > 1:
                stack.pop()
        elif kind == "hardbreak":
            yield {"type": "hardBreak"}
        elif kind == "code_inline":
            yield from text(token.content, _with(stack[-1], _CODE))
        elif kind == "image":
            yield from _image(token, stack[-1])
        else:
            # text, and raw HTML shown as typed (a tag may span lines: joined with spaces).
            yield from text(token.content.replace("\n", " "), stack[-1])


def _opened(token: Token, marks: Marks) -> Marks:
    kind = token.type.removesuffix("_open")
    if kind == "link":
        return _with(marks, *link_marks(token.attrGet("href"), token.attrGet("title")))
    style = _STYLE.get(kind)
    return marks if style is None else _with(marks, style)


def _with(marks: Marks, *added: Mark) -> Marks:
    """`marks` and `added`, one of each kind, the innermost winning (as `nodes.text` does)."""
    kinds = {mark.kind for mark in added}
    return (*(mark for mark in marks if mark.kind not in kinds), *added)


def _image(token: Token, marks: Marks) -> Iterator[Node]:
    """An image as a link to it, labelled by its alt text (media would need an upload).

    Inside a link (a badge, say) the outer link wins: that is where a click should go.
    """
    src = token.attrGet("src")
    inside_link = any(mark.kind == "link" for mark in marks)
    own = marks if inside_link else _with(marks, *link_marks(src, token.attrGet("title")))
    label = list(_inline(token.children or [], own))
    if label:
        yield from label
    elif isinstance(src, str):
        yield from text(src, own)

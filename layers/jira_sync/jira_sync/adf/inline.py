"""Inline Markdown (emphasis, code, links, images, breaks) as ADF text nodes.

Every line break is a `hardBreak`: the shared reading (`tree.read_markdown`) leaves no soft
breaks, as findings are written for renderers that keep them.

An image at an http(s) URL is an external `media` in a `mediaSingle`, as Atlassian's Markdown
transformer (`@atlaskit/editor-markdown-transformer`) makes it: the reader's browser loads it
from that URL, as it would on GitHub. A `mediaSingle` is a block, so the paragraph, heading or
cell it stands in is split around it (`inline_blocks`), as that transformer does; inside a link
(a badge) the image carries the link. An image at any other URL stays text: its description,
linked to it where Jira could follow the link.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

from markdown_it.token import Token

from jira_sync.adf.nodes import Mark, Marks, Node, media_single, merge_text, split_at_media, text

_STYLE: dict[str, Mark] = {"em": Mark("em"), "strong": Mark("strong"), "s": Mark("strike")}
_CODE = Mark("code")

# Atlassian's schema trusts a list of URL schemes (its `isSafeUrl`) and a relative URL would
# resolve against the Jira site; a link to anything but these keeps its label, not the mark.
_LINKABLE = re.compile(r"(?:https?|ftps?)://|(?:mailto|tel):", re.IGNORECASE)
# What an image may be loaded from (both writers): the web, nothing local or scripted.
_IMAGE_URL = re.compile(r"https?://", re.IGNORECASE)


def inline_blocks(
    tokens: Sequence[Token], wrap: Callable[[list[Node]], Node], marks: Marks = ()
) -> list[Node]:
    """The blocks of markdown-it inline tokens: their inline nodes (each carrying `marks` too)
    in blocks made by `wrap`, split around each image (`nodes.split_at_media`)."""
    return split_at_media(inline_content(tokens, marks), wrap)


def inline_content(tokens: Sequence[Token], marks: Marks = ()) -> list[Node]:
    """ADF inline nodes of markdown-it inline tokens, each carrying `marks` too, with a
    `mediaSingle` for each image: not yet a block's content (`nodes.split_at_media` makes one).
    """
    return merge_text(list(_inline(tokens, marks)))


def image_url(src: object) -> str | None:
    """The URL an image is shown from, or None when it must stay text (not http or https)."""
    return src if isinstance(src, str) and _IMAGE_URL.match(src) else None


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
    """An image as external media, or, at a URL that is not http(s), its description linked to
    it where Jira could follow the link. Inside a link (a badge, say) the outer link wins: that
    is where a click should go.
    """
    src = token.attrGet("src")
    url = image_url(src)
    if url is not None:
        yield media_single(url, alt_text(token), marks)
        return
    inside_link = any(mark.kind == "link" for mark in marks)
    own = marks if inside_link else _with(marks, *link_marks(src, token.attrGet("title")))
    label = list(_inline(token.children or [], own))
    if label:
        yield from label
    elif isinstance(src, str):
        yield from text(src, own)


def alt_text(image: Token) -> str:
    """An image's description as plain text, as markdown-it's renderer writes `alt` (nested
    images give their own; a break is a space). A stack: images nest as deep as brackets do."""
    parts: list[str] = []
    pending: list[Token] = list(reversed(image.children or []))
    while pending:
        token = pending.pop()
        if token.type in ("text", "code_inline", "html_inline"):
            parts.append(token.content)
        elif token.type in ("hardbreak", "softbreak"):
            parts.append(" ")
        elif token.children:
            pending.extend(reversed(token.children))
    return "".join(parts).replace("\n", " ")

"""ADF node builders that only ever produce what Jira accepts.

Jira rejects more than the ADF JSON schema does: no empty text nodes and no empty `marks`
lists. Jira's editor loads a document into the ProseMirror schema of `@atlaskit/adf-schema`
(`defaultSchema`), which is stricter still: a mark's `excludes` must hold on every text node
(in 57.7.22, `code` has `excludes: 'fontStyle link searchQuery color'`, the `fontStyle` group
being `em`, `strong`, `strike`, `subsup` and `underline`; `link` excludes `link`), marks must
come in the schema's rank (link, em, strong, strike, code), and a doc holds at least one block
(`content: '(block | ...)+'`). Every text node and doc of the converter is made here, so those
rules hold in one place; `tests/unit/test_adf_editor_schema.py` loads the package itself to
check them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

type Node = dict[str, Any]
type MarkKind = Literal["link", "em", "strong", "strike", "code"]

# Order of marks in the output: the rank of Atlassian's editor schema (link first, code last).
_RANK: dict[MarkKind, int] = {"link": 0, "em": 1, "strong": 2, "strike": 3, "code": 4}


@dataclass(frozen=True, slots=True)
class Mark:
    """One inline mark in effect; only links carry attributes."""

    kind: MarkKind
    href: str = ""
    title: str | None = None

    def to_adf(self) -> Node:
        if self.kind != "link":
            return {"type": self.kind}
        attrs = (
            {"href": self.href} if self.title is None else {"href": self.href, "title": self.title}
        )
        return {"type": "link", "attrs": attrs}


type Marks = tuple[Mark, ...]

STRONG = Mark("strong")


def text(value: str, marks: Marks = ()) -> list[Node]:
    """A text node, or nothing for an empty string (Jira refuses empty text nodes).

    Of marks of one kind the innermost wins (a link inside a link). `code` excludes the
    link and every style in the editor's schema: beside a link the link is kept and `code`
    goes (where a click goes matters more than the font), otherwise `code` is kept alone.
    """
    if not value:
        return []
    by_kind: dict[MarkKind, Mark] = {mark.kind: mark for mark in marks}
    if "code" in by_kind:
        if "link" in by_kind:
            del by_kind["code"]
        else:
            by_kind = {"code": by_kind["code"]}
    node: Node = {"type": "text", "text": value}
    if by_kind:
        node["marks"] = [by_kind[kind].to_adf() for kind in sorted(by_kind, key=_RANK.__getitem__)]
    return [node]


def merge_text(nodes: list[Node]) -> list[Node]:
    """Join neighbouring text nodes that carry the same marks, for a compact document."""
    merged: list[Node] = []
    for node in nodes:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and node["type"] == previous["type"] == "text"
            and node.get("marks") == previous.get("marks")
        ):
            merged[-1] = {**previous, "text": previous["text"] + node["text"]}
        else:
            merged.append(node)
    return merged


def paragraph(content: list[Node], align: Literal["center", "end"] | None = None) -> Node:
    node: Node = {"type": "paragraph", "content": content}
    if align is not None:
        node["marks"] = [{"type": "alignment", "attrs": {"align": align}}]
    return node


def media_single(url: str, alt: str = "", marks: Marks = ()) -> Node:
    """An image Jira shows from `url` (an external `media` in a `mediaSingle`), as Atlassian's
    Markdown transformer makes one; of `marks` only a link applies (the editor's `mediaSingle`
    lets its `media` carry `link`, not styles), as the JSON schema's `media_node` has it too."""
    attrs: Node = {"type": "external", "url": url}
    if alt:
        attrs["alt"] = alt
    media: Node = {"type": "media", "attrs": attrs}
    links = [mark.to_adf() for mark in marks if mark.kind == "link"]
    if links:
        media["marks"] = links[-1:]
    return {"type": "mediaSingle", "attrs": {"layout": "center"}, "content": [media]}


def split_at_media(content: list[Node], wrap: Callable[[list[Node]], Node]) -> list[Node]:
    """Inline `content` as blocks made by `wrap`, each `mediaSingle` in it standing between
    them as a block of its own, as Atlassian's Markdown transformer splits a paragraph (or a
    heading) at an image. Next to an image, a break or a space at the edge of the text is
    dropped, and text left blank makes no block; content without images is one block as is.
    """
    if not any(node["type"] == "mediaSingle" for node in content):
        return [wrap(content)]
    blocks: list[Node] = []
    run: list[Node] = []
    for node in [*content, None]:
        if node is not None and node["type"] != "mediaSingle":
            run.append(node)
            continue
        trimmed = _trimmed(run)
        if trimmed:
            blocks.append(wrap(trimmed))
        run = []
        if node is not None:
            blocks.append(node)
    return blocks


def _trimmed(run: list[Node]) -> list[Node]:
    """`run` without breaks and whitespace at its edges (nothing, when that is all it holds)."""
    nodes = list(run)
    for edge in (0, -1):
        while nodes:
            node = nodes[edge]
            if node["type"] == "hardBreak":
                del nodes[edge]
                continue
            if node["type"] != "text":
                break
            stripped = node["text"].lstrip() if edge == 0 else node["text"].rstrip()
            if stripped:
                nodes[edge] = {**node, "text": stripped}
                break
            del nodes[edge]
    return nodes


def document(content: list[Node]) -> Node:
    """A doc of `content`; of none, one empty paragraph, as the editor's schema wants a block."""
    return {"type": "doc", "version": 1, "content": content or [paragraph([])]}

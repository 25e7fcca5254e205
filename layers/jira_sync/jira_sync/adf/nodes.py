"""ADF node builders that only ever produce what Jira accepts.

Jira rejects more than the ADF JSON schema does: no empty text nodes, no empty `marks`
lists, and the `code` mark only beside `link` (schema `code_inline_node`). Every text node
of the converter is made here, so those rules hold in one place.
"""

from __future__ import annotations

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

    Of marks of one kind the innermost wins (a link inside a link); beside `code` only a
    link survives, as the schema's `code_inline_node` demands.
    """
    if not value:
        return []
    by_kind: dict[MarkKind, Mark] = {mark.kind: mark for mark in marks}
    if "code" in by_kind:
        by_kind = {kind: mark for kind, mark in by_kind.items() if kind in ("code", "link")}
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


def document(content: list[Node]) -> Node:
    return {"type": "doc", "version": 1, "content": content}

"""Plain text as ADF: what a reader typed, line for line, with nothing interpreted."""

from __future__ import annotations

from jira_sync.adf.nodes import Node, document, paragraph, text


def plain_text_to_adf(value: str) -> Node:
    """An ADF doc of `value`: blank lines separate paragraphs, single newlines are hard breaks."""
    return document(plain_paragraphs(value))


def plain_paragraphs(value: str) -> list[Node]:
    """Paragraphs of plain text; a line of only whitespace counts as blank.

    NUL becomes U+FFFD, as CommonMark does for Markdown input, so both paths agree.
    """
    lines = value.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd").split("\n")
    paragraphs: list[Node] = []
    current: list[Node] = []
    for line in [*lines, ""]:
        if line.strip():
            if current:
                current.append({"type": "hardBreak"})
            current.extend(text(line))
        elif current:
            paragraphs.append(paragraph(current))
            current = []
    return paragraphs

"""Plain text as wiki markup: what a reader typed, line for line, with nothing interpreted."""

from __future__ import annotations

from jira_sync.wiki.escape import escape


def plain_text_to_wiki(value: str) -> str:
    """Wiki markup of `value`: blank lines separate paragraphs, single newlines break lines."""
    return "\n\n".join(plain_paragraphs(value))


def plain_paragraphs(value: str) -> list[str]:
    """Paragraphs of plain text; a line of only whitespace counts as blank.

    NUL becomes U+FFFD, as CommonMark does for Markdown input and ``adf.plain`` does.
    """
    lines = value.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd").split("\n")
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            current.append(escape(line, line_start=True))
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    return paragraphs

"""Rich text at the REST v2 edge: wiki-markup strings in, ADF stored, wiki markup out.

The emulator stores every rich-text value (description, comment body) as an ADF document, the
v3 form. A v2 string becomes ADF the way Jira reads plain text: a paragraph per block of lines
separated by a blank line, a hard break for each single line break. Rendering that document back
gives the very string that was sent, so a v2 client reads what it wrote; a document written
through v3 is rendered as plain wiki markup (`*strong*`, `h2.`, `* item`, `{code}` ...).
Markup inside a v2 string is kept as literal text, not parsed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

_MARKS = {
    "strong": ("*", "*"),
    "em": ("_", "_"),
    "strike": ("-", "-"),
    "underline": ("+", "+"),
    "code": ("{{", "}}"),
}
_LISTS = frozenset({"bulletList", "orderedList", "taskList", "decisionList"})


def to_adf(text: str) -> dict[str, Any]:
    """The ADF document Jira keeps for a wiki-markup string."""
    paragraphs = []
    for block in text.split("\n\n"):
        content: list[dict[str, Any]] = []
        for number, line in enumerate(block.split("\n")):
            if number:
                content.append({"type": "hardBreak"})
            if line:
                content.append({"type": "text", "text": line})
        paragraph: dict[str, Any] = {"type": "paragraph"}
        if content:
            paragraph["content"] = content
        paragraphs.append(paragraph)
    return {"type": "doc", "version": 1, "content": paragraphs}


def from_adf(doc: Any) -> str:
    """The wiki markup v2 answers and webhooks carry for an ADF document."""
    if not isinstance(doc, dict):
        return ""
    return "\n\n".join(_block(node, "") for node in _children(doc))


def _children(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in node.get("content") or [] if isinstance(c, dict)]


def _block(node: dict[str, Any], bullets: str) -> str:
    kind = node.get("type")
    attrs = node.get("attrs") or {}
    if kind == "paragraph":
        return _inline(node)
    if kind == "heading":
        return f"h{attrs.get('level', 1)}. {_inline(node)}"
    if kind in _LISTS:
        marker = "#" if kind == "orderedList" else "*"
        return "\n".join(_list_item(item, bullets + marker) for item in _children(node))
    if kind == "codeBlock":
        language = attrs.get("language")
        opening = f"{{code:{language}}}" if language else "{code}"
        return f"{opening}\n{_inline(node)}\n{{code}}"
    if kind == "blockquote":
        return "{quote}\n" + _blocks(node) + "\n{quote}"
    if kind == "panel":
        return "{panel}\n" + _blocks(node) + "\n{panel}"
    if kind == "rule":
        return "----"
    if kind == "table":
        return "\n".join(_row(row) for row in _children(node))
    if kind in {"mediaSingle", "mediaGroup"}:
        return " ".join(_media(m) for m in _children(node))
    if kind in {"blockCard", "embedCard"}:
        return f"[{attrs.get('url', '')}]"
    return _blocks(node) if _children(node) else _inline(node)


def _blocks(node: dict[str, Any]) -> str:
    return "\n\n".join(_block(child, "") for child in _children(node))


def _list_item(item: dict[str, Any], bullets: str) -> str:
    """`* text` (or `# text`), then any nested list one marker deeper; task and decision
    items hold their text inline."""
    if item.get("type") in {"taskItem", "decisionItem"}:
        return f"{bullets} {_inline(item)}"
    text, nested = [], []
    for child in _children(item):
        if child.get("type") in _LISTS:
            nested.append(_block(child, bullets))
        else:
            text.append(_inline(child))
    return "\n".join([f"{bullets} {' '.join(text)}", *nested])


def _row(row: dict[str, Any]) -> str:
    cells = _children(row)
    header = bool(cells) and all(c.get("type") == "tableHeader" for c in cells)
    bar = "||" if header else "|"
    return bar + bar.join(_blocks(cell).replace("\n", " ") for cell in cells) + bar


def _media(node: dict[str, Any]) -> str:
    attrs = node.get("attrs") or {}
    if attrs.get("type") == "external" and attrs.get("url"):
        return f"!{attrs['url']}!"
    return ""


def _inline(node: dict[str, Any]) -> str:
    return "".join(_inline_node(child) for child in _children(node))


def _inline_node(node: dict[str, Any]) -> str:
    kind = node.get("type")
    attrs = node.get("attrs") or {}
    if kind == "text":
        return _marked(str(node.get("text", "")), node.get("marks") or [])
    if kind == "hardBreak":
        return "\n"
    if kind == "mention":
        return f"[~accountid:{attrs.get('id', '')}]"
    if kind == "emoji":
        return str(attrs.get("text") or attrs.get("shortName") or "")
    if kind == "inlineCard":
        return f"[{attrs.get('url', '')}]"
    if kind == "status":
        return str(attrs.get("text") or "")
    if kind == "date":
        try:
            moment = datetime.fromtimestamp(int(str(attrs.get("timestamp"))) / 1000, UTC)
        except (TypeError, ValueError, OverflowError):
            return ""
        return moment.date().isoformat()
    return _inline(node)


def _marked(text: str, marks: list[Any]) -> str:
    link = None
    for mark in marks:
        kind = mark.get("type") if isinstance(mark, dict) else None
        if kind in _MARKS:
            before, after = _MARKS[kind]
            text = f"{before}{text}{after}"
        elif kind == "subsup":
            sign = "^" if (mark.get("attrs") or {}).get("type") == "sup" else "~"
            text = f"{sign}{text}{sign}"
        elif kind == "textColor":
            color = (mark.get("attrs") or {}).get("color", "")
            text = f"{{color:{color}}}{text}{{color}}"
        elif kind == "link":
            link = (mark.get("attrs") or {}).get("href", "")
    if link is None:
        return text
    return f"[{link}]" if text == link else f"[{text}|{link}]"

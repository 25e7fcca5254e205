"""Whatever Markdown-ish text comes in, Jira accepts the ADF that comes out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from devstack.jira_emulator import adf as jira_adf
from jira_sync.adf.markdown import markdown_to_adf

# Pieces of Markdown syntax, so that random text often forms (and half-forms) real constructs.
FRAGMENTS = [
    *("\n", "\n", "\n\n", "\r\n", "  \n", "\\\n", " ", "  ", "    ", "\t"),
    *("# ", "## ", "###### ", "#", "*", "**", "_", "__", "~~", "`", "``", "```"),
    *("```python\n", "~~~ js x\n", "```\n", "> ", ">", "- ", "* ", "+ ", "1. ", "3) ", "0. "),
    *("-", "---\n", "***", "===\n", "| a | b |\n", "|---|---|\n", "|:-:|--:|\n", "| 1 |\n", "|"),
    *("[a](http://x)", "[a](http://x 'ti')", "[", "](", ")", "]", "![i](http://x/i.png)"),
    *("![](rel.png)", "<http://x/y>", "<a@b.c>", "[x](javascript:y)", "<b>", "</b>", "<div>\n"),
    *("<!--", "-->", '<img src="x">', "&amp;", "&#0;", "&nbsp;", "&bogus;", "\\", "\0"),
    *("é", "日本", "😀", "\u200b", "\ufeff"),
]
soup = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=40).map(
    "".join
)

# Line by line too, so that tables, fences and nested containers form often enough.
INLINE = [
    *("*", "**", "_", "~~", "`", "*a*", "**b**", "~~c~~", "`d`", "***e***", " ", "  "),
    *("**`f`**", "_~~`g`~~_", "[**`h`**](http://x)"),
    *("[a](http://x)", "[`a`](http://x)", "![i](http://x/i.png)", "<http://x>", "[r](r.md)"),
    *("<b>", "</b>", "&amp;", "&#0;", "\0", "|", "\\|", "\\", "[", "]", "(", ")", "é", "😀"),
]
CONTAINERS = ["", "", "", "> ", "- ", "* ", "1. ", "2) ", "  ", "    ", "> - ", "- > "]
LINES = ["---", "***", "* * *", "___", "===", "#", "## h", "<div>", "</div>", "<!-- c", "-->"]
LINES += ["", "-", ">"]

words = st.text(st.characters(exclude_characters="\n\r"), max_size=5)
inline = st.lists(st.one_of(st.sampled_from(INLINE), words), max_size=5).map("".join)


@st.composite
def table_lines(draw: st.DrawFn) -> list[str]:
    columns = draw(st.integers(1, 2))
    header = draw(st.lists(inline, min_size=columns, max_size=columns))
    align = draw(
        st.lists(st.sampled_from(["---", ":-:", "--:"]), min_size=columns, max_size=columns)
    )
    rows = draw(st.lists(st.lists(inline, min_size=1, max_size=3), max_size=1))
    return [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(align) + "|",
        *("| " + " | ".join(row) for row in rows),
    ]


@st.composite
def fence_lines(draw: st.DrawFn) -> list[str]:
    fence = draw(st.sampled_from(["```", "~~~", "````"]))
    info = draw(st.sampled_from(["", "python", "js x", "`bad"]))
    body = draw(st.lists(inline, max_size=3))
    return [fence + info, *body, *draw(st.sampled_from([[fence], []]))]


@st.composite
def block_lines(draw: st.DrawFn) -> tuple[list[str], bool]:
    """A block's lines, and whether they must stay in its container (a table's rows do)."""
    # Weighted towards cheap blocks: the emulator's schema check takes ~0.1 s per table cell.
    roll = draw(st.integers(0, 19))
    if roll <= 10:
        return draw(st.lists(inline, min_size=1, max_size=2)), False
    if roll <= 12:
        return [draw(st.sampled_from(["# ", "### ", "###### "])) + draw(inline)], False
    if roll <= 14:
        return [draw(st.sampled_from(LINES))], False
    if roll <= 16:
        return draw(fence_lines()), False
    return draw(table_lines()), True


@st.composite
def structured(draw: st.DrawFn) -> str:
    """Blocks in containers; a block's later lines repeat, indent or drop the container."""
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 3))):
        container = draw(st.sampled_from(CONTAINERS))
        (first, *rest), kept = draw(block_lines())
        going_on = [container, " " * len(container)] + ([] if kept else [""])
        prefix = draw(st.sampled_from(going_on))
        parts.append("\n".join([container + first, *(prefix + line for line in rest)]))
        parts.append(draw(st.sampled_from(["\n", "\n\n", "\n\n\n"])))
    return "".join(parts)


markdownish = st.one_of(soup, structured())


def nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("content", []):
        yield from nodes(child)


@settings(max_examples=400, deadline=None)
@given(markdown=markdownish, footer=st.one_of(st.none(), st.sampled_from(["", "Synced · 1"])))
def test_given_any_markdownish_text_when_converted_then_jira_accepts_it(
    markdown: str, footer: str | None
) -> None:
    doc = markdown_to_adf(markdown, footer)

    assert jira_adf.problem(doc) is None, (markdown, doc)
    for node in nodes(doc):
        if node["type"] == "text":
            assert node["text"], node
            assert "\0" not in node["text"], node
        assert node.get("marks", [None]), node  # Jira refuses an empty marks list
        if node["type"] == "listItem":
            # Older editor schemas, stricter than the JSON schema: an item starts thus.
            assert node["content"][0]["type"] in ("paragraph", "mediaSingle", "codeBlock"), node
        if node["type"] == "text" and "code" in str(node.get("marks")):
            assert node["marks"] == [{"type": "code"}], node  # `code` excludes link and styles
    if footer:
        assert doc["content"][-1] == {
            "type": "paragraph",
            "content": [{"type": "text", "text": footer}],
        }

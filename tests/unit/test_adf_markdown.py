"""Markdown → ADF: the exact document for each construct, and each one valid as Jira sees it."""

from __future__ import annotations

from typing import Any

import pytest

from devstack.jira_emulator import adf as jira_adf
from jira_sync.adf.markdown import markdown_to_adf
from jira_sync.adf.plain import plain_text_to_adf

type Node = dict[str, Any]

EM = {"type": "em"}
STRONG = {"type": "strong"}
STRIKE = {"type": "strike"}
CODE = {"type": "code"}
HARD_BREAK = {"type": "hardBreak"}
RULE = {"type": "rule"}


def link(href: str, title: str | None = None) -> Node:
    attrs = {"href": href} if title is None else {"href": href, "title": title}
    return {"type": "link", "attrs": attrs}


def t(value: str, *marks: Node) -> Node:
    node: Node = {"type": "text", "text": value}
    if marks:
        node["marks"] = list(marks)
    return node


def p(*content: Node) -> Node:
    return {"type": "paragraph", "content": list(content)}


def code_block(value: str, language: str | None = None) -> Node:
    node: Node = {"type": "codeBlock", "content": [t(value)]}
    if language is not None:
        node["attrs"] = {"language": language}
    return node


def bullets(*items: list[Node]) -> Node:
    return {"type": "bulletList", "content": [{"type": "listItem", "content": i} for i in items]}


def quote(*content: Node) -> Node:
    return {"type": "blockquote", "content": list(content)}


def image(url: str, alt: str = "", *marks: Node) -> Node:
    """External media in a mediaSingle, as Atlassian's Markdown transformer makes an image."""
    attrs = {"type": "external", "url": url} | ({"alt": alt} if alt else {})
    media: Node = {"type": "media", "attrs": attrs}
    if marks:
        media["marks"] = list(marks)
    return {"type": "mediaSingle", "attrs": {"layout": "center"}, "content": [media]}


def converted(markdown: str, footer: str | None = None) -> list[Node]:
    """The doc's blocks, once Jira's validation (schema and extra rules) has accepted it."""
    doc = markdown_to_adf(markdown, footer)
    assert jira_adf.problem(doc) is None, doc
    assert doc["type"] == "doc"
    assert doc["version"] == 1
    return list(doc["content"])


# Empty documents and the footer


@pytest.mark.parametrize("markdown", ["", "   ", "\n\n\t\n", "\r\n"])
def test_given_blank_markdown_when_converted_then_doc_of_one_empty_paragraph(markdown: str) -> None:
    # The editor's schema wants a block in a doc (`content: '(block | ...)+'`).
    assert markdown_to_adf(markdown) == {"type": "doc", "version": 1, "content": [p()]}
    assert converted(markdown) == [p()]


def test_given_footer_when_converted_then_footer_is_the_last_plain_paragraph() -> None:
    footer = "Synced by jira-sync · issue *42*"

    assert converted("Body", footer) == [p(t("Body")), p(t(footer))]


def test_given_blank_markdown_and_footer_when_converted_then_footer_alone() -> None:
    assert converted("  \n", "Synced") == [p(t("Synced"))]


def test_given_empty_footer_when_converted_then_nothing_is_appended() -> None:
    assert converted("Body", "") == [p(t("Body"))]


# Paragraphs, breaks, text


def test_given_two_paragraphs_when_converted_then_two_paragraph_nodes() -> None:
    assert converted("one\n\ntwo") == [p(t("one")), p(t("two"))]


def test_given_single_line_break_when_converted_then_hard_break_as_findings_mean_it() -> None:
    assert converted("wrapped\nline") == [p(t("wrapped"), HARD_BREAK, t("line"))]


def test_given_label_lines_when_converted_then_they_do_not_run_together() -> None:
    assert converted("**Package**: lodash\n**Versions**: < 4.17.21") == [
        p(
            t("Package", STRONG),
            t(": lodash"),
            HARD_BREAK,
            t("Versions", STRONG),
            t(": < 4.17.21"),
        )
    ]


@pytest.mark.parametrize("markdown", ["a  \nb", "a\\\nb"], ids=["two-spaces", "backslash"])
def test_given_hard_break_when_converted_then_hard_break_node(markdown: str) -> None:
    assert converted(markdown) == [p(t("a"), HARD_BREAK, t("b"))]


def test_given_crlf_line_endings_when_converted_then_same_as_lf() -> None:
    assert converted("a  \r\nb\r\n\r\nc") == [p(t("a"), HARD_BREAK, t("b")), p(t("c"))]


def test_given_entities_when_converted_then_they_are_decoded() -> None:
    assert converted("&amp; &lt;b&gt; &copy; &#x41;") == [p(t("& <b> © A"))]


def test_given_nul_when_converted_then_replacement_character() -> None:
    assert converted("a\0b &#0;") == [p(t("a\ufffdb \ufffd"))]


def test_given_backslash_escapes_when_converted_then_literal_characters() -> None:
    assert converted(r"\*not em\* \# \[x\]") == [p(t("*not em* # [x]"))]


# Headings


@pytest.mark.parametrize("level", range(1, 7))
def test_given_heading_when_converted_then_heading_with_level(level: int) -> None:
    assert converted("#" * level + " Title *here*") == [
        {"type": "heading", "attrs": {"level": level}, "content": [t("Title "), t("here", EM)]}
    ]


def test_given_setext_heading_when_converted_then_level_two_heading() -> None:
    assert converted("Title\n---") == [
        {"type": "heading", "attrs": {"level": 2}, "content": [t("Title")]}
    ]


def test_given_empty_heading_when_converted_then_heading_without_text() -> None:
    assert converted("#") == [{"type": "heading", "attrs": {"level": 1}, "content": []}]


# Inline marks


def test_given_emphasis_strong_and_strike_when_converted_then_marks() -> None:
    assert converted("*a* __b__ ~~c~~") == [
        p(t("a", EM), t(" "), t("b", STRONG), t(" "), t("c", STRIKE))
    ]


def test_given_nested_emphasis_when_converted_then_both_marks_in_schema_order() -> None:
    assert converted("**bold _both_**") == [p(t("bold ", STRONG), t("both", EM, STRONG))]


def test_given_inline_code_when_converted_then_code_mark_and_literal_text() -> None:
    assert converted("run `rm -rf *x*`") == [p(t("run "), t("rm -rf *x*", CODE))]


def test_given_inline_code_inside_strong_when_converted_then_only_code_mark() -> None:
    assert converted("**see `x`**") == [p(t("see ", STRONG), t("x", CODE))]


def test_given_inline_code_inside_link_when_converted_then_the_link_is_kept() -> None:
    # The editor's `code` mark excludes `link` (and the styles): the link wins over the font.
    assert converted("[**`x`** y](https://example.com)") == [
        p(t("x", link("https://example.com"), STRONG), t(" y", link("https://example.com")))
    ]


def test_given_inline_code_inside_styles_when_converted_then_code_alone() -> None:
    assert converted("***~~`x`~~***") == [p(t("x", CODE))]


# Links and images


def test_given_link_with_title_when_converted_then_link_mark_with_title() -> None:
    assert converted('[docs](https://example.com/a "The docs")') == [
        p(t("docs", link("https://example.com/a", "The docs")))
    ]


def test_given_autolink_when_converted_then_linked_url() -> None:
    assert converted("<https://example.com/x>") == [
        p(t("https://example.com/x", link("https://example.com/x")))
    ]


def test_given_email_autolink_when_converted_then_mailto_link() -> None:
    assert converted("<sec@example.com>") == [
        p(t("sec@example.com", link("mailto:sec@example.com")))
    ]


def test_given_bare_url_when_converted_then_plain_text_as_linkify_is_off() -> None:
    assert converted("see https://example.com") == [p(t("see https://example.com"))]


@pytest.mark.parametrize(
    "markdown", ["[x](relative/path.md)", "[x]()", "[x](#top)", "[x](custom:thing)"]
)
def test_given_link_jira_cannot_follow_when_converted_then_label_only(markdown: str) -> None:
    assert converted(markdown) == [p(t("x"))]


def test_given_javascript_link_when_converted_then_markdown_it_leaves_it_as_text() -> None:
    assert converted("[x](javascript:alert(1))") == [p(t("[x](javascript:alert(1))"))]


def test_given_image_when_converted_then_external_media_with_its_alt_text() -> None:
    assert converted('![the *chart* `x`](https://example.com/c.png "Title")') == [
        image("https://example.com/c.png", "the chart x")
    ]


def test_given_image_without_alt_when_converted_then_media_without_alt() -> None:
    assert converted("![](HTTP://example.com/c.png)") == [image("HTTP://example.com/c.png")]


def test_given_image_inside_a_paragraph_when_converted_then_the_paragraph_is_split() -> None:
    assert converted("See **the ![c](https://x/c.png) chart**\n![d](https://x/d.png)\nend") == [
        p(t("See "), t("the", STRONG)),
        image("https://x/c.png", "c"),
        p(t("chart", STRONG)),
        image("https://x/d.png", "d"),
        p(t("end")),
    ]


def test_given_image_in_heading_item_quote_and_cell_when_converted_then_split_in_place() -> None:
    assert converted("# a ![i](https://x/i.png)") == [
        {"type": "heading", "attrs": {"level": 1}, "content": [t("a")]},
        image("https://x/i.png", "i"),
    ]
    assert converted("- ![i](https://x/i.png) b") == [
        bullets([image("https://x/i.png", "i"), p(t("b"))])
    ]
    assert converted("> ![i](https://x/i.png)") == [quote(image("https://x/i.png", "i"))]
    [table] = converted("| h |\n|:-:|\n| ![i](https://x/i.png) |")
    cell = table["content"][1]["content"][0]
    assert cell == {"type": "tableCell", "content": [image("https://x/i.png", "i")]}


def test_given_image_inside_link_when_converted_then_media_carries_the_link() -> None:
    assert converted("[![build](https://ci/badge.svg)](https://ci/run)") == [
        image("https://ci/badge.svg", "build", link("https://ci/run"))
    ]


@pytest.mark.parametrize(
    ("markdown", "paragraph"),
    [
        ("![the *chart*](rel/c.png)", p(t("the "), t("chart", EM))),
        ("![f](ftp://x/c.png)", p(t("f", link("ftp://x/c.png")))),
        ("![](mailto:a@b.c)", p(t("mailto:a@b.c", link("mailto:a@b.c")))),
        ("[![b](rel.svg)](https://ci)", p(t("b", link("https://ci")))),
    ],
)
def test_given_image_not_on_the_web_when_converted_then_its_text(
    markdown: str, paragraph: Node
) -> None:
    assert converted(markdown) == [paragraph]


# Code blocks


def test_given_fenced_code_with_language_when_converted_then_code_block_has_language() -> None:
    assert converted("```python\nprint('*x*')\n```") == [code_block("print('*x*')", "python")]


def test_given_fence_info_with_more_words_when_converted_then_first_word_is_language() -> None:
    assert converted("~~~ js title=x\n1\n~~~") == [code_block("1", "js")]


def test_given_fenced_code_without_language_when_converted_then_no_attrs() -> None:
    assert converted("```\na\n\nb\n```") == [code_block("a\n\nb")]


def test_given_empty_fence_when_converted_then_code_block_without_content() -> None:
    assert converted("```sh\n```") == [{"type": "codeBlock", "attrs": {"language": "sh"}}]


def test_given_unclosed_fence_when_converted_then_code_runs_to_the_end() -> None:
    assert converted("```\nx\n# y") == [code_block("x\n# y")]


def test_given_indented_code_when_converted_then_code_block_without_language() -> None:
    assert converted("text\n\n    a = 1\n      b\n") == [p(t("text")), code_block("a = 1\n  b")]


def test_given_html_in_code_when_converted_then_it_stays_literal() -> None:
    assert converted("```html\n<b>&amp;</b>\n```") == [code_block("<b>&amp;</b>", "html")]


# Lists


def test_given_bullet_list_when_converted_then_bullet_list_of_paragraphs() -> None:
    assert converted("- a\n- **b**") == [bullets([p(t("a"))], [p(t("b", STRONG))])]


def test_given_ordered_list_from_one_when_converted_then_no_order_attr() -> None:
    assert converted("1. a\n2. b") == [
        {
            "type": "orderedList",
            "content": [
                {"type": "listItem", "content": [p(t("a"))]},
                {"type": "listItem", "content": [p(t("b"))]},
            ],
        }
    ]


@pytest.mark.parametrize(("markdown", "order"), [("3. a", 3), ("0) a", 0)])
def test_given_ordered_list_from_other_start_when_converted_then_order_attr(
    markdown: str, order: int
) -> None:
    assert converted(markdown) == [
        {
            "type": "orderedList",
            "content": [{"type": "listItem", "content": [p(t("a"))]}],
            "attrs": {"order": order},
        }
    ]


def test_given_nested_lists_when_converted_then_list_inside_item() -> None:
    assert converted("- a\n  - b\n- c") == [bullets([p(t("a")), bullets([p(t("b"))])], [p(t("c"))])]


def test_given_loose_list_with_two_paragraphs_when_converted_then_both_in_item() -> None:
    assert converted("- a\n\n  b\n- c") == [bullets([p(t("a")), p(t("b"))], [p(t("c"))])]


def test_given_empty_list_item_when_converted_then_item_holds_empty_paragraph() -> None:
    assert converted("- a\n-\n- c") == [bullets([p(t("a"))], [p()], [p(t("c"))])]


def test_given_item_starting_with_a_list_when_converted_then_empty_paragraph_first() -> None:
    assert converted("- - a") == [bullets([p(), bullets([p(t("a"))])])]


def test_given_code_block_in_list_item_when_converted_then_code_block_kept() -> None:
    assert converted("- ```sh\n  ls\n  ```") == [bullets([code_block("ls", "sh")])]


def test_given_heading_in_list_item_when_converted_then_strong_paragraph() -> None:
    assert converted("- # Title `x`") == [bullets([p(t("Title ", STRONG), t("x", CODE))])]


def test_given_quote_in_list_item_when_converted_then_its_blocks_join_the_item() -> None:
    assert converted("- a\n\n  > q\n  > - r") == [
        bullets([p(t("a")), p(t("q")), bullets([p(t("r"))])])
    ]


def test_given_rule_in_list_item_when_converted_then_rule_as_text() -> None:
    assert converted("- a\n\n  ***") == [bullets([p(t("a")), p(t("***"))])]


def test_given_table_in_list_item_when_converted_then_a_paragraph_per_row() -> None:
    assert converted("- | a | b |\n  |---|---|\n  | 1 | 2 |") == [
        bullets([p(t("a", STRONG), t(" | "), t("b", STRONG)), p(t("1 | 2"))])
    ]


# Tables


def cell(kind: str, *content: Node, align: str | None = None) -> Node:
    paragraph = p(*content)
    if align is not None:
        paragraph["marks"] = [{"type": "alignment", "attrs": {"align": align}}]
    return {"type": kind, "content": [paragraph]}


def test_given_table_when_converted_then_header_row_and_cells() -> None:
    assert converted("| a | *b* |\n|---|---|\n| 1 | `2` |") == [
        {
            "type": "table",
            "content": [
                {
                    "type": "tableRow",
                    "content": [cell("tableHeader", t("a")), cell("tableHeader", t("b", EM))],
                },
                {
                    "type": "tableRow",
                    "content": [cell("tableCell", t("1")), cell("tableCell", t("2", CODE))],
                },
            ],
        }
    ]


def test_given_short_row_when_converted_then_missing_cells_get_empty_paragraphs() -> None:
    [table] = converted("| a | b |\n|---|---|\n| 1 |")

    assert table["content"][1] == {
        "type": "tableRow",
        "content": [cell("tableCell", t("1")), cell("tableCell")],
    }


def test_given_aligned_columns_when_converted_then_paragraph_alignment_marks() -> None:
    [table] = converted("| l | c | r |\n|:--|:-:|--:|")

    assert table["content"][0]["content"] == [
        cell("tableHeader", t("l")),
        cell("tableHeader", t("c"), align="center"),
        cell("tableHeader", t("r"), align="end"),
    ]


def test_given_pipe_without_separator_row_when_converted_then_plain_paragraph() -> None:
    assert converted("| a | b |") == [p(t("| a | b |"))]


# Quotes and rules


def test_given_blockquote_when_converted_then_blockquote_of_paragraphs() -> None:
    assert converted("> a\n>\n> b") == [quote(p(t("a")), p(t("b")))]


def test_given_heading_in_quote_when_converted_then_strong_paragraph() -> None:
    assert converted("> ## Why") == [quote(p(t("Why", STRONG)))]


def test_given_code_and_list_in_quote_when_converted_then_both_kept() -> None:
    assert converted("> ```\n> x\n> ```\n> - y") == [quote(code_block("x"), bullets([p(t("y"))]))]


def test_given_nested_quote_when_converted_then_inner_quote_is_flattened() -> None:
    assert converted("> a\n>\n> > b") == [quote(p(t("a")), p(t("b")))]


def test_given_rule_and_table_in_quote_when_converted_then_text() -> None:
    assert converted("> ---\n>\n> | h |\n> |---|\n> | v |") == [
        quote(p(t("---")), p(t("h", STRONG)), p(t("v")))
    ]


def test_given_empty_quote_when_converted_then_quote_holds_empty_paragraph() -> None:
    assert converted(">") == [quote(p())]


@pytest.mark.parametrize("markdown", ["---", "***", "_ _ _"])
def test_given_thematic_break_when_converted_then_rule(markdown: str) -> None:
    assert converted(f"a\n\n{markdown}\n\nb") == [p(t("a")), RULE, p(t("b"))]


# Raw HTML is text


def test_given_html_block_when_converted_then_literal_lines() -> None:
    assert converted("<div>\n<script>x()</script>\n</div>") == [
        p(t("<div>"), HARD_BREAK, t("<script>x()</script>"), HARD_BREAK, t("</div>"))
    ]


def test_given_html_comment_with_blank_line_when_converted_then_literal_paragraphs() -> None:
    assert converted("<!-- a\n\nb -->") == [p(t("<!-- a")), p(t("b -->"))]


def test_given_inline_html_when_converted_then_literal_text_with_marks_around() -> None:
    assert converted('**<img src="x" onerror="y()">**') == [
        p(t('<img src="x" onerror="y()">', STRONG))
    ]


def test_given_inline_html_across_lines_when_converted_then_one_line() -> None:
    assert converted('<a\nhref="x">') == [p(t('<a href="x">'))]


# Pathological input still converts


def test_given_emphasis_nested_thousands_deep_when_converted_then_one_marked_text() -> None:
    assert converted("*" * 5001 + "x" + "*" * 5001) == [p(t("x", EM, STRONG))]


def test_given_images_nested_in_alt_text_when_converted_then_valid() -> None:
    # Deeper than markdown-it's maxNesting: the middle is one image, the rest text.
    before, media, after = converted("![" * 300 + "x" + "](http://i)" * 300)
    assert media["type"] == "mediaSingle"
    assert all(node["text"] for node in before["content"] + after["content"])
    [paragraph] = converted("![" * 300 + "x" + "](i)" * 300)
    assert all(node["text"] for node in paragraph["content"])


def test_given_lists_nested_past_the_parser_limit_when_converted_then_no_error() -> None:
    doc = markdown_to_adf("- " * 3000 + "x")  # too deep for the schema check to finish soon

    depth, node = 0, doc
    while node.get("content"):
        depth, node = depth + 1, node["content"][-1]
    assert 100 <= depth <= 110


# A realistic description


def test_given_finding_description_when_converted_then_valid_and_complete() -> None:
    markdown = (
        "## SQL injection in `login`\n\n"
        "Severity: **high** · CWE-89\n"
        "Found by the scanner.\n\n"
        "| File | Line |\n|---|--:|\n| app/db.py | 42 |\n\n"
        "1. Use parameters\n2. Add a test:\n\n   ```python\n   cur.execute(q, (x,))\n   ```\n\n"
        "> Note: see [OWASP](https://owasp.org)\n\n---\n"
    )

    blocks = converted(markdown, "Synced by jira-sync · issue 7")

    assert [block["type"] for block in blocks] == [
        "heading",
        "paragraph",
        "table",
        "orderedList",
        "blockquote",
        "rule",
        "paragraph",
    ]
    assert blocks[1] == p(
        t("Severity: "), t("high", STRONG), t(" · CWE-89"), HARD_BREAK, t("Found by the scanner.")
    )


# The plain-text converter is exported beside it


def test_given_plain_text_when_converted_then_markdown_is_not_interpreted() -> None:
    doc = plain_text_to_adf("# not a heading\n*x*")

    assert jira_adf.problem(doc) is None
    assert doc["content"] == [p(t("# not a heading"), HARD_BREAK, t("*x*"))]

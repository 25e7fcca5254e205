"""Markdown → Jira wiki markup: the exact markup for each construct the ADF writer supports, and
the escaping that keeps a finding's text from becoming markup it did not ask for."""

from __future__ import annotations

import pytest

from jira_sync.adf.limit import CUT_NOTE, JIRA_TEXT_LIMIT
from jira_sync.wiki.code import code_block
from jira_sync.wiki.escape import escape
from jira_sync.wiki.limit import description_wiki, size
from jira_sync.wiki.markdown import markdown_to_wiki
from jira_sync.wiki.plain import plain_text_to_wiki

# Empty documents and the footer


@pytest.mark.parametrize("markdown", ["", "   ", "\n\n\t\n", "\r\n"])
def test_given_blank_markdown_when_written_then_nothing(markdown: str) -> None:
    assert markdown_to_wiki(markdown) == ""


def test_given_footer_when_written_then_it_is_the_last_plain_paragraph() -> None:
    assert markdown_to_wiki("Body", "Synced by jira-sync · issue *42*") == (
        "Body\n\nSynced by jira-sync · issue \\*42\\*"
    )


def test_given_blank_markdown_and_footer_when_written_then_footer_alone() -> None:
    assert markdown_to_wiki("  \n", "Synced") == "Synced"


# Paragraphs, breaks, text


def test_given_two_paragraphs_when_written_then_a_blank_line_between() -> None:
    assert markdown_to_wiki("one\n\ntwo") == "one\n\ntwo"


def test_given_single_line_break_when_written_then_new_line_as_findings_mean_it() -> None:
    assert markdown_to_wiki("wrapped\nline") == "wrapped\nline"


def test_given_label_lines_when_written_then_they_do_not_run_together() -> None:
    assert markdown_to_wiki("**Package**: lodash\n**Versions**: < 4.17.21") == (
        "*Package*: lodash\n*Versions*: < 4.17.21"
    )


@pytest.mark.parametrize("markdown", ["a  \nb", "a\\\nb", "a  \r\nb"])
def test_given_hard_break_when_written_then_new_line(markdown: str) -> None:
    assert markdown_to_wiki(markdown) == "a\nb"


def test_given_breaks_that_would_leave_an_empty_line_when_written_then_forced_breaks() -> None:
    # A blank line would end the paragraph (or a list); Jira's `\\` breaks without one.
    assert markdown_to_wiki("one\\\n\\\nthree") == "one\n\\\\ three"
    assert markdown_to_wiki("\\\nb") == "\\\\ b"


def test_given_line_that_would_start_markup_after_a_break_when_written_then_escaped() -> None:
    assert markdown_to_wiki("para\n# not heading\n- not list\n| no table\n---- no rule") == (
        "para\n\nh1. not heading\n\n* not list\n&#124; no table\n\\-\\-\\-\\- no rule"
    )


def test_given_entities_when_written_then_decoded_and_shown_as_typed() -> None:
    assert markdown_to_wiki("&amp; &lt;b&gt; &copy; &#x41; \\&copy;") == ("& <b> © A &amp;copy;")


def test_given_nul_when_written_then_replacement_character() -> None:
    assert markdown_to_wiki("a\0b &#0;") == "a\ufffdb \ufffd"


def test_given_backslash_escapes_when_written_then_literal_characters() -> None:
    assert markdown_to_wiki(r"\*not em\* \# \[x\]") == "\\*not em\\* # \\[x\\]"


# Headings


@pytest.mark.parametrize("level", range(1, 7))
def test_given_heading_when_written_then_heading_of_that_level(level: int) -> None:
    assert markdown_to_wiki("#" * level + " Title *here*") == f"h{level}. Title _here_"


def test_given_setext_heading_over_two_lines_when_written_then_one_line_with_a_break() -> None:
    assert markdown_to_wiki("Setext\nline\n---") == "h2. Setext\\\\ line"


def test_given_empty_heading_when_written_then_bare_heading_marker() -> None:
    assert markdown_to_wiki("#") == "h1."


# Inline styles


def test_given_emphasis_strong_and_strike_when_written_then_jira_phrases() -> None:
    assert markdown_to_wiki("*a* __b__ ~~c~~") == "_a_ *b* -c-"


def test_given_nested_emphasis_when_written_then_nested_phrases() -> None:
    assert markdown_to_wiki("**bold _both_**") == "*bold _both_*"


def test_given_emphasis_nested_thousands_deep_when_written_then_each_style_once() -> None:
    assert markdown_to_wiki("*" * 5001 + "x" + "*" * 5001) == "*_x_*"


def test_given_inline_code_when_written_then_monospace_with_its_text_escaped() -> None:
    # Jira renders markup inside {{...}}: the code's characters are escaped like any text.
    assert markdown_to_wiki("run `rm -rf *x* {y}`") == "run {{rm \\-rf \\*x\\* &#123;y&#125;}}"


def test_given_inline_code_inside_strong_when_written_then_both() -> None:
    assert markdown_to_wiki("**see `x`**") == "*see {{x}}*"


@pytest.mark.parametrize(
    ("markdown", "wiki"),
    [
        ("a**b**c", "a{*}b{*}c"),
        ("*a*b", "_a{_}b"),
        ("x~~y~~", "x{-}y-"),
        ("a`b`c", "a{{{}b{}}}c"),
    ],
)
def test_given_style_inside_a_word_when_written_then_braced_delimiters(
    markdown: str, wiki: str
) -> None:
    # Jira opens a phrase only after, and closes it only before, a non-letter (or braces).
    assert markdown_to_wiki(markdown) == wiki


def test_given_style_starting_with_a_space_when_written_then_no_break_space_at_its_edge() -> None:
    assert markdown_to_wiki("**&#32;x&#32;**") == "*&#160;x&#160;*"


def test_given_a_phrases_own_delimiter_inside_a_word_when_written_then_escaped() -> None:
    # Jira gives up on `_0_0_`: its pattern wants no closing delimiter as second character.
    assert markdown_to_wiki("*0_0_*") == "_0\\_0\\__"


def test_given_list_marker_after_a_lines_opening_delimiter_when_written_then_escaped() -> None:
    # `*# x*` at the start of a line is a numbered list nested in a bullet list to Jira.
    assert markdown_to_wiki("**\\# x**") == "*\\# x*"


def test_given_escaped_bracket_and_space_in_a_link_when_written_then_entities() -> None:
    # Jira's link renderer ends a link at a space after `[`, escaped or not.
    assert markdown_to_wiki("[a\\[ b](https://x)") == "[a&#91; b|https://x]"


def test_given_tab_or_joiner_inside_a_style_when_written_then_entities() -> None:
    # Jira's phrase pattern takes no control, format or `No` character inside a phrase.
    assert markdown_to_wiki("**a\tb ² 👩\u200d💻**") == "*a&#9;b &#178; 👩&#8205;💻*"


def test_given_style_across_a_break_when_written_then_closed_and_opened_again() -> None:
    assert markdown_to_wiki("**a\\\nb**") == "*a*\n*b*"


# Links and images


def test_given_link_when_written_then_text_and_target_without_the_title() -> None:
    assert markdown_to_wiki('[docs *here*](https://example.com/a "The docs")') == (
        "[docs _here_|https://example.com/a]"
    )


def test_given_code_link_when_written_then_monospace_label() -> None:
    assert markdown_to_wiki("[`x`](https://example.com)") == "[{{x}}|https://example.com]"


def test_given_autolinks_when_written_then_linked_and_label_not_linked_again() -> None:
    assert markdown_to_wiki("<https://example.com/x> <sec@example.com>") == (
        "[https&#58;//example.com/x|https://example.com/x] [sec@example.com|mailto:sec@example.com]"
    )


def test_given_bare_url_when_written_then_text_as_linkify_is_off() -> None:
    # Jira would link a bare URL itself; its scheme's colon as an entity keeps it text.
    assert markdown_to_wiki("see https://example.com or mailto:a@b.c") == (
        "see https&#58;//example.com or mailto&#58;a@b.c"
    )


@pytest.mark.parametrize(
    "markdown", ["[x](relative/path.md)", "[x]()", "[x](#top)", "[x](tel:+123)", "[x](custom:y)"]
)
def test_given_link_jira_should_not_follow_when_written_then_label_only(markdown: str) -> None:
    assert markdown_to_wiki(markdown) == "x"


def test_given_javascript_link_when_written_then_markdown_it_leaves_it_as_text() -> None:
    assert markdown_to_wiki("[x](javascript:alert(1))") == "\\[x\\](javascript:alert(1))"


def test_given_pipe_and_bang_in_link_when_written_then_neither_splits_the_link() -> None:
    # Jira's link parser splits at the first `|` and counts `!`, escaped or not.
    assert markdown_to_wiki("[a|b!](https://x/?q=a|b!)") == "[a&#124;b&#33;|https://x/?q=a%7Cb%21]"


def test_given_link_across_a_break_when_written_then_two_links_to_the_same_target() -> None:
    assert markdown_to_wiki("[a\\\nb](https://x)") == "[a|https://x]\n[b|https://x]"


def test_given_image_when_written_then_jiras_image_as_adf_shows_it() -> None:
    assert markdown_to_wiki('![the *chart*](https://example.com/c.png "T")') == (
        "!https://example.com/c.png!"
    )
    assert markdown_to_wiki("![](HTTP://example.com/badge?x=1&y=2)") == (
        "!HTTP://example.com/badge?x=1&y=2!"
    )


def test_given_image_among_text_when_written_then_a_space_on_each_side() -> None:
    # `!url!` needs no letter or digit next to it (Jira's VALID_START/VALID_END); ADF splits.
    assert markdown_to_wiki("a![i](https://x/i.png)b **c ![j](https://x/j.png) d**") == (
        "a !https://x/i.png! b *c* !https://x/j.png! *d*"
    )
    assert markdown_to_wiki("see:\n![i](https://x/i.png)\nend") == "see:\n!https://x/i.png!\nend"


def test_given_image_inside_link_when_written_then_linked_image() -> None:
    assert markdown_to_wiki("[![build](https://ci/badge.svg)](https://ci/run)") == (
        "[!https://ci/badge.svg!|https://ci/run]"
    )
    assert markdown_to_wiki("[a ![i](https://x/i.png) b](https://h)") == (
        "[a|https://h] [!https://x/i.png!|https://h] [b|https://h]"
    )


def test_given_image_in_table_cell_and_heading_when_written_then_jiras_image() -> None:
    assert markdown_to_wiki("| ![i](https://x/i.png) |\n|---|\n| x |") == (
        "||!https://x/i.png!||\n|x|"
    )
    assert markdown_to_wiki("# ![i](https://x/i.png) t") == "h1. !https://x/i.png! t"


@pytest.mark.parametrize(
    ("markdown", "wiki"),
    [
        # What would end the image, add options, or be rewritten before images are read.
        ("![a](https://x/a!b.png)", "[a|https://x/a%21b.png]"),
        ("![a](https://x/a--b.png)", "[a|https://x/a--b.png]"),
        ("![a](https://x/a:P.png)", "[a|https://x/a:P.png]"),
        ("![a](https://x/(i).png)", "[a|https://x/(i).png]"),
        ("![a](https://x/@x@.png)", "[a|https://x/@x@.png]"),
        ("![a](https://x/a.png?&amp;amp;x)", "[a|https://x/a.png?&amp;x]"),
        # What Jira would embed as something else than an image, or a bare host.
        ("![a](https://x/a.swf)", "[a|https://x/a.swf]"),
        ("![a](https://x/movie.MOV?x=1)", "[a|https://x/movie.MOV?x=1]"),
        ("![a](https://x.test)", "[a|https://x.test]"),
    ],
)
def test_given_image_jira_would_not_show_as_is_when_written_then_a_link_to_it(
    markdown: str, wiki: str
) -> None:
    assert markdown_to_wiki(markdown) == wiki


def test_given_image_without_description_not_embeddable_when_written_then_url_as_label() -> None:
    assert markdown_to_wiki("![](https://example.com/c.swf)") == (
        "[https&#58;//example.com/c.swf|https://example.com/c.swf]"
    )


def test_given_image_jira_should_not_follow_when_written_then_its_description() -> None:
    assert markdown_to_wiki("![alt](rel.png)") == "alt"


# Code blocks


def test_given_fence_in_a_language_jira_formats_when_written_then_code_macro() -> None:
    assert markdown_to_wiki("```PYTHON\nprint('*x*')\n```") == "{code:python}\nprint('*x*')\n{code}"


def test_given_fence_info_with_more_words_when_written_then_first_word_is_language() -> None:
    assert markdown_to_wiki("~~~ js title=x\n1\n~~~") == "{code:js}\n1\n{code}"


@pytest.mark.parametrize("info", ["", "py", "mermaid"])
def test_given_fence_in_no_language_jira_formats_when_written_then_noformat(info: str) -> None:
    assert markdown_to_wiki(f"```{info}\na\n\nb\n```") == "{noformat}\na\n\nb\n{noformat}"


def test_given_empty_fence_when_written_then_empty_macro() -> None:
    assert markdown_to_wiki("```sh\n```") == "{code:sh}\n{code}"


def test_given_unclosed_fence_when_written_then_code_runs_to_the_end() -> None:
    assert markdown_to_wiki("```\nx\n# y") == "{noformat}\nx\n# y\n{noformat}"


def test_given_indented_code_when_written_then_noformat() -> None:
    assert (
        markdown_to_wiki("text\n\n    a = 1\n      b\n")
        == "text\n\n{noformat}\na = 1\n  b\n{noformat}"
    )


def test_given_markup_in_code_when_written_then_literal() -> None:
    assert markdown_to_wiki("```html\n<b>&amp;</b> *x* [a|b]\n```") == (
        "{code:html}\n<b>&amp;</b> *x* [a|b]\n{code}"
    )


@pytest.mark.parametrize("tag", ["{code}", "{CODE}", "{code:}", "{co\\de}", "{co\nde}"])
def test_given_code_holding_what_ends_a_code_macro_when_written_then_noformat(tag: str) -> None:
    assert markdown_to_wiki(f"```python\nx = '{tag}'\n```") == (
        f"{{noformat}}\nx = '{tag}'\n{{noformat}}"
    )


@pytest.mark.parametrize("text", ["{code:x}", "\\{code}"])
def test_given_code_holding_what_ends_no_macro_when_written_then_code_macro(text: str) -> None:
    # A tag with parameters ends nothing; Jira's parser skips a `{` after a backslash.
    assert markdown_to_wiki(f"```python\n{text}\n```") == f"{{code:python}}\n{text}\n{{code}}"


def test_given_noformat_holding_its_end_when_written_then_code_without_highlighting() -> None:
    assert markdown_to_wiki("```\n{noformat}\n```") == "{code:none}\n{noformat}\n{code}"


def test_given_code_holding_both_ends_when_written_then_split_before_each() -> None:
    assert markdown_to_wiki("```\n{code} and {noformat} again\n```") == (
        "{noformat}\n{code} and {\n{noformat}\n{noformat}\nnoformat} again\n{noformat}"
    )


def test_given_code_in_a_quote_holding_the_quote_end_when_written_then_split() -> None:
    assert markdown_to_wiki("> ```python\n> {quote}\n> ```") == (
        "{quote}\n{code:python}\n{\n{code}\n{code:python}\nquote}\n{code}\n{quote}"
    )


def test_given_code_after_a_backslash_when_written_then_the_end_tag_stands_on_its_own_line() -> (
    None
):
    # A trailing backslash would escape what follows: the end tag's line feed, not its `{`.
    assert code_block("C:\\", "bash") == "{code:bash}\nC:\\\n{code}"


# Lists


def test_given_bullet_list_when_written_then_star_items() -> None:
    assert markdown_to_wiki("- a\n- **b**") == "* a\n* *b*"


def test_given_ordered_list_when_written_then_hash_items_counting_from_one() -> None:
    assert markdown_to_wiki("3. a\n4. b") == "# a\n# b"


def test_given_nested_lists_when_written_then_markers_of_each_level() -> None:
    assert markdown_to_wiki("1. a\n   - b\n     1. c\n2. d") == "# a\n#* b\n#*# c\n# d"


def test_given_loose_list_with_two_paragraphs_when_written_then_continuation_line() -> None:
    assert markdown_to_wiki("- a\n\n  b\n- c") == "* a\nb\n* c"


def test_given_item_with_a_break_when_written_then_the_item_continues_on_the_next_line() -> None:
    assert markdown_to_wiki("- a\\\n  \\- b") == "* a\n\\- b"


def test_given_empty_list_item_when_written_then_empty_item() -> None:
    assert markdown_to_wiki("- a\n-\n- c") == "* a\n* \n* c"


def test_given_item_starting_with_a_list_when_written_then_empty_item_first() -> None:
    assert markdown_to_wiki("- a\n- - b") == "* a\n* \n** b"


def test_given_code_block_in_list_item_when_written_then_it_follows_the_marker() -> None:
    assert markdown_to_wiki("- ```sh\n  ls\n  ```") == "* {code:sh}\nls\n{code}"


def test_given_heading_in_list_item_when_written_then_strong_text() -> None:
    assert markdown_to_wiki("- # Title `x`") == "* *Title {{x}}*"


def test_given_quote_in_list_item_when_written_then_its_blocks_join_the_item() -> None:
    assert markdown_to_wiki("- a\n\n  > q\n  > - r") == "* a\nq\n** r"


def test_given_rule_in_list_item_when_written_then_its_marker_as_text() -> None:
    assert markdown_to_wiki("- a\n\n  ***") == "* a\n\\*\\*\\*"


def test_given_table_in_list_item_when_written_then_a_line_per_row() -> None:
    assert (
        markdown_to_wiki("- | a | b |\n  |---|---|\n  | 1 | 2 |") == "* *a* &#124; *b*\n1 &#124; 2"
    )


# Tables


def test_given_table_when_written_then_header_row_and_rows() -> None:
    assert markdown_to_wiki("| a | *b* |\n|---|---|\n| 1 | `2` |") == "||a||_b_||\n|1|{{2}}|"


def test_given_empty_cell_and_alignment_when_written_then_space_and_no_alignment() -> None:
    assert markdown_to_wiki("| l | r |\n|:--|--:|\n| 1 |") == "||l||r||\n|1| |"


def test_given_pipe_and_link_in_cells_when_written_then_cells_stay_whole() -> None:
    assert markdown_to_wiki("| a \\| b | [l](https://x) |\n|---|---|") == (
        "||a &#124; b||[l|https://x]||"
    )


def test_given_pipe_without_separator_row_when_written_then_escaped_paragraph() -> None:
    assert markdown_to_wiki("| a | b |") == "&#124; a &#124; b &#124;"


# Quotes and rules


def test_given_blockquote_when_written_then_quote_macro_of_paragraphs() -> None:
    assert markdown_to_wiki("> a\n>\n> b") == "{quote}\na\n\nb\n{quote}"


def test_given_nested_quote_when_written_then_flattened() -> None:
    assert markdown_to_wiki("> a\n>\n> > b") == "{quote}\na\n\nb\n{quote}"


def test_given_heading_table_rule_and_list_in_quote_when_written_then_all_kept() -> None:
    assert markdown_to_wiki("> ## Why\n>\n> | h |\n> |---|\n> | v |\n>\n> ---\n>\n> - x") == (
        "{quote}\nh2. Why\n\n||h||\n|v|\n\n----\n\n* x\n{quote}"
    )


def test_given_empty_quote_when_written_then_empty_quote_macro() -> None:
    assert markdown_to_wiki(">") == "{quote}\n{quote}"


@pytest.mark.parametrize("markdown", ["---", "***", "_ _ _"])
def test_given_thematic_break_when_written_then_rule(markdown: str) -> None:
    assert markdown_to_wiki(f"a\n\n{markdown}\n\nb") == "a\n\n----\n\nb"


# Raw HTML is text


def test_given_html_block_when_written_then_literal_lines() -> None:
    assert markdown_to_wiki("<div>\n<script>x()</script>\n</div>") == (
        "<div>\n<script>x()</script>\n</div>"
    )


def test_given_html_comment_with_blank_line_when_written_then_literal_paragraphs() -> None:
    assert markdown_to_wiki("<!-- a\n\nb -->") == "<\\!\\-\\- a\n\nb \\-\\->"


def test_given_inline_html_when_written_then_literal_text_with_styles_around() -> None:
    assert markdown_to_wiki('**<img src="x" onerror="y()">**') == '*<img src="x" onerror="y()">*'


def test_given_inline_html_across_lines_when_written_then_one_line() -> None:
    assert markdown_to_wiki('<a\nhref="x">') == '<a href="x">'


# Escaping: a finding's text never becomes markup


@pytest.mark.parametrize(
    ("text", "wiki"),
    [
        ("{html}<b>x</b>{html}", "&#123;html&#125;<b>x</b>&#123;html&#125;"),
        ("{code}x{code}", "&#123;code&#125;x&#123;code&#125;"),
        ("{{mono}}", "&#123;&#123;mono&#125;&#125;"),
        ("[link|https://evil]", "\\[link&#124;https&#58;//evil\\]"),
        ("[~admin]", "\\[\\~admin\\]"),
        ("||head|| |cell|", "&#124;&#124;head&#124;&#124; &#124;cell&#124;"),
        ("!https://evil/x.png!", "\\!https&#58;//evil/x.png\\!"),
        ("*b* _i_ -s- +u+ ^p^ ~b~", "\\*b\\* \\_i\\_ \\-s\\- \\+u\\+ \\^p\\^ \\~b\\~"),
        ("??cite??", "\\??cite\\??"),
        ("a -- b --- c", "a \\-\\- b \\-\\-\\- c"),
        ("C:\\dir\\\\x", "C:&#92;dir&#92;&#92;x"),
        ("&copy; &#60;", "&amp;copy; &amp;#60;"),
        ("@field@ and @end", "\\@field@ and \\@end"),
        ("(i) (x) (/) (on) (flagoff) :) ;) :P :D", None),
        ("file:/etc and irc://x", "file&#58;/etc and irc&#58;//x"),
    ],
)
def test_given_markup_in_text_when_escaped_then_shown_as_typed(text: str, wiki: str | None) -> None:
    expected = wiki or ("\\(i) \\(x) \\(/) \\(on) \\(flagoff) &#58;) &#59;) &#58;P &#58;D")
    assert escape(text) == expected


@pytest.mark.parametrize(
    "text", ["CVE-2024-1234", "snake_case_name", "x^2+y^2", "a~b", "2*3", "Why?", "R&D", "a@b.c"]
)
def test_given_markup_characters_inside_words_when_escaped_then_left_readable(text: str) -> None:
    assert escape(text) == text


@pytest.mark.parametrize(
    ("line", "wiki"),
    [
        ("h1. Title", "&#104;1. Title"),
        ("  h6.x", "  &#104;6.x"),
        ("bq. quoted", "&#98;q. quoted"),
        ("# numbered", "\\# numbered"),
        ("* bullet", "\\* bullet"),
        ("- dash", "\\- dash"),
        ("----", "\\-\\-\\-\\-"),
        ("| cell |", "&#124; cell &#124;"),
    ],
)
def test_given_line_that_would_start_a_block_when_escaped_then_it_starts_none(
    line: str, wiki: str
) -> None:
    assert escape(line, line_start=True) == wiki


def test_given_block_start_in_mid_line_when_escaped_then_left_readable() -> None:
    assert escape("see h1. and bq. and #1") == "see h1. and bq. and #1"


def test_given_line_separators_in_text_when_escaped_then_spaces() -> None:
    assert escape("a\u2028h1. b\rc\x0bd", line_start=True) == "a h1. b c d"


def test_given_text_of_a_link_label_when_escaped_then_brackets_and_bang_as_entities() -> None:
    assert escape("[wow!]", in_link=True) == "&#91;wow&#33;&#93;"


def test_given_markup_in_a_paragraph_when_written_then_escaped_in_place() -> None:
    assert markdown_to_wiki("h1\\. Title\n\n\\{html\\} \\[a\\|b\\] \\!x\\!") == (
        "&#104;1. Title\n\n&#123;html&#125; \\[a&#124;b\\] \\!x\\!"
    )


# Plain text


def test_given_plain_text_when_written_then_nothing_is_interpreted() -> None:
    assert plain_text_to_wiki("# not a heading\n*x*\n\n  \n{html} [a|b]") == (
        "\\# not a heading\n\\*x\\*\n\n&#123;html&#125; \\[a&#124;b\\]"
    )


# Jira's limit


FOOTER = "Synced by jira-sync from issue f-1"


def test_given_description_within_the_limit_when_written_then_whole() -> None:
    wiki, cut = description_wiki("## Finding\n\nThe `q` parameter.", FOOTER)

    assert not cut
    assert wiki == markdown_to_wiki("## Finding\n\nThe `q` parameter.", FOOTER)


def test_given_long_description_when_written_then_cut_between_blocks_note_and_footer_last() -> None:
    paragraphs = [f"Paragraph {index}: " + "x" * 900 for index in range(60)]

    wiki, cut = description_wiki("\n\n".join(paragraphs), FOOTER)

    assert cut
    assert size(wiki) <= JIRA_TEXT_LIMIT
    *kept, note, footer = wiki.split("\n\n")
    assert (note, footer) == (CUT_NOTE, FOOTER)
    assert kept == paragraphs[: len(kept)]
    assert len(kept) >= 30


def test_given_one_block_larger_than_the_limit_when_written_then_what_fits_of_its_text() -> None:
    wiki, cut = description_wiki("```\n" + "y" * 50_000 + "\n```", FOOTER)

    assert cut
    assert JIRA_TEXT_LIMIT - 200 < size(wiki) <= JIRA_TEXT_LIMIT
    assert wiki.endswith(f"\n\n{CUT_NOTE}\n\n{FOOTER}")


def test_given_characters_outside_the_bmp_when_measured_then_two_each_as_java_counts() -> None:
    assert size("😀a") == 3

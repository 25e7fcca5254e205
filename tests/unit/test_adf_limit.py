"""Descriptions within Jira's 32,767-character limit (issue 9.11): cut at a block boundary,
the footer kept, a closing note naming the attachment."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from jira_sync.adf.limit import CUT_NOTE, JIRA_TEXT_LIMIT, description_doc, size
from jira_sync.adf.markdown import markdown_to_adf
from jira_sync.adf.nodes import Node

FOOTER = "Synced by jira-sync from issue f-1"


def texts(doc: Node) -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "text":
                found.append(node["text"])
            for child in node.get("content", []):
                walk(child)

    walk(doc)
    return found


def test_a_description_within_the_limit_is_the_plain_conversion() -> None:
    markdown = "## Finding\n\nThe `q` parameter.\n"

    doc, cut = description_doc(markdown, FOOTER)

    assert not cut
    assert doc == markdown_to_adf(markdown, footer=FOOTER)


def test_a_long_description_is_cut_between_blocks_with_the_note_and_the_footer_last() -> None:
    paragraphs = [f"Paragraph {index}: " + "x" * 900 for index in range(60)]

    doc, cut = description_doc("\n\n".join(paragraphs), FOOTER)

    assert cut
    assert size(doc) <= JIRA_TEXT_LIMIT
    kept = texts(doc)
    assert kept[-2:] == [CUT_NOTE, FOOTER]
    assert kept[:-2] == paragraphs[: len(kept) - 2]
    assert len(kept) - 2 >= 30


def test_one_block_larger_than_the_limit_keeps_what_fits_of_its_text() -> None:
    doc, cut = description_doc("```\n" + "y" * 50_000 + "\n```", FOOTER)

    assert cut
    assert size(doc) <= JIRA_TEXT_LIMIT
    assert size(doc) > JIRA_TEXT_LIMIT - 200
    assert texts(doc)[-2:] == [CUT_NOTE, FOOTER]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.sampled_from(["para ", "**bold** ", "`code` ", "\n\n", "- item\n", '"q"\\ ', "é"]),
        min_size=1,
        max_size=40,
    ),
    st.integers(min_value=1, max_value=2_000),
)
def test_any_description_fits_once_converted(pieces: list[str], repeat: int) -> None:
    doc, cut = description_doc("".join(pieces) * repeat, FOOTER)

    assert size(doc) <= JIRA_TEXT_LIMIT
    assert texts(doc)[-1] == FOOTER
    assert cut == (texts(doc)[-2:-1] == [CUT_NOTE])

"""Rich text in the dialect's form: ADF on Cloud's v3, wiki markup on Data Center's v2.

Both come from one reading of the text (``adf`` and ``wiki`` share ``adf.tree``), so a
finding reads the same on either deployment. The writers are imported on first use: only a
create or a comment needs them, never a GET route or a webhook.
"""

from __future__ import annotations

from typing import Any

from jira_sync.jira.dialect import Dialect


def description(dialect: Dialect, markdown: str, footer: str) -> tuple[Any, bool]:
    """The description within Jira's limit, and whether it had to be cut."""
    if dialect.rich_text == "wiki":
        from jira_sync.wiki.limit import description_wiki

        return description_wiki(markdown, footer)
    from jira_sync.adf.limit import description_doc

    return description_doc(markdown, footer)


def plain(dialect: Dialect, value: str) -> Any:
    """Text shown as typed (a textarea field): nothing in it is formatting."""
    if dialect.rich_text == "wiki":
        from jira_sync.wiki.plain import plain_text_to_wiki

        return plain_text_to_wiki(value)
    from jira_sync.adf.plain import plain_text_to_adf

    return plain_text_to_adf(value)


def linked_line(dialect: Dialect, before: str, label: str, href: str, after: str) -> Any:
    """One paragraph: ``before``, ``label`` linking to ``href``, ``after``, all as text."""
    if dialect.rich_text == "wiki":
        from jira_sync.wiki.escape import escape
        from jira_sync.wiki.inline import link_target

        target = link_target(href)
        shown = escape(label, in_link=target is not None)
        link = f"[{shown}|{target}]" if target is not None else shown
        return escape(before, line_start=True) + link + escape(after)
    from jira_sync.adf.nodes import Mark, document, paragraph, text

    content = [*text(before), *text(label, (Mark("link", href=href),)), *text(after)]
    return document([paragraph(content)])

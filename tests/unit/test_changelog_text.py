"""Timeline wording for Jira webhooks, checked word for word against docs/design.md."""

from __future__ import annotations

import pytest

from jira_sync.jira.changelog import (
    changelog_line,
    comment_line,
    deleted_line,
    transition_failed_line,
    transition_unavailable_line,
)


def item(
    field: str,
    *,
    from_: str | None = None,
    fromString: str | None = None,  # Jira's key names, so the tests read like the payload
    to: str | None = None,
    toString: str | None = None,
) -> dict[str, str | None]:
    """A changelog item shaped like Jira's v2 webhook payload (``from_`` is Jira's ``from``)."""
    return {
        "field": field,
        "fieldtype": "jira",
        "fieldId": field.lower(),
        "from": from_,
        "fromString": fromString,
        "to": to,
        "toString": toString,
    }


def status(old: str | None, new: str | None) -> dict[str, str | None]:
    return item("status", fromString=old, toString=new)


# --- changelog_line: the docs/design.md examples -----------------------------------------------


def test_given_a_status_change_and_a_new_assignee_then_the_design_example() -> None:
    items = [
        item("status", from_="3", fromString="In Progress", to="10001", toString="Done"),
        item("assignee", to="712020:abc", toString="alice@example.com"),
    ]
    assert changelog_line("SEC-42", items) == (
        'Jira update (SEC-42): status changed from "In Progress" to "Done"; '
        'assignee set to "alice@example.com"'
    )


def test_given_a_cleared_resolution_then_the_design_example() -> None:
    items = [item("resolution", from_="10000", fromString="Done")]
    assert (
        changelog_line("SEC-42", items) == 'Jira update (SEC-42): resolution cleared (was "Done")'
    )


# --- changelog_line: field names ----------------------------------------------------------------


def test_given_a_capitalised_field_name_then_it_is_kept_as_given() -> None:
    items = [item("Status", fromString="To Do", toString="In Progress")]
    assert changelog_line("OPS-7", items) == (
        'Jira update (OPS-7): Status changed from "To Do" to "In Progress"'
    )


def test_given_a_custom_field_display_name_then_it_is_kept_as_given() -> None:
    items = [item("Story Points (est.)", from_="3", to="5")]
    assert changelog_line("SEC-42", items) == (
        'Jira update (SEC-42): Story Points (est.) changed from "3" to "5"'
    )


@pytest.mark.parametrize("items", [[{"fromString": "a", "toString": "b"}], [item("", to="b")]])
def test_given_an_item_without_a_field_name_then_it_is_skipped(
    items: list[dict[str, str | None]],
) -> None:
    assert changelog_line("SEC-42", items) is None


# --- changelog_line: which text is used ---------------------------------------------------------


def test_given_display_strings_and_raw_values_then_the_display_strings_win() -> None:
    items = [item("priority", from_="2", fromString="High", to="1", toString="Highest")]
    assert changelog_line("SEC-42", items) == (
        'Jira update (SEC-42): priority changed from "High" to "Highest"'
    )


def test_given_only_raw_values_then_they_are_used() -> None:
    items = [item("duedate", from_="2025-01-01", to="2025-02-01")]
    assert changelog_line("SEC-42", items) == (
        'Jira update (SEC-42): duedate changed from "2025-01-01" to "2025-02-01"'
    )


def test_given_empty_display_strings_then_the_raw_values_are_used() -> None:
    items = [item("labels", from_="old", fromString="", to="new", toString="")]
    assert changelog_line("SEC-42", items) == (
        'Jira update (SEC-42): labels changed from "old" to "new"'
    )


def test_given_text_on_one_side_and_a_raw_value_on_the_other_then_both_are_used() -> None:
    items = [item("Sprint", from_="17", toString="Sprint 18")]
    assert changelog_line("SEC-42", items) == (
        'Jira update (SEC-42): Sprint changed from "17" to "Sprint 18"'
    )


def test_given_keys_missing_rather_than_null_then_they_count_as_absent() -> None:
    assert changelog_line("SEC-42", [{"field": "assignee", "toString": "bob"}]) == (
        'Jira update (SEC-42): assignee set to "bob"'
    )


def test_given_an_empty_from_then_it_is_a_set_clause() -> None:
    items = [item("assignee", from_="", fromString="", toString="alice@example.com")]
    assert changelog_line("SEC-42", items) == (
        'Jira update (SEC-42): assignee set to "alice@example.com"'
    )


def test_given_an_empty_to_then_it_is_a_cleared_clause() -> None:
    items = [item("assignee", fromString="alice@example.com", to="", toString="")]
    assert changelog_line("SEC-42", items) == (
        'Jira update (SEC-42): assignee cleared (was "alice@example.com")'
    )


def test_given_a_resolve_then_one_line_with_both_clauses_in_order() -> None:
    items = [item("resolution", toString="Done"), status("In Review", "Done")]
    assert changelog_line("SEC-42", items) == (
        'Jira update (SEC-42): resolution set to "Done"; status changed from "In Review" to "Done"'
    )


# --- changelog_line: skipping -------------------------------------------------------------------


def test_given_an_item_with_neither_side_then_it_is_skipped() -> None:
    items = [item("description"), status("Open", "Done"), item("labels", fromString="", to="")]
    assert changelog_line("SEC-42", items) == (
        'Jira update (SEC-42): status changed from "Open" to "Done"'
    )


@pytest.mark.parametrize(
    "items",
    [[], [item("description")], [item("labels", from_="", fromString="", to="")]],
    ids=["no items", "no values", "only empty strings"],
)
def test_given_no_item_with_text_then_there_is_no_line(
    items: list[dict[str, str | None]],
) -> None:
    assert changelog_line("SEC-42", items) is None


# --- changelog_line: long and multi-line values -------------------------------------------------


def test_given_a_value_with_newlines_then_each_broken_run_becomes_one_space() -> None:
    items = [item("Summary", fromString="first line\r\n\r\n  second", toString="a \n\tb\u2028c")]
    assert changelog_line("SEC-42", items) == (
        'Jira update (SEC-42): Summary changed from "first line second" to "a b c"'
    )


def test_given_whitespace_without_a_newline_then_it_is_kept() -> None:
    items = [item("Summary", toString="a  b\tc")]
    assert changelog_line("SEC-42", items) == 'Jira update (SEC-42): Summary set to "a  b\tc"'


def test_given_a_value_of_exactly_200_characters_then_it_is_not_cut() -> None:
    value = "x" * 200
    assert changelog_line("SEC-42", [item("Summary", toString=value)]) == (
        f'Jira update (SEC-42): Summary set to "{value}"'  # noqa: S608 - not SQL
    )


def test_given_a_value_over_200_characters_then_it_is_cut_to_200_with_an_ellipsis() -> None:
    line = changelog_line("SEC-42", [item("Summary", fromString="y" * 201, toString="z" * 5000)])
    assert line == (f'Jira update (SEC-42): Summary changed from "{"y" * 199}…" to "{"z" * 199}…"')


def test_given_a_long_value_with_newlines_then_it_is_folded_before_it_is_cut() -> None:
    value = "a\n\n\n" * 100  # 400 characters; 200 once folded ("a a a ... a ")
    assert changelog_line("SEC-42", [item("Summary", toString=value)]) == (
        'Jira update (SEC-42): Summary set to "' + "a " * 100 + '"'
    )


# --- comment_line -------------------------------------------------------------------------------


def test_given_a_comment_then_author_and_text_are_quoted_as_documented() -> None:
    assert comment_line("SEC-42", "Alice Smith", "Fixed in main.") == (
        'Jira comment (SEC-42) by "Alice Smith": Fixed in main.'
    )


def test_given_a_multi_line_comment_then_whitespace_runs_collapse_and_ends_are_stripped() -> None:
    body = "\n  Deployed to staging.\r\n\r\n\tPlease   re-test.  \n"
    assert comment_line("SEC-42", "bob", body) == (
        'Jira comment (SEC-42) by "bob": Deployed to staging. Please re-test.'
    )


def test_given_a_comment_of_exactly_500_characters_then_it_is_not_cut() -> None:
    body = "c" * 500
    assert comment_line("SEC-42", "bob", body) == f'Jira comment (SEC-42) by "bob": {body}'


def test_given_a_comment_over_500_characters_then_it_is_cut_to_500_with_an_ellipsis() -> None:
    line = comment_line("SEC-42", "bob", "word " * 300)
    prefix = 'Jira comment (SEC-42) by "bob": '
    assert line.startswith(prefix)
    text = line.removeprefix(prefix)
    assert len(text) == 500
    assert text == ("word " * 100)[:499] + "…"


def test_given_a_comment_whose_collapsed_text_fits_then_it_is_not_cut() -> None:
    body = "d" * 250 + "\n" * 600 + "d" * 249  # 1099 characters raw, 500 collapsed
    assert comment_line("SEC-42", "bob", body) == (
        'Jira comment (SEC-42) by "bob": ' + "d" * 250 + " " + "d" * 249
    )


# --- the other lines ----------------------------------------------------------------------------


def test_given_a_deleted_ticket_then_the_deleted_line() -> None:
    assert deleted_line("SEC-42") == "Jira ticket SEC-42 was deleted in Jira"


def test_given_a_missing_transition_then_the_unavailable_line() -> None:
    assert transition_unavailable_line("Done", "In Review") == (
        'Jira transition to "Done" not available from "In Review"'
    )


def test_given_a_failed_transition_then_the_failed_line_with_the_detail() -> None:
    assert transition_failed_line("Done", "Field 'resolution' is required") == (
        "Jira transition to \"Done\" failed: Field 'resolution' is required"
    )


def test_given_a_multi_line_failure_detail_then_it_stays_on_one_line() -> None:
    assert transition_failed_line("Done", "HTTP 400\nresolution: required") == (
        'Jira transition to "Done" failed: HTTP 400 resolution: required'
    )

"""How a lost create's ticket is looked for, and the emulator's JQL that it must pass.

Jira makes an entity property searchable only when an app declares it for indexing (Forge
`jira:entityProperty`, Connect's Entity Property module, a Data Center plugin's
`index-document-configuration`); jira-sync is no app, so JQL on `issue.property[jira-sync]` is
refused, and the emulator (which runs no apps) refuses it too. The lookup instead reads the
project's issues created in a window around the uncertain create, with their property.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from devstack.jira_emulator import jql
from jira_sync import caching
from jira_sync.usecases import tickets

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


# -- the emulator's JQL -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'issue.property[jira-sync].issue_id = "F-1"',
        'project = SEC AND issue.property["jira-sync"].issue_id = F-1',
        "issue.property[other] IS NOT EMPTY",
    ],
)
def test_given_jql_on_any_issue_property_then_refused_as_an_unknown_field(text: str) -> None:
    with pytest.raises(jql.JqlError) as refused:
        jql.parse(text)
    assert re.fullmatch(
        r"Field 'issue\.property\[.+\].*' does not exist or you do not have permission to view "
        r"it\.",
        str(refused.value),
    )


def test_given_relative_dates_then_they_count_back_from_now() -> None:
    query = jql.parse('created >= "-15m" AND created <= "-1w 2d"', now=NOW)
    assert [c.moments for c in query.clauses()] == [
        (NOW - timedelta(minutes=15),),
        (NOW - timedelta(days=9),),
    ]


def test_given_absolute_dates_then_read_in_the_searchers_zone() -> None:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Berlin")
    (clause,) = jql.parse('created > "2026/12/02 13:00"', now=NOW, zone=zone).clauses()
    assert clause.moments == (datetime(2026, 12, 2, 13, 0, tzinfo=zone),)
    assert clause.moments[0] == NOW  # 13:00 in Berlin is noon UTC


def test_given_a_window_then_only_issues_created_in_it_match() -> None:
    query = jql.parse('project = SEC AND created >= "-10m" AND created <= "-2m"', now=NOW)

    def made(minutes_ago: int) -> jql.Document:
        return jql.Document({"project": ["SEC"]}, {"created": NOW - timedelta(minutes=minutes_ago)})

    assert [query.matches(made(m)) for m in (11, 10, 5, 2, 1)] == [False, True, True, True, False]


def test_given_an_ordering_operator_on_a_field_that_is_no_date_then_refused() -> None:
    with pytest.raises(jql.JqlError, match="The operator '>=' is not supported by the 'project'"):
        jql.parse("project >= SEC")


# -- the window tickets._find searches ------------------------------------------------------


@pytest.fixture
def lifetime(monkeypatch: pytest.MonkeyPatch) -> Iterator[float]:
    monkeypatch.setenv("JIRA_SYNC_TABLE_NAME", "t")
    monkeypatch.setenv("JIRA_SYNC_EVENT_BUS_NAME", "b")
    monkeypatch.setenv("JIRA_SYNC_SECRET_PREFIX", "p")
    monkeypatch.setenv("JIRA_SYNC_JIRA_REQUEST_LIFETIME_SECONDS", "120")
    caching.reset()
    yield 120.0
    caching.reset()


def test_given_a_create_just_lost_then_the_window_starts_before_its_claim_and_stays_open(
    lifetime: float,
) -> None:
    now = NOW.timestamp()
    assert tickets._window_jql("SEC", now, now) == (
        'project = "SEC" AND created >= "-3m" ORDER BY created ASC, key ASC'
    )


def test_given_a_create_lost_long_ago_then_the_window_is_bounded_on_both_sides(
    lifetime: float,
) -> None:
    """However old the uncertain create, the window holds the same few minutes of issues."""
    now = NOW.timestamp()
    lost = now - 3 * 24 * 3600
    jql_text = tickets._window_jql("SEC", lost, now)
    since, until = (int(n) for n in re.findall(r'"-(\d+)m"', jql_text))
    earliest, latest = now - since * 60, now - until * 60
    # The claim began at most CLAIM_SECONDS before; Jira makes the issue within its lifetime.
    assert earliest <= lost - tickets.CLAIM_SECONDS - tickets.CLOCK_MARGIN_SECONDS
    assert latest >= lost + lifetime + tickets.CLOCK_MARGIN_SECONDS
    assert latest - earliest <= tickets.CLAIM_SECONDS + lifetime + 4 * 60
    # A document made at the lost create's moment matches; one made an hour later does not.
    query = jql.parse(jql_text.replace('project = "SEC" AND ', ""), now=NOW)
    at = datetime.fromtimestamp(lost, UTC)
    assert query.matches(jql.Document({}, {"created": at}))
    assert not query.matches(jql.Document({}, {"created": at + timedelta(hours=1)}))

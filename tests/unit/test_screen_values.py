"""What a transition's screen gets: a resolution when it has one, a refusal when it needs more."""

from __future__ import annotations

from typing import Any

import pytest

from jira_sync.models.jira import Transition
from jira_sync.usecases.state_sync import CannotFill, screen_values

RESOLUTIONS = ("Done", "Fixed", "Won't Do", "Duplicate")


def transition(**fields: dict[str, Any]) -> Transition:
    """A transition to Done whose screen has ``fields``, parsed as the client parses Jira's."""
    return Transition.model_validate(
        {"id": "31", "name": "Finish", "to": {"name": "Done"}, "fields": fields}
    )


def resolution(*allowed: str, required: bool = True, **extra: Any) -> dict[str, Any]:
    return {
        "name": "Resolution",
        "required": required,
        "schema": {"type": "resolution", "system": "resolution"},
        "allowedValues": [{"id": str(10000 + n), "name": name} for n, name in enumerate(allowed)],
    } | extra


def test_given_a_required_resolution_and_a_mapping_when_filled_then_that_one_is_sent() -> None:
    values = screen_values(transition(resolution=resolution(*RESOLUTIONS)), "closed", "Duplicate")

    assert values == {"resolution": {"name": "Duplicate"}}


def test_given_a_required_resolution_without_mapping_when_resolved_then_done_is_sent() -> None:
    values = screen_values(transition(resolution=resolution(*RESOLUTIONS)), "resolved", None)

    assert values == {"resolution": {"name": "Done"}}


def test_given_no_done_when_resolved_then_the_next_default_fixed_is_sent() -> None:
    values = screen_values(
        transition(resolution=resolution("Fixed", "Won't Fix")), "resolved", None
    )

    assert values == {"resolution": {"name": "Fixed"}}


def test_given_a_required_resolution_without_mapping_when_closed_then_wont_do_is_sent() -> None:
    values = screen_values(transition(resolution=resolution(*RESOLUTIONS)), "closed", None)

    assert values == {"resolution": {"name": "Won't Do"}}


def test_given_no_wont_do_when_closed_then_the_next_default_wont_fix_is_sent() -> None:
    values = screen_values(transition(resolution=resolution("Done", "Won't Fix")), "closed", None)

    assert values == {"resolution": {"name": "Won't Fix"}}


def test_given_a_mapping_in_another_case_when_filled_then_jiras_spelling_is_sent() -> None:
    values = screen_values(transition(resolution=resolution(*RESOLUTIONS)), "closed", "won't do")

    assert values == {"resolution": {"name": "Won't Do"}}


def test_given_a_mapped_resolution_jira_does_not_allow_when_filled_then_refused() -> None:
    with pytest.raises(CannotFill) as refused:
        screen_values(transition(resolution=resolution("Done", "Fixed")), "closed", "Obsolete")

    message = str(refused.value)
    assert "Obsolete" in message
    assert "allowed: Done, Fixed" in message
    assert "resolution_map.closed" in message


def test_given_no_default_allowed_when_required_then_refused_naming_resolution_map() -> None:
    with pytest.raises(CannotFill, match=r"set resolution_map\.resolved"):
        screen_values(transition(resolution=resolution("Duplicate")), "resolved", None)


def test_given_an_optional_resolution_without_mapping_when_filled_then_it_is_left_empty() -> None:
    screen = transition(resolution=resolution(*RESOLUTIONS, required=False))

    assert screen_values(screen, "resolved", None) == {}


def test_given_an_optional_resolution_with_a_mapping_when_filled_then_it_is_sent() -> None:
    screen = transition(resolution=resolution(*RESOLUTIONS, required=False))

    assert screen_values(screen, "resolved", "Fixed") == {"resolution": {"name": "Fixed"}}


def test_given_a_required_field_without_default_when_filled_then_refused_naming_it() -> None:
    screen = transition(
        customfield_10050={"name": "Root cause", "required": True, "schema": {"type": "string"}}
    )

    with pytest.raises(CannotFill, match="requires Root cause, which jira-sync cannot fill"):
        screen_values(screen, "resolved", None)


def test_given_a_required_field_with_a_default_value_when_filled_then_it_is_not_required() -> None:
    screen = transition(
        customfield_10050={"name": "Root cause", "required": True, "hasDefaultValue": True},
        resolution=resolution(*RESOLUTIONS, hasDefaultValue=True),
    )

    assert screen_values(screen, "resolved", None) == {}


def test_given_a_transition_without_screen_when_filled_then_nothing_is_sent() -> None:
    assert screen_values(transition(), "closed", "Won't Do") == {}

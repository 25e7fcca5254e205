"""What each handler's cold import loads, in the environment template.yaml gives it.

The cold path stays free of what it does not use: no X-Ray SDK unless subsegments are on, no
HTTP client in the webhook handler (it never calls Jira), no Markdown parser before a create.
"""

from __future__ import annotations

import pytest

from bench.cold_start import SUBSEGMENTS_VARIABLE, TEMPLATE, handler_targets, sample
from devstack.intrinsics import StackContext
from devstack.template import load

NEVER_BY_DEFAULT = {"aws_xray_sdk", "wrapt"}
NOT_IN = {"webhooks": {"requests"}, "tickets": {"markdown_it"}}


def loaded(overrides: dict[str, str]) -> dict[str, set[str]]:
    context = StackContext(stack_name="jira-sync")
    stack, _ = load(TEMPLATE, context=context)
    targets, _ = handler_targets(list(stack.functions.values()), context.region, overrides)
    result = {}
    for target in targets:
        found = sample(target)
        assert found.error is None, found.error
        result[target.label] = set(found.watched)
    return result


@pytest.fixture(scope="module")
def by_default() -> dict[str, set[str]]:
    return loaded({})


def test_given_the_default_stack_then_no_handler_loads_the_xray_sdk(
    by_default: dict[str, set[str]],
) -> None:
    assert set(by_default) == {"credentials", "remediation", "tickets", "transitions", "webhooks"}
    for name, modules in by_default.items():
        assert not modules & NEVER_BY_DEFAULT, name


@pytest.mark.parametrize(("name", "absent"), sorted(NOT_IN.items()))
def test_given_a_handler_then_its_cold_import_skips_what_its_routes_do_not_need(
    by_default: dict[str, set[str]], name: str, absent: set[str]
) -> None:
    assert not by_default[name] & absent


def test_given_subsegments_on_then_every_handler_loads_the_sdk_at_import() -> None:
    for name, modules in loaded({SUBSEGMENTS_VARIABLE: "true"}).items():
        assert "aws_xray_sdk" in modules, name

"""Every write goes out binding only what its expressions use (issue 9.1).

DynamoDB refuses a write that binds an unused placeholder; moto does not, so the rule is held
here on the function every write passes through, and end to end on DynamoDB Local."""

from __future__ import annotations

from jira_sync.store.expressions import bound


def test_unused_values_and_names_are_dropped_used_ones_kept() -> None:
    params = {
        "TableName": "t",
        "UpdateExpression": "SET #s = if_not_exists(#s, :open), #v = #v + :one",
        "ConditionExpression": "#c.#token = :token",
        "ExpressionAttributeNames": {
            "#s": "state",
            "#v": "version",
            "#c": "creating",
            "#token": "token",
            "#unused": "x",
        },
        "ExpressionAttributeValues": {
            ":open": {"S": "open"},
            ":one": {"N": "1"},
            ":token": {"S": "t"},
            ":unused": {"S": "u"},
        },
    }

    result = bound(params)

    assert result["ExpressionAttributeNames"] == {
        "#s": "state",
        "#v": "version",
        "#c": "creating",
        "#token": "token",
    }
    assert result["ExpressionAttributeValues"] == {
        ":open": {"S": "open"},
        ":one": {"N": "1"},
        ":token": {"S": "t"},
    }
    assert params["ExpressionAttributeValues"][":unused"] == {"S": "u"}


def test_a_prefix_of_a_used_placeholder_is_not_taken_as_used() -> None:
    params = {
        "ConditionExpression": "a = :value1",
        "ExpressionAttributeValues": {":value": {"S": "x"}, ":value1": {"S": "y"}},
    }

    assert bound(params)["ExpressionAttributeValues"] == {":value1": {"S": "y"}}


def test_bindings_left_empty_are_removed_not_sent_empty() -> None:
    params = {
        "Key": {"pk": {"S": "p"}},
        "ConditionExpression": "attribute_exists(pk)",
        "ExpressionAttributeValues": {":gone": {"S": "x"}},
        "ExpressionAttributeNames": {"#gone": "x"},
    }

    assert bound(params) == {
        "Key": {"pk": {"S": "p"}},
        "ConditionExpression": "attribute_exists(pk)",
    }

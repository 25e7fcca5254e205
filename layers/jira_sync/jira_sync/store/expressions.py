"""Every write of the table goes out with only the placeholders its expressions use.

DynamoDB refuses a request that binds a name or value its expressions never mention
(``ValidationException: Value provided in ExpressionAttributeValues unused in expressions``),
and it refuses it only after the Jira side effect that preceded the write has happened. Writes
are composed from optional parts (a state default, a REMOVE list, a timeline line), so instead
of every composer tracking which parts it used, the one place that sends writes drops what no
expression mentions. Moto does not check this, DynamoDB Local and DynamoDB do.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from jira_sync.store.client import dynamodb_client

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

_EXPRESSIONS = (
    "UpdateExpression",
    "ConditionExpression",
    "KeyConditionExpression",
    "FilterExpression",
    "ProjectionExpression",
)
_PLACEHOLDER = re.compile(r"[#:][A-Za-z0-9_]+")
CONFLICT_ATTEMPTS = 5
_CONFLICT_CODES = frozenset({"None", "TransactionConflict"})


def bound(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` with only the attribute names and values its expressions use."""
    used = {
        token
        for key in _EXPRESSIONS
        if isinstance(params.get(key), str)
        for token in _PLACEHOLDER.findall(params[key])
    }
    result = dict(params)
    for key in ("ExpressionAttributeNames", "ExpressionAttributeValues"):
        if key in result:
            kept = {name: value for name, value in result[key].items() if name in used}
            if kept:
                result[key] = kept
            else:
                del result[key]
    return result


def transact(items: Sequence[TransactWriteItemTypeDef]) -> None:
    """One TransactWriteItems, each write bound; raises the client's
    ``TransactionCanceledException`` as it comes, except one cancelled only because another
    transaction held an item (``TransactionConflict``): that is tried again, a few times, after
    a short random wait, as the conflict says nothing about the data."""
    writes: list[Any] = [
        {kind: bound(cast("Mapping[str, Any]", write)) for kind, write in item.items()}
        for item in items
    ]
    client = dynamodb_client()
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            client.transact_write_items(TransactItems=writes)
            return
        except client.exceptions.TransactionCanceledException as error:
            codes = {
                reason.get("Code", "None")
                for reason in error.response.get("CancellationReasons", [])
            }
            only_conflicts = "TransactionConflict" in codes and codes <= _CONFLICT_CODES
            if not only_conflicts or attempt == CONFLICT_ATTEMPTS:
                raise
            time.sleep(random.uniform(0.005, 0.02 * 2**attempt))  # noqa: S311 (jitter)

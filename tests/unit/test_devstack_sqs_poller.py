"""Lambda's partial batch response rules and SQS record shape, as the local poller applies them."""

from __future__ import annotations

from typing import Any

from devstack.lambda_pool import InvokeResult
from devstack.sqs_poller import failed_message_ids, sqs_record

IDS = ["m1", "m2", "m3"]


def ok(payload: Any) -> InvokeResult:
    return InvokeResult(request_id="r", ok=True, payload=payload)


def test_given_function_error_when_judged_then_whole_batch_stays() -> None:
    result = InvokeResult(request_id="r", ok=False, error={"errorType": "ValueError"})

    assert failed_message_ids(result, IDS, report_failures=True) == set(IDS)
    assert failed_message_ids(result, IDS, report_failures=False) == set(IDS)


def test_given_reported_failures_when_judged_then_only_those_stay() -> None:
    result = ok({"batchItemFailures": [{"itemIdentifier": "m2"}]})

    assert failed_message_ids(result, IDS, report_failures=True) == {"m2"}


def test_given_reporting_not_enabled_when_failures_returned_then_batch_counts_as_success() -> None:
    result = ok({"batchItemFailures": [{"itemIdentifier": "m2"}]})

    assert failed_message_ids(result, IDS, report_failures=False) == set()


def test_given_empty_or_missing_failures_when_judged_then_everything_succeeded() -> None:
    payloads: list[Any] = [None, {}, {"batchItemFailures": []}, {"other": 1}]
    for payload in payloads:
        assert failed_message_ids(ok(payload), IDS, report_failures=True) == set()


def test_given_invalid_identifier_when_judged_then_whole_batch_fails() -> None:
    invalid: list[Any] = [[{"itemIdentifier": "nope"}], [{"itemIdentifier": ""}], [{}], "m1"]
    for failures in invalid:
        result = ok({"batchItemFailures": failures})
        assert failed_message_ids(result, IDS, report_failures=True) == set(IDS)


def test_given_sqs_message_when_converted_then_record_matches_lambda_event_shape() -> None:
    message = {
        "MessageId": "m1",
        "ReceiptHandle": "rh",
        "MD5OfBody": "md5",
        "Body": "hello",
        "Attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1700000000000"},
        "MessageAttributes": {
            "kind": {"StringValue": "finding", "DataType": "String"},
            "blob": {"BinaryValue": b"\x01", "DataType": "Binary"},
        },
    }

    record = sqs_record(message, "arn:aws:sqs:us-east-1:123456789012:q", "us-east-1")

    assert record == {
        "messageId": "m1",
        "receiptHandle": "rh",
        "body": "hello",
        "attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1700000000000"},
        "messageAttributes": {
            "kind": {
                "stringValue": "finding",
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": "String",
            },
            "blob": {
                "binaryValue": "AQ==",
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": "Binary",
            },
        },
        "md5OfBody": "md5",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
        "awsRegion": "us-east-1",
    }

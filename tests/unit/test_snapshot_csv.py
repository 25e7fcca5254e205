"""The snapshot CSV: header from the keys, formula-injection safe cells."""

from __future__ import annotations

import csv
import io

import pytest

from jira_sync.snapshot_csv import rows_to_csv, safe_cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        (-5, "'-5"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (True, "true"),
        (443, "443"),
        (9.5, "9.5"),
    ],
)
def test_given_a_cell_when_made_safe_then_formulas_become_text(
    value: str | int | float | bool | None, expected: str
) -> None:
    assert safe_cell(value) == expected


def test_given_rows_with_different_keys_then_header_is_keys_in_first_seen_order() -> None:
    data = rows_to_csv([{"b": 1, "a": "x"}, {"c": "=cmd", "a": "y"}])

    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["b", "a", "c"], ["1", "x", ""], ["", "y", "'=cmd"]]


def test_given_commas_quotes_and_newlines_then_csv_quoting_keeps_cells_whole() -> None:
    data = rows_to_csv([{"note": 'a, "quoted"\nline'}])

    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["note"], ['a, "quoted"\nline']]


def test_given_a_formula_as_column_name_then_the_header_is_safe_too() -> None:
    rows = list(csv.reader(io.StringIO(rows_to_csv([{"=x": 1}]).decode("utf-8-sig"))))

    assert rows[0] == ["'=x"]

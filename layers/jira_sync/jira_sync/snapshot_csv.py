"""The snapshot attachment: rows as CSV that a spreadsheet opens as data, never as formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

# A cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice and
# Google Sheets; a leading apostrophe makes it text (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | bool | None


def safe_cell(value: Cell) -> str:
    if value is None:
        return ""
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def rows_to_csv(rows: Sequence[Mapping[str, Cell]]) -> bytes:
    """UTF-8 CSV (with a BOM, so spreadsheets pick the encoding); header = keys in first-seen
    order over every row; a row without a key gets an empty cell."""
    header = list(dict.fromkeys(key for row in rows for key in row))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow([safe_cell(row.get(name)) for name in header])
    return ("\ufeff" + out.getvalue()).encode("utf-8")

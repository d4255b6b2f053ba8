"""Text cells that stay text in a spreadsheet: the OWASP rule against CSV and formula injection.

A plan note, an area group's name or an uploaded header that begins with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return becomes a live formula when a bid writer opens the CSV or XLSX in
Excel (``=HYPERLINK(...)`` can leak data or run commands). Every export that can carry a text a
user supplied goes through here: in CSV, text cells get a leading apostrophe (the OWASP rule); in
XLSX, where a cell has a type, text is stored as a text cell, so it shows exactly as written and is
never evaluated. Numbers stay numbers.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""How a cell that a spreadsheet would read as a formula (or hide a formula behind) begins."""


def text_cell(value: object) -> object:
    """``value`` unchanged unless it is text a spreadsheet would read as a formula; then quoted as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names cannot become formulas (numbers untouched)."""
    out = frame.copy()
    for column in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_datetime64_any_dtype(out[column])):
            out[column] = out[column].map(text_cell)
    out.columns = [text_cell(c) for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame, index: bool = False) -> bytes:
    """``frame`` as UTF-8 CSV that plants no formula."""
    buffer = io.StringIO()
    safe_frame(frame).to_csv(buffer, index=index)
    return buffer.getvalue().encode("utf-8")


def xlsx_cell(cell: Any, value: object) -> Any:
    """Put ``value`` into an openpyxl cell so that text stays text: openpyxl would store a text that
    begins with '=' as a live formula. Returns the cell, for styling."""
    cell.value = value
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"
    return cell

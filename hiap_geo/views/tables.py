"""Tables as a page shows them: a blank cell is blank whatever put it there.

st.dataframe shows a missing value as its ``placeholder`` (``views.explorer.MISSING_CELL``, a dash), but a
text column can also carry the *words* of a missing value ("None", "nan") when a value went through ``str``
on its way. ``blank_cells`` turns those into missing values too, so the page shows one dash for every blank.
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

BLANK_TEXTS: frozenset[str] = frozenset({"", "None", "nan", "NaN", "<NA>", "NaT"})
"""How a missing value reads once it went through ``str`` (and empty or space-only text); a word such as "none"
in a cell is an answer, not a blank, and stays."""


def is_blank(value: object) -> bool:
    """Whether a cell holds no value: missing, or text that only says so."""
    if isinstance(value, str):
        return value.strip() in BLANK_TEXTS
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and arrays are values
        return False


def blank_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text columns hold a missing value wherever a cell is blank (``is_blank``);
    numbers, dates and the column names are untouched."""
    out = frame.copy()
    for column in out.columns:
        cells = out[column]
        if pd.api.types.is_numeric_dtype(cells) or pd.api.types.is_datetime64_any_dtype(cells):
            continue
        blank = cells.map(is_blank).astype(bool)
        if blank.any():
            out[column] = cells.astype(object).mask(blank, None)
    return out


QUOTED_DECIMALS = 4
"""Decimals of a figure in a table a reader downloads: a need score's ties and a rate's published precision survive."""


def as_quoted(table: pd.DataFrame, whole: Collection[str] = ()) -> pd.DataFrame:
    """Figures as a reader quotes them: ``whole`` columns (counts) written whole when every figure in them is
    (1250, not 1250.0; a modelled count keeps its decimals), other figures to ``QUOTED_DECIMALS`` places (16.4973,
    not 16.49729444371123). Whole-number and text columns are untouched."""
    out = table.copy()
    for column in out.select_dtypes("float").columns:
        present = out[column].dropna()
        if column in whole and len(present) and (present == present.round()).all():
            out[column] = out[column].round().astype("Int64")
        else:
            out[column] = out[column].round(QUOTED_DECIMALS)
    return out


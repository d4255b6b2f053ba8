"""Content checks on official files: the right table, whole, of the right edition.

A checksum only says a file is the one we saw before; a publisher's new upload, a truncated download,
the wrong sheet or an HTML error page all need a look at the content. Each check names the file, what
was expected and what was found, so the user knows which download to redo.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from hiap_geo.core.errors import FetchError

TUNBRIDGE_WELLS = "E07000116"
SEVENOAKS = "E07000111"
SHERWOOD_LSOA = "E01024840"
"""Tunbridge Wells 005A: the same code in LSOA 2011 and 2021, so every LSOA table must have it."""

EDITION_MARKERS = {
    "LSOA code (2011)": "IoD 2019 (LSOA 2011)",
    "LSOA code (2021)": "IoD 2025 (LSOA 2021)",
    "Local Authority District code (2019)": "IoD 2019 (LAD 2019)",
    "Local Authority District code (2024)": "IoD 2025 (LAD 2024)",
}


class InvalidOfficialFile(FetchError):
    """An official file that is not what the dataset needs; nothing was written into the cache."""

    def __init__(self, file: Path | str, dataset: str, expected: str, found: str):
        name = file.name if isinstance(file, Path) else file
        super().__init__(
            f"Refused {name} for '{dataset}': expected {expected}; found {found}. Nothing was saved."
        )
        self.file = name
        self.dataset = dataset


@dataclass(frozen=True)
class TableCheck:
    """What a table must look like. ``rows`` is exact: official releases are fixed, so another count means a
    truncated download or another edition."""

    what: str
    code_column: str
    code_pattern: str
    rows: int | None = None
    columns: tuple[str, ...] = ()
    known_codes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    rank_columns: tuple[str, ...] = ()
    unique: bool = True
    row_filter: str | None = None
    """Only rows whose code starts with this prefix count (e.g. 'E' for England rows of a GB file)."""


def edition_of(columns: list[str]) -> str | None:
    """The IoD edition named by a file's code columns, if any."""
    return next((label for col, label in EDITION_MARKERS.items() if col in columns), None)


def check_table(frame: pd.DataFrame, check: TableCheck, file: Path | str, dataset: str) -> pd.DataFrame:
    """Raise InvalidOfficialFile on the first problem; return the rows that count."""

    def refuse(expected: str, found: str) -> InvalidOfficialFile:
        return InvalidOfficialFile(file, dataset, f"{check.what}: {expected}", found)

    missing = [c for c in (check.code_column, *check.columns) if c not in frame.columns]
    if missing:
        edition = edition_of(list(frame.columns))
        wanted = edition_of([check.code_column, *check.columns])
        if edition and wanted and edition != wanted:
            raise refuse(f"the {wanted} edition", f"a file of {edition} (wrong edition)")
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise refuse(f"columns including {shown}", f"columns {', '.join(map(str, frame.columns[:6]))}...")
    codes = frame[check.code_column].astype("string").str.strip()
    if check.row_filter is not None:
        keep = codes.str.startswith(check.row_filter).fillna(False).to_numpy(bool)
        frame, codes = frame[keep], codes[keep]
    if check.rows is not None and len(frame) != check.rows:
        hint = " (truncated?)" if len(frame) < check.rows else ""
        raise refuse(f"{check.rows:,} rows", f"{len(frame):,} rows{hint}")
    bad = codes[~codes.str.fullmatch(check.code_pattern).fillna(False).to_numpy(bool)]
    if len(bad):
        raise refuse(f"{check.code_column} codes matching {check.code_pattern}",
                     f"{len(bad):,} that do not, e.g. {bad.iloc[0]!r}")
    if check.unique and codes.duplicated().any():
        dupes = codes[codes.duplicated()].unique()
        raise refuse(f"each {check.code_column} once", f"{len(dupes):,} duplicated, e.g. {dupes[0]}")
    for column, wanted in check.known_codes.items():
        present = set(frame[column].astype("string").str.strip())
        absent = [c for c in wanted if c not in present]
        if absent:
            raise refuse(f"{', '.join(wanted)} in {column}", f"no {', '.join(absent)}")
    for column, (lo, hi) in check.ranges.items():
        _check_range(frame, column, lo, hi, refuse)
    for column in check.rank_columns:
        _check_range(frame, column, 1, len(frame), refuse)
    return frame


def _check_range(frame: pd.DataFrame, column: str, lo: float, hi: float, refuse: object) -> None:
    values = pd.to_numeric(frame[column], errors="coerce")
    outside = values[(values < lo) | (values > hi) | values.isna()]
    if len(outside):
        found = ("empty or non-numeric values" if outside.isna().all()
                 else f"values from {values.min()} to {values.max()}")
        raise refuse(f"{column} between {lo:g} and {hi:g}", found)  # type: ignore[operator]

"""What a converter is: the official files a dataset is made from (recognised by content) and the function
that turns them into the canonical table the readers consume, validated before anything is written."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hiap_geo.acquire.sniff import Sniffed, read_table
from hiap_geo.acquire.validate import InvalidOfficialFile, edition_of


@dataclass(frozen=True)
class Part:
    """One official file: the columns that identify it and, where a publisher ships the same header at
    several geographies (Nomis: LSOA, MSOA...), the code prefixes its rows start with."""

    label: str
    columns: frozenset[str]
    code_column: str
    code_prefixes: tuple[str, ...] = ()
    column_suffix: str | None = None
    """A regex stripped from headers before matching (Nomis: '; measures: Value')."""
    sheet_pattern: str | None = None
    """A regex the sheet name must match where sheets share a header (SAPE: persons, not males)."""

    def locate(self, sniffed: Sniffed) -> tuple[str, int] | None:
        """The table and header row of ``sniffed`` that hold this part, or None."""
        for name, rows in sniffed.tables.items():
            if self.sheet_pattern and sniffed.kind == "xlsx" and not re.search(self.sheet_pattern, name):
                continue
            for index, row in enumerate(rows):
                header = [self._clean(c) for c in row]
                if not self.columns <= set(header):
                    continue
                if not self.code_prefixes:
                    return name, index
                position = header.index(self.code_column)
                following = rows[index + 1] if index + 1 < len(rows) else []
                if position < len(following) and following[position].strip().startswith(self.code_prefixes):
                    return name, index
        return None

    def _clean(self, column: str) -> str:
        column = column.strip()
        return re.sub(self.column_suffix, "", column).strip() if self.column_suffix else column

    def read(self, sniffed: Sniffed, dataset: str, code_columns: tuple[str, ...] = ()) -> pd.DataFrame:
        """The whole table; refuses a file that is not this part, saying what it holds instead."""
        where = self.locate(sniffed)
        if where is None:
            found = sniffed.headers()
            edition = edition_of([c for rows in sniffed.tables.values() for r in rows for c in r])
            wanted = edition_of(list(self.columns))
            if edition and wanted and edition != wanted:
                found = f"a file of {edition} where {wanted} is expected (wrong edition)"
            elif sniffed.kind == "xlsx" and self.sheet_pattern:
                found = (f"no sheet named like {self.sheet_pattern!r} with those columns "
                         f"(sheets: {', '.join(map(repr, sniffed.tables))}: wrong sheet or workbook)")
            elif sniffed.kind == "xlsx":
                found = f"no sheet with those columns (sheets: {', '.join(map(repr, sniffed.tables))})"
            raise InvalidOfficialFile(sniffed.path, dataset, f"{self.label} with columns "
                                      f"{', '.join(sorted(self.columns)[:3])}...", found)
        frame = read_table(sniffed, where[0], where[1], (self.code_column, *code_columns))
        if self.column_suffix:
            frame.columns = [self._clean(c) for c in frame.columns]
        return frame


Build = Callable[[Sequence[Sniffed], Path, str], None]
"""(the official files in ``parts`` order, the temporary output path, the dataset id) -> writes the table."""


@dataclass(frozen=True)
class Converter:
    """How one dataset is made from its official files."""

    parts: tuple[Part, ...]
    build: Build
    suffix: str = ".csv.gz"
    needs: tuple[str, ...] = ()
    """Datasets that must already be in the cache (DWP names are matched to codes with the MSOA lookup)."""


def write_csv_gz(frame: pd.DataFrame, out: Path) -> None:
    """The canonical CSV form: gzip with a fixed timestamp, so the same table gives the same bytes."""
    frame.to_csv(out, index=False, compression={"method": "gzip", "mtime": 0})


def clean_name(label: str) -> str:
    """A published header as snake_case, the way R's janitor::clean_names spells it (the humaniverse tables
    in the mirror use these names): 'IMD - Proportion of LSOAs in most deprived 10%' ->
    'imd_proportion_of_lso_as_in_most_deprived_10_percent'."""
    text = str(label).replace("%", " percent ").replace("&", " and ")
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)
    text = re.sub(r"([a-z])([A-Z])", r"\1_\2", text)
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()

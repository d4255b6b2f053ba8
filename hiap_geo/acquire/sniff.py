"""Look inside an official file without trusting its name: what kind it is and what its headers say.

Users rename downloads and publishers change links, so files are recognised by content: the sheet
names and header rows of a workbook, the header of a CSV (plain, gzipped or inside a zip), the fields
of a GeoJSON. An HTML page saved under a data file's name is named as such.
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

HEAD_ROWS = 12
"""Rows read to find a header: workbooks put a title and notes above it."""

Kind = Literal["csv", "xlsx", "zip", "geojson", "html", "empty", "unknown"]


@dataclass
class Sniffed:
    """A file's kind and the first rows of each of its tables (sheets, zip members, or the file itself)."""

    path: Path
    kind: Kind
    tables: dict[str, list[list[str]]] = field(default_factory=dict)

    def find(self, required: set[str]) -> tuple[str, int] | None:
        """The table and header row index holding every ``required`` column, or None."""
        for name, rows in self.tables.items():
            for index, row in enumerate(rows):
                if required <= {c.strip() for c in row}:
                    return name, index
        return None

    def headers(self) -> str:
        """A short description of what the file holds, for messages."""
        if self.kind in ("html", "empty", "unknown"):
            return {"html": "an HTML page (a web page or an error page, not data)", "empty": "an empty file",
                    "unknown": "a file that is neither CSV, Excel, zip nor GeoJSON"}[self.kind]
        parts = []
        for name, rows in list(self.tables.items())[:6]:
            first = next((r for r in rows if sum(bool(c.strip()) for c in r) > 1), rows[0] if rows else [])
            cols = ", ".join(c for c in first[:6] if c)
            parts.append(f"{'sheet ' + repr(name) + ': ' if self.kind == 'xlsx' else ''}{cols}"
                         f"{', ...' if len(first) > 6 else ''}")
        return f"{self.kind} with " + ("; ".join(parts) or "no rows")


def _opener(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(4096)


def is_gzip(path: Path) -> bool:
    return _opener(path)[:2] == b"\x1f\x8b"


def _csv_rows(text_stream: io.TextIOBase) -> list[list[str]]:
    rows = []
    for i, row in enumerate(csv.reader(text_stream)):
        if i >= HEAD_ROWS:
            break
        rows.append([c.lstrip("\ufeff") for c in row])
    return rows


def sniff(path: Path) -> Sniffed:
    """What ``path`` holds; never raises for a bad file (the caller reports what was found)."""
    try:
        head = _opener(path)
    except OSError:
        return Sniffed(path, "unknown")
    if not head.strip():
        return Sniffed(path, "empty")
    lowered = head.lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")) or b"<html" in lowered[:512]:
        return Sniffed(path, "html")
    try:
        if head[:2] == b"PK":
            return _sniff_zip(path)
        if head[:2] == b"\x1f\x8b":
            with gzip.open(path, "rt", encoding="utf-8-sig", errors="replace", newline="") as fh:
                return Sniffed(path, "csv", {"": _csv_rows(fh)})
        if lowered.startswith(b"{"):
            return _sniff_geojson(path)
        with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as fh:
            return Sniffed(path, "csv", {"": _csv_rows(fh)})
    except (OSError, zipfile.BadZipFile, csv.Error, ValueError, EOFError):
        return Sniffed(path, "unknown")


def _sniff_zip(path: Path) -> Sniffed:
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        if "xl/workbook.xml" in names:
            return _sniff_xlsx(path)
        tables = {}
        for name in names:
            if name.lower().endswith(".csv"):
                with zf.open(name) as raw:
                    tables[name] = _csv_rows(io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline=""))
        return Sniffed(path, "zip", tables)


def _sniff_xlsx(path: Path) -> Sniffed:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    tables = {}
    for name in workbook.sheet_names:
        rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=HEAD_ROWS)
        tables[name] = [["" if v is None else _cell_text(v) for v in row] for row in rows]
    return Sniffed(path, "xlsx", tables)


def _cell_text(value: object) -> str:
    """A header cell as text: a number heading ('0', '90') reads back as '0', not '0.0'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _sniff_geojson(path: Path) -> Sniffed:
    import pyogrio

    try:
        info = pyogrio.read_info(path)
    except Exception:  # noqa: BLE001 - any driver error means: not GeoJSON we can read
        return Sniffed(path, "unknown")
    return Sniffed(path, "geojson", {"": [list(info["fields"])]})


def read_table(sniffed: Sniffed, table: str, header: int, code_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """The whole table found by :meth:`Sniffed.find`, numbers typed, code columns kept as text."""
    dtype = {c: str for c in code_columns}
    path = sniffed.path
    if sniffed.kind == "xlsx":
        frame = pd.read_excel(path, sheet_name=table, header=header, dtype=dtype, engine="calamine")
    elif sniffed.kind == "zip":
        with zipfile.ZipFile(path) as zf, zf.open(table) as raw:
            frame = pd.read_csv(raw, skiprows=header, dtype=dtype, encoding="utf-8-sig", low_memory=False)
    elif sniffed.kind == "geojson":
        import pyogrio

        frame = pyogrio.read_dataframe(path, read_geometry=False)
    else:
        frame = pd.read_csv(path, skiprows=header, dtype=dtype, encoding="utf-8-sig", low_memory=False,
                            compression="gzip" if is_gzip(path) else None)
    frame.columns = [str(c).strip() for c in frame.columns]
    for c in code_columns:
        if c in frame:
            frame[c] = frame[c].map(lambda v: v.strip() if isinstance(v, str) else v)
    return frame

"""Look inside an official file without trusting its name: what kind it is and what its headers say.

Users rename downloads and publishers change links, so files are recognised by content: the sheet
names and header rows of a workbook, the header of a CSV (plain, gzipped or inside a zip), the fields
of a GeoJSON. An HTML page saved under a data file's name is named as such. Only a bounded head of each
file (or zip member) is read (``MAX_SNIFF_BYTES``): a multi-gigabyte file without a line break costs a
megabyte, and a message describing a file names its column titles, never its rows.
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

from hiap_geo.core.files import read_regular
from hiap_geo.core.limits import MAX_IMPORT_FILE_BYTES, MAX_SNIFF_BYTES, shorten

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
            # Column titles only: the first row of several short cells; never a row of one long cell (a
            # password file's line, a paragraph), which is content rather than a header.
            first = next((r for r in rows if sum(bool(c.strip()) for c in r) > 1), [])
            cols = ", ".join(shorten(c.strip(), 40) for c in first[:6] if _title_like(c)) or \
                "no header row of column titles"
            where = f"sheet {shorten(name, 40)!r}: " if self.kind == "xlsx" else ""
            parts.append(f"{where}{cols}{', ...' if len(first) > 6 else ''}")
        return f"{self.kind} with " + ("; ".join(parts) or "no rows")


def _title_like(cell: str) -> bool:
    """A cell that can be a column title: short, printable, with a letter."""
    text = cell.strip()
    return 0 < len(text) <= 80 and text.isprintable() and any(c.isalpha() for c in text)


def read_head(path: Path, limit: int = MAX_SNIFF_BYTES) -> bytes:
    """The first ``limit`` bytes of the regular file ``path`` (a FIFO or a device raises
    :class:`~hiap_geo.core.files.NotRegularFile`, an OSError): what recognising a file may read."""
    return read_regular(path, limit)[:limit]


def head_rows(data: bytes, complete: bool) -> list[list[str]]:
    """The first rows of CSV bytes (a head of at most ``MAX_SNIFF_BYTES``); when the head is not the whole
    file (``complete`` false) its last, cut line is dropped."""
    if not complete:
        data = data[: data.rfind(b"\n") + 1]
    return _csv_rows(io.StringIO(data.decode("utf-8-sig", errors="replace"), newline=""))


def is_gzip(path: Path) -> bool:
    return read_head(path, 2) == b"\x1f\x8b"


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
        head = read_head(path)
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
            with gzip.open(path, "rb") as fh:
                data = fh.read(MAX_SNIFF_BYTES + 1)
            return _sniff_text(path, data[:MAX_SNIFF_BYTES], len(data) <= MAX_SNIFF_BYTES)
        if lowered.startswith(b"{"):
            return _sniff_geojson(path)
        return _sniff_text(path, head, len(head) < MAX_SNIFF_BYTES)
    except (OSError, zipfile.BadZipFile, csv.Error, ValueError, EOFError):
        return Sniffed(path, "unknown")


def _sniff_text(path: Path, head: bytes, complete: bool) -> Sniffed:
    """A CSV's first rows from its head; a head holding NUL bytes is binary (or UTF-16), not a CSV."""
    if b"\x00" in head:
        return Sniffed(path, "unknown")
    return Sniffed(path, "csv", {"": head_rows(head, complete)})


def _sniff_zip(path: Path) -> Sniffed:
    with zipfile.ZipFile(path) as zf:
        if sum(info.file_size for info in zf.infolist()) > MAX_IMPORT_FILE_BYTES:
            return Sniffed(path, "unknown")  # a zip bomb, or far more than any official download
        names = zf.namelist()
        if "xl/workbook.xml" in names:
            return _sniff_xlsx(path)
        tables = {}
        for name in names:
            if name.lower().endswith(".csv"):
                with zf.open(name) as raw:
                    data = raw.read(MAX_SNIFF_BYTES + 1)
                tables[name] = head_rows(data[:MAX_SNIFF_BYTES], len(data) <= MAX_SNIFF_BYTES)
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

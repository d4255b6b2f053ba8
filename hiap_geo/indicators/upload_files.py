"""Reading an uploaded indicator file (CSV or xlsx) into rows of cells, within the limits of ``core.limits``.

One upload must not be able to exhaust the process that serves a whole meeting, so every limit is
checked before or while reading, never after: the file's size; for a workbook, the unpacked size of
its parts and any DTD in its XML (an entity bomb or an external entity) before openpyxl sees it;
then rows (empty rows count: a tiny sheet can claim millions), cells and characters per cell as the
rows stream in (openpyxl read-only mode). A file over a limit is refused with :class:`InvalidUpload`
naming the limit and where it was passed; no message repeats more than a short start of what the
file holds (``core.limits.shorten``). Mapping columns and checking values is ``uploads``' work.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hiap_geo.core import limits
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.files import read_regular, regular_file_size
from hiap_geo.core.limits import shorten, size_label

ACCEPTED_SUFFIXES = (".csv", ".txt", ".xlsx")
_SCAN_CHUNK = 1 << 20
_DOCTYPE = b"<!DOCTYPE"
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_PLAIN_ENCODINGS = {"utf-8", "utf8", "us-ascii", "ascii"}
_ROW_TAGS = (b"<row ", b"<row>", b"<row/", b":row ", b":row>", b":row/")
_STRING_TAGS = (b"<si ", b"<si>", b"<si/", b":si ", b":si>", b":si/")


@dataclass(frozen=True)
class UploadProblem:
    """One thing wrong with a file. ``kind`` names the check, for the app to group or test on."""

    kind: str
    message: str


class InvalidUpload(HiapGeoError):
    """A file that was not loaded; ``problems`` lists everything wrong with it."""

    def __init__(self, filename: str, problems: Sequence[UploadProblem]):
        self.filename = shorten(filename)
        self.problems = list(problems)
        listing = "\n".join(f"  - {p.message}" for p in self.problems)
        these = "this problem" if len(self.problems) == 1 else f"these {len(self.problems)} problems"
        super().__init__(
            f"'{self.filename}' was not loaded, and nothing from it is used. Fix {these} and upload it again:\n"
            f"{listing}"
        )

    @property
    def kinds(self) -> set[str]:
        """The kinds of problem found, for tests and for grouping."""
        return {p.kind for p in self.problems}


@dataclass
class Table:
    """A file's header and its filled rows, each with the row number a spreadsheet shows (header: row 1)."""

    header: list[str]
    rows: list[tuple[int, list[object]]]
    notes: list[str] = field(default_factory=list)


class _Refused(Exception):
    """A limit passed while reading; carries the problem to report."""

    def __init__(self, problem: UploadProblem):
        self.problem = problem


# --- the file as a whole ----------------------------------------------------------------------------


def file_problems(content: bytes, filename: str, max_bytes: int) -> tuple[str | None, list[UploadProblem]]:
    """The reader to use ('csv' or 'xlsx'), and any problem with the file as a whole (size, type, emptiness)."""
    problems: list[UploadProblem] = []
    suffix = shorten(Path(filename).suffix.lower(), 20)
    if len(content) > max_bytes:
        problems.append(_too_large(len(content), max_bytes))
    if suffix == ".xls":
        problems.append(UploadProblem(
            "file_type", "This is an old Excel (.xls) file; save it as Excel Workbook (.xlsx) or CSV and upload that."
        ))
        return None, problems
    if suffix not in ACCEPTED_SUFFIXES:
        problems.append(UploadProblem(
            "file_type", f"A '{suffix or 'no extension'}' file cannot be read; upload a CSV (.csv) or an Excel "
            "workbook (.xlsx)."
        ))
        return None, problems
    if not content.strip():
        problems.append(UploadProblem("empty", "The file is empty; it needs a header row and one row per area."))
        return None, problems
    is_zip = content[:4] == b"PK\x03\x04"
    if suffix == ".xlsx":
        if not is_zip:
            problems.append(UploadProblem(
                "file_type", "The file is named .xlsx but is not an Excel workbook (it may be damaged, or another "
                "kind of file renamed); save it again from Excel as .xlsx or CSV."
            ))
            return None, problems
        return "xlsx", problems
    if is_zip:
        problems.append(UploadProblem(
            "file_type", f"The file is named {suffix} but is an Excel workbook or another zip file; name it .xlsx, or "
            "save it from Excel as CSV."
        ))
        return None, problems
    if b"\x00" in content[:65536]:
        problems.append(UploadProblem(
            "file_type", f"The file is named {suffix} but is not text (it may be a PDF, an image or a UTF-16 export); "
            "save it from Excel as 'CSV UTF-8' or as .xlsx."
        ))
        return None, problems
    return "csv", problems


def _too_large(size: int, max_bytes: int) -> UploadProblem:
    return UploadProblem(
        "too_large", f"The file is {size_label(size)}; the limit is {size_label(max_bytes)}. Split it (one "
        "indicator or one district a file) or remove columns that are not needed.",
    )


def read_file_bytes(path: Path, max_bytes: int = limits.MAX_UPLOAD_BYTES) -> bytes:
    """A file's bytes for :func:`read_table`, never more than the limit: a larger file is refused unread
    (:class:`InvalidUpload`), as the page refuses it; OSError when it cannot be read at all."""
    size = regular_file_size(path)  # a FIFO or a device is refused before it is opened
    if size > max_bytes:
        raise InvalidUpload(path.name, [_too_large(size, max_bytes)])
    content = read_regular(path, max_bytes)
    if len(content) > max_bytes:  # grew since it was looked at
        raise InvalidUpload(path.name, [_too_large(regular_file_size(path), max_bytes)])
    return content


def read_table(content: bytes, filename: str, max_bytes: int = limits.MAX_UPLOAD_BYTES) -> Table:
    """The file's header and filled rows, read within every limit; :class:`InvalidUpload` when it cannot be."""
    reader, problems = file_problems(content, filename, max_bytes)
    if reader is None or problems:
        raise InvalidUpload(filename, problems)
    try:
        return _read_xlsx(content) if reader == "xlsx" else _read_csv(content)
    except _Refused as exc:
        raise InvalidUpload(filename, [exc.problem]) from None


# --- the row budget ---------------------------------------------------------------------------------


class _Budget:
    """Rows, cells and characters per cell, counted as rows are read; passing one raises :class:`_Refused`."""

    def __init__(self, what: str):
        self.what = what
        self.rows = 0
        self.cells = 0

    def take(self, number: int, cells: Sequence[object], where: str = "") -> None:
        """Count one row read (``number`` as a spreadsheet shows it) and its cells; check each text's length."""
        self.rows += 1
        self.cells += len(cells)
        if self.rows > limits.MAX_ROWS:
            raise _Refused(UploadProblem(
                "too_many_rows", f"The {self.what}{where} has more than {limits.MAX_ROWS:,} rows (empty rows count: a "
                f"sheet formatted far below its data counts to where the formatting ends); the limit is "
                f"{limits.MAX_ROWS:,} rows. Split the file (one indicator or one district a file), or delete the "
                "empty rows below the data and save it again.",
            ))
        if self.cells > limits.MAX_CELLS:
            raise _Refused(UploadProblem(
                "too_many_cells", f"The {self.what}{where} has more than {limits.MAX_CELLS:,} cells by row "
                f"{number:,} (each row counts to its last filled column); the limit is {limits.MAX_CELLS:,} cells. "
                "Remove the columns that are not needed, or split the file.",
            ))
        for column, cell in enumerate(cells, start=1):
            if isinstance(cell, str) and len(cell) > limits.MAX_CELL_CHARS:
                raise _Refused(_long_cell(self.what, number, column, len(cell), cell))


def _column_letter(column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _long_cell(what: str, row: int, column: int | None, chars: int | None, start: str = "") -> UploadProblem:
    """The problem of a cell over ``MAX_CELL_CHARS``: where it is and the limit, with only its first words."""
    if column is None:
        where = f"A cell on row {row:,}"
    elif what == "workbook":
        where = f"Cell {_column_letter(column)}{row} (row {row:,}, column {_column_letter(column)})"
    else:
        where = f"The cell on row {row:,}, column {column}"
    size = f"{chars:,} characters" if chars is not None else "more characters than can be read"
    begins = f", beginning '{shorten(start.strip(), 40)}'" if start.strip() else ""
    quote = "" if what == "workbook" else (" (a quote opened and never closed makes the rest of the file one "
                                           "cell)")
    return UploadProblem(
        "cell_too_long", f"{where} holds {size}{begins}; the limit is {limits.MAX_CELL_CHARS:,} characters a "
        f"cell: names, codes and numbers, never a page of text{quote}.",
    )


def _filled(cells: Iterable[object]) -> bool:
    return any(c is not None and str(c).strip() for c in cells)


# --- CSV --------------------------------------------------------------------------------------------


def _read_csv(content: bytes) -> Table:
    """Rows of a CSV (UTF-8, else Windows cp1252; comma, semicolon or tab), streamed from the bytes."""
    try:
        return _csv_rows(content, "utf-8-sig", [])
    except UnicodeDecodeError:
        return _csv_rows(content, "cp1252", ["The file is not UTF-8; it was read as Windows (cp1252) text."])


def _csv_rows(content: bytes, encoding: str, notes: list[str]) -> Table:
    first_line = content.lstrip(b"\r\n").split(b"\n", 1)[0]
    counts = {d: first_line.count(d.encode()) for d in (",", ";", "\t")}
    delimiter = max(counts, key=counts.__getitem__) if any(counts.values()) else ","
    errors = "strict" if encoding.startswith("utf") else "replace"
    text = io.TextIOWrapper(io.BytesIO(content), encoding=encoding, errors=errors, newline="")
    reader = csv.reader(text, delimiter=delimiter)
    budget = _Budget("file")
    header: list[str] | None = None
    rows: list[tuple[int, list[object]]] = []
    start = 1
    cells: list[str] = []
    try:
        for cells in reader:
            budget.take(start, cells)
            if _filled(cells):
                if header is None:
                    header = list(cells)
                else:
                    rows.append((start, list(cells)))
            start = reader.line_num + 1
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise _Refused(_long_cell("file", start, None, None)) from None
        raise _Refused(UploadProblem(
            "file_type", f"Row {start:,} cannot be read as CSV ({shorten(exc, 80)}); save the file again from Excel "
            "as 'CSV UTF-8'.",
        )) from None
    return Table(header or [], rows, notes)


# --- xlsx -------------------------------------------------------------------------------------------


def _read_xlsx(content: bytes) -> Table:
    """Rows of the first sheet with data, checked part by part before openpyxl parses anything."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            _check_parts(archive)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError, NotImplementedError) as exc:
        raise _Refused(_unreadable(exc)) from None
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # anything a damaged or hostile workbook makes openpyxl raise
        raise _Refused(_unreadable(exc)) from None
    try:
        return _sheet_rows(workbook.worksheets)
    except _Refused:
        raise
    except Exception as exc:  # a sheet that breaks openpyxl half-way is unreadable, not a crash
        raise _Refused(_unreadable(exc)) from None
    finally:
        workbook.close()


def _unreadable(exc: BaseException) -> UploadProblem:
    return UploadProblem(
        "file_type", f"The workbook could not be opened ({shorten(exc, 100) or type(exc).__name__}); save it again "
        "from Excel as .xlsx or CSV.",
    )


def _check_parts(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook whose parts unpack too far, or whose XML holds a DTD (entities) or hides its
    encoding, before any XML parser sees it. Python's zipfile never yields more than a part's stated size."""
    parts = archive.infolist()
    unpacked = sum(info.file_size for info in parts)
    biggest = max(parts, key=lambda info: info.file_size, default=None)
    if biggest is not None and unpacked > limits.MAX_XLSX_UNPACKED_BYTES:
        raise _Refused(UploadProblem(
            "too_large", f"The workbook unpacks to {size_label(unpacked)} (its largest part, "
            f"'{shorten(biggest.filename, 60)}', to {size_label(biggest.file_size)}), more than the "
            f"{size_label(limits.MAX_XLSX_UNPACKED_BYTES)} limit; save only the sheet needed, or as CSV.",
        ))
    for info in parts:
        if info.is_dir():
            continue
        scan = _scan_part(archive, info)
        name = shorten(info.filename, 60)
        if scan.unsafe:
            raise _Refused(UploadProblem(
                "file_type", f"The workbook's part '{name}' declares a document type or entities, or is not UTF-8 "
                "XML, which Excel never writes (it can hide an attack); the workbook was not read. Save the data "
                "again from Excel as .xlsx or CSV.",
            ))
        if scan.rows > limits.MAX_ROWS:
            raise _Refused(UploadProblem(
                "too_many_rows", f"The workbook's part '{name}' holds {scan.rows:,} rows, filled or empty; the limit "
                f"is {limits.MAX_ROWS:,} rows. Split the file (one indicator or one district a file), or delete the "
                "empty rows below the data and save it again.",
            ))
        if scan.strings > limits.MAX_XLSX_STRINGS:
            raise _Refused(UploadProblem(
                "too_large", f"The workbook's part '{name}' holds {scan.strings:,} different texts; the limit is "
                f"{limits.MAX_XLSX_STRINGS:,}. Remove the text columns that are not needed, or save as CSV.",
            ))
        if scan.elements > limits.MAX_XLSX_ELEMENTS:
            raise _Refused(UploadProblem(
                "too_large", f"The workbook's part '{name}' holds {scan.elements:,} XML elements (cells, values, "
                f"rows...); the limit is {limits.MAX_XLSX_ELEMENTS:,}. Save only the sheet needed, or as CSV.",
            ))


@dataclass(frozen=True)
class _PartScan:
    unsafe: bool  # a DTD, or XML in an encoding a byte search cannot see into
    elements: int  # start tags: each costs the XML parser an object while its parent lives
    rows: int  # <row> elements
    strings: int  # <si> elements: the shared strings, each read into an object at once


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> _PartScan:
    """What a part holds, counted on its bytes in chunks (no parser): a '<!DOCTYPE' or a hidden encoding,
    and how many elements and rows an XML parser would build."""
    elements = rows = strings = 0
    with archive.open(info) as part:
        head = part.read(_SCAN_CHUNK)
        start = head[:256].removeprefix(codecs.BOM_UTF8)
        if start[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) or start[:2] in (b"<\x00", b"\x00<"):
            return _PartScan(True, 0, 0, 0)
        declared = _XML_ENCODING.match(start)
        if declared and declared.group(1).decode().lower() not in _PLAIN_ENCODINGS:
            return _PartScan(True, 0, 0, 0)
        tail = b""
        while head:
            window = tail + head
            if _DOCTYPE in window:
                return _PartScan(True, elements, rows, strings)
            elements += head.count(b"<") - head.count(b"</") - head.count(b"<?") - head.count(b"<!")
            rows += sum(window.count(tag) - tail.count(tag) for tag in _ROW_TAGS)
            strings += sum(window.count(tag) - tail.count(tag) for tag in _STRING_TAGS)
            tail = head[-len(_DOCTYPE):]
            head = part.read(_SCAN_CHUNK)
    return _PartScan(False, elements, rows, strings)


def _sheet_rows(sheets: Sequence[object]) -> Table:
    """The first sheet with data, read within the budget (shared by every sheet read); the other sheets are
    only looked into until their first filled row, to say that they were not read."""
    budget = _Budget("workbook")
    chosen: Table | None = None
    title = ""
    others: list[str] = []
    for sheet in sheets:
        sheet.reset_dimensions()  # a stated size would make openpyxl pad every row and column to it
        where = f" (sheet '{shorten(sheet.title, 40)}')"
        rows = _budgeted(sheet.iter_rows(values_only=True), budget, where)
        if chosen is not None:
            if any(_filled(cells) for _, cells in rows):
                others.append(shorten(sheet.title, 40))
            continue
        header: list[str] | None = None
        filled: list[tuple[int, list[object]]] = []
        for number, cells in rows:
            if not _filled(cells):
                continue
            if header is None:
                header = ["" if c is None else str(c) for c in cells]
            else:
                filled.append((number, list(cells)))
        if header is not None:
            chosen, title = Table(header, filled), shorten(sheet.title, 40)
    if chosen is None:
        return Table([], [])
    if others:
        chosen.notes.append(f"Read the first sheet with data, '{title}'; other sheets were not read: "
                            f"{', '.join(repr(o) for o in others[:10])}{' and more' if len(others) > 10 else ''}.")
    return chosen


def _budgeted(rows: Iterable[Sequence[object]], budget: _Budget, where: str) -> Iterator[tuple[int, Sequence[object]]]:
    for number, cells in enumerate(rows, start=1):
        budget.take(number, cells, where)
        yield number, cells

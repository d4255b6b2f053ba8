"""Hostile upload files (issue 10), written by the tests themselves: small on disk, huge once read.

The workbooks are built from raw sheet XML with :mod:`zipfile`, streamed in chunks, so that a file
unpacking to hundreds of megabytes costs the test a few kilobytes and no memory. ``ATTACKS`` names
each attack with the kind of problem :func:`hiap_geo.indicators.uploads.read_upload` must refuse it
with; ``python tests/attack_files.py FOLDER`` writes them all (the memory test reads them in a child).
"""

from __future__ import annotations

import sys
import zipfile
from collections.abc import Callable, Iterable, Iterator
from io import BytesIO
from pathlib import Path

from hiap_geo.core import limits

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CHUNK = 1 << 20

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""  # noqa: E501
ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" Target="xl/workbook.xml"
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>"""
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">
<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PKG_REL_NS}">
<Relationship Id="rId1" Target="worksheets/sheet1.xml"
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>
<Relationship Id="rId2" Target="sharedStrings.xml"
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>
</Relationships>"""
SHEET_HEAD = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}">'
HEADER_ROW = ('<row r="1"><c r="A1" t="inlineStr"><is><t>area_code</t></is></c>'
              '<c r="B1" t="inlineStr"><is><t>value</t></is></c>'
              '<c r="C1" t="inlineStr"><is><t>indicator_name</t></is></c></row>')
DATA_ROW = '<row r="2"><c r="A2" t="inlineStr"><is><t>E01024830</t></is></c><c r="B2"><v>1</v></c>{name}</row>'


def _write(archive: zipfile.ZipFile, name: str, parts: Iterable[str | bytes]) -> None:
    with archive.open(name, "w", force_zip64=True) as out:
        for part in parts:
            out.write(part.encode() if isinstance(part, str) else part)


def raw_xlsx(sheet: Iterable[str | bytes], strings: Iterable[str | bytes] = ()) -> bytes:
    """A workbook of one sheet ('Data') whose XML is ``sheet``, with ``strings`` as its shared strings
    part (empty: a table of none). Both are written piece by piece, so they can unpack to far more
    than memory holds."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS),
                           ("xl/workbook.xml", WORKBOOK), ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)):
            archive.writestr(name, text)
        _write(archive, "xl/worksheets/sheet1.xml", sheet)
        strings = list(strings) if isinstance(strings, list | tuple) else strings
        _write(archive, "xl/sharedStrings.xml", strings or [f'<?xml version="1.0" encoding="UTF-8"?>'
                                                            f'<sst xmlns="{MAIN_NS}" count="0" uniqueCount="0"/>'])
    return out.getvalue()


def _repeat(piece: str, times: int) -> Iterator[bytes]:
    """``piece`` ``times`` times, in chunks of about a megabyte."""
    per_chunk = max(1, CHUNK // len(piece))
    block = piece.encode() * per_chunk
    whole, rest = divmod(times, per_chunk)
    for _ in range(whole):
        yield block
    yield piece.encode() * rest


def huge_cell_xlsx(chars: int, shared: bool = True) -> bytes:
    """A good header and one row whose indicator name is ``chars`` characters long (in the shared strings
    table, or inline in the sheet)."""
    if shared:
        strings = [f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>',
                   *_repeat("A", chars), "</t></si></sst>"]
        sheet = [SHEET_HEAD, "<sheetData>", HEADER_ROW, DATA_ROW.format(name='<c r="C2" t="s"><v>0</v></c>'),
                 "</sheetData></worksheet>"]
        return raw_xlsx(sheet, strings)
    start, end = DATA_ROW.split("{name}")
    return raw_xlsx([SHEET_HEAD, "<sheetData>", HEADER_ROW, start, '<c r="C2" t="inlineStr"><is><t>',
                     *_repeat("A", chars), "</t></is></c>", end, "</sheetData></worksheet>"])


def empty_rows_xlsx(rows: int) -> bytes:
    """A header, then ``rows`` empty ``<row/>`` elements (30 million: about 270 KB on disk)."""
    return raw_xlsx([SHEET_HEAD, "<sheetData>", HEADER_ROW, *_repeat("<row/>", rows), "</sheetData></worksheet>"])


def far_row_xlsx(row: int) -> bytes:
    """A header and one cell on row ``row``: a tiny file that a reader filling in missing rows pads to millions."""
    return raw_xlsx([SHEET_HEAD, "<sheetData>", HEADER_ROW,
                     f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>E01024830</t></is></c></row>',
                     "</sheetData></worksheet>"])


def wide_dimension_xlsx() -> bytes:
    """A sheet claiming to span A1:XFD1048576 (17 billion cells), which a reader padding rows to the
    stated width would fill in."""
    return raw_xlsx([SHEET_HEAD, '<dimension ref="A1:XFD1048576"/><sheetData>', HEADER_ROW,
                     DATA_ROW.format(name=""), '<row r="1048576"/></sheetData></worksheet>'])


def wide_row_xlsx(rows: int = 2_000) -> bytes:
    """Rows holding one cell in the last column (XFD): each row is 16,384 cells wide once padded."""
    return raw_xlsx([SHEET_HEAD, "<sheetData>", HEADER_ROW,
                     *(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>' for r in range(2, rows + 2)),
                     "</sheetData></worksheet>"])


def tiny_elements_xlsx(elements: int, where: str = "sheet") -> bytes:
    """A header and ``elements`` empty elements, in the sheet or as shared strings, just under the
    element limit: the most objects an XML parser could be made to keep."""
    if where == "strings":
        return raw_xlsx([SHEET_HEAD, "<sheetData>", HEADER_ROW, "</sheetData></worksheet>"],
                        [f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}">', *_repeat("<si/>", elements),
                         "</sst>"])
    return raw_xlsx([SHEET_HEAD, "<sheetData>", HEADER_ROW, *_repeat("<x/>", elements), "</sheetData></worksheet>"])


LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
          + "]>")


def entity_bomb_xlsx(where: str = "strings") -> bytes:
    """Billion laughs: nested entities in the shared strings (``strings``) or the sheet (``sheet``) XML."""
    if where == "strings":
        strings = ['<?xml version="1.0" encoding="UTF-8"?>', LAUGHS,
                   f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>']
        sheet = [SHEET_HEAD, "<sheetData>", HEADER_ROW, DATA_ROW.format(name='<c r="C2" t="s"><v>0</v></c>'),
                 "</sheetData></worksheet>"]
        return raw_xlsx(sheet, strings)
    sheet = ['<?xml version="1.0" encoding="UTF-8"?>', LAUGHS, f'<worksheet xmlns="{MAIN_NS}"><sheetData>',
             HEADER_ROW, DATA_ROW.format(name='<c r="C2" t="inlineStr"><is><t>&lol9;</t></is></c>'),
             "</sheetData></worksheet>"]
    return raw_xlsx(sheet)


def external_entity_xlsx() -> bytes:
    """An entity naming a file on the server (XXE): its contents must never reach a message."""
    sheet = ['<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
             f'<worksheet xmlns="{MAIN_NS}"><sheetData>', HEADER_ROW,
             DATA_ROW.format(name='<c r="C2" t="inlineStr"><is><t>&x;</t></is></c>'), "</sheetData></worksheet>"]
    return raw_xlsx(sheet)


def utf16_doctype_xlsx() -> bytes:
    """The entity bomb again, its sheet XML in UTF-16 so that a byte search for '<!DOCTYPE' misses it."""
    text = ('<?xml version="1.0" encoding="UTF-16"?>' + LAUGHS + f'<worksheet xmlns="{MAIN_NS}"><sheetData>'
            + HEADER_ROW + DATA_ROW.format(name="") + "</sheetData></worksheet>")
    return raw_xlsx([text.encode("utf-16")])


def huge_cell_csv(chars: int = 200_000) -> bytes:
    """A CSV with one field longer than Python's csv module allows (131,072 characters)."""
    return b"area_code,value,indicator_name\nE01024830,1," + b"A" * chars + b"\n"


def many_rows_csv(rows: int = 600_000) -> bytes:
    """A CSV of more rows than the limit, still under the size limit (about 7 MB)."""
    return b"area_code,value\n" + b"E01024830,1\n" * rows


def blank_lines_csv(lines: int = 5_000_000) -> bytes:
    """A header and five million blank lines (5 MB): rows read count, filled or not."""
    return b"area_code,value\n" + b"\n" * lines


ATTACKS: dict[str, tuple[str, Callable[[], bytes], str]] = {
    # name: (file name, maker, problem kind it is refused with)
    "cell_20mb": ("cell.xlsx", lambda: huge_cell_xlsx(20_000_000), "cell_too_long"),
    "cell_20mb_inline": ("inline.xlsx", lambda: huge_cell_xlsx(20_000_000, shared=False), "cell_too_long"),
    "cell_190mb": ("cell190.xlsx", lambda: huge_cell_xlsx(190_000_000), "too_large"),
    "rows_30m": ("rows.xlsx", lambda: empty_rows_xlsx(30_000_000), "too_large"),
    "rows_9m": ("rows9.xlsx", lambda: empty_rows_xlsx(9_000_000), "too_many_rows"),
    "rows_under_limit": ("rows_under.xlsx", lambda: empty_rows_xlsx(limits.MAX_ROWS - 1_000), "empty"),
    "tiny_elements": ("tiny.xlsx", lambda: tiny_elements_xlsx(1_990_000), "empty"),
    "tiny_strings": ("strings.xlsx", lambda: tiny_elements_xlsx(1_990_000, "strings"), "too_large"),
    "strings_under_limit": ("strings299k.xlsx", lambda: tiny_elements_xlsx(299_000, "strings"), "empty"),
    "far_row": ("far.xlsx", lambda: far_row_xlsx(30_000_000), "too_many_rows"),
    "wide_dimension": ("dimension.xlsx", wide_dimension_xlsx, "too_many_rows"),
    "wide_rows": ("wide.xlsx", wide_row_xlsx, "too_many_cells"),
    "laughs_strings": ("laughs.xlsx", entity_bomb_xlsx, "file_type"),
    "laughs_sheet": ("laughs2.xlsx", lambda: entity_bomb_xlsx("sheet"), "file_type"),
    "external_entity": ("xxe.xlsx", external_entity_xlsx, "file_type"),
    "utf16_doctype": ("utf16.xlsx", utf16_doctype_xlsx, "file_type"),
    "csv_cell": ("cell.csv", huge_cell_csv, "cell_too_long"),
    "csv_rows": ("rows.csv", many_rows_csv, "too_many_rows"),
    "csv_blank_lines": ("blank.csv", blank_lines_csv, "too_many_rows"),
}


if __name__ == "__main__":
    folder = Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    for name, (filename, make, _kind) in ATTACKS.items():
        content = make()
        (folder / f"{name}-{filename}").write_bytes(content)
        print(f"{name:<18} {len(content):>10,} bytes")

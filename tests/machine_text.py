"""What a person must never read on a page or in an export (issue 23): "nan", "None", ids, database addresses and
"1 LSOAs"-style plurals. One place for the patterns, so every test that looks for machine text looks for the same.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

MACHINE = re.compile(
    r"\b(?:nan|NaN|NaT)\b"  # pandas' missing values printed
    r"|(?<![A-Za-z] )\bNone\b(?! [a-z])"  # Python's None; "None of the areas" is English and passes
    r"|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"  # a UUID
    r"|\b[0-9a-f]{8}-(?:\.\.\.|…)"  # a UUID cut short ("ec17e3a2-...")
    r"|\b(?:sqlite|postgresql)(?:\+\w+)?:/{2,3}"  # a database address
    r"|Choose an option"  # Streamlit's placeholder in a picker with nothing chosen
)
"""Machine text in any text a person reads."""

COUNTED = ("LSOAs", "MSOAs", "areas", "wards", "districts", "actions", "priorities", "reviews", "datasets",
           "indicators", "people", "places", "targets", "rules", "versions", "plans", "files", "rows")
ONE_MANY = re.compile(r"(?<![\d.,])\b1 (" + "|".join(COUNTED) + r")\b")
"""A count of one with a plural noun ("1 LSOAs")."""
NOT_A_COUNT = re.compile(r"(?:decile|deciles|quintile|quintiles|priority|Priority|rank|ranks|level|Level|band) $")
"""Words before a "1" that make it a name, not a count ("decile 1 areas", "priority 1 actions")."""


UUID_LIKE = re.compile(r"^[0-9a-f]{8}-")


def machine_text(text: str, where: str, ids_allowed: bool = False) -> list[str]:
    """Every piece of machine text in ``text``, each as 'where: ...context...' (empty: none). ``ids_allowed`` for a
    file made for a program to read back (the plan's JSON backup keeps its reviews' ids)."""
    found = []
    for match in MACHINE.finditer(text):
        if not (ids_allowed and UUID_LIKE.match(match.group(0))):
            found.append(_say(text, match, where))
    for match in ONE_MANY.finditer(text):
        if not NOT_A_COUNT.search(text[max(0, match.start() - 12):match.start()]):
            found.append(_say(text, match, where))
    return found


def _say(text: str, match: re.Match[str], where: str) -> str:
    context = " ".join(text[max(0, match.start() - 50):match.end() + 50].split())
    return f"{where}: {match.group(0)!r} in '...{context}...'"


def export_text(name: str, data: bytes) -> str:
    """The text a person reads in a downloaded file: CSV, YAML, JSON and text as they are, Word's paragraphs and
    tables, a workbook's cells (an empty cell is empty, not None), a PDF's text, a PNG's text chunks (a map's
    title is drawn in its pixels: only the file name is text)."""
    suffix = Path(name).suffix.lower()
    if suffix == ".docx":
        from docx import Document

        document = Document(io.BytesIO(data))
        parts = [p.text for p in document.paragraphs]
        for table in document.tables:
            parts += [cell.text for row in table.rows for cell in row.cells]
        for section in document.sections:
            parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
        return "\n".join(parts)
    if suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join("\t".join("" if v is None else str(v) for v in row)
                         for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True))
    if suffix == ".png":
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            return "\n".join([name, *(str(v) for v in getattr(image, "text", {}).values())])
    return data.decode("utf-8-sig", errors="replace")

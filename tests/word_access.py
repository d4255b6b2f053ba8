"""Reading a Word file back as a screen reader's user meets it (issue 26): headings in Word heading styles and in
order, alt text on every picture, every table's first row marked as its header row."""

from __future__ import annotations

import io

from docx import Document
from docx.oxml.ns import qn


def word_accessibility_problems(data: bytes) -> list[str]:
    """What a Word accessibility check would report, one line each (empty: none)."""
    document = Document(io.BytesIO(data))
    problems = []
    levels = []
    for paragraph in document.paragraphs:
        style = paragraph.style.name
        if style == "Title":
            levels.append(0)
        elif style.startswith("Heading "):
            levels.append(int(style.split()[1]))
    if not levels or levels[0] != 0:
        problems.append(f"the document should open with its title (Title style), has {levels[:3]}")
    for before, level in zip(levels, levels[1:], strict=False):
        if level > max(before, 1) + 1:
            problems.append(f"heading level {level} follows level {before} (a level skipped)")
    for shape in document.inline_shapes:
        if not shape._inline.docPr.get("descr"):
            problems.append("a picture without alt text")
    for n, table in enumerate(document.tables):
        header = table.rows[0]._tr.trPr
        if header is None or header.find(qn("w:tblHeader")) is None:
            problems.append(f"table {n + 1} has no header row marked")
    return problems

"""The area profile as an A4 PDF (reportlab): map and key figures first, then detail, sources, annex.

Column widths are measured so that no word is broken, and long tables flow on with their header
row; a canvas writes 'page N of M' and the OGL line at the foot of every page.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from hiap_geo.core.attribution import OGL
from hiap_geo.render.profile.layout import (
    ANNEX_HEADING,
    DARK_FILLS,
    comparison_colours,
    is_number,
    numeric_columns,
    print_sections,
    subtitle,
    summary_text,
)
from hiap_geo.render.profile.model import Profile, ProfileTable, cell_text

KEEP_TOGETHER_ROWS = 25
"""Tables of at most this many rows are kept on one page with their heading."""


def to_pdf(profile: Profile) -> bytes:
    """An A4 profile for reading and printing: map and key figures first, sources, then an annex."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        CondPageBreak,
        Image,
        KeepTogether,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        TableStyle,
    )
    from reportlab.platypus import Table as PdfTable

    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=9, leading=11.5)
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.2)
    note = ParagraphStyle("note", parent=small, textColor=colors.HexColor("#444444"), fontName="Helvetica-Oblique")
    cell = ParagraphStyle("cell", parent=small, fontSize=7.5, leading=9)
    cell_num = ParagraphStyle("cellnum", parent=cell, alignment=TA_RIGHT)
    cell_light = ParagraphStyle("celllight", parent=cell, textColor=colors.white)
    head = ParagraphStyle("head", parent=cell, textColor=colors.white, fontName="Helvetica-Bold")
    head_num = ParagraphStyle("headnum", parent=head, alignment=TA_RIGHT)
    h1 = ParagraphStyle("h1", parent=styles["Title"], fontSize=17, leading=21, alignment=0, spaceAfter=4)
    h2 = ParagraphStyle("h2", parent=styles["Heading2"], fontSize=13, leading=16, spaceBefore=2, spaceAfter=4)
    h3 = ParagraphStyle("h3", parent=styles["Heading3"], fontSize=10, leading=12.5, spaceBefore=8, spaceAfter=3)

    buffer = io.BytesIO()
    width, height = A4
    margin = 15 * mm
    frame_width = width - 2 * margin
    title = f"Area profile: {profile.area.title()}"
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin + 6 * mm,
        title=title,
        author="HIAP Geo",
        subject="Area profile: deprivation, change, indicators, plan actions and sources",
        creator="HIAP Geo",
    )

    def pdf_table(table: ProfileTable, with_heading: bool) -> tuple[list[object], bool]:
        """The flowables of a table and whether they fit on a page (and so are kept together)."""
        heading = [Paragraph(escape(table.title), h3)] if with_heading else []
        if table.message:
            return [*heading, Paragraph(escape(cell_text(table.rows[0][0])), body)], True
        numeric = numeric_columns(table)
        data = [[Paragraph(escape(c), head_num if numeric[j] else head) for j, c in enumerate(table.columns)]]
        shaded = comparison_colours(table)
        for i, row in enumerate(table.rows):
            data.append([
                Paragraph(escape(cell_text(c)), cell_light if shaded.get((i, j)) in DARK_FILLS else
                          cell_num if is_number(c) else cell)
                for j, c in enumerate(row)
            ])
        widths = _column_widths(table, frame_width, cell.fontName, cell.fontSize, head.fontName)
        grid = PdfTable(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
        style = [
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1f3b57")),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#eef2f6")]),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#b8c4d0")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
        ]
        for (i, j), colour in shaded.items():  # Fingertips colours, always beside the words
            style.append(("BACKGROUND", (j, i + 1), (j, i + 1), colors.HexColor(colour)))
        grid.setStyle(TableStyle(style))
        parts: list[object] = [grid]
        if table.note:
            parts += [Spacer(1, 2), Paragraph(escape(table.note), note)]
        # Keep a heading with its table when it fits a page; long tables flow on with their header row.
        return [*heading, *parts], len(table.rows) <= KEEP_TOGETHER_ROWS

    lead = ParagraphStyle("lead", parent=body, fontSize=10, leading=13.5, spaceAfter=4)
    story: list[object] = [
        Paragraph(escape(title), h1), Paragraph(escape(subtitle(profile)), small), Spacer(1, 6),
        Paragraph("Summary", h2), Paragraph(escape(summary_text(profile)), lead), Spacer(1, 4),
    ]
    png = profile.map_png()
    image = Image(io.BytesIO(png))
    scale = frame_width / image.imageWidth
    image.drawWidth, image.drawHeight = frame_width, image.imageHeight * scale
    story += [image, Spacer(1, 4)]
    for heading, tables in print_sections(profile):
        if heading.startswith(ANNEX_HEADING):
            story.append(PageBreak())
        for i, table in enumerate(tables):
            flowables, keep = pdf_table(table, with_heading=table.title != heading)
            if i == 0 and heading:  # a section heading never stands alone at the foot of a page
                flowables = [Spacer(1, 6), Paragraph(escape(heading), h2), *flowables]
            # One KeepTogether per block: nested ones make reportlab break the page needlessly. A long
            # table starts on a new page unless a good part of this one is left, so no heading is orphaned.
            story += [KeepTogether(flowables)] if keep else [CondPageBreak(60 * mm), *flowables]

    footer_left = f"HIAP Geo area profile: {profile.area.title()} | generated {profile.generated_text()}"

    def canvas_class(*args: object, **kwargs: object) -> object:
        return _NumberedCanvas(footer_left, OGL, margin, *args, **kwargs)

    doc.build(story, canvasmaker=canvas_class)
    return buffer.getvalue()


_PAD = 3.0
_MAX_NATURAL = 200.0  # points: a prose cell wider than this wraps
_MAX_WORD = 110.0  # points: a word wider than this is split across lines
_SHORT_CELL = 12  # characters: cells this short are never wrapped


def _column_widths(table: ProfileTable, total: float, font: str, size: float, head_font: str) -> list[float]:
    """Column widths in points: no word is ever broken, and prose columns get the room that is left.

    Each column gets at least its longest word; what remains is shared by how much wider each
    column would like to be (its longest cell on one line, capped so prose wraps).
    """
    from reportlab.pdfbase.pdfmetrics import stringWidth

    minimum, natural = [], []
    for j, name in enumerate(table.columns):
        texts = [cell_text(row[j]) for row in table.rows]
        words = [w for t in texts for w in t.split()] + [""]
        low = max([stringWidth(w, font, size) for w in words] + [stringWidth(w, head_font, size) for w in name.split()])
        low = min(low, _MAX_WORD)  # longer words (web addresses) are split by the paragraph
        short = [stringWidth(t, font, size) for t in texts if len(t) <= _SHORT_CELL]
        low = max([low, *short])  # 'IoD 2025', 'Not compared': short cells keep one line
        high = max([stringWidth(t, font, size) for t in texts] + [low])  # headers wrap; cells keep their line
        minimum.append(low + 2 * _PAD + 1)
        natural.append(max(min(high, _MAX_NATURAL), low) + 2 * _PAD + 1)
    spare = total - sum(minimum)
    if spare <= 0:
        return [w * total / sum(minimum) for w in minimum]
    want = [n - m for n, m in zip(natural, minimum, strict=True)]
    if sum(want) <= spare:
        extra = (spare - sum(want)) / len(want)
        return [n + extra for n in natural]
    return [m + spare * w / sum(want) for m, w in zip(minimum, want, strict=True)]


def _NumberedCanvas(footer: str, credit: str, margin: float, *args: object, **kwargs: object) -> object:  # noqa: N802
    """A canvas that writes 'page N of M' and the OGL line at the foot of every page."""
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        def __init__(self, *a: object, **k: object) -> None:
            super().__init__(*a, **k)  # type: ignore[arg-type]
            self._pages: list[dict[str, object]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            width, _ = self._pagesize
            self.setFont("Helvetica", 7)
            self.setFillGray(0.3)
            self.drawString(margin, margin * 0.55, footer[:120])
            self.drawRightString(width - margin, margin * 0.55, f"page {self._pageNumber} of {total}")
            self.drawString(margin, margin * 0.55 - 9, credit)

    return NumberedCanvas(*args, **kwargs)

"""Write an area profile as PDF, Word, Excel, CSV or GeoJSON.

Every format renders the same ``Profile.tables()``, so a figure is the same number everywhere:
the spreadsheet and the CSV keep exact values (with a number format), the PDF and Word files print
them with ``Num.text()``. ``export(profile, fmt)`` returns bytes (what a download button needs);
``write_profile`` writes several formats to a folder, all or nothing.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from xml.sax.saxutils import escape

from hiap_geo.core.attribution import OGL
from hiap_geo.core.files import write_bytes_atomic
from hiap_geo.render.profile.model import Cell, Num, Profile, ProfileError, Table

FORMATS: tuple[str, ...] = ("pdf", "docx", "xlsx", "csv", "geojson")
MEDIA_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "geojson": "application/geo+json",
}

# Tables in the order of the printed profile: which go on the first page, which in the annex.
_FIRST_PAGE = ("key_figures",)
_ANNEX_PREFIX = "lsoas_"
KEEP_TOGETHER_ROWS = 25
ANNEX_HEADING = "Annex"
ANNEX_ABOVE = 15
"""Member-LSOA tables longer than this go to an annex at the end of the PDF and Word profiles."""
_SHEET_NAMES = {
    "key_figures": "Key figures",
    "imd_deciles": "IMD deciles",
    "domains": "Domains",
    "deciles_2025": "Domain deciles 2025",
    "deciles_2019": "Domain deciles 2019",
    "change": "Change 2019-2025",
    "change_lsoas": "Change by LSOA",
    "successors": "LSOAs 2021 it became",
    "lsoas_2025": "LSOAs 2025",
    "lsoas_2019": "LSOAs 2019",
    "indicators": "Indicators",
    "actions": "Plan actions",
    "actions_district_wide": "District-wide actions",
    "sources": "Sources",
}
_EXCEL_FORMATS = {
    "int": "#,##0",
    "rank": "#,##0",
    "score": "0.000",
    "share": "0.0%",
    "count": "0",
    "decile": "0",
    "change": "+0;-0;0",
}


def file_name(profile: Profile, fmt: str) -> str:
    """The file name for a format: the area, its code(s) and the generation date."""
    _check_format(fmt)
    return f"{profile.file_stem()}.{fmt}"


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ProfileError(f"Unknown profile format '{fmt}'; choose from {', '.join(FORMATS)}.")


def export(profile: Profile, fmt: str) -> bytes:
    """The profile in one format, as bytes."""
    _check_format(fmt)
    writers: dict[str, Callable[[Profile], bytes]] = {
        "pdf": to_pdf,
        "docx": to_docx,
        "xlsx": to_xlsx,
        "csv": to_csv,
        "geojson": to_geojson,
    }
    return writers[fmt](profile)


def write_profile(profile: Profile, formats: Iterable[str], out_dir: Path) -> list[Path]:
    """Write the profile in each format into ``out_dir``; every file is made before any is written."""
    formats = list(dict.fromkeys(formats))
    for fmt in formats:
        _check_format(fmt)
    contents = {fmt: export(profile, fmt) for fmt in formats}
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt, data in contents.items():
        target = out_dir / file_name(profile, fmt)
        write_bytes_atomic(target, data)
        written.append(target)
    return written


def _sections(profile: Profile) -> list[tuple[str, list[Table]]]:
    """The printed order: first page, deprivation detail, indicators and actions, sources, annex."""
    tables = [t for t in profile.tables() if t.key != "area"]
    first = [t for t in tables if t.key in _FIRST_PAGE]
    annex = [t for t in tables if t.key.startswith(_ANNEX_PREFIX) and len(t.rows) > ANNEX_ABOVE]
    sources = [t for t in tables if t.key == "sources"]
    optional = [t for t in tables if t.key.startswith(("indicators", "actions"))]
    detail = [t for t in tables if t not in first + annex + sources + optional]
    sections = [
        ("", first),
        ("Deprivation in detail", detail),
        ("Health indicators and plan actions", optional),
        ("Sources", sources),
    ]
    if annex:
        sections.append((f"{ANNEX_HEADING}: the area's LSOAs", annex))
    return sections


def _subtitle(profile: Profile) -> str:
    area = profile.area
    parts = [area.kind_label(), ", ".join(area.districts)]
    if area.is_group:
        parts.append(f"members: {area.code}")
    parts.append(f"main figures: {profile.main.header}")
    parts.append(f"generated {profile.generated.isoformat()}")
    return " | ".join(parts)


def _is_number(cell: Cell) -> bool:
    return isinstance(cell, Num)


def _text(cell: Cell) -> str:
    return cell.text() if isinstance(cell, Num) else cell


# --------------------------------------------------------------------------------------------------
# PDF (reportlab)


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

    def pdf_table(table: Table, with_heading: bool) -> tuple[list[object], bool]:
        """The flowables of a table and whether they fit on a page (and so are kept together)."""
        heading = [Paragraph(escape(table.title), h3)] if with_heading else []
        if table.message:
            return [*heading, Paragraph(escape(_text(table.rows[0][0])), body)], True
        numeric = _numeric_columns(table)
        data = [[Paragraph(escape(c), head_num if numeric[j] else head) for j, c in enumerate(table.columns)]]
        shaded = _comparison_colours(table)
        for i, row in enumerate(table.rows):
            data.append([
                Paragraph(escape(_text(c)), cell_light if shaded.get((i, j)) in _DARK else
                          cell_num if _is_number(c) else cell)
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

    story: list[object] = [Paragraph(escape(title), h1), Paragraph(escape(_subtitle(profile)), small), Spacer(1, 4)]
    png = profile.map_png()
    image = Image(io.BytesIO(png))
    scale = frame_width / image.imageWidth
    image.drawWidth, image.drawHeight = frame_width, image.imageHeight * scale
    story += [image, Spacer(1, 4)]
    for heading, tables in _sections(profile):
        if heading.startswith(ANNEX_HEADING):
            story.append(PageBreak())
        for i, table in enumerate(tables):
            flowables, keep = pdf_table(table, with_heading=table.title != heading)
            if i == 0 and heading:  # a section heading never stands alone at the foot of a page
                flowables = [Spacer(1, 6), Paragraph(escape(heading), h2), *flowables]
            # One KeepTogether per block: nested ones make reportlab break the page needlessly. A long
            # table starts on a new page unless a good part of this one is left, so no heading is orphaned.
            story += [KeepTogether(flowables)] if keep else [CondPageBreak(60 * mm), *flowables]

    footer_left = f"HIAP Geo area profile: {profile.area.title()} | generated {profile.generated.isoformat()}"

    def canvas_class(*args: object, **kwargs: object) -> object:
        return _NumberedCanvas(footer_left, OGL, margin, *args, **kwargs)

    doc.build(story, canvasmaker=canvas_class)
    return buffer.getvalue()


COMPARISON_PREFIX = "Compared with"
_DARK = {"#C00000", "#5555E6"}  # backgrounds that need white text


def _comparison_colours(table: Table) -> dict[tuple[int, int], str]:
    """Cells of 'Compared with ...' columns and the Fingertips colour of their label (row, column)."""
    try:
        from hiap_geo.indicators.stats import BENCHMARK_STYLES
    except ImportError:  # the statistics module is optional here: the labels alone carry the meaning
        return {}
    styles = {key.casefold(): style.colour for key, style in BENCHMARK_STYLES.items()}
    out = {}
    for j, name in enumerate(table.columns):
        if not name.startswith(COMPARISON_PREFIX):
            continue
        for i, row in enumerate(table.rows):
            label = _text(row[j]).split(" (")[0].casefold()
            if label in styles and label != "not compared":
                out[(i, j)] = styles[label].upper()
    return out


_PAD = 3.0
_MAX_NATURAL = 200.0  # points: a prose cell wider than this wraps
_MAX_WORD = 110.0  # points: a word wider than this is split across lines
_SHORT_CELL = 12  # characters: cells this short are never wrapped


def _numeric_columns(table: Table) -> list[bool]:
    return [bool(table.rows) and all(_is_number(row[j]) for row in table.rows) for j in range(len(table.columns))]


def _column_widths(table: Table, total: float, font: str, size: float, head_font: str) -> list[float]:
    """Column widths in points: no word is ever broken, and prose columns get the room that is left.

    Each column gets at least its longest word; what remains is shared by how much wider each
    column would like to be (its longest cell on one line, capped so prose wraps).
    """
    from reportlab.pdfbase.pdfmetrics import stringWidth

    minimum, natural = [], []
    for j, name in enumerate(table.columns):
        texts = [_text(row[j]) for row in table.rows]
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


# --------------------------------------------------------------------------------------------------
# Word (python-docx)


def to_docx(profile: Profile) -> bytes:
    """An editable Word profile with the same sections as the PDF (bid text gets rewritten)."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Cm, Pt, RGBColor

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.8))
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10)
    props = document.core_properties
    props.title = f"Area profile: {profile.area.title()}"
    props.author = "HIAP Geo"
    props.subject = "Area profile"
    props.comments = OGL

    footer = section.footer.paragraphs[0]
    footer.text = f"HIAP Geo area profile: {profile.area.title()} | generated {profile.generated.isoformat()}. {OGL}"
    footer.runs[0].font.size = Pt(7)

    document.add_heading(f"Area profile: {profile.area.title()}", level=0)
    sub = document.add_paragraph(_subtitle(profile))
    sub.runs[0].font.size = Pt(8)
    document.add_picture(io.BytesIO(profile.map_png()), width=Cm(17.4))

    def add_table(table: Table, with_heading: bool) -> None:
        if with_heading:
            document.add_heading(table.title, level=2)
        if table.message:
            document.add_paragraph(_text(table.rows[0][0]))
            return
        numeric = _numeric_columns(table)
        colours = _comparison_colours(table)
        grid = document.add_table(rows=1, cols=len(table.columns))
        grid.style = "Table Grid"
        grid.alignment = WD_TABLE_ALIGNMENT.LEFT
        for j, name in enumerate(table.columns):
            cell = grid.rows[0].cells[j]
            cell.text = name
            run = cell.paragraphs[0].runs[0]
            run.font.bold = True
            run.font.size = Pt(8)
            run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
            if numeric[j]:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _shade(cell, "1F3B57")
        for row in table.rows:
            cells = grid.add_row().cells
            for j, value in enumerate(row):
                cells[j].text = _text(value)
                paragraph = cells[j].paragraphs[0]
                paragraph.runs[0].font.size = Pt(8)
                colour = colours.get((len(grid.rows) - 2, j))
                if colour:
                    _shade(cells[j], colour.lstrip("#"))
                    if colour in _DARK:
                        paragraph.runs[0].font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
                if _is_number(value):
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _repeat_header(grid.rows[0])
        if table.note:
            para = document.add_paragraph(table.note)
            para.runs[0].font.size = Pt(7.5)
            para.runs[0].font.italic = True

    for heading, tables in _sections(profile):
        if heading.startswith(ANNEX_HEADING):
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        if heading:
            document.add_heading(heading, level=1)
        for table in tables:
            add_table(table, with_heading=table.title != heading)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _shade(cell: object, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = cell._tc.get_or_add_tcPr()  # type: ignore[attr-defined]
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def _repeat_header(row: object) -> None:
    """Mark a Word table's first row as a header that repeats on each page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


# --------------------------------------------------------------------------------------------------
# Excel (openpyxl)


def to_xlsx(profile: Profile) -> bytes:
    """Every figure as a table on its own sheet, with exact values and number formats, and a Sources sheet."""
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image as XlImage
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Profile"
    bold = Font(bold=True)
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F3B57")
    wrap = Alignment(wrap_text=True, vertical="top")

    sheet["A1"] = f"Area profile: {profile.area.title()}"
    sheet["A1"].font = Font(bold=True, size=14)
    area_table = next(t for t in profile.tables() if t.key == "area")
    for i, row in enumerate(area_table.rows, start=3):
        sheet.cell(i, 1, _text(row[0])).font = bold
        sheet.cell(i, 2, _text(row[1])).alignment = wrap
    last = 3 + len(area_table.rows)
    sheet.cell(last + 1, 1, "Attribution").font = bold
    sheet.cell(last + 1, 2, profile.attribution).alignment = wrap
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 100
    image = XlImage(io.BytesIO(profile.map_png()))
    image.width, image.height = image.width * 0.6, image.height * 0.6
    sheet.add_image(image, f"A{last + 3}")

    used_names = {"Profile"}
    for table in profile.tables():
        if table.key == "area":
            continue
        name = _SHEET_NAMES.get(table.key, table.title)[:31]
        base, n = name, 2
        while name in used_names:
            name = f"{base[:28]} {n}"
            n += 1
        used_names.add(name)
        ws = workbook.create_sheet(name)
        ws["A1"] = table.title
        ws["A1"].font = Font(bold=True, size=12)
        header_row = 3
        for j, column in enumerate(table.columns, start=1):
            c = ws.cell(header_row, j, column)
            c.font, c.fill, c.alignment = header_font, header_fill, wrap
        for i, row in enumerate(table.rows, start=header_row + 1):
            for j, value in enumerate(row, start=1):
                if isinstance(value, Num):
                    c = ws.cell(i, j, value.value)
                    c.number_format = _EXCEL_FORMATS.get(value.fmt, "General")
                else:
                    c = ws.cell(i, j, value)
                    c.alignment = wrap
        end = header_row + len(table.rows)
        if table.note:
            ws.cell(end + 2, 1, table.note).alignment = Alignment(wrap_text=False)
        ws.freeze_panes = ws.cell(header_row + 1, 2)
        for j, _ in enumerate(table.columns, start=1):
            lengths = [len(_text(r[j - 1])) for r in table.rows] + [min(len(table.columns[j - 1]), 24)]
            ws.column_dimensions[get_column_letter(j)].width = max(8, min(max(lengths) + 2, 60))
        if table.key == "sources":
            ws.cell(end + 3, 1, f"Generated {profile.generated.isoformat()} by HIAP Geo.")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------------
# CSV and GeoJSON


def to_csv(profile: Profile) -> bytes:
    """Every figure in one long table: table, row number, row label, column, exact value.

    UTF-8 with a byte-order mark so that Excel opens it with the right characters.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", "row_number", "row", "column", "value"])
    for table in profile.tables():
        for number, row in enumerate(table.rows, start=1):
            label = _text(row[0])
            for column, value in zip(table.columns[1:], row[1:], strict=True):
                exact = value.value if isinstance(value, Num) else value
                writer.writerow([table.title, number, label, column, "" if exact is None else exact])
            if len(table.columns) == 1:  # a section that only says why it has no figures
                writer.writerow([table.title, number, label, table.columns[0], label])
        if table.note:
            writer.writerow([table.title, "", "Note", "", table.note])
    writer.writerow(["About", "", "Generated", "", profile.generated.isoformat()])
    writer.writerow(["About", "", "Attribution", "", profile.attribution])
    return out.getvalue().encode("utf-8-sig")


def to_geojson(profile: Profile) -> bytes:
    """The area's boundaries (one feature per area or group member) with its headline figures."""
    gdf = profile.boundaries.copy()
    gdf["profile"] = profile.area.name
    gdf["generated"] = profile.generated.isoformat()
    gdf["attribution"] = profile.attribution
    data = json.loads(gdf.to_json(drop_id=True, na="null"))
    data["name"] = f"Area profile: {profile.area.title()}"
    return json.dumps(data, ensure_ascii=False).encode("utf-8")

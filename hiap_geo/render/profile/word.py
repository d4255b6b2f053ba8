"""The area profile as an editable Word document (python-docx): the PDF's sections, for bid text.

Tables repeat their header row on each page and shade comparison cells as the PDF does.
"""

from __future__ import annotations

import io

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
from hiap_geo.render.word_access import describe_picture


def map_alt_text(profile: Profile) -> str:
    """What the profile's map shows, for a reader who cannot see it; its figures follow in the tables."""
    return (f"Map of {profile.area.title()} (outlined) and its surroundings: the LSOAs by IMD {profile.main.year} "
            "national decile, from decile 1 (the most deprived 10% in England, dark purple) to decile 10 (the least "
            "deprived, yellow), with the wards around it named. The area's figures are in the tables of this "
            "document.")


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
    footer.text = f"HIAP Geo area profile: {profile.area.title()} | generated {profile.generated_text()}. {OGL}"
    footer.runs[0].font.size = Pt(7)

    document.add_heading(f"Area profile: {profile.area.title()}", level=0)
    sub = document.add_paragraph(subtitle(profile))
    sub.runs[0].font.size = Pt(8)
    document.add_heading("Summary", level=1)
    document.add_paragraph(summary_text(profile))
    picture = document.add_picture(io.BytesIO(profile.map_png()), width=Cm(17.4))
    describe_picture(picture, f"Map of {profile.area.title()}", map_alt_text(profile))

    def add_table(table: ProfileTable, with_heading: bool) -> None:
        if with_heading:
            document.add_heading(table.title, level=2)
        if table.message:
            document.add_paragraph(cell_text(table.rows[0][0]))
            return
        numeric = numeric_columns(table)
        colours = comparison_colours(table)
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
                cells[j].text = cell_text(value)
                paragraph = cells[j].paragraphs[0]
                paragraph.runs[0].font.size = Pt(8)
                colour = colours.get((len(grid.rows) - 2, j))
                if colour:
                    _shade(cells[j], colour.lstrip("#"))
                    if colour in DARK_FILLS:
                        paragraph.runs[0].font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
                if is_number(value):
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _repeat_header(grid.rows[0])
        if table.note:
            para = document.add_paragraph(table.note)
            para.runs[0].font.size = Pt(7.5)
            para.runs[0].font.italic = True

    for heading, tables in print_sections(profile):
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

"""The area profile as an Excel workbook (openpyxl): a Summary sheet first (the plain-English paragraph, the
area and the map), then one styled sheet per table with exact values, number formats and a frozen header,
so figures can be reused in calculations.
"""

from __future__ import annotations

import io

from hiap_geo.core.cells import xlsx_cell
from hiap_geo.render.profile.model import Num, Profile, cell_text
from hiap_geo.render.profile.tables import profile_tables

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
    "indicators_counts": "Numbers of people",
    "actions": "Plan actions",
    "actions_district_wide": "District-wide actions",
    "sources": "Sources",
}
SUMMARY_SHEET = "Summary"
_EXCEL_FORMATS = {
    "int": "#,##0",
    "rank": "#,##0",
    "score": "0.000",
    "share": "0.0%",
    "count": "0",
    "decile": "0",
    "change": "+0;-0;0",
}


def _number_format(value: Num) -> str:
    """Excel's display format for a number: as the PDF prints it, while the cell keeps the exact value."""
    if value.fmt == "value" and value.value is not None:
        size = abs(value.value)
        return "#,##0" if size >= 1000 else "0.0" if size >= 10 else "0.00"
    return _EXCEL_FORMATS.get(value.fmt, "General")


def to_xlsx(profile: Profile) -> bytes:
    """A summary sheet first (the paragraph, the area, the map), then every figure as a table on its own sheet
    with styled headers, exact values, number formats and a frozen header row, and a Sources sheet."""
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image as XlImage
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SUMMARY_SHEET
    bold = Font(bold=True)
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F3B57")
    wrap = Alignment(wrap_text=True, vertical="top")

    tables = profile_tables(profile)
    xlsx_cell(sheet["A1"], f"Area profile: {profile.area.title()}")
    sheet["A1"].font = Font(bold=True, size=14)
    summary = next(t for t in tables if t.key == "summary").message_text()
    xlsx_cell(sheet["A3"], "Summary").font = bold
    xlsx_cell(sheet["B3"], summary).alignment = wrap
    sheet.row_dimensions[3].height = 15 * (len(summary) // 95 + 2)  # Excel does not grow a row to fit
    area_table = next(t for t in tables if t.key == "area")
    for i, row in enumerate(area_table.rows, start=5):
        xlsx_cell(sheet.cell(i, 1), cell_text(row[0])).font = bold
        xlsx_cell(sheet.cell(i, 2), cell_text(row[1])).alignment = wrap
    last = 5 + len(area_table.rows)
    sheet.cell(last + 1, 1, "Attribution").font = bold
    sheet.cell(last + 1, 2, profile.attribution).alignment = wrap
    sheet.row_dimensions[last + 1].height = 45
    sheet.cell(last + 2, 1, "Sheets").font = bold
    sheet.cell(last + 2, 2, "Each figure of the profile is on its own sheet, with exact values; the map is below.")
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 100
    image = XlImage(io.BytesIO(profile.map_png()))
    image.width, image.height = image.width * 0.6, image.height * 0.6
    sheet.add_image(image, f"B{last + 4}")

    used_names = {SUMMARY_SHEET}
    for table in tables:
        if table.key in ("area", "summary"):
            continue
        name = _SHEET_NAMES.get(table.key, table.title)[:31]
        base, n = name, 2
        while name in used_names:
            name = f"{base[:28]} {n}"
            n += 1
        used_names.add(name)
        ws = workbook.create_sheet(name)
        xlsx_cell(ws["A1"], table.title)
        ws["A1"].font = Font(bold=True, size=12)
        header_row = 3
        ws.row_dimensions[header_row].height = 15 * max(1, max(len(c) // 20 + 1 for c in table.columns))
        for j, column in enumerate(table.columns, start=1):
            c = xlsx_cell(ws.cell(header_row, j), column)
            c.font, c.fill, c.alignment = header_font, header_fill, wrap
        for i, row in enumerate(table.rows, start=header_row + 1):
            for j, value in enumerate(row, start=1):
                if isinstance(value, Num):
                    c = ws.cell(i, j, value.value)
                    c.number_format = _number_format(value)
                else:
                    c = xlsx_cell(ws.cell(i, j), value)
                    c.alignment = wrap
        end = header_row + len(table.rows)
        if table.note:
            xlsx_cell(ws.cell(end + 2, 1), table.note).alignment = Alignment(wrap_text=False)
        ws.freeze_panes = ws.cell(header_row + 1, 2)
        for j, _ in enumerate(table.columns, start=1):
            lengths = [len(cell_text(r[j - 1])) for r in table.rows] + [min(len(table.columns[j - 1]), 24)]
            ws.column_dimensions[get_column_letter(j)].width = max(8, min(max(lengths) + 2, 60))
        if table.key == "sources":
            ws.cell(end + 3, 1, f"Generated {profile.generated_text()} by HIAP Geo.")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

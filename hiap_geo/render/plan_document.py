"""A plan as a Word document and a PDF laid out as a council publishes one: a title page, an introduction with
the plan's own objectives, contents, and per priority its aims, a map and a table of its actions.

The seed plans (``../shared/plan-documents``) give a title, the area and period, the priorities with their
aims, and per priority a table of actions. Here each action's row also says who leads it, with whom, when,
how progress is measured and where it lands: the target areas by name and ward (what a rule selects today,
a list's entries, the whole district), each unresolvable target explained in place, never dropped. A column
no action fills is left out, and an empty cell stays empty (never "Not named"). Each priority gets a map of
the plan's LSOAs by IMD decile with the areas its actions name outlined (``static_map.page_map_figure``).
Both files come from one layout (``plan_layout``), so they say the same.

All plan text goes in as text runs: Word shows markup as written, and characters XML cannot hold (a NUL
from a YAML escape) become U+FFFD rather than breaking the file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import shapely

from hiap_geo.core.attribution import OGL, ONS_BOUNDARIES
from hiap_geo.core.editions import edition
from hiap_geo.core.limits import MAX_AREAS_LISTED, MAX_MAPS
from hiap_geo.geo.measures import map_areas, measure
from hiap_geo.plans.resolve import ResolvedArea, Resolver
from hiap_geo.plans.schema import (
    AREA_PLURALS,
    STATUSES,
    Action,
    CodesTarget,
    DistrictTarget,
    ListTarget,
    NamesTarget,
    Plan,
    Priority,
    RuleTarget,
    Target,
    TargetError,
)
from hiap_geo.render.maps import HIGHLIGHT_COLOUR, Outline
from hiap_geo.render.profile.word import _repeat_header, _shade
from hiap_geo.render.static_map import figure_png, page_map_figure
from hiap_geo.render.word_access import describe_picture

MAP_DPI: int = 110
"""Resolution of the priority maps: 1,470 x 825 pixels, sharp at the page's width."""

COLUMNS: tuple[tuple[str, float], ...] = (
    ("No.", 1.3), ("Action", 6.6), ("Lead", 2.6), ("Partners", 3.0), ("Timescale", 2.2),
    ("Outcome measures", 3.6), ("Target areas", 5.3), ("Status", 1.8),
)
"""The action table's columns and widths in cm (26.4 cm: the width of landscape A4 inside its margins). A
column no action of the plan fills is left out and the others widen to the page."""

ALWAYS: frozenset[str] = frozenset({"No.", "Action", "Target areas"})

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def docx_text(value: object) -> str:
    """Text Word can hold: characters XML forbids (NUL, other C0 controls, lone surrogates) become U+FFFD."""
    return _NOT_XML.sub("\ufffd", str(value))


def _mpl_text(value: str) -> str:
    """Text for a matplotlib title: '$' escaped, so '$x$' in a title is not typeset as mathematics."""
    return docx_text(value).replace("$", r"\$")


@dataclass(frozen=True)
class TargetLines:
    """One target of an action in words: what it says, the areas it reaches (name and ward), or why it cannot
    be placed."""

    heading: str
    areas: tuple[str, ...]
    problem: str | None = None
    more: int = 0
    """Areas reached beyond those listed (MAX_AREAS_LISTED)."""


def target_heading(target: Target, plan: Plan) -> str:
    """What a target says, in words: 'Neighbourhoods named (LSOAs)', 'Wards named', the rule, the list's title,
    the district."""
    if isinstance(target, CodesTarget):
        kinds = {"neighbourhoods (LSOAs)" if c.startswith("E01") else "wards" for c in target.codes}
        text = " and ".join(sorted(kinds))
        return f"{text[0].upper()}{text[1:]} named"
    if isinstance(target, NamesTarget):
        return f"{AREA_PLURALS[target.area_type].capitalize()} named"
    if isinstance(target, RuleTarget):
        return f"Rule: {target.rule.describe(plan.edition)}"
    if isinstance(target, ListTarget):
        titles = {lst.id: lst.title for lst in plan.area_lists}
        return f"Areas the plan lists: {titles.get(target.list, target.list)}"
    if isinstance(target, DistrictTarget):
        return f"The whole of {plan.area.name}"
    raise TypeError(f"unknown target {target!r}")  # pragma: no cover - the schema's kinds are closed


def area_words(area: ResolvedArea, wards: dict[str, str]) -> str:
    """An area as the published plan names it: 'Tunbridge Wells 008A (Sherwood ward)', 'Sherwood ward'."""
    if area.area_type == "lsoa":
        ward = wards.get(area.code)
        return f"{area.name} ({ward} ward)" if ward else area.name
    if area.area_type == "ward":
        return f"{area.name} ward"
    return area.name


def action_targets(action: Action, resolver: Resolver) -> Iterator[tuple[TargetLines, list[tuple[str, str]]]]:
    """Each target of an action in words, with the (code, area_type) of every area it reaches."""
    lookup = resolver.lookup
    wards = dict(zip(lookup["lsoa_code"], lookup["ward_name"], strict=True)) if "ward_name" in lookup else {}
    for target in action.target_areas:
        heading = target_heading(target, resolver.plan)
        if target.quote:
            heading += f' ("{target.quote}")'
        try:
            areas = list(resolver.target(target))
        except TargetError as exc:
            yield TargetLines(heading, (), f"Cannot be placed: {exc}"), []
            continue
        lines = () if isinstance(target, DistrictTarget) else tuple(
            area_words(a, wards) for a in areas[:MAX_AREAS_LISTED])
        problem = None if areas else "Selects no area with today's data."
        more = 0 if isinstance(target, DistrictTarget) else max(0, len(areas) - MAX_AREAS_LISTED)
        yield TargetLines(heading, lines, problem, more), [(a.code, a.area_type) for a in areas]


def _lsoas_reached(reached: list[tuple[str, str]], resolver: Resolver) -> set[str]:
    """LSOA codes an action names (its LSOAs, and the LSOAs of the wards it names); not district-wide reach."""
    lookup = resolver.lookup
    lsoas = {code for code, kind in reached if kind == "lsoa"}
    wards = {code for code, kind in reached if kind == "ward"}
    return lsoas | set(lookup.loc[lookup["ward_code"].isin(wards), "lsoa_code"])


def priority_heading(priority: Priority) -> str:
    """'1. Mental Health' as the seed plans number them; '1.1 Improve outcomes...' for dotted ids."""
    return f"{priority.id}{'.' if priority.id.isdigit() else ''} {priority.title}"


def priority_map_alt_text(plan: Plan, priority: Priority, named: set[str]) -> str:
    """What a priority's map shows, for a reader who cannot see it; the areas themselves are in the table below."""
    reach = (f"the {len(named):,} LSOAs its actions name are outlined" if named else
             "its actions name no LSOA (they reach the whole area)")
    return (f"Map of {plan.area.name} by IMD national decile of its LSOAs (decile 1, the most deprived 10% in "
            f"England, dark purple, to decile 10, yellow), ward boundaries dashed. For priority "
            f"'{priority_heading(priority)}', {reach}. The table below lists each action's target areas by code "
            "and name.")


def data_credit(plan: Plan) -> str:
    """The credit of the document and its maps: the Indices of Deprivation edition they are drawn on (the plan's),
    with the boundaries'; not the IMD 2019 scores (mySociety's) that some of the app's maps use and these do not."""
    year = edition(plan.edition)
    return " ".join([OGL, ONS_BOUNDARIES, f"Deprivation: English Indices of Deprivation {year.year} (MHCLG, "
                                          f"OGL v3.0), national deciles of the {year.lsoa_vintage} areas."])


def priority_map_png(plan: Plan, priority: Priority, lsoas: gpd.GeoDataFrame, named: set[str],
                     dpi: int = MAP_DPI) -> bytes:
    """The plan's LSOAs by IMD national decile with the LSOAs the priority's actions name outlined, wards
    dashed, the area's boundary in black; title, legend, scale bar and attribution (``page_map_figure``)."""
    chosen = measure("lsoa", "imd", "decile")
    areas = map_areas(lsoas, "lsoa", chosen)
    outlines = [Outline(gpd.GeoSeries([shapely.union_all(areas.geometry.values)], crs=areas.crs), "#000000", 2.5)]
    if "ward_code" in lsoas:
        wards = lsoas.dissolve(by="ward_code").geometry
        outlines.insert(0, Outline(wards, "#303030", 0.8, label="Ward boundary"))
    picked = areas[areas["code"].isin(named)]
    if len(picked):
        outline = gpd.GeoSeries([shapely.union_all(picked.geometry.values)], crs=areas.crs)
        outlines.append(Outline(outline, HIGHLIGHT_COLOUR, 4.0, label="Areas this priority's actions name"))
    year = edition(plan.edition)
    subtitle = (f"{plan.area.name}, {plan.period}: IMD {plan.edition} national deciles of {year.lsoa_vintage}; "
                + (f"{len(picked)} LSOA{'s' if len(picked) != 1 else ''} named by its actions outlined"
                   if len(picked) else "its actions name no LSOA or ward (district-wide only)"))
    fig = page_map_figure(areas, chosen, _mpl_text(f"Priority {priority_heading(priority)}"),
                          subtitle=_mpl_text(subtitle), outlines=outlines, names=False,
                          credit=_mpl_text(data_credit(plan)))
    return figure_png(fig, dpi)


@dataclass(frozen=True)
class PriorityPart:
    """One priority's pages: heading, aims, its map (PNG, or why there is none) and its actions' rows."""

    heading: str
    aims: tuple[str, ...]
    rows: tuple[tuple[tuple[str, ...], ...], ...]
    """Per action, per shown column, the cell's lines (an empty tuple: an empty cell)."""
    map_png: bytes | None
    map_note: str | None
    map_alt: str = ""
    """What the map shows, in words: its alt text in Word (issue 26)."""


@dataclass(frozen=True)
class PlanLayout:
    """The published plan's content, in order, for the Word and PDF writers."""

    title: str
    title_lines: tuple[str, ...]
    introduction: tuple[str, ...]
    objectives: tuple[tuple[str, tuple[str, ...]], ...]
    area_lists: tuple[tuple[str, str | None, tuple[str, ...]], ...]
    contents: tuple[str, ...]
    columns: tuple[tuple[str, float], ...]
    priorities: tuple[PriorityPart, ...]
    data_note: str
    footer: str


def _columns(plan: Plan) -> tuple[tuple[str, float], ...]:
    """The columns some action fills, widened to the page's 26.4 cm."""
    filled = {
        "Lead": any(a.lead for a in plan.actions), "Partners": any(a.partners for a in plan.actions),
        "Timescale": any(a.timescale for a in plan.actions),
        "Outcome measures": any(a.indicators or a.progress_targets for a in plan.actions),
        "Status": any(a.status for a in plan.actions),
    }
    kept = [(name, width) for name, width in COLUMNS if name in ALWAYS or filled.get(name)]
    stretch = 26.4 / sum(w for _, w in kept)
    return tuple((name, round(w * stretch, 2)) for name, w in kept)


def _action_cells(action: Action, targets: list[TargetLines], columns: tuple[tuple[str, float], ...]
                  ) -> tuple[tuple[str, ...], ...]:
    target_lines: list[str] = []
    for t in targets:
        target_lines.append(t.heading)
        target_lines.extend(t.areas)
        if t.more:
            target_lines.append(f"... and {t.more} more areas")
        if t.problem:
            target_lines.append(t.problem)
    measures = [*action.indicators, *(f"Target: {t}" for t in action.progress_targets)]
    by_column = {
        "No.": [action.printed_id or action.id], "Action": [action.title, *action.how],
        "Lead": [action.lead] if action.lead else [], "Partners": list(action.partners),
        "Timescale": [action.timescale] if action.timescale else [], "Outcome measures": measures,
        "Target areas": target_lines, "Status": [STATUSES[action.status]] if action.status else [],
    }
    return tuple(tuple(by_column[name]) for name, _ in columns)


def plan_layout(plan: Plan, lsoas: gpd.GeoDataFrame | None = None, *, generated: date | None = None,
                map_dpi: int = MAP_DPI) -> PlanLayout:
    """What the published plan says, in order: title page, introduction and objectives, contents, the areas
    the plan lists, then per priority its aims, map and action table (maps drawn here, once for both files).

    ``lsoas`` are the built LSOA layer's rows of the plan's area on the plan's edition (``geo.layers``); without
    them each priority says that no map could be drawn, and the rest of the document is the same.
    """
    resolver = Resolver(plan)
    generated = generated or date.today()
    year = edition(plan.edition)
    columns = _columns(plan)
    n_actions = len(plan.actions)
    title_lines = (plan.area.name, plan.period, plan.source.publisher,
                   *([plan.source.published] if plan.source.published else []))
    introduction = (
        f"This plan sets out how {plan.source.publisher} and its partners will reduce health inequalities in "
        f"{plan.area.name} over {plan.period}: {len(plan.priorities)} "
        f"{'priority' if len(plan.priorities) == 1 else 'priorities'} and {n_actions} "
        f"{'action' if n_actions == 1 else 'actions'}. For each priority it gives the aims, a map of the "
        "neighbourhoods its actions name, and its actions with who leads them, with whom, when, how progress "
        "is measured and where they take place.",
        *plan.notes,
    )
    data_note = (f"Areas are those of the English Indices of Deprivation {plan.edition} ({year.lsoa_vintage}, "
                 f"{year.ward_vintage}); rules are evaluated on that data as of {generated:%-d %B %Y}.")
    objectives = tuple((f"{o.id}. {o.title}", tuple(o.key_priorities)) for o in plan.objectives)
    lists = tuple((lst.title, lst.quote, tuple(e.text for e in lst.entries)) for lst in plan.area_lists)
    parts: list[PriorityPart] = []
    maps_drawn = 0
    for priority in plan.priorities:
        actions = [a for a in plan.actions if a.priority == priority.id]
        rows = []
        named: set[str] = set()
        for action in actions:
            targets = list(action_targets(action, resolver))
            for _, reached in targets:
                named |= _lsoas_reached(reached, resolver)
            rows.append(_action_cells(action, [lines for lines, _ in targets], columns))
        png, note = None, None
        if lsoas is not None and len(lsoas) and actions and maps_drawn >= MAX_MAPS:
            note = f"No map: the document draws the maps of the first {MAX_MAPS} priorities with actions."
        elif lsoas is not None and len(lsoas) and actions:
            png = priority_map_png(plan, priority, lsoas, named, map_dpi)
            maps_drawn += 1
        elif lsoas is None or not len(lsoas):
            note = "No map: the map layers of this area are not built on this computer (`python -m hiap_geo build`)."
        alt = priority_map_alt_text(plan, priority, named) if png is not None else ""
        parts.append(PriorityPart(priority_heading(priority), tuple(priority.aims), tuple(rows), png, note, alt))
    contents = ("Introduction", *(["Objectives"] if objectives else []), *(t for t, _, _ in lists),
                *(f"Priority {p.heading}" for p in parts))
    footer = f"{plan.title} ({plan.area.name}, {plan.period}) | written with HIAP Geo, {generated:%-d %B %Y}. {OGL}"
    return PlanLayout(plan.title, title_lines, introduction, objectives, lists, contents, columns, tuple(parts),
                      data_note, footer)


def plan_docx(plan: Plan, lsoas: gpd.GeoDataFrame | None = None, *, generated: date | None = None,
              map_dpi: int = MAP_DPI) -> bytes:
    """The plan as an editable Word document (``plan_layout``): title page, introduction and objectives,
    contents, and per priority its aims, a map and the table of its actions."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    layout = plan_layout(plan, lsoas, generated=generated, map_dpi=map_dpi)
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.6))
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(10)
    props = document.core_properties
    props.title = docx_text(plan.title)[:255]
    props.subject = docx_text(f"{plan.area.name} {plan.period}")[:255]
    props.author = docx_text(plan.source.publisher)[:255]
    props.comments = OGL
    footer = section.footer.paragraphs[0]
    footer.text = docx_text(layout.footer)
    footer.runs[0].font.size = Pt(7)

    def para(text: str, size: float | None = None, italic: bool = False, bold: bool = False,
             style: str | None = None) -> object:
        paragraph = document.add_paragraph(style=style)
        run = paragraph.add_run(docx_text(text))
        run.font.italic, run.font.bold = italic, bold
        if size:
            run.font.size = Pt(size)
        return paragraph

    for _ in range(4):
        document.add_paragraph()
    document.add_heading(docx_text(layout.title), level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in layout.title_lines:
        para(line, size=16, bold=line == layout.title_lines[0]).alignment = WD_ALIGN_PARAGRAPH.CENTER  # type: ignore[attr-defined]
    document.add_page_break()
    document.add_heading("Contents", level=1)
    for entry in layout.contents:
        para(entry)
    document.add_heading("Introduction", level=1)
    for text in layout.introduction:
        para(text)
    para(layout.data_note, size=9, italic=True)
    if layout.objectives:
        document.add_heading("Objectives", level=1)
        for heading, items in layout.objectives:
            para(heading, bold=True)
            for item in items:
                para(item, style="List Bullet")
    for title, quote, entries in layout.area_lists:
        document.add_heading(docx_text(title), level=1)
        if quote:
            para(quote, italic=True)
        for text in entries:
            para(text, style="List Bullet")

    for part in layout.priorities:
        document.add_page_break()
        document.add_heading(docx_text(f"Priority {part.heading}"), level=1)
        if part.aims:
            para("Aims", bold=True)
            for aim in part.aims:
                para(aim, style="List Bullet")
        if part.map_png is not None:
            picture = document.add_picture(io.BytesIO(part.map_png), width=Cm(22.0))
            describe_picture(picture, docx_text(f"Map: Priority {part.heading}"), docx_text(part.map_alt))
        elif part.map_note:
            para(part.map_note, size=9, italic=True)
        if not part.rows:
            para("This priority has no actions yet.", italic=True)
            continue
        grid = document.add_table(rows=1, cols=len(layout.columns))
        grid.style = "Table Grid"
        grid.alignment = WD_TABLE_ALIGNMENT.LEFT
        grid.autofit = False
        for j, (name, width) in enumerate(layout.columns):
            cell = grid.rows[0].cells[j]
            cell.width = Cm(width)
            run = cell.paragraphs[0].add_run(name)
            run.font.bold, run.font.size = True, Pt(9)
            run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
            _shade(cell, "1F3B57")
        _repeat_header(grid.rows[0])
        for row in part.rows:
            cells = grid.add_row().cells
            for j, ((name, width), lines) in enumerate(zip(layout.columns, row, strict=True)):
                cells[j].width = Cm(width)
                _cell_lines(cells[j], list(lines), bold_first=name == "Action", size=8 if j > 1 else 9)
    document.add_paragraph()
    para(data_credit(plan), size=7)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def plan_pdf(plan: Plan, lsoas: gpd.GeoDataFrame | None = None, *, generated: date | None = None,
             map_dpi: int = MAP_DPI) -> bytes:
    """The same plan as a landscape A4 PDF (reportlab, as the profile PDF): for printing and the council's
    website. Every text goes in escaped (reportlab reads a mini-markup)."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Image, PageBreak, Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    layout = plan_layout(plan, lsoas, generated=generated, map_dpi=map_dpi)
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=10, leading=13)
    note = ParagraphStyle("note", parent=body, fontSize=8.5, leading=11, fontName="Helvetica-Oblique",
                          textColor=colors.HexColor("#444444"))
    bullet = ParagraphStyle("bullet", parent=body, leftIndent=12, bulletIndent=2)
    cell = ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9)
    head = ParagraphStyle("head", parent=cell, textColor=colors.white, fontName="Helvetica-Bold")
    title = ParagraphStyle("title", parent=styles["Title"], fontSize=26, leading=32, alignment=TA_CENTER)
    centred = ParagraphStyle("centred", parent=body, fontSize=15, leading=20, alignment=TA_CENTER)
    h1 = ParagraphStyle("h1", parent=styles["Heading1"], fontSize=16, leading=20, spaceAfter=6)

    def text(value: str) -> str:
        return escape(docx_text(value))

    story: list[object] = [Spacer(1, 4 * cm), Paragraph(text(layout.title), title), Spacer(1, 1 * cm)]
    story += [Paragraph(text(line), centred) for line in layout.title_lines]
    story += [PageBreak(), Paragraph("Contents", h1)]
    story += [Paragraph(text(entry), body) for entry in layout.contents]
    story += [Spacer(1, 0.6 * cm), Paragraph("Introduction", h1)]
    story += [Paragraph(text(t), body) for t in layout.introduction] + [Paragraph(text(layout.data_note), note)]
    if layout.objectives:
        story.append(Paragraph("Objectives", h1))
        for heading, items in layout.objectives:
            story.append(Paragraph(f"<b>{text(heading)}</b>", body))
            story += [Paragraph(text(i), bullet, bulletText="•") for i in items]
    for list_title, quote, entries in layout.area_lists:
        story.append(Paragraph(text(list_title), h1))
        if quote:
            story.append(Paragraph(f"<i>{text(quote)}</i>", body))
        story += [Paragraph(text(e), bullet, bulletText="•") for e in entries]
    widths = [w * cm for _, w in layout.columns]
    for part in layout.priorities:
        story += [PageBreak(), Paragraph(text(f"Priority {part.heading}"), h1)]
        if part.aims:
            story.append(Paragraph("<b>Aims</b>", body))
            story += [Paragraph(text(a), bullet, bulletText="•") for a in part.aims]
        if part.map_png is not None:
            image = Image(io.BytesIO(part.map_png))
            scale = min(22 * cm / image.imageWidth, 12 * cm / image.imageHeight)
            image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
            story += [Spacer(1, 0.2 * cm), image, Spacer(1, 0.2 * cm)]
        elif part.map_note:
            story.append(Paragraph(text(part.map_note), note))
        if not part.rows:
            story.append(Paragraph("<i>This priority has no actions yet.</i>", body))
            continue
        data = [[Paragraph(name, head) for name, _ in layout.columns]]
        for row in part.rows:
            data.append([[Paragraph((f"<b>{text(line)}</b>" if name == "Action" and i == 0 else text(line)), cell)
                          for i, line in enumerate(lines)] for (name, _), lines in zip(layout.columns, row,
                                                                                       strict=True)])
        table = PdfTable(data, colWidths=widths, repeatRows=1)
        table.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1F3B57")),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        story.append(table)
    story += [Spacer(1, 0.5 * cm), Paragraph(text(data_credit(plan)), note)]

    def footer(canvas: object, doc: object) -> None:
        canvas.saveState()  # type: ignore[attr-defined]
        canvas.setFont("Helvetica", 7)  # type: ignore[attr-defined]
        canvas.drawString(1.6 * cm, 0.8 * cm, docx_text(layout.footer)[:230])  # type: ignore[attr-defined]
        canvas.drawRightString(28.1 * cm, 0.8 * cm, f"Page {doc.page}")  # type: ignore[attr-defined]
        canvas.restoreState()  # type: ignore[attr-defined]

    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=1.6 * cm, rightMargin=1.6 * cm,
                            topMargin=1.4 * cm, bottomMargin=1.4 * cm, title=docx_text(plan.title),
                            author=docx_text(plan.source.publisher))
    pdf.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _cell_lines(cell: object, lines: list[str], *, bold_first: bool = False, new: bool = False,
                size: float = 9) -> None:
    """Write lines into a table cell as text paragraphs (the cell's empty first paragraph is used first)."""
    from docx.shared import Pt

    paragraphs = cell.paragraphs  # type: ignore[attr-defined]
    for i, line in enumerate(lines):
        reuse = i == 0 and not new and len(paragraphs) == 1 and not paragraphs[0].text
        paragraph = paragraphs[0] if reuse else cell.add_paragraph()  # type: ignore[attr-defined]
        run = paragraph.add_run(docx_text(line))
        run.font.size = Pt(size)
        run.font.bold = bold_first and i == 0

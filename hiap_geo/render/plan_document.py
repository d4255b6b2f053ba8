"""A plan as a Word document laid out like the published plans, for the council's own publication process.

The seed plans (``../shared/plan-documents``) give a title, the area and period, the priorities with their
aims, and per priority a table of actions. Here each action's row also says where it lands: the target
areas with their codes and names (what a rule selects today, a list's entries, the whole district), each
unresolvable target explained in place, never dropped. Each priority gets a map of the plan's LSOAs by
IMD decile with the areas its actions name outlined (``static_map.page_map_figure``, drawn offline).

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

from hiap_geo.core.attribution import OGL, full_attribution
from hiap_geo.core.editions import edition
from hiap_geo.geo.measures import map_areas, measure
from hiap_geo.plans.resolve import Resolver
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

MAX_AREAS_LISTED: int = 60
"""A target's areas listed in its cell; a rule selecting more (a county's deciles 1-2) names the count and
the first ones, so a table row stays readable. The plan file and the Plan page give them all."""

MAX_MAPS: int = 30
"""Priority maps drawn at most (about half a second each; the seed plans have up to 8 priorities): a plan of
thousands of priorities must not keep the server drawing for an hour."""

MAP_DPI: int = 110
"""Resolution of the priority maps: 1,470 x 825 pixels, sharp at the page's width."""

COLUMNS: tuple[tuple[str, float], ...] = (
    ("No.", 1.4), ("Action", 8.0), ("Lead", 3.4), ("Partners", 3.8), ("Target areas", 7.4), ("Status", 2.4),
)
"""The action table's columns and widths in cm (26.4 cm: the width of landscape A4 inside its margins)."""

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def docx_text(value: object) -> str:
    """Text Word can hold: characters XML forbids (NUL, other C0 controls, lone surrogates) become U+FFFD."""
    return _NOT_XML.sub("\ufffd", str(value))


def _mpl_text(value: str) -> str:
    """Text for a matplotlib title: '$' escaped, so '$x$' in a title is not typeset as mathematics."""
    return docx_text(value).replace("$", r"\$")


@dataclass(frozen=True)
class TargetLines:
    """One target of an action in words: what it says, the areas it reaches (code and name), or why it cannot
    be placed."""

    heading: str
    areas: tuple[str, ...]
    problem: str | None = None
    more: int = 0
    """Areas reached beyond those listed (MAX_AREAS_LISTED)."""


def target_heading(target: Target, plan: Plan) -> str:
    """What a target says, in words: 'LSOAs named', 'Wards named', the rule, the list's title, the district."""
    if isinstance(target, CodesTarget):
        kinds = {"LSOAs" if c.startswith("E01") else "wards" for c in target.codes}
        return f"{' and '.join(sorted(kinds)).capitalize()} named"
    if isinstance(target, NamesTarget):
        return f"{AREA_PLURALS[target.area_type].capitalize()} named"
    if isinstance(target, RuleTarget):
        return f"Rule: {target.rule.describe(plan.edition)}"
    if isinstance(target, ListTarget):
        titles = {lst.id: lst.title for lst in plan.area_lists}
        return f"Areas the plan lists: {titles.get(target.list, target.list)}"
    if isinstance(target, DistrictTarget):
        return "Whole area" if target.specified else "Whole area (the plan names no place)"
    raise TypeError(f"unknown target {target!r}")  # pragma: no cover - the schema's kinds are closed


def action_targets(action: Action, resolver: Resolver) -> Iterator[tuple[TargetLines, list[tuple[str, str]]]]:
    """Each target of an action in words, with the (code, area_type) of every area it reaches."""
    for target in action.target_areas:
        heading = target_heading(target, resolver.plan)
        if target.quote:
            heading += f' ("{target.quote}")'
        try:
            areas = list(resolver.target(target))
        except TargetError as exc:
            yield TargetLines(heading, (), f"Cannot be placed: {exc}"), []
            continue
        lines = tuple(f"{a.code} {a.name}" for a in areas[:MAX_AREAS_LISTED])
        problem = None if areas else "Selects no area with today's data."
        yield (TargetLines(heading, lines, problem, max(0, len(areas) - MAX_AREAS_LISTED)),
               [(a.code, a.area_type) for a in areas])


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
                          subtitle=_mpl_text(subtitle), outlines=outlines, names=False)
    return figure_png(fig, dpi)


def plan_docx(plan: Plan, lsoas: gpd.GeoDataFrame | None = None, *, generated: date | None = None,
              map_dpi: int = MAP_DPI) -> bytes:
    """The plan as an editable Word document: title, area, period, objectives, the areas it lists, and per
    priority its aims, a map and the table of its actions (lead, partners, target areas by code and name,
    status).

    ``lsoas`` are the built LSOA layer's rows of the plan's area on the plan's edition (``geo.layers``); without
    them each priority says that no map could be drawn, and the rest of the document is the same.
    """
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Cm, Pt, RGBColor

    resolver = Resolver(plan)
    generated = generated or date.today()
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
    props.author = "HIAP Geo"
    props.comments = OGL
    footer = section.footer.paragraphs[0]
    footer.text = docx_text(f"{plan.title} ({plan.area.name}, {plan.period}) | written with HIAP Geo, "
                            f"{generated:%d %B %Y}. {OGL}")
    footer.runs[0].font.size = Pt(7)

    def para(text: str, size: float | None = None, italic: bool = False, bold: bool = False,
             style: str | None = None) -> None:
        paragraph = document.add_paragraph(style=style)
        run = paragraph.add_run(docx_text(text))
        run.font.italic, run.font.bold = italic, bold
        if size:
            run.font.size = Pt(size)

    document.add_heading(docx_text(plan.title), level=0)
    year = edition(plan.edition)
    para(f"Area: {plan.area.name} ({plan.area.code})", bold=True)
    para(f"Period: {plan.period}", bold=True)
    para(f"Source: {plan.source.title}, {plan.source.publisher}"
         + (f", {plan.source.published}" if plan.source.published else ""), size=9)
    para(f"Areas are those of the English Indices of Deprivation {plan.edition} ({year.lsoa_vintage}, "
         f"{year.ward_vintage}); rules are evaluated on that data as of {generated:%d %B %Y}.", size=9, italic=True)
    for note in plan.notes:
        para(note, size=9)

    if plan.objectives:
        document.add_heading("Objectives", level=1)
        for objective in plan.objectives:
            para(f"{objective.id}. {objective.title}", bold=True)
            for item in objective.key_priorities:
                para(item, style="List Bullet")

    for lst in plan.area_lists:
        document.add_heading(docx_text(lst.title), level=1)
        if lst.quote:
            para(lst.quote, italic=True)
        listed = [e.text for e in lst.entries]
        for text in listed:
            para(text, style="List Bullet")

    maps_drawn = 0
    for priority in plan.priorities:
        actions = [a for a in plan.actions if a.priority == priority.id]
        document.add_page_break()
        document.add_heading(docx_text(priority_heading(priority)), level=1)
        for aim in priority.aims:
            para(aim, style="List Bullet")
        rows = []
        named: set[str] = set()
        for action in actions:
            targets = list(action_targets(action, resolver))
            for _, reached in targets:
                named |= _lsoas_reached(reached, resolver)
            rows.append((action, [lines for lines, _ in targets]))
        if lsoas is not None and len(lsoas) and actions and maps_drawn >= MAX_MAPS:
            para(f"No map: the document draws the maps of the first {MAX_MAPS} priorities with actions.",
                 size=9, italic=True)
        elif lsoas is not None and len(lsoas) and actions:
            picture = document.add_picture(io.BytesIO(priority_map_png(plan, priority, lsoas, named, map_dpi)),
                                           width=Cm(24.0))
            describe_picture(picture, docx_text(f"Map: {priority_heading(priority)}"),
                             docx_text(priority_map_alt_text(plan, priority, named)))
            maps_drawn += 1
        elif lsoas is not None and len(lsoas):
            pass  # no action: nothing to map ("This priority has no actions yet" follows)
        else:
            para("No map: the map layers of this area are not built on this computer "
                 "(`python -m hiap_geo build`).", size=9, italic=True)
        if not actions:
            para("This priority has no actions yet.", italic=True)
            continue
        grid = document.add_table(rows=1, cols=len(COLUMNS))
        grid.style = "Table Grid"
        grid.alignment = WD_TABLE_ALIGNMENT.LEFT
        grid.autofit = False
        for j, (name, width) in enumerate(COLUMNS):
            cell = grid.rows[0].cells[j]
            cell.width = Cm(width)
            run = cell.paragraphs[0].add_run(name)
            run.font.bold, run.font.size = True, Pt(9)
            run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
            _shade(cell, "1F3B57")
        _repeat_header(grid.rows[0])
        for action, targets in rows:
            cells = grid.add_row().cells
            for j, (_, width) in enumerate(COLUMNS):
                cells[j].width = Cm(width)
            _cell_lines(cells[0], [action.printed_id or action.id])
            _cell_lines(cells[1], [action.title, *action.how], bold_first=True)
            timescale = getattr(action, "timescale", None)  # a field of plans written in the editor
            extra = [("Timescale", [timescale] if timescale else []), ("Outcome measures", action.indicators),
                     ("Progress targets", action.progress_targets)]
            for label, items in extra:
                if items:
                    _cell_lines(cells[1], [f"{label}:", *(f"• {i}" for i in items)], new=True, size=8)
            _cell_lines(cells[2], [action.lead or "Not named"])
            _cell_lines(cells[3], action.partners or ["None named"])
            target_lines: list[str] = []
            for t in targets:
                target_lines.append(t.heading)
                target_lines.extend(t.areas)
                if t.more:
                    target_lines.append(f"... and {t.more} more areas")
                if t.problem:
                    target_lines.append(t.problem)
            _cell_lines(cells[4], target_lines, size=8)
            _cell_lines(cells[5], [STATUSES[action.status] if action.status else "No status"])
    document.add_paragraph()
    para(full_attribution(), size=7)
    buffer = io.BytesIO()
    document.save(buffer)
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

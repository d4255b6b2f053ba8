"""The Health Action Team meeting pack: what a chair takes into the quarterly review of a plan, as Word and PDF.

Laid out as a council paper: a cover (plan, period, meeting date, what the paper is for), then numbered sections:
actions by status, the reviews recorded since the last meeting (who, when, note, corrections), the actions not
reviewed since, a map per priority of the areas its actions reach, the coverage gaps, and progress against
baseline (``plans.baseline``) with what each figure can and cannot show.

The pack is built once as a list of blocks (``MeetingPack``), then written by ``pack_docx`` and ``pack_pdf``,
so the two files say the same. Tables have header rows (repeated on each page), maps carry alt text; cells
never show 'nan', 'None' or a review's id: people are named and areas given with their names.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

import geopandas as gpd
import pandas as pd

from hiap_geo.core.attribution import OGL, full_attribution
from hiap_geo.core.text import natural_key
from hiap_geo.plans.baseline import GROUPS, Progress
from hiap_geo.plans.coverage import Coverage
from hiap_geo.plans.resolve import lsoa_reach
from hiap_geo.plans.schema import Plan, Priority
from hiap_geo.plans.status import NO_STATUS, current_status, standing
from hiap_geo.render.plan_document import MAX_MAPS, docx_text, priority_heading, priority_map_png

NEVER = "Not reviewed"
NO_RII = "not meaningful (the fitted line falls below zero)"
"""The RII of a district whose fitted least deprived end is below zero: a ratio of such ends means nothing."""


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Text:
    text: str
    note: bool = False
    """A note in smaller italic type: what a figure can and cannot show."""


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] = ()
    """Relative column widths (equal when empty)."""


@dataclass(frozen=True)
class Picture:
    png: bytes
    alt: str
    caption: str


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Text | Table | Picture | PageBreak


@dataclass
class MeetingPack:
    """The pack's cover lines and its blocks, in order; ``pack_docx`` and ``pack_pdf`` write it."""

    title: str
    cover: list[tuple[str, str]]
    blocks: list[Block] = field(default_factory=list)
    footer: str = ""


def _numbers(plan: Plan) -> dict[str, str]:
    """Action id -> the number the document prints (``printed_id`` where it differs): what a reader knows."""
    return {a.id: a.printed_id or a.id for a in plan.actions}


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _text(value: object, empty: str = "") -> str:
    """A cell's text: missing values (None, NaN, NA) become ``empty``, never 'nan' or 'None'."""
    if value is None or (not isinstance(value, str | bytes | list | tuple) and pd.isna(value)):  # type: ignore[arg-type]
        return empty
    return str(value)


def _date(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[arg-type]
        return NEVER
    return f"{pd.Timestamp(value):%d %B %Y}".lstrip("0")


def _number(value: object, digits: int = 1, unit: str = "") -> str:
    if value is None or pd.isna(value):  # type: ignore[arg-type]
        return "no value"
    number = f"{float(value):,.{digits}f}"  # type: ignore[arg-type]
    return f"{number}{unit}" if not unit or unit.startswith("%") else f"{number} {unit}"


def reviews_since(history: pd.DataFrame, since: date | None) -> pd.DataFrame:
    """The reviews dated on or after ``since`` (all reviews when None), oldest first."""
    if since is None or history.empty:
        return history
    dates = pd.to_datetime(history["review_date"]).dt.date
    return history[dates >= since]


def _review_rows(plan: Plan, history: pd.DataFrame, shown: pd.DataFrame) -> tuple[tuple[str, ...], ...]:
    """One row per review: when, action, status, who, note, and its correction in words (names, not ids)."""
    by_id = {r["review_id"]: r for _, r in history.iterrows()}
    titles = {a.id: a.title for a in plan.actions}
    rows = []
    for _, r in shown.iterrows():
        words = []
        if _text(r["corrects"]):
            earlier = by_id.get(r["corrects"])
            what = (f"the review of {_date(earlier['review_date'])} by {_text(earlier['reviewer'], 'someone unnamed')}"
                    if earlier is not None else "an earlier review")
            words.append(f"Corrects {what}" + (f": {r['correction_reason']}" if _text(r["correction_reason"]) else ""))
        if _text(r["corrected_by"]):
            later = [by_id[i] for i in str(r["corrected_by"]).split(", ") if i in by_id]
            whom = "; ".join(f"{_date(x['review_date'])} by {_text(x['reviewer'], 'someone unnamed')}" for x in later)
            words.append(f"Corrected later ({whom})" if whom else "Corrected by a later review")
        number = _numbers(plan).get(r["action_id"], r["action_id"])
        action = f"{number} {titles.get(r['action_id'], '(an action of an earlier version)')}"
        rows.append((_date(r["review_date"]), action, _text(r["status_label"], NO_STATUS),
                     _text(r["reviewer"], "Not recorded"), _text(r["note"], "No note"),
                     "; ".join(words) or "No correction"))
    return tuple(rows)


def _status_blocks(plan: Plan, status: pd.DataFrame) -> list[Block]:
    counts = status["status_label"].value_counts()
    order = ["Not started", "On track", "At risk", "Done", NO_STATUS]
    rows = tuple((label, f"{int(counts.get(label, 0))}") for label in order if counts.get(label, 0))
    titles = {p.id: p.title for p in plan.priorities}
    numbers = _numbers(plan)
    listing = tuple(
        (f"{r['priority_id']} {titles.get(r['priority_id'], '')}".strip(), numbers.get(r["action_id"], r["action_id"]),
         str(r["title"]),
         r["status_label"], _date(r["review_date"]))
        for _, r in status.iterrows() if r["in_latest_version"]
    )
    return [
        Heading("1. Actions by status"),
        Text(f"The plan has {len(plan.actions)} actions. Status is the latest review that stands (a corrected review "
             "counts as its correction), else the status the plan file records."),
        Table(("Status", "Actions"), rows + (("All actions", str(len(listing))),), (3, 1)),
        Heading("Every action", 2),
        Table(("Priority", "Action", "Title", "Status", "Last review"), listing, (2.6, 1.1, 6, 1.6, 1.8)),
    ]


def _priority_blocks(plan: Plan, reach: pd.DataFrame, lsoas: gpd.GeoDataFrame | None,
                     lsoa_names: dict[str, str]) -> list[Block]:
    blocks: list[Block] = [
        Heading("4. Areas the actions reach, by priority"),
        Text("A map is drawn for each priority whose actions name places (LSOAs, wards, a rule or a list); actions "
             "that name no place reach the whole district and are not mapped."),
    ]
    maps = 0
    numbers = _numbers(plan)
    for priority in plan.priorities:
        named = reach[(reach["priority_id"] == priority.id) & (reach["reach"] != "district")]
        codes = sorted(set(named["lsoa_code"]), key=natural_key)
        blocks.append(Heading(f"Priority {priority_heading(priority)}", 2))
        if not codes:
            blocks.append(Text("Its actions name no place: they reach the whole district."))
            continue
        actions = ", ".join(numbers[a] for a in sorted(set(named["action_id"]), key=natural_key))
        alt = (f"Map of {plan.area.name}'s LSOAs shaded by IMD {plan.edition} national decile, with the "
               f"{len(codes)} LSOAs that priority {priority.id} ({priority.title}) names outlined: "
               + "; ".join(f"{c} {lsoa_names.get(c, '')}".strip() for c in codes[:20])
               + (f" and {len(codes) - 20} more" if len(codes) > 20 else "") + ".")
        if lsoas is not None and len(lsoas) and maps < MAX_MAPS:
            blocks.append(Picture(_priority_png(plan, priority, lsoas, set(codes)), alt,
                                  f"Areas named by actions {actions} ({len(codes)} LSOAs)."))
            maps += 1
        else:
            blocks.append(Text("No map: the map layers of this area are not built on this computer "
                               "(`python -m hiap_geo build`).", note=True))
        blocks.append(Table(("LSOA", "Name", "Named by actions"), tuple(
            (c, lsoa_names.get(c, "name not in the lookup"),
             ", ".join(numbers[a] for a in sorted(set(named.loc[named["lsoa_code"] == c, "action_id"]),
                                                  key=natural_key)))
            for c in codes), (1.2, 2, 1.5)))
    return blocks


def _priority_png(plan: Plan, priority: Priority, lsoas: gpd.GeoDataFrame, codes: set[str]) -> bytes:
    return priority_map_png(plan, priority, lsoas, codes, dpi=90)


def _coverage_blocks(cover: Coverage) -> list[Block]:
    gaps = cover.uncovered
    blocks: list[Block] = [
        Heading("5. Coverage gaps"),
        Text(f"Deprived areas: {cover.threshold}. {_count(len(cover.deprived), 'LSOA')} meet it; "
             f"{len(gaps)} of them {'is' if len(gaps) == 1 else 'are'} named by no action (an action reaching the "
             f"whole district does not count as naming them). {_count(len(cover.placeless_actions), 'action')} "
             "name no place."),
    ]
    if len(gaps):
        blocks.append(Table(("LSOA", "Name", "Ward", "Decile", "Actions reaching it only district-wide"), tuple(
            (r["lsoa_code"], r["lsoa_name"], _text(r["ward_name"], "not in the lookup"), _text(r["decile"], "no value"),
             _count(len([a for a in _text(r["district_wide"]).split(";") if a]), "action"))
            for _, r in gaps.iterrows()), (1.2, 1.8, 1.8, 0.8, 2.2)))
    else:
        blocks.append(Text("Every deprived LSOA is named by at least one action."))
    return blocks


GROUP_ROWS: tuple[tuple[str, str, int, str], ...] = (
    ("LSOAs compared", "lsoas", 0, ""),
    ("Left out (not directly comparable)", "left_out", 0, ""),
    ("Mean IMD decile, 2019", "imd2019_decile", 1, ""),
    ("Mean IMD decile, 2025", "imd2025_decile", 1, ""),
    ("Mean IMD score, 2019", "imd2019_score", 1, ""),
    ("Mean IMD score, 2025", "imd2025_score", 1, ""),
    ("LSOAs in a more deprived decile in 2025", "more_deprived", 0, ""),
    ("LSOAs in the same decile", "same_decile", 0, ""),
    ("LSOAs in a less deprived decile in 2025", "less_deprived", 0, ""),
    ("Residents in deciles 1-2, 2019", "deprived_share_2019", 1, "%"),
    ("Residents in deciles 1-2, 2025", "deprived_share_2025", 1, "%"),
)


def progress_blocks(progress: Progress) -> list[Block]:
    """The progress-against-baseline section: groups, the district's SII in both editions, the linked indicators."""
    groups = progress.groups.set_index("group")
    keys = [k for k in GROUPS if k in groups.index] if progress.has_targets else ["rest"]
    labels = dict(GROUPS) if progress.has_targets else {"rest": "The district (no area targeted)"}
    rows = tuple(
        (label, *(_number(groups.at[k, col], digits, unit) if digits or unit else f"{int(groups.at[k, col]):,}"
                  for k in keys))
        for label, col, digits, unit in GROUP_ROWS
    )
    blocks: list[Block] = [
        Heading("6. Progress against baseline"),
        Text(f"Areas compared: the LSOAs named by {progress.selection}, the rest of the district, and matched areas "
             f"elsewhere in the {progress.region} region. IMD 2019 and IMD 2025 on the 2021 LSOAs."
             if progress.has_targets else "IMD 2019 and IMD 2025 of the district's LSOAs, on the 2021 LSOAs."),
    ]
    if "targeted" in progress.notes:
        blocks.append(Text(progress.notes["targeted"]))
    blocks.append(Table(("Measure", *(labels[k] for k in keys)), rows, (3, *([1.4] * len(keys)))))
    for key in ("relative", "timing", "crosswalk", "residents", "matched", "partly"):
        if key in progress.notes and (key != "matched" or progress.has_targets):
            blocks.append(Text(progress.notes[key], note=True))
    blocks.append(Heading("Inequality within the district", 2))
    sii_rows = tuple(
        (f"IoD {int(r['edition'])}", f"{int(r['lsoas'])}",
         f"{_number(r['sii'])} ({_number(r['sii_lower_95'])} to {_number(r['sii_upper_95'])})",
         _number(r["rii"]) if pd.isna(r["rii"]) or r["rii"] > 0 else NO_RII,
         _text(r["change"]) or "baseline")
        for _, r in progress.sii.iterrows()
    )
    blocks.append(Table(("Edition", "LSOAs", "SII of IMD score (95% limits)", "RII", "Compared with 2019"), sii_rows,
                        (1, 0.8, 2.4, 0.8, 2.4)))
    blocks.append(Text(progress.notes["sii"], note=True))
    blocks.append(Heading("Outcome measures and their indicators", 2))
    if progress.indicators.empty:
        blocks.append(Text("The plan links no outcome measure to an indicator (the plan file's `indicators:` field)."))
    else:
        ind_rows = tuple(
            (f"{r['measure']} (action {r['actions']})", r["indicator_name"],
             f"{_number(r['baseline_value'], 1, r['unit'])} ({r['baseline_period']})" if r["baseline_period"] else
             "no value",
             f"{_number(r['latest_value'], 1, r['unit'])} ({r['latest_period']})" if r["latest_period"] else "no value",
             r["change"], _text(r["caveat"]) or "Nothing further")
            for _, r in progress.indicators.iterrows()
        )
        blocks.append(Table(("Outcome measure", "Indicator", "Baseline", "Latest", "Change", "What it cannot show"),
                            ind_rows, (1.6, 1.8, 1.2, 1.2, 1.8, 2.2)))
        blocks.append(Text(progress.notes["indicators"], note=True))
    return blocks


def build_pack(plan: Plan, history: pd.DataFrame, progress: Progress, cover: Coverage, *, meeting: date,
               since: date | None = None, lsoas: gpd.GeoDataFrame | None = None,
               lsoa_names: dict[str, str] | None = None, generated: date | None = None) -> MeetingPack:
    """The pack's content: cover, status, reviews since ``since``, unreviewed actions, maps, gaps, progress."""
    generated = generated or date.today()
    status = current_status(plan, history)
    counted = standing(history)
    recent = reviews_since(history, since)
    since_words = f"since {_date(since)}" if since else "so far (no earlier meeting date given)"
    reviewed = set(reviews_since(counted, since)["action_id"])
    reach = lsoa_reach(plan)
    names = lsoa_names or {}
    pack = MeetingPack(
        title=f"{plan.title}: progress review",
        cover=[
            ("Plan", f"{plan.title} ({plan.area.name})"),
            ("Period", plan.period),
            ("Meeting", _date(meeting)),
            ("Reviews", f"recorded {since_words}"),
            ("Prepared", f"{_date(generated)}, with HIAP Geo from the plan file and its review record"),
        ],
        footer=f"{plan.title} ({plan.area.name}, {plan.period}): meeting of {_date(meeting)}",
    )
    blocks = pack.blocks
    blocks += [
        Heading("Purpose of this paper"),
        Text(f"To review the progress of the plan's actions {since_words}, the areas they reach and the deprived "
             "areas none names, and to note where the targeted areas stood in the Indices of Deprivation 2019 and "
             "2025. The figures describe areas; none of them shows what the plan's actions caused."),
        Heading("Contents"),
        *(Text(line) for line in ("1. Actions by status", "2. Reviews recorded", "3. Actions not reviewed",
                                  "4. Areas the actions reach, by priority", "5. Coverage gaps",
                                  "6. Progress against baseline")),
        PageBreak(),
    ]
    blocks += _status_blocks(plan, status)
    blocks.append(Heading(f"2. Reviews recorded {since_words}"))
    if recent.empty:
        blocks.append(Text(f"No review was recorded {since_words}."))
    else:
        blocks.append(Text(f"{len(recent)} review{'s' if len(recent) != 1 else ''} recorded {since_words}."))
        blocks.append(Table(("Date", "Action", "Status", "Who", "Note", "Correction"),
                            _review_rows(plan, history, recent), (1.2, 2.6, 1, 1.2, 2.6, 1.8)))
    blocks.append(Heading(f"3. Actions not reviewed {since_words}"))
    latest = {r["action_id"]: r["review_date"] for _, r in status.iterrows()}
    waiting = tuple((a.priority, a.printed_id or a.id, a.title, _date(latest.get(a.id)))
                    for a in plan.actions if a.id not in reviewed)
    if waiting:
        blocks.append(Text(f"{len(waiting)} of {len(plan.actions)} actions have no review {since_words}."))
        blocks.append(Table(("Priority", "Action", "Title", "Last review"), waiting, (0.8, 0.8, 6, 1.6)))
    else:
        blocks.append(Text(f"Every action was reviewed {since_words}."))
    blocks.append(PageBreak())
    blocks += _priority_blocks(plan, reach, lsoas, names)
    blocks.append(PageBreak())
    blocks += _coverage_blocks(cover)
    blocks += progress_blocks(progress)
    blocks.append(Text(full_attribution(), note=True))
    return pack


# ---------------------------------------------------------------------------------------------
# Word
# ---------------------------------------------------------------------------------------------


def pack_docx(pack: MeetingPack) -> bytes:
    """The pack as an editable Word paper (A4 portrait): header rows repeat, maps carry their alt text."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Cm, Pt, RGBColor

    from hiap_geo.render.profile.word import _repeat_header, _shade

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))
    document.styles["Normal"].font.name = "Arial"
    document.styles["Normal"].font.size = Pt(10.5)
    props = document.core_properties
    props.title = docx_text(pack.title)[:255]
    props.author = "HIAP Geo"
    props.comments = OGL
    footer = section.footer.paragraphs[0]
    footer.text = docx_text(f"{pack.footer}. {OGL}")
    footer.runs[0].font.size = Pt(7.5)
    width_cm = 17.0

    document.add_heading(docx_text(pack.title), level=0)
    cover = document.add_table(rows=0, cols=2)
    cover.style = "Table Grid"
    for label, value in pack.cover:
        cells = cover.add_row().cells
        cells[0].width, cells[1].width = Cm(3.5), Cm(width_cm - 3.5)
        run = cells[0].paragraphs[0].add_run(docx_text(label))
        run.font.bold = True
        cells[1].paragraphs[0].add_run(docx_text(value))
    for block in pack.blocks:
        if isinstance(block, Heading):
            document.add_heading(docx_text(block.text), level=block.level)
        elif isinstance(block, Text):
            run = document.add_paragraph().add_run(docx_text(block.text))
            if block.note:
                run.font.italic, run.font.size = True, Pt(8.5)
        elif isinstance(block, PageBreak):
            document.add_page_break()
        elif isinstance(block, Picture):
            shape = document.add_picture(io.BytesIO(block.png), width=Cm(width_cm))
            properties = shape._inline.docPr
            properties.set("descr", docx_text(block.alt))
            properties.set("title", docx_text(block.caption))
            caption = document.add_paragraph().add_run(docx_text(block.caption))
            caption.font.italic, caption.font.size = True, Pt(8.5)
        elif isinstance(block, Table):
            grid = document.add_table(rows=1, cols=len(block.columns))
            grid.style = "Table Grid"
            grid.alignment = WD_TABLE_ALIGNMENT.LEFT
            grid.autofit = False
            widths = _widths(block, width_cm)
            for j, name in enumerate(block.columns):
                cell = grid.rows[0].cells[j]
                cell.width = Cm(widths[j])
                run = cell.paragraphs[0].add_run(docx_text(name))
                run.font.bold, run.font.size = True, Pt(9)
                run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
                _shade(cell, "1F3B57")
            _repeat_header(grid.rows[0])
            for row in block.rows:
                cells = grid.add_row().cells
                for j, value in enumerate(row):
                    cells[j].width = Cm(widths[j])
                    cells[j].paragraphs[0].add_run(docx_text(value)).font.size = Pt(9)
            document.add_paragraph()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _widths(table: Table, total: float) -> list[float]:
    weights: Sequence[float] = table.widths or [1.0] * len(table.columns)
    return [total * w / sum(weights) for w in weights]


# ---------------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------------


def pack_pdf(pack: MeetingPack) -> bytes:
    """The pack as an A4 PDF for printing: the same blocks as the Word paper, 'page N of M' at each foot."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import PageBreak as PdfPageBreak
    from reportlab.platypus import Table as PdfTable

    from hiap_geo.render.profile.pdf import _NumberedCanvas

    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=9.5, leading=12.5)
    note = ParagraphStyle("note", parent=body, fontSize=8, leading=10, textColor=colors.HexColor("#444444"),
                          fontName="Helvetica-Oblique")
    cell = ParagraphStyle("cell", parent=body, fontSize=8, leading=9.8)
    head = ParagraphStyle("head", parent=cell, textColor=colors.white, fontName="Helvetica-Bold")
    title = ParagraphStyle("title", parent=styles["Title"], fontSize=20, leading=24, alignment=0, spaceAfter=10)
    h1 = ParagraphStyle("h1", parent=styles["Heading1"], fontSize=14, leading=17, spaceBefore=10, spaceAfter=5,
                        textColor=colors.HexColor("#1F3B57"), keepWithNext=1)
    h2 = ParagraphStyle("h2", parent=styles["Heading2"], fontSize=11.5, leading=14, spaceBefore=8, spaceAfter=4,
                        keepWithNext=1)

    buffer = io.BytesIO()
    margin = 18 * mm
    width = A4[0] - 2 * margin
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=margin,
                            bottomMargin=margin + 6 * mm, title=pack.title, author="HIAP Geo",
                            subject="Health Action Team meeting pack", creator="HIAP Geo")

    def para(text: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(escape(docx_text(text)).replace("\n", "<br/>"), style)

    def table(columns: Sequence[str], rows: Sequence[Sequence[str]], widths: list[float], header: bool = True
              ) -> PdfTable:
        data = ([[para(c, head) for c in columns]] if header else []) + [[para(v, cell) for v in r] for r in rows]
        grid = PdfTable(data, colWidths=widths, repeatRows=1 if header else 0)
        style = [("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9AA5B1")), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1F3B57")))
        grid.setStyle(TableStyle(style))
        return grid

    story: list[object] = [para(pack.title, title),
                           table(("", ""), [(label, value) for label, value in pack.cover], [35 * mm, width - 35 * mm],
                                 header=False), Spacer(1, 6 * mm)]
    for block in pack.blocks:
        if isinstance(block, Heading):
            story.append(para(block.text, h1 if block.level == 1 else h2))
        elif isinstance(block, Text):
            story.append(para(block.text, note if block.note else body))
        elif isinstance(block, PageBreak):
            story.append(PdfPageBreak())
        elif isinstance(block, Picture):
            image = Image(io.BytesIO(block.png))
            scale = width / image.imageWidth
            image.drawWidth, image.drawHeight = width, image.imageHeight * scale
            story.append(KeepTogether([image, para(f"{block.caption} Described: {block.alt}", note)]))
        elif isinstance(block, Table):
            story.append(table(block.columns, block.rows, [w * mm for w in _widths(block, width / mm)]))
            story.append(Spacer(1, 3 * mm))

    def canvas_class(*args: object, **kwargs: object) -> object:
        return _NumberedCanvas(pack.footer, OGL, margin, *args, **kwargs)

    doc.build(story, canvasmaker=canvas_class)  # type: ignore[arg-type]
    return buffer.getvalue()

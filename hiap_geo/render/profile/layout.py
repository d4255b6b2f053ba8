"""How the printed profiles (PDF and Word) lay out the profile's tables: order, headings, shading.

Both document formats share this, so they show the same sections in the same order, right-align
the same columns and shade the same comparison cells.
"""

from __future__ import annotations

from hiap_geo.render.profile.model import Cell, Num, Profile, ProfileTable, cell_text, member_label
from hiap_geo.render.profile.tables import profile_tables

# Tables in the order of the printed profile: which go on the first page, which in the annex.
_FIRST_PAGE = ("key_figures",)
_ANNEX_PREFIX = "lsoas_"
ANNEX_HEADING = "Annex"
SUMMARY_KEY = "summary"
ANNEX_ABOVE = 15
"""Member-LSOA tables longer than this go to an annex at the end of the PDF and Word profiles."""
COMPARISON_PREFIX = "Compared with"
DARK_FILLS = {"#C00000", "#5555E6"}  # backgrounds that need white text


def print_sections(profile: Profile) -> list[tuple[str, list[ProfileTable]]]:
    """The printed order after the summary and map: key figures, deprivation detail, indicators and actions,
    sources, annex."""
    tables = [t for t in profile_tables(profile) if t.key not in ("area", SUMMARY_KEY)]
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


def summary_text(profile: Profile) -> str:
    """The plain-English paragraph printed first, under the title (the same text every format carries)."""
    return next(t for t in profile_tables(profile) if t.key == SUMMARY_KEY).message_text()


def subtitle(profile: Profile) -> str:
    """The line under the title: what the area is, where, which figures, when."""
    area = profile.area
    parts = [area.kind_label(), ", ".join(area.districts)]
    if area.is_group:
        parts.append(f"members: {', '.join(member_label(m) for m in area.members)}")
    parts.append(f"main figures: {profile.main.header}")
    parts.append(f"generated {profile.generated_text()}")
    return " | ".join(parts)


def is_number(cell: Cell) -> bool:
    """Whether a cell is a number (right-aligned in print)."""
    return isinstance(cell, Num)


def numeric_columns(table: ProfileTable) -> list[bool]:
    """Columns whose every cell is a number (right-aligned in print)."""
    return [bool(table.rows) and all(is_number(row[j]) for row in table.rows) for j in range(len(table.columns))]


def comparison_colours(table: ProfileTable) -> dict[tuple[int, int], str]:
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
            label = cell_text(row[j]).split(" (")[0].casefold()
            if label in styles and label != "not compared":
                out[(i, j)] = styles[label].upper()
    return out

"""Every map in words (WCAG 1.1.1, 4.1.3): what it shows, the areas in the worst deciles by name, and a short
sentence for the screen reader's live region when the map changes.

Computed from the same frame the map is drawn from (code, name, ward, district, value), so words and colours agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from hiap_geo.geo.measures import MapMeasure

NAMES_LISTED = 12
"""Areas named in the text before 'and N more': enough to read aloud; every area is in the table."""

WORST_DECILES = 2
"""Deciles 1 and 2: the most deprived 20% of England, the band plans target."""


@dataclass(frozen=True)
class MapText:
    """``summary``: what the map shows; ``count``: how many areas are at the worst end (one sentence);
    ``names``: those areas by name ('' when none), introduced by ``names_as`` when the count does not say who they
    are (a count of every category)."""

    summary: str
    count: str
    names: str = ""
    names_as: str = ""

    @property
    def announcement(self) -> str:
        """What the live region says when the map changes: short, without the list of names."""
        return f"{self.summary} {self.count}"

    @property
    def full(self) -> str:
        """The map in words, beside the map: what it shows and the worst areas by name (plain text: escape it for
        Markdown)."""
        if not self.names:
            return f"{self.summary} {self.count}"
        if self.names_as:
            return f"{self.summary} {self.count} {self.names_as}: {self.names}."
        return f"{self.summary} {self.count[:-1]}: {self.names}."


def _named(rows: pd.DataFrame) -> str:
    """'Tunbridge Wells 008A (Sherwood), ...' for LSOAs (their ward helps); names alone for wards and districts."""
    names = []
    for name, ward in zip(rows["name"].head(NAMES_LISTED), rows.get("ward", pd.Series("", index=rows.index))
                          .head(NAMES_LISTED), strict=True):
        ward = "" if pd.isna(ward) else str(ward)
        names.append(f"{name} ({ward})" if ward and ward != str(name) else str(name))
    more = len(rows) - NAMES_LISTED
    return ", ".join(names) + (f" and {more:,} more" if more > 0 else "")


def place_of(areas: pd.DataFrame) -> str:
    """Where the areas are: their districts by name (up to three), else how many districts."""
    named = areas.get("district", pd.Series(dtype=str)).dropna().unique()  # unique first: England has 33,755 rows
    districts = sorted({str(d) for d in named if str(d)})
    if not districts:
        return "the chosen districts"
    if len(districts) == 1:
        return districts[0]
    if len(districts) <= 3:
        return f"{', '.join(districts[:-1])} and {districts[-1]}"
    return f"{len(districts):,} districts"


LEVEL_LABELS: dict[str, str] = {"lsoa": "LSOA", "msoa": "MSOA", "ward": "Ward", "district": "District"}
"""Each level's label as the pages show it (the Indicators page's ``LEVELS`` is this dictionary)."""


def level_singular(level: str) -> str:
    """What a sentence calls one of a level's areas: 'LSOA', 'MSOA', 'ward', 'district' (from 'lsoa', 'ward')."""
    label = LEVEL_LABELS[level]
    return label if label.isupper() else label.lower()


def level_plural(level: str) -> str:
    """'LSOAs', 'MSOAs', 'wards', 'districts' from a level ('lsoa', 'ward'): what a sentence calls its areas."""
    return f"{level_singular(level)}s"


def _areas(n: int) -> str:
    return f"{n:,} area{'' if n == 1 else 's'} {'is' if n == 1 else 'are'}"


def map_text(areas: pd.DataFrame, chosen: MapMeasure, kind_plural: str, place: str | None = None) -> MapText:
    """The map of ``chosen`` over ``areas`` in words. ``kind_plural``: what the areas are ('LSOAs', 'wards');
    ``place`` defaults to the areas' districts. Deciles name the areas in deciles 1 and 2; ranks and scores the
    tenth of the areas shown at the worst end; a change map the areas that moved to a more deprived decile."""
    values = areas["value"] if chosen.kind == "category" else pd.to_numeric(areas["value"], errors="coerce")
    shown = int(values.notna().sum())
    kind = kind_plural[:-1] if len(areas) == 1 and kind_plural.endswith("s") else kind_plural
    summary = f"The map shows {chosen.label} for {len(areas):,} {kind} in {place or place_of(areas)}"
    grey = chosen.missing_label[:1].lower() + chosen.missing_label[1:]
    summary += f" ({len(areas) - shown:,} in grey: {grey})." if shown < len(areas) else "."
    ranked = areas.assign(_v=values).dropna(subset=["_v"])
    if chosen.kind == "category":  # better / similar / worse and other classes: counted in words, the worse named
        counts = ranked["_v"].value_counts()
        count = "; ".join(f"{label}: {counts.get(label, 0):,}" for label, _ in chosen.categories) + "."
        first = chosen.categories[0][0] if chosen.categories else ""
        worse = ranked[ranked["_v"] == first].sort_values("name") if first.lower().startswith("worse") else None
        if worse is None or worse.empty:
            return MapText(summary, count)
        return MapText(summary, count, _named(worse), names_as=first)
    if chosen.kind == "decile":
        where = "of the district, by the local cut" if chosen.local else "in England"
        low = ranked[ranked["_v"] <= WORST_DECILES].sort_values(["_v", "name"])
        if low.empty:
            return MapText(summary, f"No area is in deciles 1 or 2 (the most deprived 20% {where}).")
        return MapText(summary, f"{_areas(len(low))} in deciles 1 and 2 (the most deprived 20% {where}).",
                       _named(low))
    if chosen.kind == "change":
        worse = ranked[ranked["_v"] < 0].sort_values(["_v", "name"])
        if worse.empty:
            return MapText(summary, "No area moved to a more deprived decile.")
        return MapText(summary, f"{_areas(len(worse))} in a more deprived decile than in 2019 (the largest moves "
                                "first).", _named(worse))
    if ranked.empty:
        return MapText(summary, "No area has a value.")
    if len(ranked) == 1:  # e.g. one district's Health Index value: nothing to rank it against
        return MapText(summary, "One area has a value, so none is ranked against another.")
    tenth = max(1, round(len(ranked) / 10))
    worst = ranked.sort_values(["_v", "name"], ascending=[not chosen.higher_is_more_deprived, True]).head(tenth)
    return MapText(summary, f"{_areas(tenth)} at the {chosen.ends[0]} end (the tenth of those shown).",
                   _named(worst))

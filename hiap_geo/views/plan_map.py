"""The Plan page's map: areas of the plan's edition coloured by how many shown actions name them, by
deprived-area coverage or by deprivation, with one action's or one document list's areas outlined.

Every tooltip names the shown actions that name the area and how many reach it only district-wide, so
colour is never the only signal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from hiap_geo.geo.measures import MapMeasure, map_areas, measure
from hiap_geo.plans.coverage import Coverage
from hiap_geo.plans.schema import Plan
from hiap_geo.render.map_component import AreaMarks, MapView, map_view
from hiap_geo.render.maps import Outline, area_at, display_values
from hiap_geo.views.plan import LEVELS, REACH_LABELS, PlanPageError, PlanReach, area_counts, shorten

COLOUR_MODES: dict[str, str] = {
    "count": "Number of actions naming each area",
    "coverage": "Deprived areas with and without an action",
    "deprivation": "Deprivation (the plan's IoD edition)",
}
"""What the map's fill shows. 'coverage' is by LSOA only (deprivation thresholds are LSOA deciles)."""

HIGHLIGHT_COLOUR = "#e7298a"
NAMED_LINE = ("#ff7f00", 3.0)
"""The outline of the areas the shown actions name, over the deprivation fill: orange, apart from viridis and
from the pink of a highlighted action."""
NAMED_LABEL = "Named by an action shown"
COUNT_SHARE = 0.25
"""The count map is the default only when the shown actions name at least this share of the areas; below it the
map would be nearly all '0' (most plans' actions reach the whole district), so deprivation is shown instead."""
WARD_LINE = ("#1a1a1a", 1.0)
DISTRICT_LINE = ("#000000", 2.5)

COUNT_CLASSES: tuple[tuple[str, str], ...] = (
    ("0: no action names it", "#f7f7f7"),
    ("1 action", "#9e9ac8"),
    ("2 actions", "#756bb1"),
    ("3-4 actions", "#54278f"),
    ("5 or more actions", "#2d004b"),
)
COVERAGE_CLASSES: tuple[tuple[str, str], ...] = (
    ("Deprived; no action names it", "#d7191c"),
    ("Deprived; an action names it", "#2c7bb6"),
    ("Not deprived at this threshold", "#f0f0f0"),
)


COUNT_MEASURE = MapMeasure("value", "Actions naming the area", "category", False, categories=COUNT_CLASSES)


def map_title(plan: Plan, mode: str) -> str:
    """The Plan map's PNG title: the place, the plan and what the colours show, e.g. 'Tunbridge Wells: Health
    Inequalities Action Plan 2023-25: deprivation (IoD 2019)' (never "the plan's iod edition")."""
    shows = (f"deprivation (IoD {plan.edition})" if mode == "deprivation"
             else COLOUR_MODES[mode][0].lower() + COLOUR_MODES[mode][1:])
    place = "" if plan.area.name in plan.title else f"{plan.area.name}: "
    return f"{place}{plan.title}: {shows}"


def colour_modes(level: str) -> list[str]:
    """The colour modes offered at a level: coverage is by LSOA only (deprivation thresholds are LSOA deciles)."""
    return [m for m in COLOUR_MODES if level == "lsoa" or m != "coverage"]


def named_codes(reach: PlanReach, level: str, action_ids: Collection[str]) -> set[str]:
    """The areas (codes of ``level``) that a shown action names: by code, name, ward, list or rule."""
    rows = reach.at(level)
    return set(rows.loc[rows["action_id"].isin(action_ids) & (rows["reach"] != "district"), "code"])


def whole_district(reach: PlanReach, level: str, chosen: Highlight) -> bool:
    """Whether the highlight is an action that names no place: it reaches its areas only as the whole district."""
    kind, _, ident = chosen.key.partition(":")
    if kind != "action":
        return False
    rows = reach.at(level)
    how = rows.loc[rows["action_id"] == ident, "reach"]
    return bool(len(how)) and bool((how == "district").all())


def default_colour(reach: PlanReach, level: str, action_ids: Collection[str]) -> str:
    """The colour mode a plan's map opens with: the number of actions naming each area when the shown actions
    name a good share of the areas (``COUNT_SHARE``); otherwise deprivation, the named areas outlined."""
    total = reach.lookup[f"{level}_code"].nunique()
    return "count" if total and len(named_codes(reach, level, action_ids)) >= COUNT_SHARE * total else "deprivation"


def district_wide_note(reach: PlanReach, level: str, action_ids: Collection[str], mode: str) -> str | None:
    """One line for above the map when no shown action names a place (unescaped), None when one does: the map
    cannot show where such actions work, only where the need is."""
    if not action_ids or named_codes(reach, level, action_ids):
        return None
    n = len(action_ids)
    every = "The action shown reaches" if n == 1 else f"All {n} actions shown reach"
    none = "it names no smaller area" if n == 1 else "none names a smaller area"
    then = ("every area counts 0: colour by deprivation to see where the need is" if mode == "count"
            else "the map shows where the need is")
    return f"{every} the whole of {reach.plan.area.name} ({none}): {then}."


def highlight_listing(table: pd.DataFrame, level: str, limit: int = 40) -> tuple[list[str], str | None]:
    """The highlighted action's areas (``action_areas``) as lines to list, or, when there are more than
    ``limit``, no lines and a note saying why (the whole district, or too many: download them)."""
    if len(table) <= limit:
        return [area_words(r.name, r.ward, level) for r in table.itertuples()], None
    if (table["how"] == REACH_LABELS[level]["district"]).all():
        return [], "The action reaches the whole district: the document names no place for it."
    return [], "Too many areas to list; download them."


def area_words(name: object, ward: object, level: str) -> str:
    """An area as a reader names it: 'Tunbridge Wells 008A, Sherwood ward' (an LSOA), 'Sherwood ward' (a ward)."""
    if level == "ward":
        return f"{name} ward"
    return f"{name}, {ward} ward" if isinstance(ward, str) and ward else str(name)


def _count_class(n: int) -> str:
    if n >= 5:
        return COUNT_CLASSES[4][0]
    if n >= 3:
        return COUNT_CLASSES[3][0]
    return COUNT_CLASSES[n][0]


@dataclass(frozen=True)
class Highlight:
    """Areas to outline on the map: those of one action, or of one list the document gives."""

    key: str
    label: str
    codes: frozenset[str]


def highlight_options(plan: Plan, action_ids: Sequence[str]) -> dict[str, str]:
    """Highlight choices -> labels: each shown action, then each list of areas the document names."""
    titles = {a.id: a.title for a in plan.actions}
    options = {f"action:{a}": f"Action {a}: {titles[a]}" for a in action_ids}  # in full: never cut with "..."
    for lst in plan.area_lists:
        options[f"list:{lst.id}"] = f"Areas the document lists: {shorten(lst.title)}"
    return options


def highlight(reach: PlanReach, level: str, key: str) -> Highlight:
    """The areas (codes of ``level``) one action reaches, or that one of the document's lists names."""
    kind, _, ident = key.partition(":")
    lookup = reach.lookup
    if kind == "action":
        codes = reach.at(level).loc[lambda f: f["action_id"] == ident, "code"]
        if ident not in {a.id for a in reach.plan.actions}:
            raise PlanPageError(f"Plan '{reach.plan.id}' has no action '{ident}'.")
        return Highlight(key, f"Areas of action {ident}", frozenset(codes))
    if kind == "list":
        entries = reach.lists[reach.lists["list_id"] == ident]
        if entries.empty and ident not in {lst.id for lst in reach.plan.area_lists}:
            raise PlanPageError(f"Plan '{reach.plan.id}' has no area list '{ident}'.")
        lsoas = set(entries.loc[entries["area_type"] == "lsoa", "area_code"])
        wards = set(entries.loc[entries["area_type"] == "ward", "area_code"])
        if level == "lsoa":
            codes = lsoas | set(lookup.loc[lookup["ward_code"].isin(wards), "lsoa_code"])
        else:
            codes = wards | set(lookup.loc[lookup["lsoa_code"].isin(lsoas), "ward_code"])
        title = next(lst.title for lst in reach.plan.area_lists if lst.id == ident)
        return Highlight(key, f"Listed in the document: {shorten(title, 60)}", frozenset(codes))
    raise PlanPageError(f"Unknown highlight '{key}': use 'action:<id>' or 'list:<id>'.")


@dataclass(frozen=True)
class PlanMap:
    """The areas drawn (code, name, ward, district, value, geometry), their colours' measure and tooltips, the
    outlines over them, the highlighted areas and what frames the map: one map for the screen
    (``plan_map_view``) and the PNG (``map_png``)."""

    areas: gpd.GeoDataFrame
    measure: MapMeasure
    outlines: tuple[Outline, ...] = ()
    tips: tuple[str, ...] = ()
    selected: tuple[str, ...] = ()
    selected_label: str | None = None
    marked: AreaMarks | None = None
    fit: gpd.GeoSeries | None = None


def plan_map_view(drawn: PlanMap, *, geometry_json: str | None = None, basemap: str | None = None,
                  presentation: bool = False, height: int = 600, clicked: str | None = None) -> MapView:
    """The map for the recolouring component: the geometry goes once (a file named by its content); a filter, a
    colour mode or a step sends colours, tips, codes to outline and the frame, so the user's zoom is kept unless
    the frame moves (a step to an action frames its areas; presenting, the legend then folds to its title). With
    no action highlighted, the ``clicked`` area is outlined and named in the legend, as on the Map explorer."""
    selected, label = list(drawn.selected), drawn.selected_label
    names = drawn.areas.set_index("code")["name"]
    if not selected and clicked in names.index:
        selected, label = [clicked], f"Selected: {clicked} {names[clicked]}"
    return map_view(drawn.areas, drawn.measure, outlines=drawn.outlines, selected=selected, selected_label=label,
                    basemap=basemap, presentation=presentation,
                    fit=drawn.fit, tooltip_values=list(drawn.tips), geometry_json=geometry_json, height=height,
                    fit_window=True, marked=drawn.marked, fold_legend=presentation and drawn.fit is not None)


def area_clicked(drawn: PlanMap, lat: float, lng: float) -> str | None:
    """The code of the area under a click on the map, None outside every area."""
    return area_at(drawn.areas, lat, lng)


def png_download(drawn: PlanMap, title: str, subtitle: str = "") -> Callable[[], bytes]:
    """The map as a PNG for slides (title, legend, scale, attribution), with the outlines and highlights the screen
    shows: a callable, so the image is drawn only when the button is clicked."""
    outlines = list(drawn.outlines)
    if drawn.selected:
        picked = drawn.areas[drawn.areas["code"].isin(drawn.selected)]
        outlines.append(Outline(picked.geometry, HIGHLIGHT_COLOUR, 4.0, label=drawn.selected_label))
    if drawn.marked is not None:
        named = drawn.areas[drawn.areas["code"].isin(drawn.marked.codes)]
        if len(named):
            outlines.append(Outline(named.geometry, drawn.marked.colour, drawn.marked.weight, drawn.marked.label))

    def draw() -> bytes:  # matplotlib (0.4-0.9 s to import) only when the image is asked for
        from hiap_geo.render.static_map import page_map_png

        return page_map_png(drawn.areas, drawn.measure, title, subtitle=subtitle, outlines=tuple(outlines))

    return draw


def png_file_name(title: str) -> str:
    """The PNG's file name from its title (as ``static_map.map_file_name``, without importing matplotlib)."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.casefold()).strip("-")[:80] or "map"
    return f"hiap-geo-map-{slug}.png"


def action_keys(options: Collection[str]) -> list[str]:
    """The highlight choices that are actions ('action:<id>'), in the order shown."""
    return [k for k in options if k.startswith("action:")]


def step_highlight(options: Sequence[str], current: str | None, step: int) -> str | None:
    """The action to highlight after ``current`` (step 1) or before it (-1), wrapping round; from no action
    (or a document list) the first (or the last). None when no action is shown."""
    actions = action_keys(options)
    if not actions:
        return None
    if current not in actions:
        return actions[0] if step > 0 else actions[-1]
    return actions[(actions.index(current) + step) % len(actions)]


def plan_map(
    layer: gpd.GeoDataFrame,
    level: str,
    mode: str,
    reach: PlanReach,
    action_ids: Collection[str],
    *,
    cover: Coverage | None = None,
    chosen: Highlight | None = None,
    wards: gpd.GeoSeries | None = None,
    districts: gpd.GeoSeries | None = None,
) -> PlanMap:
    """The plan on the map: areas of the plan's edition coloured by ``mode``, the chosen action's areas outlined.

    ``layer`` holds the built layer's rows for the plan's area at ``level``; every tooltip names the shown
    actions that name the area and how many reach it only district-wide, so colour is never alone.
    """
    if level not in LEVELS:
        raise PlanPageError(f"No level '{level}' on the Plan page; choose one of {', '.join(LEVELS)}.")
    if mode not in COLOUR_MODES:
        raise PlanPageError(f"No colour mode '{mode}'; choose one of {', '.join(COLOUR_MODES)}.")
    if mode == "coverage" and level != "lsoa":
        raise PlanPageError("Deprived-area coverage is mapped by LSOA: choose the LSOA level.")
    base = measure(level, "imd", "decile" if level == "lsoa" else "score", year=reach.plan.edition)
    if mode == "deprivation":
        base = MapMeasure(base.column, f"{base.label} (IoD {reach.plan.edition})", base.kind,
                          base.higher_is_more_deprived, base.local)
    areas = map_areas(layer, level, base)
    counts = area_counts(reach.at(level), areas["code"], action_ids)
    named = counts["named"].to_numpy()
    ids = counts["named_ids"].to_numpy()
    wide = counts["district_wide"].to_numpy()
    reach_text = [
        (f"{n} ({i})" if n else "none") + f"; {w} more reach the whole district"
        for n, i, w in zip(named, ids, wide, strict=True)
    ]
    if mode == "count":
        chosen_measure = COUNT_MEASURE
        areas["value"] = [_count_class(int(n)) for n in named]
        tips = reach_text
    elif mode == "coverage":
        if cover is None:
            raise PlanPageError("The coverage map needs the coverage at a threshold (plan_coverage).")
        deprived = cover.deprived.set_index("lsoa_code")
        is_deprived = areas["code"].isin(deprived.index).to_numpy()
        chosen_measure = MapMeasure("value", f"Deprived areas ({cover.threshold}) and the actions shown",
                                    "category", False, categories=COVERAGE_CLASSES)
        areas["value"] = [
            COVERAGE_CLASSES[2][0] if not d else (COVERAGE_CLASSES[1][0] if n else COVERAGE_CLASSES[0][0])
            for d, n in zip(is_deprived, named, strict=True)
        ]
        if cover.basis == "indicator":
            why = ("counted (" + areas["code"].map(deprived["criterion"]) + "); ").fillna("")
        else:
            decile = areas["code"].map(deprived["decile"])
            why = decile.map(lambda k: f"deprived (decile {int(k)}); ", na_action="ignore")
        tips = [
            (w if d else "not deprived at this threshold; ") + "named by " + t
            for d, w, t in zip(is_deprived, why, reach_text, strict=True)
        ]
    else:
        chosen_measure = base
        values = display_values(areas["value"], base)
        tips = [f"{v}; actions naming it: {t}" for v, t in zip(values, reach_text, strict=True)]
    outlines = []
    if wards is not None and level == "lsoa" and len(wards):
        outlines.append(Outline(wards, *WARD_LINE, label="Ward boundary"))
    if districts is not None and len(districts):
        outlines.append(Outline(districts, *DISTRICT_LINE))
    marked = None
    if mode == "deprivation":
        named_here = sorted(named_codes(reach, level, action_ids) & set(areas["code"]))
        if named_here:
            marked = AreaMarks(named_here, *NAMED_LINE, label=NAMED_LABEL)
    selected: tuple[str, ...] = ()
    selected_label = None
    fit = None
    if chosen is not None and chosen.codes:
        picked = areas[areas["code"].isin(chosen.codes)]
        if whole_district(reach, level, chosen) and districts is not None and len(districts):
            # every area outlined would hide the map: the district's own boundary says it
            outlines.append(Outline(districts, HIGHLIGHT_COLOUR, 4.0, label=f"{chosen.label}: the whole district"))
            fit = districts
        elif len(picked):
            selected, selected_label = tuple(sorted(picked["code"])), chosen.label
            fit = picked.geometry
    # One action chosen (a step in presentation mode, a choice in the picker): the map frames its areas (or the
    # district); a filter or colour change keeps that frame, so the map stays where the user has it.
    return PlanMap(areas, chosen_measure, tuple(outlines), tuple(tips), selected, selected_label, marked, fit)

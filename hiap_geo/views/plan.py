"""The Plan page's data: a plan's actions placed on LSOAs and wards, filters, map layers, status and export.

Streamlit-free, so that the page stays thin (widgets in, these calls, widgets out) and every step is tested
on its own. A plan is always mapped on the geography of its own IoD edition (LSOA 2011 and 2019 wards for
IoD 2019; LSOA 2021 and 2024 wards for IoD 2025), whatever the sidebar shows, because that is the geography
its codes, names and rules refer to.

Plan text is kept as given; ``escape_markdown`` makes it safe to show in Streamlit markdown, and the map
escapes it in its tooltips and legend.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import folium
import geopandas as gpd
import pandas as pd
from pydantic import ValidationError

from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.text import escape_markdown
from hiap_geo.geo.deprivation import MEASURES, load_iod
from hiap_geo.geo.measures import MapMeasure, map_areas, measure
from hiap_geo.indicators.stats import CONFIDENCE_KEYS, CONFIDENCE_LABELS
from hiap_geo.plans import progress
from hiap_geo.plans.plan import (
    STATUSES,
    Coverage,
    IndicatorRule,
    LoadedPlan,
    Plan,
    PlanFileError,
    PlanResolutionError,
    actions_frame,
    area_lookup,
    comparable_indicators,
    coverage,
    lsoa_reach,
    natural_key,
    parse_plan,
    plan_files,
    read_plan,
    resolve_area_lists,
    resolve_targets,
)
from hiap_geo.plans.progress import ProgressStore, status_label
from hiap_geo.render.maps import Outline, area_at, area_map, display_values

LEVELS: dict[str, str] = {"lsoa": "LSOA (neighbourhood)", "ward": "Ward"}

COLOUR_MODES: dict[str, str] = {
    "count": "Number of actions naming each area",
    "coverage": "Deprived areas with and without an action",
    "deprivation": "Deprivation (the plan's IoD edition)",
}
"""What the map's fill shows. 'coverage' is by LSOA only (deprivation thresholds are LSOA deciles)."""

STATUS_SYMBOLS: dict[str, str] = {"not_started": "⚪", "on_track": "🟢", "at_risk": "🟠", "done": "✅"}
"""A symbol beside each status's text label: the colour is never the only signal."""

HIGHLIGHT_COLOUR = "#e7298a"
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

REACH_LABELS: dict[str, dict[str, str]] = {
    "lsoa": {"lsoa": "names the LSOA (code, name, list or rule)", "ward": "names its ward",
             "district": "whole district"},
    "ward": {"ward": "names the ward", "lsoa": "names some of its LSOAs", "district": "whole district"},
}
_ORDER = {"lsoa": {"lsoa": 0, "ward": 1, "district": 2}, "ward": {"ward": 0, "lsoa": 1, "district": 2}}


class PlanPageError(HiapGeoError):
    """The Plan page cannot do what was asked (unknown plan choice, a level or colour it does not have)."""


# ---------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------

def status_text(status: str | None) -> str:
    """The status with its symbol and text label, e.g. '🟠 At risk'; '— No status' for none."""
    return f"{STATUS_SYMBOLS.get(status, '—')} {status_label(status)}"


def shorten(text: str, limit: int = 90) -> str:
    """One line of at most ``limit`` characters, for option lists."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------------------------------------
# Choosing a plan
# ---------------------------------------------------------------------------------------------

UPLOAD = "upload"
"""The plan choice meaning 'the YAML file the user uploads'."""


@dataclass(frozen=True)
class PlanChoice:
    """One entry of the page's plan list: a shipped file, a plan only in the progress database, or an upload."""

    key: str
    label: str
    plan_id: str | None = None
    area_code: str | None = None


def plan_choices(stored_ids: Iterable[str] = ()) -> list[PlanChoice]:
    """The plans shipped in data/plans, then plans only in the progress database, then 'upload'.

    A shipped file that no longer parses is still listed (choosing it shows its errors).
    """
    choices: list[PlanChoice] = []
    for path in plan_files():
        key = f"file:{path.name}"
        try:
            plan = read_plan(path).plan
        except PlanFileError:
            choices.append(PlanChoice(key, f"{path.name} (cannot be read: choose it to see why)"))
            continue
        period = "" if plan.period in plan.title else f" {plan.period}"
        label = f"{plan.area.name}: {shorten(plan.title, 70)}{period}"
        choices.append(PlanChoice(key, label, plan.id, plan.area.code))
    shipped = {c.plan_id for c in choices}
    for plan_id in stored_ids:
        if plan_id not in shipped:
            choices.append(PlanChoice(f"stored:{plan_id}", f"{plan_id} (from the progress database)", plan_id))
    choices.append(PlanChoice(UPLOAD, "Upload a plan file (YAML)..."))
    return choices


def choice_for(choices: Sequence[PlanChoice], plan_id: str | None = None, districts: Sequence[str] = ()) -> str:
    """The default choice: the plan with ``plan_id`` (e.g. from a link), else a plan of a sidebar district,
    else the first plan."""
    for c in choices:
        if plan_id and c.plan_id == plan_id:
            return c.key
    for c in choices:
        if c.area_code is not None and c.area_code in districts:
            return c.key
    return choices[0].key if choices else UPLOAD


def plan_text(choice: str, store: ProgressStore | None = None) -> tuple[str, str]:
    """The YAML text and a source name for a shipped or stored plan choice (uploads come from the page)."""
    if choice.startswith("file:"):
        name = choice[5:]
        paths = {p.name: p for p in plan_files()}
        if name not in paths:
            raise PlanPageError(f"No plan file '{name}' in data/plans.")
        return paths[name].read_text(encoding="utf-8"), f"data/plans/{name}"
    if choice.startswith("stored:"):
        if store is None:
            raise PlanPageError("The progress database is not available, so stored plans cannot be read.")
        plan_id = choice[7:]
        versions = store.export_bundle(plan_id)["plan_versions"]
        return versions[-1]["yaml"], f"{plan_id} (latest version in {store.describe()})"
    raise PlanPageError(f"Unknown plan choice '{choice}'.")


def load_choice(choice: str, store: ProgressStore | None = None) -> LoadedPlan:
    """A shipped or stored plan, validated (PlanFileError names every problem's line and field)."""
    text, source = plan_text(choice, store)
    return parse_plan(text, source)


# ---------------------------------------------------------------------------------------------
# Where the actions land
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanReach:
    """Where each action of a plan lands, by LSOA and by ward, and what could not be resolved.

    ``lsoa`` and ``ward`` have one row per (action, area): action_id, priority_id, code, reach, where
    reach is how specifically the action names the area ('lsoa', 'ward' or 'district', see REACH_LABELS).
    ``lookup`` is the edition's LSOA -> ward -> district lookup for the plan's area.
    """

    plan: Plan
    resolved: pd.DataFrame
    unresolved: tuple[str, ...]
    lsoa: pd.DataFrame
    ward: pd.DataFrame
    lookup: pd.DataFrame
    lists: pd.DataFrame

    def at(self, level: str) -> pd.DataFrame:
        if level not in LEVELS:
            raise PlanPageError(f"No level '{level}' on the Plan page; choose one of {', '.join(LEVELS)}.")
        return self.lsoa if level == "lsoa" else self.ward


def plan_reach(plan: Plan) -> PlanReach:
    """Resolve every target of a plan and place each action on LSOAs and wards.

    Targets that cannot be resolved are skipped here and listed in ``unresolved`` (``plan check`` explains
    each one); they never stop the rest of the plan from being mapped.
    """
    unresolved: tuple[str, ...] = ()
    try:
        resolved = resolve_targets(plan)
    except PlanResolutionError as exc:
        unresolved = tuple(f"{where}: {err}" for where, err in exc.errors)
        resolved = resolve_targets(plan, strict=False)
    lookup = area_lookup(plan)
    by_lsoa = lsoa_reach(plan, resolved).rename(columns={"lsoa_code": "code"})
    lists = resolve_area_lists(plan, strict=False)
    return PlanReach(plan, resolved, unresolved, by_lsoa, _ward_reach(resolved, by_lsoa, lookup), lookup, lists)


def _ward_reach(resolved: pd.DataFrame, by_lsoa: pd.DataFrame, lookup: pd.DataFrame) -> pd.DataFrame:
    """Per (action, ward): 'ward' if the action names the ward, 'lsoa' if it names some of its LSOAs
    (directly, by list or by rule), 'district' if it reaches it only as the whole district."""
    ward_of = lookup.set_index("lsoa_code")["ward_code"]
    direct = resolved.loc[resolved["area_type"] == "ward", ["action_id", "priority_id", "area_code"]]
    direct = direct.rename(columns={"area_code": "code"}).assign(reach="ward")
    via_lsoa = by_lsoa.loc[by_lsoa["reach"] == "lsoa", ["action_id", "priority_id", "code"]]
    via_lsoa = via_lsoa.assign(code=via_lsoa["code"].map(ward_of), reach="lsoa")
    wide = resolved.loc[resolved["area_type"] == "district", ["action_id", "priority_id"]].drop_duplicates()
    wards = pd.DataFrame({"code": lookup["ward_code"].drop_duplicates()})
    district = wide.merge(wards, how="cross").assign(reach="district")
    out = pd.concat([direct, via_lsoa, district], ignore_index=True)
    out = out.dropna(subset=["code"])
    out = out.assign(_o=out["reach"].map(_ORDER["ward"])).sort_values(["action_id", "code", "_o"])
    columns = ["action_id", "priority_id", "code", "reach"]
    return out.drop_duplicates(["action_id", "code"])[columns].reset_index(drop=True)


def area_counts(reach: pd.DataFrame, codes: Iterable[str], action_ids: Collection[str]) -> pd.DataFrame:
    """For each area code: the shown actions that name it (or its ward, list, rule) and those that reach it
    only district-wide. Columns: named (count), named_ids ('3.4; 4.2'), district_wide (count)."""
    shown = reach[reach["action_id"].isin(action_ids)]
    specific = shown[shown["reach"] != "district"]
    ids = specific.groupby("code")["action_id"].agg(lambda s: "; ".join(sorted(set(s), key=natural_key)))
    out = pd.DataFrame(index=pd.Index(list(codes), name="code"))
    out["named"] = specific.groupby("code").size().reindex(out.index, fill_value=0).astype(int)
    out["named_ids"] = ids.reindex(out.index).fillna("")
    wide = shown[shown["reach"] == "district"].groupby("code").size()
    out["district_wide"] = wide.reindex(out.index, fill_value=0).astype(int)
    return out


def actions_at(reach: PlanReach, level: str, code: str, actions: pd.DataFrame) -> pd.DataFrame:
    """The shown actions that reach one area, most specific first, and how each reaches it.

    ``actions`` is the (filtered) actions table; columns out: action_id, priority_id, title, status_text,
    specific (False = only as the whole district), how (the resolution, in words).
    """
    lookup = reach.lookup
    resolved = reach.resolved[reach.resolved["action_id"].isin(actions["action_id"])]
    if level == "lsoa":
        row = lookup[lookup["lsoa_code"] == code]
        if row.empty:
            raise PlanPageError(f"{code} is not an LSOA of the plan's area in its edition's lookup.")
        ward = row["ward_code"].iat[0]
        ward_name = row["ward_name"].iat[0]
        parts = [
            resolved[resolved["area_code"] == code].assign(how=lambda f: f["how_resolved"]),
            resolved[resolved["area_code"] == ward].assign(
                how=lambda f: f"its ward {ward_name} ({ward}): " + f["how_resolved"]),
        ]
    elif level == "ward":
        members = lookup[lookup["ward_code"] == code]
        if members.empty:
            raise PlanPageError(f"{code} is not a ward of the plan's area in its edition's lookup.")
        parts = [
            resolved[resolved["area_code"] == code].assign(how=lambda f: f["how_resolved"]),
            resolved[resolved["area_code"].isin(members["lsoa_code"])].assign(
                how=lambda f: "its LSOA " + f["area_code"] + " " + f["area_name"] + ": " + f["how_resolved"]),
        ]
    else:
        raise PlanPageError(f"No level '{level}' on the Plan page; choose one of {', '.join(LEVELS)}.")
    wide = resolved[resolved["area_type"] == "district"].assign(how=lambda f: f["how_resolved"])
    found = pd.concat([*parts, wide], ignore_index=True)
    found["specific"] = found["area_type"] != "district"
    found = found.drop_duplicates("action_id")  # first = most specific way
    table = found[["action_id", "specific", "how"]].merge(
        actions[["action_id", "priority_id", "title", "status_text"]], on="action_id", validate="one_to_one"
    )
    table = table.assign(_k=table["action_id"].map(natural_key))
    table = table.sort_values(["specific", "_k"], ascending=[False, True])
    return table[["action_id", "priority_id", "title", "status_text", "specific", "how"]].reset_index(drop=True)


@dataclass(frozen=True)
class Highlight:
    """Areas to outline on the map: those of one action, or of one list the document gives."""

    key: str
    label: str
    codes: frozenset[str]


def highlight_options(plan: Plan, action_ids: Sequence[str]) -> dict[str, str]:
    """Highlight choices -> labels: each shown action, then each list of areas the document names."""
    titles = {a.id: a.title for a in plan.actions}
    options = {f"action:{a}": f"Action {a}: {shorten(titles[a])}" for a in action_ids}
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


def action_areas(reach: PlanReach, level: str, action_id: str) -> pd.DataFrame:
    """The areas one action reaches at a level, with names and how: for the table beside the map and CSV."""
    rows = reach.at(level)
    rows = rows[rows["action_id"] == action_id]
    if level == "lsoa":
        names = reach.lookup[["lsoa_code", "lsoa_name", "ward_name"]].rename(
            columns={"lsoa_code": "code", "lsoa_name": "name", "ward_name": "ward"})
    else:
        names = reach.lookup[["ward_code", "ward_name"]].drop_duplicates("ward_code").rename(
            columns={"ward_code": "code", "ward_name": "name"}).assign(ward=lambda f: f["name"])
    out = rows.merge(names, on="code", how="left", validate="one_to_one")
    # The resolution's own words where the action names the area itself ("area list '...': code E01..."):
    own = reach.resolved[reach.resolved["action_id"] == action_id].drop_duplicates("area_code")
    words = out["code"].map(own.set_index("area_code")["how_resolved"])
    out["how"] = words.where(out["reach"] == level, out["reach"].map(REACH_LABELS[level])).fillna(
        out["reach"].map(REACH_LABELS[level]))
    return out[["action_id", "code", "name", "ward", "how"]].sort_values("code").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Actions, filters and status
# ---------------------------------------------------------------------------------------------


HISTORY_COLUMNS = ["review_id", "action_id", "review_date", "status", "status_label", "note", "reviewer",
                   "recorded_at"]


def empty_history() -> pd.DataFrame:
    """A review history with no reviews (``ProgressStore.history``'s columns), for when no database is open."""
    return pd.DataFrame(columns=HISTORY_COLUMNS)


def current_status(plan: Plan, history: pd.DataFrame) -> pd.DataFrame:
    """``progress.current_status`` with each status's symbol and label (``status_text``) for the page.

    Columns: action_id, status, status_text, review_date, note, reviews.
    """
    status = progress.current_status(plan, history)
    status["status_text"] = status["status"].map(status_text)
    return status[["action_id", "status", "status_text", "review_date", "note", "reviews"]]


def actions_table(plan: Plan, history: pd.DataFrame) -> pd.DataFrame:
    """``actions_frame`` with the current status (latest review first) in place of the plan file's."""
    frame = actions_frame(plan).drop(columns=["status", "status_label"])
    return frame.merge(current_status(plan, history), on="action_id", how="left", validate="one_to_one")


def partner_options(actions: pd.DataFrame) -> list[str]:
    """Every lead and partner named by any action, sorted without regard to case."""
    return sorted({o for orgs in actions["organisations"] for o in orgs}, key=str.casefold)


def status_options() -> list[str]:
    """Status filter values: each status's text, and 'no status'."""
    return [status_text(s) for s in STATUSES] + [status_text(None)]


def filter_actions(
    actions: pd.DataFrame,
    priorities: Collection[str] = (),
    partners: Collection[str] = (),
    statuses: Collection[str] = (),
) -> pd.DataFrame:
    """Actions of the chosen priorities, naming any chosen partner (as lead or partner), with a chosen status.

    An empty choice means no filter on that field.
    """
    keep = pd.Series(True, index=actions.index)
    if priorities:
        keep &= actions["priority_id"].isin(list(priorities))
    if partners:
        wanted = set(partners)
        keep &= actions["organisations"].map(lambda orgs: bool(wanted.intersection(orgs)))
    if statuses:
        keep &= actions["status_text"].isin(list(statuses))
    return actions[keep].reset_index(drop=True)


def actions_export(actions: pd.DataFrame) -> pd.DataFrame:
    """The actions table as shown and downloaded (no list columns)."""
    columns = {
        "action_id": "action", "title": "title", "status_text": "status", "review_date": "last review",
        "note": "last note", "priority_id": "priority", "priority_title": "priority title", "lead": "lead",
        "partners": "partners", "names_a_place": "names a place", "target_kinds": "target kinds",
        "target_quotes": "document's words", "printed_id": "printed number", "reviews": "reviews",
        "ref": "reference",
    }
    return actions[list(columns)].rename(columns=columns)


def status_export(actions: pd.DataFrame) -> pd.DataFrame:
    """Each action's current status, for the meeting's table and CSV: status first, then the action."""
    columns = {"action_id": "action", "status_text": "status", "review_date": "last review", "note": "last note",
               "reviews": "reviews", "priority_id": "priority", "title": "title"}
    return actions[list(columns)].rename(columns=columns)


def history_export(history: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Review history with each action's title and the status as text: what the meeting minutes need."""
    titles = {a.id: a.title for a in plan.actions}
    out = history.assign(status_text=history["status"].map(status_text),
                         title=history["action_id"].map(titles).fillna("(not in this version of the plan)"))
    columns = {"review_date": "review date", "action_id": "action", "status_text": "status", "note": "note",
               "reviewer": "reviewer", "title": "title", "recorded_at": "recorded at (UTC)", "review_id": "review id"}
    return out[list(columns)].rename(columns=columns).reset_index(drop=True)


def coverage_export(deprived: pd.DataFrame) -> pd.DataFrame:
    """Deprived LSOAs with whether an action names them, in words, and district-wide actions counted apart.

    With a decile threshold each LSOA's decile is given; with an indicator threshold its value, England's
    value and the comparison (e.g. 'Worse (95%)').
    """
    wide = deprived["district_wide"].map(lambda ids: len(ids.split(";")) if ids else 0)
    if "value" in deprived:
        why = {"value": deprived["value"], "England value": deprived["england_value"],
               "compared with England": deprived["comparison_label"]}
    else:
        why = {"decile": deprived["decile"]}
    return pd.DataFrame({
        "LSOA": deprived["lsoa_code"], "name": deprived["lsoa_name"], "ward": deprived["ward_name"],
        **why,
        "named by an action": deprived["covered"].map({True: "yes", False: "no"}),
        "actions naming it": deprived["targeted_by"], "district-wide actions": wide,
        "district-wide action ids": deprived["district_wide"],
    })


# ---------------------------------------------------------------------------------------------
# Coverage threshold
# ---------------------------------------------------------------------------------------------


THRESHOLD_BASES: dict[str, str] = {
    "decile": "Deciles of the IMD or a domain",
    "indicator": "Significantly worse than England on an indicator",
}
"""What the coverage threshold can be on (the page's choice)."""

CONFIDENCE_LEVELS: dict[float, str] = {pct: CONFIDENCE_LABELS[key] for pct, key in CONFIDENCE_KEYS.items()}
"""Confidence levels a coverage threshold offers, as percentages (the plan format's ``level``) and labels."""


@dataclass(frozen=True)
class Threshold:
    """What counts as deprived: LSOAs whose decile of ``measure`` is at most ``decile_max``; or, when
    ``indicator`` (an id of ``coverage_indicators``) is given, LSOAs significantly worse than England on that
    indicator at ``level`` (95 or 99.8), and the decile fields are not used."""

    measure: str = "imd"
    decile_max: int = 2
    decile_type: str = "national"
    indicator: str | None = None
    level: float = 95

    def rule(self) -> IndicatorRule | None:
        """The LSOA indicator rule of an indicator threshold (None for a decile threshold)."""
        if self.indicator is None:
            return None
        if self.level not in CONFIDENCE_KEYS:
            raise PlanPageError(f"No confidence level {self.level:g}%; choose 95 or 99.8.")
        try:
            return IndicatorRule(rule="indicator_vs_england", indicator=self.indicator, area_type="lsoa",
                                 comparison="worse", level=self.level)
        except ValidationError as exc:
            raise PlanPageError(f"'{self.indicator}' is not an indicator id: {exc.errors()[0]['msg']}.") from exc


def default_threshold(plan: Plan) -> Threshold:
    """The document's own definition of deprived areas when one of its lists states one, else IMD deciles 1-2."""
    for lst in plan.area_lists:
        if lst.claim is not None and lst.claim.decile_min == 1:
            return Threshold(lst.claim.measure, lst.claim.decile_max, lst.claim.decile_type)
    return Threshold()


def coverage_measures(year: int) -> dict[str, str]:
    """The IMD and domains whose deciles the edition's data has (IoD 2025 has no IDACI/IDAOPI here)."""
    iod = load_iod(year)
    return {key: label for key, label in MEASURES.items() if iod[f"{key}_decile"].notna().any()}


def coverage_indicators() -> dict[str, str]:
    """Indicators a coverage threshold can use (id -> name): published per LSOA with confidence limits and a
    polarity, so that an LSOA can be significantly worse than England. They are on the IoD 2025 geography
    (LSOA 2021): a plan on IoD 2019 areas is refused with what to do when one is chosen."""
    table = comparable_indicators("lsoa")
    return dict(zip(table["indicator_id"], table["indicator_name"], strict=True))


def plan_coverage(reach: PlanReach, action_ids: Collection[str], threshold: Threshold) -> Coverage:
    """Coverage of deprived LSOAs by the shown actions only (filters answer 'what do these actions miss?').

    An indicator threshold that cannot be used on the plan (another geography, no limits, unknown id) raises
    the plan's TargetError, whose message says what to do.
    """
    resolved = reach.resolved[reach.resolved["action_id"].isin(action_ids)]
    result = coverage(reach.plan, measure=threshold.measure, decile_max=threshold.decile_max,
                      decile_type=threshold.decile_type, indicator=threshold.rule(), resolved=resolved)
    placeless = result.placeless_actions[result.placeless_actions["action_id"].isin(action_ids)]
    return Coverage(result.threshold, result.deprived, result.uncovered, placeless.reset_index(drop=True),
                    result.matrix, result.basis)


# ---------------------------------------------------------------------------------------------
# The map
# ---------------------------------------------------------------------------------------------

COUNT_MEASURE = MapMeasure("value", "Actions naming the area", "category", False, categories=COUNT_CLASSES)
COVERAGE_MEASURE = MapMeasure("value", "Deprived areas and actions", "category", False, categories=COVERAGE_CLASSES)


def _count_class(n: int) -> str:
    if n >= 5:
        return COUNT_CLASSES[4][0]
    if n >= 3:
        return COUNT_CLASSES[3][0]
    return COUNT_CLASSES[n][0]


@dataclass(frozen=True)
class PlanMap:
    """The folium map and the areas drawn on it (code, name, ward, district, value, geometry)."""

    fmap: folium.Map
    areas: gpd.GeoDataFrame
    measure: MapMeasure


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
    basemap: str | None = None,
    presentation: bool = False,
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
    base = measure(level, "imd", "decile" if level == "lsoa" else "score")
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
    if chosen is not None and chosen.codes:
        picked = areas[areas["code"].isin(chosen.codes)]
        if len(picked):
            outlines.append(Outline(picked.geometry, HIGHLIGHT_COLOUR, 4.0, label=chosen.label))
    fmap = area_map(areas, chosen_measure, outlines=outlines, basemap=basemap, presentation=presentation,
                    tooltip_values=tips)
    return PlanMap(fmap, areas, chosen_measure)


# ---------------------------------------------------------------------------------------------
# Progress: record, export
# ---------------------------------------------------------------------------------------------


def record_review(
    store: ProgressStore,
    loaded: LoadedPlan,
    action_id: str,
    status: str,
    review_date: date,
    note: str = "",
    reviewer: str | None = None,
) -> str:
    """Store the plan as shown (a new version only if its text changed), then add the review; returns its id.

    Registering first means the review always refers to a stored text of the plan, so an export carries both.
    """
    if action_id not in {a.id for a in loaded.plan.actions}:
        raise PlanPageError(f"Plan '{loaded.plan.id}' has no action '{action_id}'.")
    store.register_plan(loaded)
    return store.record_review(loaded.plan.id, action_id, status, review_date, note, reviewer or None)


def export_bytes(store: ProgressStore, loaded: LoadedPlan) -> bytes:
    """The plan (every stored version) and its whole review history as one JSON file, for download."""
    store.register_plan(loaded)
    return (json.dumps(store.export_bundle(loaded.plan.id), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


__all__ = [
    "COLOUR_MODES",
    "CONFIDENCE_LEVELS",
    "LEVELS",
    "STATUS_SYMBOLS",
    "THRESHOLD_BASES",
    "UPLOAD",
    "Highlight",
    "PlanChoice",
    "PlanMap",
    "PlanPageError",
    "PlanReach",
    "Threshold",
    "action_areas",
    "actions_at",
    "actions_export",
    "actions_table",
    "area_at",
    "area_counts",
    "choice_for",
    "coverage_indicators",
    "coverage_measures",
    "current_status",
    "empty_history",
    "default_threshold",
    "escape_markdown",
    "export_bytes",
    "filter_actions",
    "highlight",
    "highlight_options",
    "coverage_export",
    "history_export",
    "status_export",
    "load_choice",
    "partner_options",
    "plan_choices",
    "plan_coverage",
    "plan_map",
    "plan_reach",
    "plan_text",
    "record_review",
    "shorten",
    "status_options",
    "status_text",
]

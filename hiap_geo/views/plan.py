"""The Plan page's model: choosing a plan, where its actions land, and its coverage of deprived areas.

Streamlit-free, so that the page stays thin (widgets in, these calls, widgets out) and every step is tested
on its own. A plan is always placed on the geography of its own IoD edition (LSOA 2011 and 2019 wards for
IoD 2019; LSOA 2021 and 2024 wards for IoD 2025), whatever the sidebar shows, because that is the geography
its codes, names and rules refer to. The map is ``views.plan_map``; statuses, reviews and exports are
``views.plan_reviews``.

Plan text is kept as given: whoever shows it escapes it (``core.text.escape_markdown``, the map's tooltips).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from pydantic import ValidationError

from hiap_geo.core.editions import edition
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.text import counted, escape_markdown, natural_key
from hiap_geo.geo.deprivation import MEASURES, load_iod
from hiap_geo.indicators.stats import CONFIDENCE_KEYS, CONFIDENCE_LABELS
from hiap_geo.plans.coverage import Coverage, coverage
from hiap_geo.plans.load import plan_files, read_plan
from hiap_geo.plans.progress import ProgressStore
from hiap_geo.plans.resolve import area_lookup, lsoa_reach, resolve_area_lists, resolve_targets
from hiap_geo.plans.schema import (
    INDICATOR_EDITION,
    IndicatorRule,
    Plan,
    PlanFileError,
    PlanResolutionError,
    comparable_indicators,
)

LEVELS: dict[str, str] = {"lsoa": "LSOA (neighbourhood)", "ward": "Ward"}

REACH_LABELS: dict[str, dict[str, str]] = {
    "lsoa": {"lsoa": "names the LSOA (code, name, list or rule)", "ward": "names its ward",
             "district": "whole district"},
    "ward": {"ward": "names the ward", "lsoa": "names some of its LSOAs", "district": "whole district"},
}
_ORDER = {"lsoa": {"lsoa": 0, "ward": 1, "district": 2}, "ward": {"ward": 0, "lsoa": 1, "district": 2}}


class PlanPageError(HiapGeoError):
    """The Plan page cannot do what was asked (unknown plan choice, a level or colour it does not have)."""


def shorten(text: str, limit: int = 90) -> str:
    """One line of at most ``limit`` characters, for option lists."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def problem_lines(exc: PlanFileError) -> list[str]:
    """Each problem of a plan file that cannot be used, as 'line 12, actions.3.title: message' (unescaped)."""
    return [
        ", ".join(p for p in (f"line {line}" if line else None, where) if p) + f": {message}"
        if (line or where) else message
        for line, where, message in exc.problems
    ]


def plan_caption(plan: Plan) -> str:
    """Where the plan comes from and the geography its areas are on, in one line (unescaped)."""
    published = f", {plan.source.published}" if plan.source.published else ""
    areas = "LSOA 2011, wards 2019" if plan.edition == 2019 else "LSOA 2021, wards 2024"
    return (f"{plan.area.name} ({plan.area.code}), {plan.period}. Source: {plan.source.title}, "
            f"{plan.source.publisher}{published}. Transcribed by {plan.transcription.by} on "
            f"{plan.transcription.date:%-d %B %Y}. Areas are those of IoD {plan.edition} ({areas}).")


def map_edition_caption(plan: Plan, explorer_year: int | None = None) -> str:
    """Under the Plan map: it shows the plan's own edition, whatever the Map explorer shows (unescaped)."""
    areas = "LSOA 2011, wards 2019" if plan.edition == 2019 else "LSOA 2021, wards 2024"
    text = f"Areas of IoD {plan.edition} geography ({areas}), the plan's own"
    if explorer_year is not None and explorer_year != plan.edition:
        text += f", whatever the Map explorer shows (it is set to IoD {explorer_year})"
    return text + "."


def map_subtitle(plan: Plan, highlight: str | None = None) -> str:
    """The Plan map's PNG subtitle: the place, the plan's geography and what is outlined (unescaped)."""
    areas = "LSOA 2011" if plan.edition == 2019 else "LSOA 2021"
    text = f"{plan.area.name}, {plan.period}: areas of IoD {plan.edition} ({areas})"
    return text + (f"; outlined: {highlight}" if highlight else "")


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


def plan_choices(stored_ids: Iterable[str] = (), stored_plans: Mapping[str, Plan] | None = None) -> list[PlanChoice]:
    """The plans shipped in data/plans, then plans only in the progress database, then 'upload'.

    A shipped file that no longer parses is still listed (choosing it shows its errors). A stored plan is
    listed by its place and title (from ``stored_plans``, id -> its current version), its id only as a last
    resort.
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
            stored = (stored_plans or {}).get(plan_id)
            label = (f"{stored.area.name}: {shorten(stored.title, 70)} (saved in the progress database)"
                     if stored else f"{plan_id} (saved in the progress database)")
            choices.append(PlanChoice(f"stored:{plan_id}", label, plan_id, stored.area.code if stored else None))
    choices.append(PlanChoice(UPLOAD, "Upload a plan file (YAML)..."))
    return choices


def stored_plans(store: ProgressStore, plan_ids: Iterable[str]) -> dict[str, Plan]:
    """The current version of each stored plan that can be read (to list it by place and title)."""
    plans: dict[str, Plan] = {}
    for plan_id in plan_ids:
        try:
            plans[plan_id] = store.plan(plan_id)
        except HiapGeoError:  # listed by its id; choosing it says what is wrong
            continue
    return plans


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
        return store.current_version(plan_id).text, f"{plan_id} (latest saved version)"
    raise PlanPageError(f"Unknown plan choice '{choice}'.")


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
        unresolved = tuple(f"{finding_subject(plan, where)}: {err}" for where, err in exc.errors)
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
# Coverage of deprived areas
# ---------------------------------------------------------------------------------------------


THRESHOLD_BASES: dict[str, str] = {
    "decile": "Deciles of the IMD or a domain",
    "indicator": "Significantly worse than England on an indicator",
}
"""What the coverage threshold can be on (the page's choice): :func:`threshold_bases` gives a plan's."""


def threshold_bases(plan_edition: int) -> dict[str, str]:
    """What a plan's coverage threshold can be on: an indicator only on a plan on the geography the indicators
    with confidence limits are published on (IoD 2025's), since on any other no choice could ever work."""
    if plan_edition == INDICATOR_EDITION:
        return dict(THRESHOLD_BASES)
    return {"decile": THRESHOLD_BASES["decile"]}


def indicator_basis_note(plan_edition: int) -> str | None:
    """Why a plan's coverage cannot be counted by an indicator (None when it can), in a reader's words."""
    if plan_edition == INDICATOR_EDITION:
        return None
    ours, theirs = edition(plan_edition), edition(INDICATOR_EDITION)
    return (f"This plan names {ours.lsoa_vintage} areas ({ours.label}); the indicators with confidence limits are "
            f"published for {theirs.lsoa_vintage} areas, which are not the same, so deprived areas are counted here "
            "by deciles only.")

CONFIDENCE_LEVELS: dict[float, str] = {pct: CONFIDENCE_LABELS[key] for pct, key in CONFIDENCE_KEYS.items()}
"""Confidence levels a coverage threshold offers, as percentages (the plan format's ``level``) and labels."""


@dataclass(frozen=True)
class CoverageThreshold:
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


def default_threshold(plan: Plan) -> CoverageThreshold:
    """The document's own definition of deprived areas when one of its lists states one, else IMD deciles 1-2."""
    for lst in plan.area_lists:
        if lst.claim is not None and lst.claim.decile_min == 1:
            return CoverageThreshold(lst.claim.measure, lst.claim.decile_max, lst.claim.decile_type)
    return CoverageThreshold()


def coverage_measures(year: int) -> dict[str, str]:
    """The IMD, domains, IDACI and IDAOPI whose deciles the edition's data has."""
    iod = load_iod(year)
    return {key: label for key, label in MEASURES.items() if iod[f"{key}_decile"].notna().any()}


def coverage_indicators() -> dict[str, str]:
    """Indicators a coverage threshold can use (id -> name): published per LSOA with confidence limits and a
    polarity, so that an LSOA can be significantly worse than England. They are on the IoD 2025 geography
    (LSOA 2021): a plan on IoD 2019 areas is refused with what to do when one is chosen."""
    table = comparable_indicators("lsoa")
    return dict(zip(table["indicator_id"], table["indicator_name"], strict=True))


def plan_coverage(reach: PlanReach, action_ids: Collection[str], threshold: CoverageThreshold) -> Coverage:
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
        "actions naming it": deprived["targeted_by"].str.replace(";", ", "), "district-wide actions": wide,
        "which district-wide actions": deprived["district_wide"].str.replace(";", ", "),
    })


def priority_matrix_table(cover: Coverage, plan: Plan) -> pd.DataFrame:
    """Deprived LSOAs by priority (how many of its actions name each), for screen and CSV alike: the LSOA and its
    name, then a column per priority named by its number and (shortened) title."""
    titles = {p.id: shorten(f"{p.id}: {p.title}", 40) for p in plan.priorities}
    return cover.matrix.rename(columns={"lsoa_code": "LSOA", "lsoa_name": "name", **titles})


def placeless_table(cover: Coverage) -> pd.DataFrame:
    """The shown actions that name no place, by number, priority and title."""
    return cover.placeless_actions.rename(columns={"action_id": "action", "priority_id": "priority"})


def coverage_summary(cover: Coverage, edition: int) -> str:
    """The coverage in one markdown line (escaped): the threshold, how many LSOAs, how many no action names."""
    deprived = cover.deprived
    counts = (f"{counted(len(deprived), 'LSOA')}; {int(deprived['covered'].sum())} named by an action shown; "
              f"**{len(cover.uncovered)} named by none**.")
    if cover.basis == "indicator":
        return f"**{escape_markdown(cover.threshold)}** (IoD {edition} geography). {counts}"
    return f"**Deprived LSOAs: {escape_markdown(cover.threshold)}** (IoD {edition}). {counts}"


# ---------------------------------------------------------------------------------------------
# The plan check report
# ---------------------------------------------------------------------------------------------


def check_summary(report: pd.DataFrame, edition: int) -> str:
    """How many discrepancies and notes the plan check found, in one markdown line."""
    real = int((report["severity"] == "discrepancy").sum())
    notes = int((report["severity"] == "note").sum())
    return (f"**{counted(real, 'discrepancy', 'discrepancies')}** and {counted(notes, 'note')} between what the "
            f"document says and the official data (IoD {edition} geography), each under the action or list it "
            "concerns. Nothing is corrected.")


TARGET_KINDS: dict[str, str] = {
    "codes": "area codes", "names": "place names", "rule": "a rule that selects areas", "list": "a list of areas",
    "district": "the whole district",
}
"""A target's kind in words, for findings that concern one target of an action."""

_ACTION_WHERE = re.compile(r"^action (?P<id>.+), target (?P<target>\d+) \((?P<kind>[^)]*)\)$")
_LIST_WHERE = re.compile(r"^area list '(?P<id>[^']*)'(?:, entry (?P<entry>\d+))?$")


def finding_subject(plan: Plan, where: str) -> str:
    """What a plan-check finding concerns, as the document prints it (unescaped): the action's printed number
    and title, or the list's title and the entry's words; ``where`` as given when it names neither.

    The check reports where in the plan file a finding is ('action 3.4, target 1 (codes)'): an officer who never
    sees that file needs the action or the list it is about."""
    found = _ACTION_WHERE.match(where)
    if found:
        action = next((a for a in plan.actions if a.id == found["id"]), None)
        if action is not None:
            number = int(found["target"])
            kind = TARGET_KINDS.get(found["kind"], found["kind"])
            target = action.target_areas[number - 1] if number <= len(action.target_areas) else None
            words = f" ('{shorten(target.quote, 80)}')" if target is not None and target.quote else ""
            which = f"where it names {kind}{words}"
            if len(action.target_areas) > 1:
                which = f"its place {number} of {len(action.target_areas)}: {kind}{words}"
            return f"Action {action.printed_id or action.id}: {shorten(action.title, 80)}, {which}"
    found = _LIST_WHERE.match(where)
    if found:
        listed = next((lst for lst in plan.area_lists if lst.id == found["id"]), None)
        if listed is not None:
            subject = f"The document's list '{shorten(listed.title, 80)}'"
            if found["entry"]:
                number = int(found["entry"])
                if number <= len(listed.entries):
                    return f"{subject}, entry {number}: '{shorten(listed.entries[number - 1].text, 80)}'"
                return f"{subject}, entry {number}"
            return subject
    return where


def plan_file_line(line: object) -> str:
    """'(plan file line N)', the reference for whoever keeps the plan file; '' when the line is not known."""
    return f"(plan file line {int(line)})" if pd.notna(line) else ""


CHECK_COLUMNS: dict[str, str] = {
    "concerns": "concerns", "title": "finding", "severity": "severity", "document": "the document says",
    "data": "the data says", "line": "plan file line",
}
"""The plan check as the Plan page shows and exports it: what each finding is about first, the line last."""


def check_table(report: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """The plan check (``plans.check.discrepancies_frame``) for people: each finding led by the action or list it
    concerns, then what the document and the data say; the plan file's line last, for whoever keeps the file."""
    table = report.assign(concerns=[finding_subject(plan, w) for w in report["where"]])
    table = table[list(CHECK_COLUMNS)].rename(columns=CHECK_COLUMNS)
    table["plan file line"] = table["plan file line"].astype("Int64")
    return table


def check_items(report: pd.DataFrame, plan: Plan, limit: int = 50) -> list[str]:
    """The first ``limit`` findings of the plan check as markdown paragraphs (escaped): the action, list or entry
    each concerns, what was found, both sides; the plan file's line only as a small reference at the end."""
    items = []
    for row in report.head(limit).itertuples():
        line = plan_file_line(row.line)
        finding = str(row.title)[:1].upper() + str(row.title)[1:]
        items.append(f"**{escape_markdown(finding_subject(plan, row.where))}**  \n"
                     f"{escape_markdown(finding)}{' (a note, not a discrepancy)' if row.severity == 'note' else ''}"
                     f"  \nDocument: {escape_markdown(row.document)}  \nData: {escape_markdown(row.data)}"
                     + (f"  \n:small[{escape_markdown(line)}]" if line else ""))
    return items


CLAIM_COLUMNS: dict[str, str] = {
    "quote": "the document's words", "verdict": "verdict", "indicator": "figure", "area": "area",
    "stated": "the document states", "data": "the data gives", "reference": "where in the document",
}
"""The document's checked figures as the Plan page shows and exports them: the quote first, no file lines
(``reference`` gives the section and line of the document's text)."""


def claims_table(claims: pd.DataFrame) -> pd.DataFrame:
    """The checked figures (``plans.figures.claims.claims_frame``) for people: each led by the document's words."""
    return claims[list(CLAIM_COLUMNS)].rename(columns=CLAIM_COLUMNS)


LIST_COLUMNS: dict[str, str] = {
    "list_title": "list", "entry_index": "entry", "text": "the document's words", "area_code": "code",
    "area_name": "official name", "area_type": "type", "vintage": "geography", "stated_ward": "ward stated",
    "stated_decile": "decile stated", "stated_value": "value stated", "how_resolved": "how it was matched",
}
"""The areas the document lists, as the Plan page shows and exports them: the list's title, not its file id."""


def lists_table(lists: pd.DataFrame) -> pd.DataFrame:
    """The document's lists of areas (``PlanReach.lists``) for people: entries numbered from 1, plain headers."""
    table = lists[[c for c in LIST_COLUMNS if c in lists]].rename(columns=LIST_COLUMNS)
    if "entry" in table:
        table["entry"] = table["entry"] + 1
    return table

"""Where a plan's actions land: its codes, names, lists and rules resolved against the official lookups.

Target areas are resolved against the lookups of the plan's IoD edition (LSOA 2011 and 2019 wards for
IoD 2019, LSOA 2021 and 2024 wards for IoD 2025). Rules are evaluated on the data each time, so a plan
that says "IMD deciles 1-4" or "wards significantly worse than England on an indicator" follows the data
when it changes. A name that matches only ignoring case, accents or punctuation is reported, never hidden.

Longer than most modules because ``Resolver`` is one concern: every way a target can name areas (codes,
names, decile and indicator rules, lists, the whole district), each refusal explaining what to do.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd

from hiap_geo.core.editions import EDITIONS, edition
from hiap_geo.core.errors import HiapGeoError, UnmatchedCodes
from hiap_geo.core.text import name_key
from hiap_geo.geo.deprivation import MEASURES, load_iod, local_deciles
from hiap_geo.geo.lookups import district_counties, ward_lookup
from hiap_geo.plans.schema import (
    AREA_PLURALS,
    INDICATOR_EDITION,
    AreaEntry,
    CodesTarget,
    DecileRule,
    DistrictTarget,
    IndicatorRule,
    ListTarget,
    NamesTarget,
    Plan,
    PlanError,
    PlanResolutionError,
    RuleTarget,
    Target,
    TargetError,
    comparable_indicators,
    indicator_catalogue,
    indicator_name,
)

RESOLVED_COLUMNS = [
    "action_id",
    "priority_id",
    "target_index",
    "target_kind",
    "area_code",
    "area_name",
    "area_type",
    "vintage",
    "specified",
    "how_resolved",
]


def plan_districts(plan: Plan) -> list[str]:
    """District codes the plan covers (its own code, or a county's districts)."""
    code = plan.area.code
    if code.startswith("E1"):
        counties = district_counties()
        members = counties.loc[counties["county_code"] == code, "lad_code"].tolist()
        if not members:
            raise PlanError(f"Plan '{plan.id}': no districts found for county {code}.")
        return sorted(members)
    return [code]


def area_lookup(plan: Plan) -> pd.DataFrame:
    """The LSOA -> ward -> district lookup of the plan's edition, for the plan's districts."""
    lookup = ward_lookup(plan.edition)
    return lookup[lookup["lad_code"].isin(plan_districts(plan))].reset_index(drop=True)


def format_figure(value: float, unit: str = "") -> str:
    """A value with its unit as the page shows it: '21.3%', '21.3% of households', '104.2 per 1,000'."""
    if pd.isna(value):
        return "no value"
    number = f"{value:,.1f}"
    return f"{number}{unit}" if unit.startswith("%") or not unit else f"{number} {unit}"


def indicator_texts(chosen: pd.DataFrame) -> list[str]:
    """Each area's value beside England's with the comparison, e.g. '21.3% vs England 17.3%: Worse (95%)'
    (rows of ``Resolver.indicator_rule``)."""
    return [
        f"{format_figure(v, u)} vs England {format_figure(e, u)}: {label}"
        for v, e, u, label in zip(
            chosen["value"], chosen["england_value"], chosen["unit"], chosen["comparison_label"], strict=True
        )
    ]


@dataclass(frozen=True)
class ResolvedArea:
    code: str
    name: str
    area_type: str
    how: str
    exact: bool = True
    """False when a name matched only ignoring punctuation, case or '&'/'and' (reported, not hidden)."""


@cache
def places_named(year: int, area_type: str) -> dict[str, list[str]]:
    """England's LSOAs or wards of an edition by forgiving name key, as 'District (code)': where a name that
    is not in the plan's area exists elsewhere. Built once per process, so each unknown name is one look-up."""
    lookup = ward_lookup(year).drop_duplicates(f"{area_type}_code")
    places: dict[str, set[str]] = {}
    for name, district, code in zip(lookup[f"{area_type}_name"], lookup["lad_name"], lookup[f"{area_type}_code"],
                                    strict=True):
        places.setdefault(name_key(name), set()).add(f"{district} ({code})")
    return {key: sorted(found) for key, found in places.items()}


class Resolver:
    """Resolves codes, names and rules for one plan against the lookups of its edition.

    Built once per plan so that a page or a check resolving many targets reads each table once.
    """

    def __init__(self, plan: Plan):
        self.plan = plan
        self.edition = edition(plan.edition)
        self.districts = plan_districts(plan)
        self.england = ward_lookup(plan.edition)
        self.lookup = self.england[self.england["lad_code"].isin(self.districts)].reset_index(drop=True)
        if self.lookup.empty:
            raise PlanError(
                f"Plan '{plan.id}': no {self.edition.lsoa_vintage} LSOAs found for {plan.area.code} "
                f"({plan.area.name}) in the {self.edition.label} lookup."
            )
        self.wards = self.lookup.drop_duplicates("ward_code")
        self.area_label = f"{plan.area.name} ({plan.area.code})"
        self._district_areas: list[ResolvedArea] | None = None
        self._keys: dict[str, dict[str, list[int]]] = {}
        self._rows: dict[tuple[str, str], dict[str, object]] = {}

    def _local_keys(self, area_type: str) -> dict[str, list[int]]:
        """Rows of the plan's LSOAs or wards by forgiving name key, built once per plan: resolving a plan
        that names thousands of areas stays linear in the number of names."""
        if area_type not in self._keys:
            table = self.wards if area_type == "ward" else self.lookup
            keys: dict[str, list[int]] = {}
            for index, name in zip(table.index, table[f"{area_type}_name"], strict=True):
                keys.setdefault(name_key(name), []).append(index)
            self._keys[area_type] = keys
        return self._keys[area_type]

    def _first_row(self, table: pd.DataFrame, name: str, column: str, code: str) -> pd.Series | None:
        """The first row of ``table`` (called ``name``) whose ``column`` is ``code``, found through an index built
        once per table: a plan listing tens of thousands of codes is checked in seconds, not minutes."""
        key = (name, column)
        if key not in self._rows:
            self._rows[key] = table.groupby(column, sort=False).indices
        rows = self._rows[key].get(code)
        return None if rows is None else table.iloc[int(rows[0])]

    def vintage(self, area_type: str) -> str:
        return {
            "lsoa": self.edition.lsoa_vintage,
            "ward": self.edition.ward_vintage,
            "district": self.edition.district_vintage,
        }[area_type]

    # -- codes ----------------------------------------------------------------------------------

    def code(self, code: str) -> ResolvedArea:
        """An LSOA or ward code of the edition's vintage inside the plan's area."""
        kind = "lsoa" if code.startswith("E01") else "ward"
        col = f"{kind}_code"
        here = self._first_row(self.lookup, "plan", col, code)
        if here is not None:
            return ResolvedArea(code, here[f"{kind}_name"], kind, f"code {code} ({self.vintage(kind)})")
        row = self._first_row(self.england, "england", col, code)
        if row is not None:
            raise TargetError(
                f"{code} ({row[f'{kind}_name']}) is in {row['lad_name']} ({row['lad_code']}), "
                f"not in the plan's area {self.area_label}.",
                kind="outside_area",
            )
        other = [ed.label for ed in EDITIONS.values() if ed.year != self.plan.edition
                 and self._first_row(ward_lookup(ed.year), str(ed.year), col, code) is not None]
        hint = f" It is a code of the {' and '.join(other)} geography." if other else ""
        raise TargetError(
            f"{code} is not an {kind.upper()} code of {self.vintage(kind)} ({self.edition.label}).{hint}",
            kind="unknown_code",
        )

    # -- names ----------------------------------------------------------------------------------

    def name(self, text: str, area_type: str) -> ResolvedArea:
        """A ward or LSOA name in the plan's area; exact (ignoring case) first, then a forgiving match.

        A forgiving match ('St Marys' for "St Mary's", '&' for 'and') is reported in ``how``, never hidden.
        """
        table = self.wards if area_type == "ward" else self.lookup
        names = table[f"{area_type}_name"]
        exact = table[names.str.casefold() == text.strip().casefold()]
        how = f"{area_type} name '{text}'"
        forgiving = exact.empty
        if exact.empty:
            exact = table.loc[self._local_keys(area_type).get(name_key(text), [])]
            if not exact.empty:
                how += f" matched the official name '{exact.iloc[0][f'{area_type}_name']}' ignoring punctuation"
        if len(exact) == 1:
            row = exact.iloc[0]
            return ResolvedArea(
                row[f"{area_type}_code"],
                row[f"{area_type}_name"],
                area_type,
                how + f" ({self.vintage(area_type)})",
                exact=not forgiving,
            )
        if len(exact) > 1:
            candidates = [
                f"{r[f'{area_type}_code']} {r[f'{area_type}_name']} ({r['lad_name']})" for _, r in exact.iterrows()
            ]
            raise TargetError(
                f"The {area_type} name '{text}' is ambiguous in {self.area_label}.",
                kind="ambiguous_name",
                candidates=candidates,
            )
        close = difflib.get_close_matches(text, names.unique().tolist(), n=5, cutoff=0.6)
        places = places_named(self.plan.edition, area_type).get(name_key(text), [])
        where = f" A {area_type} of that name exists in: {', '.join(places[:8])}." if places else ""
        raise TargetError(
            f"No {area_type} named '{text}' in {self.area_label} ({self.vintage(area_type)}).{where}",
            kind="unknown_name",
            suggestions=close,
        )

    # -- rules ----------------------------------------------------------------------------------

    def rule(self, rule: DecileRule) -> pd.DataFrame:
        """LSOAs selected by a rule, evaluated now on the data: lsoa_code, lsoa_name, decile.

        A rule is evaluated on the plan's own edition. A rule that names the other edition is refused
        (TargetError, kind 'no_data'): its deciles belong to LSOAs of the other vintage, and LSOAs that
        were merged or redrawn between 2011 and 2021 have no decile of the other edition to select on.
        """
        year = self.plan.edition
        if rule.edition is not None and rule.edition != year:
            other = edition(rule.edition)
            raise TargetError(
                f"The rule asks for IoD {rule.edition} deciles, but this plan's codes, names and rules are on "
                f"the {self.edition.label} geography ({self.edition.lsoa_vintage}). {other.lsoa_vintage} LSOAs "
                f"are not the same areas (some were split, merged or redrawn), and merged or redrawn ones have "
                f"no IoD {rule.edition} decile, so the rule cannot select {self.edition.lsoa_vintage} areas. "
                f"Remove 'edition: {rule.edition}' from the rule to use IoD {year} deciles, or transcribe the "
                f"plan on the {other.label} geography ('edition: {rule.edition}' at the top of the file).",
                kind="no_data",
            )
        iod = load_iod(year)
        col = f"{rule.measure}_decile"
        if iod[col].isna().all():
            raise TargetError(
                f"{MEASURES[rule.measure]} deciles are not in the IoD {year} data this tool has.", kind="no_data"
            )
        area = iod[iod["lsoa_code"].isin(self.lookup["lsoa_code"])].copy()
        if rule.decile_type == "local":
            local = local_deciles(area)
            area[col] = local[f"{rule.measure}_local_decile"]
            if area[col].isna().all():
                raise TargetError(
                    f"{self.area_label} has too few LSOAs for local deciles (they are cut only for districts of "
                    "10 or more); use national deciles in this rule.", kind="no_data", field="decile_type",
                )
        in_range = (area[col] >= rule.decile_min) & (area[col] <= rule.decile_max)
        chosen = area[in_range.fillna(False).astype(bool)]
        return pd.DataFrame(
            {"lsoa_code": chosen["lsoa_code"], "lsoa_name": chosen["lsoa_name"], "decile": chosen[col].astype(int)}
        ).reset_index(drop=True)

    def indicator_rule(self, rule: IndicatorRule) -> pd.DataFrame:
        """Areas an indicator rule selects, evaluated now on the data: code, name, area_type, value, lower,
        upper, england_value, comparison, comparison_label, unit, polarity (one row per area, most adverse first).

        The comparison is ``indicators.compare`` with England at the rule's level. Refused (TargetError naming
        the rule's field) when the catalogue has no such indicator, when it is not published for the rule's
        area type or has no confidence limits or polarity, when the data has no limits at the level, and when
        the plan is not on the indicators' geography (LSOA 2021, wards 2024): a significance found for one
        set of areas says nothing about differently drawn ones, so nothing is mapped across.
        """
        from hiap_geo.indicators import aggregate, catalogue, compare, readers

        table = indicator_catalogue()
        if rule.indicator not in table.index:
            close = difflib.get_close_matches(rule.indicator, table.index.tolist(), n=5, cutoff=0.6)
            raise TargetError(
                f"Rule field 'indicator': '{rule.indicator}' is not an indicator this tool has (the ids are those "
                f"of indicators.catalogue(), e.g. on the Indicators page). Indicators an indicator rule can use for "
                f"{AREA_PLURALS[rule.area_type]}: {', '.join(comparable_indicators(rule.area_type)['indicator_id'])}.",
                kind="unknown_indicator",
                suggestions=close,
                field="indicator",
            )
        row = table.loc[rule.indicator]
        usable = ", ".join(comparable_indicators(rule.area_type)["indicator_id"]) or "none"
        name = indicator_name(rule.indicator)
        if rule.area_type not in row["area_types"].split(", "):
            raise TargetError(
                f"Rule field 'area_type': {name} is published for {row['area_types']} areas, not for "
                f"{AREA_PLURALS[rule.area_type]}; an indicator rule selects LSOAs or wards with their own values. "
                f"Indicators it can use for {AREA_PLURALS[rule.area_type]}: {usable}.",
                kind="no_data",
                field="area_type",
            )
        if row["limits"] == "none":
            raise TargetError(
                f"Rule field 'indicator': {name} has no confidence limits ({row['statistic']}s as published, "
                f"without the counts limits need), so no area can be significantly better or worse than England "
                f"on it. Indicators with limits for {AREA_PLURALS[rule.area_type]}: {usable}.",
                kind="no_data",
                field="indicator",
            )
        if row["polarity"] == "no_judgement":
            raise TargetError(
                f"Rule field 'comparison': {name} has no polarity (neither high nor low is better), so it cannot "
                f"be '{rule.comparison}' than England. Indicators it can use: {usable}.",
                kind="no_data",
                field="comparison",
            )
        if self.plan.edition != INDICATOR_EDITION:
            ours, theirs = self.edition, edition(INDICATOR_EDITION)
            raise TargetError(
                f"Rule field 'indicator': {name} is on the {theirs.label} geography ({theirs.lsoa_vintage}, "
                f"{theirs.ward_vintage}), but this plan's codes, names and rules are on the {ours.label} geography "
                f"({ours.lsoa_vintage}, {ours.ward_vintage}). Those are not the same areas (LSOAs were split, "
                f"merged or redrawn, wards redrawn), and whether one area is significantly worse than England says "
                f"nothing about another, so the rule cannot select {ours.lsoa_vintage} areas or their wards. Use an "
                f"lsoa_decile rule on this plan, or transcribe the plan on the {theirs.label} geography "
                f"('edition: {INDICATOR_EDITION}' at the top of the file, with its codes and names).",
                kind="no_data",
                field="indicator",
            )
        spec = next(s for s in catalogue.LSOA_SPECS if s.id == rule.indicator)
        build = readers.lsoa_indicators if rule.area_type == "lsoa" else aggregate.ward_indicators
        try:
            rows = build(self.districts, [spec])
            england = aggregate.england_indicators([spec])
        except HiapGeoError as exc:
            raise TargetError(f"{name} cannot be evaluated for {self.area_label}: {exc}", kind="no_data") from exc
        from hiap_geo.indicators.stats import CONFIDENCE_KEYS  # scipy: loaded only for indicator rules

        key = CONFIDENCE_KEYS[rule.level]  # the suffix of the limit columns (lower_95, lower_998)
        if rows.empty or rows[[f"lower_{key}", f"upper_{key}"]].isna().all().all():
            raise TargetError(
                f"Rule field 'level': the data has no {rule.level:g}% limits of {name} for the "
                f"{AREA_PLURALS[rule.area_type]} of {self.area_label}, so nothing can be compared at that level.",
                kind="no_data",
                field="level",
            )
        if rows["period"].nunique() > 1:
            raise TargetError(
                f"{name} has several periods ({', '.join(sorted(rows['period'].unique()))}); an indicator rule "
                f"needs one.",
                kind="no_data",
                field="indicator",
            )
        if england.empty or england["value"].isna().all():
            raise TargetError(f"The data has no England value of {name} to compare with.", kind="no_data")
        compared = compare.compare(rows, england, level=key)
        names = self.lookup.drop_duplicates(f"{rule.area_type}_code").set_index(f"{rule.area_type}_code")
        names = names[f"{rule.area_type}_name"]
        unknown = sorted(set(compared["area_code"]) - set(names.index))
        if unknown:
            raise UnmatchedCodes(f"{name} for {self.area_label} with the {self.edition.label} lookup", unknown, [])
        chosen = compared[compared["comparison"] == rule.comparison]
        chosen = chosen.sort_values(
            ["value", "area_code"], ascending=[spec.polarity == "high_is_good", True], na_position="last"
        )
        return pd.DataFrame(
            {
                "code": chosen["area_code"],
                "name": chosen["area_code"].map(names),
                "area_type": rule.area_type,
                "value": chosen["value"],
                "lower": chosen[f"lower_{key}"],
                "upper": chosen[f"upper_{key}"],
                "england_value": chosen["comparator_value"],
                "comparison": chosen["comparison"],
                "comparison_label": chosen["comparison_label"],
                "unit": chosen["unit"],
                "polarity": chosen["polarity"],
            }
        ).reset_index(drop=True)

    def select(self, rule: DecileRule | IndicatorRule) -> list[ResolvedArea]:
        """The areas a rule selects now, each with how it was selected (its decile, or its value and England's)."""
        desc = rule.describe(self.plan.edition)
        if isinstance(rule, DecileRule):
            deciles = self.rule(rule)
            return [
                ResolvedArea(r.lsoa_code, r.lsoa_name, "lsoa", f"rule: {desc} (decile {r.decile})")
                for r in deciles.itertuples()
            ]
        chosen = self.indicator_rule(rule)
        return [
            ResolvedArea(r.code, r.name, r.area_type, f"rule: {desc} ({figures})")
            for r, figures in zip(chosen.itertuples(), indicator_texts(chosen), strict=True)
        ]

    # -- targets --------------------------------------------------------------------------------

    def entry(self, entry: AreaEntry) -> ResolvedArea:
        if entry.code is not None:
            return self.code(entry.code)
        return self.name(str(entry.name), entry.kind)

    def district_areas(self) -> list[ResolvedArea]:
        """The plan's districts, listed once per resolver: a plan's district-wide actions (36 of Tunbridge Wells'
        37) each reach them, and listing them took 2 ms a time."""
        if self._district_areas is None:
            districts = self.lookup.drop_duplicates("lad_code")
            self._district_areas = [ResolvedArea(code, name, "district", "")
                                    for code, name in zip(districts["lad_code"], districts["lad_name"], strict=True)]
        return list(self._district_areas)

    def target(self, target: Target) -> Iterator[ResolvedArea]:
        """Every area a target reaches; raises TargetError for the first code or name it cannot resolve."""
        if isinstance(target, CodesTarget):
            for code in target.codes:
                yield self.code(code)
        elif isinstance(target, NamesTarget):
            for name in target.names:
                yield self.name(name, target.area_type)
        elif isinstance(target, RuleTarget):
            yield from self.select(target.rule)
        elif isinstance(target, ListTarget):
            lst = self.plan.area_list(target.list)
            seen: set[str] = set()
            for entry in lst.entries:
                area = self.entry(entry)
                if area.code not in seen:  # a list that names an area twice still reaches it once
                    seen.add(area.code)
                    yield ResolvedArea(area.code, area.name, area.area_type, f"area list '{lst.id}': {area.how}")
        elif isinstance(target, DistrictTarget):
            how = "whole area, as the document says" if target.specified else "whole area: the document names no place"
            for area in self.district_areas():
                yield ResolvedArea(area.code, area.name, "district", how)


def resolve_targets(plan: Plan, strict: bool = True) -> pd.DataFrame:
    """One row per (action, area reached): action_id, priority_id, area_code, area_type, how_resolved...

    ``specified`` is False for actions whose document names no place (whole district by default).
    With ``strict`` an unresolvable target raises PlanResolutionError listing every one; without it
    those targets are skipped (``plan check`` reports them).
    """
    resolver = Resolver(plan)
    rows: list[dict[str, Any]] = []
    errors: list[tuple[str, TargetError]] = []
    for action in plan.actions:
        for i, target in enumerate(action.target_areas):
            try:
                areas = list(resolver.target(target))
            except TargetError as exc:
                errors.append((f"action {action.id}, target {i + 1} ({target.kind})", exc))
                continue
            specified = not (isinstance(target, DistrictTarget) and not target.specified)
            for area in areas:
                rows.append(
                    {
                        "action_id": action.id,
                        "priority_id": action.priority,
                        "target_index": i,
                        "target_kind": target.kind,
                        "area_code": area.code,
                        "area_name": area.name,
                        "area_type": area.area_type,
                        "vintage": resolver.vintage(area.area_type),
                        "specified": specified,
                        "how_resolved": area.how,
                    }
                )
    if errors and strict:
        raise PlanResolutionError(plan.id, errors)
    return pd.DataFrame(rows, columns=RESOLVED_COLUMNS)


def resolve_area_lists(plan: Plan, strict: bool = True) -> pd.DataFrame:
    """One row per entry of every area list the document gives, with the area it resolves to.

    Duplicated entries are kept (the page and ``plan check`` show them as the document has them).
    """
    resolver = Resolver(plan)
    rows: list[dict[str, Any]] = []
    errors: list[tuple[str, TargetError]] = []
    for lst in plan.area_lists:
        for i, entry in enumerate(lst.entries):
            try:
                area = resolver.entry(entry)
            except TargetError as exc:
                errors.append((f"area list {lst.id}, entry {i + 1} ('{entry.text}')", exc))
                continue
            rows.append(
                {
                    "list_id": lst.id,
                    "list_title": lst.title,
                    "entry_index": i,
                    "text": entry.text,
                    "area_code": area.code,
                    "area_name": area.name,
                    "area_type": area.area_type,
                    "vintage": resolver.vintage(area.area_type),
                    "stated_ward": entry.ward,
                    "stated_decile": entry.decile,
                    "stated_value": entry.value,
                    "how_resolved": area.how,
                }
            )
    if errors and strict:
        raise PlanResolutionError(plan.id, errors)
    columns = [
        "list_id",
        "list_title",
        "entry_index",
        "text",
        "area_code",
        "area_name",
        "area_type",
        "vintage",
        "stated_ward",
        "stated_decile",
        "stated_value",
        "how_resolved",
    ]
    return pd.DataFrame(rows, columns=columns)


def lsoa_reach(plan: Plan, resolved: pd.DataFrame | None = None) -> pd.DataFrame:
    """Which LSOAs (of the plan's edition) each action reaches, and how: 'lsoa', 'ward' or 'district'.

    Wards reach their LSOAs through the edition's best-fit lookup; a district-wide action reaches every
    LSOA of the area. Columns: action_id, priority_id, lsoa_code, reach, specified.

    Every resolved area must be in the plan's lookup (``resolve_targets`` only gives such areas); a
    ``resolved`` table holding any other code (another vintage, another area) raises UnmatchedCodes
    naming them, rather than losing those rows.
    """
    resolved = resolve_targets(plan) if resolved is None else resolved
    lookup = area_lookup(plan)
    keys = {"lsoa": "lsoa_code", "ward": "ward_code", "district": "lad_code"}
    known = pd.Series(False, index=resolved.index)
    for area_type, key in keys.items():
        rows = resolved["area_type"] == area_type
        known[rows] = resolved.loc[rows, "area_code"].isin(lookup[key])
    if not known.all():
        unmatched = resolved[~known]
        raise UnmatchedCodes(
            f"the targets of plan '{plan.id}' with the {edition(plan.edition).label} lookup of {plan.area.name}",
            sorted(f"{c} ({t})" for c, t in set(zip(unmatched["area_code"], unmatched["area_type"], strict=True))),
            [],
        )
    parts = []
    for area_type, key in keys.items():
        sub = resolved[resolved["area_type"] == area_type]
        if sub.empty:
            continue
        links = pd.DataFrame({"area_code": lookup[key], "lsoa": lookup["lsoa_code"]})
        joined = sub.merge(links, on="area_code")
        parts.append(
            pd.DataFrame(
                {
                    "action_id": joined["action_id"],
                    "priority_id": joined["priority_id"],
                    "lsoa_code": joined["lsoa"],
                    "reach": area_type,
                    "specified": joined["specified"],
                }
            )
        )
    columns = ["action_id", "priority_id", "lsoa_code", "reach", "specified"]
    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts, ignore_index=True)
    # An action reaching an LSOA several ways keeps the most specific way.
    order = {"lsoa": 0, "ward": 1, "district": 2}
    out = out.assign(_o=out["reach"].map(order)).sort_values(["action_id", "lsoa_code", "_o"])
    return out.drop_duplicates(["action_id", "lsoa_code"]).drop(columns="_o").reset_index(drop=True)


"""Progress against baseline: what happened, between the IMD 2019 and 2025, in the areas a plan targets.

Three groups of LSOAs 2021 are compared on the ONS 2011-2021 crosswalk (``geo.deprivation.compare_editions``),
directly comparable LSOAs only, with counts of those left out:

- the **targeted** LSOAs: those the plan's actions (all, one priority or one action) name, through their codes,
  names, wards, rules or lists (``plans.resolve.lsoa_reach``); district-wide reach does not count, so a plan of
  actions that name no place has no targeted areas, and says so;
- the **rest of the district**: its other comparable LSOAs;
- **matched areas**: untargeted comparable LSOAs of the same 2019 decile in the same ONS region outside the
  plan's area, weighted so that each 2019 decile counts as often as among the targeted LSOAs.

With the district's slope and relative index of inequality of IMD score across its within-district deciles in
both editions, and the indicators the plan links to its actions (``Plan.indicators``) at baseline and latest.

Honest by construction: every figure carries what it can and cannot show. The IMD ranks areas against each
other (a decile moves when other areas move); the IoD 2025 uses data mostly from 2021-23, so a plan begun in
2023 cannot show in it; a change within its confidence interval is 'no clear change'. Nothing here says that
a plan caused a change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from hiap_geo.core.editions import IOD2019, IOD2025
from hiap_geo.geo.deprivation import compare_editions, load_iod, local_deciles
from hiap_geo.geo.lookups import district_regions, lsoa_crosswalk
from hiap_geo.indicators import stats
from hiap_geo.plans.resolve import lsoa_reach, plan_districts, resolve_targets
from hiap_geo.plans.schema import IndicatorLink, Plan, PlanError, indicator_catalogue

Scope = Literal["all", "priority", "action"]

GROUPS: dict[str, str] = {
    "targeted": "Areas the plan targets",
    "rest": "Rest of the district",
    "matched": "Matched areas elsewhere in the region",
}
"""Group key -> the label a table shows."""

DEPRIVED_DECILES: tuple[int, int] = (1, 2)
"""The deciles whose residents' share is reported: the most deprived 20% of England's LSOAs."""

IOD2025_DATA_YEARS: str = "2021-23"
"""The years most of the IoD 2025's indicators describe (MHCLG's technical report): what it can show."""

SII_REPETITIONS: int = 20_000
"""Simulations behind the SII's confidence limits (repeatable for the seed; about a tenth of a second)."""

NOTES: dict[str, str] = {
    "relative": (
        "The IMD ranks small areas against each other: a decile or score that moves says where an area now stands "
        "among England's areas, not that life there got better or worse, and a move can come from other areas "
        "changing."
    ),
    "timing": (
        f"The IoD 2025 uses data mostly from {IOD2025_DATA_YEARS} and the IoD 2019 data mostly from 2015-17: "
        "a plan begun in or after 2023 cannot show in them."
    ),
    "crosswalk": (
        "LSOAs are compared on the 2021 geography through the ONS 2011-2021 lookup; LSOAs whose 2011 areas were "
        "merged from different deciles or redrawn are not directly comparable and are left out (counted)."
    ),
    "residents": (
        "Residents are counted at Census 2021 for both editions, so a change in the share is a change in the "
        "deciles, not in the population."
    ),
    "matched": (
        "Matched areas are untargeted LSOAs outside the plan's area, in the same region and of the same 2019 "
        "decile as a targeted LSOA, weighted so each 2019 decile counts as often as among the targeted LSOAs. "
        "Their counts of LSOAs are as found; their means and shares are weighted. They show what happened in "
        "similar places; they do not show what would have happened without the plan."
    ),
    "sii": (
        "The slope index of inequality (SII) is the modelled gap in IMD score between the most and the least "
        "deprived ends of the district (its LSOAs in within-district tenths); the relative index (RII) is the "
        "ratio of the two ends, unstable when the least deprived end's modelled score is near zero. The IMD has no "
        "published error: the limits reflect how LSOA scores vary within "
        "each tenth. The two editions' scores are not on an identical scale; limits that overlap mean no clear "
        "change."
    ),
    "indicators": (
        "Each indicator is shown at its first and latest period in the data, for the district. A change is 'no "
        "clear change' when the two periods' 95% confidence intervals overlap; an indicator published without "
        "intervals shows its direction only, untested."
    ),
}


@dataclass(frozen=True)
class Selection:
    """Which of a plan's actions are counted: all, one priority's or one action."""

    scope: Scope = "all"
    key: str | None = None

    def label(self, plan: Plan) -> str:
        if self.scope == "priority":
            titles = {p.id: p.title for p in plan.priorities}
            return f"priority {self.key} ({titles.get(str(self.key), 'unknown')})"
        if self.scope == "action":
            return f"action {self.key}"
        return "all actions"

    def action_ids(self, plan: Plan) -> list[str]:
        if self.scope == "priority":
            if self.key not in {p.id for p in plan.priorities}:
                raise PlanError(f"Plan '{plan.id}' has no priority '{self.key}'.")
            return [a.id for a in plan.actions if a.priority == self.key]
        if self.scope == "action":
            plan.action(str(self.key))  # raises PlanError naming the plan when it has no such action
            return [str(self.key)]
        return [a.id for a in plan.actions]


ALL_ACTIONS = Selection()
"""Every action of the plan (the default selection)."""


@dataclass
class Progress:
    """Progress against baseline for one plan and selection (``progress_against_baseline``).

    - ``groups``: one row per group (GROUPS): LSOAs compared, left out, mean IMD decile and score 2019 and 2025,
      LSOAs more / equally / less deprived by decile, residents' share in deciles 1-2 in both editions;
    - ``targeted``: the targeted LSOAs 2021, one row each with their 2019 and 2025 deciles (and those left out);
    - ``matched``: the matched LSOAs with their weights;
    - ``sii``: one row per edition: SII with its 95% limits, RII, the LSOAs and tenths behind it;
    - ``indicators``: one row per indicator link: baseline and latest period and value, change in words;
    - ``notes``: what each figure can and cannot show (NOTES, and the plan's timing).
    """

    plan_id: str
    selection: str
    region: str
    groups: pd.DataFrame
    targeted: pd.DataFrame
    matched: pd.DataFrame
    sii: pd.DataFrame
    indicators: pd.DataFrame
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def has_targets(self) -> bool:
        return bool(len(self.targeted))


def plan_start_year(plan: Plan) -> int | None:
    """The first year of a plan's period ('2023-25' -> 2023, '2013/15' -> 2013); None when it names no year."""
    found = re.search(r"(19|20)\d{2}", plan.period)
    return int(found.group(0)) if found else None


def targeted_lsoas(plan: Plan, selection: Selection = ALL_ACTIONS, resolved: pd.DataFrame | None = None) -> set[str]:
    """LSOA codes (of the plan's edition) the selected actions name: district-wide reach is not targeting."""
    reach = lsoa_reach(plan, resolve_targets(plan) if resolved is None else resolved)
    ids = set(selection.action_ids(plan))
    chosen = reach[reach["action_id"].isin(ids) & (reach["reach"] != "district")]
    return set(chosen["lsoa_code"])


def _on_2021_geography(plan: Plan, codes: set[str], table: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Which LSOAs 2021 are targeted (every 2011 parent targeted) and which only partly (some parents)."""
    if plan.edition == IOD2025.year:
        hit = table["lsoa21_code"].isin(codes)
        return hit, pd.Series(False, index=table.index)
    links = lsoa_crosswalk()
    links = links.assign(hit=links["lsoa11_code"].isin(codes))
    share = links.groupby("lsoa21_code")["hit"].mean()
    share = table["lsoa21_code"].map(share).fillna(0.0)
    return share.eq(1.0), share.gt(0.0) & share.lt(1.0)


def _weighted_mean(values: pd.Series, weights: pd.Series) -> float:
    ok = values.notna() & weights.gt(0)
    if not ok.any():
        return float("nan")
    return float(np.average(values[ok].astype(float), weights=weights[ok].astype(float)))


def _group_row(key: str, rows: pd.DataFrame, left_out: int, weights: pd.Series | None = None) -> dict[str, object]:
    """One group's summary; ``weights`` (matched areas) make each 2019 decile count as among the targeted."""
    w = pd.Series(1.0, index=rows.index) if weights is None else weights.reindex(rows.index).fillna(0.0)
    pop = rows["population"].astype(float) * w
    d19, d25 = rows["imd2019_decile"].astype(float), rows["imd2025_decile"].astype(float)
    delta = rows["imd_decile_change"].astype(float)
    low, high = DEPRIVED_DECILES
    deprived = {year: _weighted_mean(d.between(low, high).astype(float), pop) * 100
                for year, d in (("2019", d19), ("2025", d25))}
    return {
        "group": key,
        "label": GROUPS[key],
        "lsoas": len(rows),
        "left_out": left_out,
        "imd2019_decile": _weighted_mean(d19, w),
        "imd2025_decile": _weighted_mean(d25, w),
        "imd2019_score": _weighted_mean(rows["imd2019_score"].astype(float), w),
        "imd2025_score": _weighted_mean(rows["imd2025_score"].astype(float), w),
        "more_deprived": int((delta < 0).sum()),
        "same_decile": int((delta == 0).sum()),
        "less_deprived": int((delta > 0).sum()),
        "deprived_share_2019": deprived["2019"],
        "deprived_share_2025": deprived["2025"],
    }


def district_sii(lad_codes: list[str], year: int, repetitions: int = SII_REPETITIONS) -> dict[str, object]:
    """SII and RII of IMD score across a district's within-district tenths of LSOAs, in one IoD edition.

    Each tenth's value is its LSOAs' population-weighted mean score; its standard error the weighted spread
    of those scores over the square root of their number (the IMD publishes no error of its own). Tenth 1 is
    the most deprived; the SII is signed so that a positive gap means more deprivation at the deprived end.
    """
    iod = load_iod(year)
    table = iod[iod["lad_code"].isin(lad_codes)].copy()
    if table.empty:  # a district whose code changed between editions: take the LSOAs of its 2025 area
        raise PlanError(f"No IoD {year} LSOAs for {', '.join(lad_codes)}: the district's code is of another year.")
    table["lad_group"] = "plan"
    table["tenth"] = local_deciles(table, group="lad_group")["imd_local_decile"]
    rows = []
    for tenth, part in table.groupby("tenth"):
        weights = part["population"].astype(float)
        mean = float(np.average(part["imd_score"], weights=weights))
        spread = float(np.sqrt(np.average((part["imd_score"] - mean) ** 2, weights=weights)))
        rows.append({"tenth": int(tenth), "population": weights.sum(), "value": mean,
                     "se": max(spread / np.sqrt(len(part)), 1e-9)})
    tenths = pd.DataFrame(rows)
    result = stats.slope_index_of_inequality(tenths["tenth"], tenths["population"], tenths["value"],
                                             se=tenths["se"], multiplier=-1.0, repetitions=repetitions)
    return {
        "edition": year,
        "lsoas": len(table),
        "tenths": result.quantiles,
        "sii": result.sii,
        "sii_lower_95": result.sii_lower_95,
        "sii_upper_95": result.sii_upper_95,
        "rii": result.rii,
        "method": result.method,
    }


def _sii_table(plan: Plan) -> pd.DataFrame:
    """Both editions' SII; an edition that cannot give one (a district code of another year, too few LSOAs)
    says why in ``change`` rather than stopping the pack."""
    districts = plan_districts(plan)
    rows: list[dict[str, object]] = []
    for year in (IOD2019.year, IOD2025.year):
        try:
            rows.append({**district_sii(districts, year), "change": ""})
        except (PlanError, stats.StatisticsError) as exc:
            rows.append({"edition": year, "lsoas": 0, "tenths": 0, "sii": np.nan, "sii_lower_95": np.nan,
                         "sii_upper_95": np.nan, "rii": np.nan, "method": "", "change": f"not computed: {exc}"})
    table = pd.DataFrame(rows)
    first, last = rows
    if pd.isna(first["sii"]) or pd.isna(last["sii"]):
        return table
    apart = last["sii_lower_95"] > first["sii_upper_95"] or last["sii_upper_95"] < first["sii_lower_95"]
    if not apart:
        change = "no clear change (the 95% limits overlap)"
    else:
        change = "a wider gap than in 2019" if last["sii"] > first["sii"] else "a narrower gap than in 2019"
    table.loc[1, "change"] = change
    return table


INDICATOR_COLUMNS = ["indicator_id", "indicator_name", "measure", "actions", "area", "baseline_period",
                     "baseline_value", "latest_period", "latest_value", "unit", "change", "caveat"]


def _indicator_rows(indicator_id: str, districts: list[str]) -> pd.DataFrame:
    """The district rows of an indicator, every period the data has (Health Index, DWP; others one period)."""
    from hiap_geo.indicators.readers import dwp_indicators, health_index_indicators, load_indicators

    if indicator_id.startswith("hi_"):
        rows = health_index_indicators(districts)
    elif indicator_id.startswith("dwp_"):
        rows = dwp_indicators(districts, with_comparators=True)
    else:
        rows = load_indicators(districts, include_england=False)
    rows = rows[(rows["indicator_id"] == indicator_id) & rows["area_code"].isin(districts)]
    return rows.sort_values("period")


def _change_words(first: pd.Series, last: pd.Series) -> str:
    """'no clear change', 'higher (worse)', ... by the intervals; direction only when there are none."""
    if pd.isna(first["value"]) or pd.isna(last["value"]):
        return "no value in one of the periods"
    direction = "higher" if last["value"] > first["value"] else "lower" if last["value"] < first["value"] else "same"
    judged = {("higher", "low_is_good"): "worse", ("lower", "low_is_good"): "better",
              ("higher", "high_is_good"): "better", ("lower", "high_is_good"): "worse"}.get(
        (direction, str(last["polarity"])))
    limits = [first["lower_95"], first["upper_95"], last["lower_95"], last["upper_95"]]
    if any(pd.isna(v) for v in limits):
        if direction == "same":
            return "the same value (no interval published: not tested)"
        return f"{direction}{f' ({judged})' if judged else ''}: no interval published, so not tested"
    if last["lower_95"] <= first["upper_95"] and first["lower_95"] <= last["upper_95"]:
        return "no clear change (the 95% intervals overlap)"
    return f"{direction}{f' ({judged})' if judged else ''}: outside the 95% intervals"


def indicator_progress(plan: Plan, links: list[IndicatorLink] | None = None) -> pd.DataFrame:
    """For each indicator the plan links to its actions: the district's first and latest period in the data,
    the change in words and what it cannot show (one period only, data older than the plan)."""
    links = plan.indicators if links is None else links
    catalogue = indicator_catalogue()
    start = plan_start_year(plan)
    districts = plan_districts(plan)
    names = {code: name for code, name in zip(district_regions()["lad_code"], district_regions()["lad_name"],
                                              strict=True)}
    out = []
    for link in links:
        known = link.indicator in catalogue.index
        name = str(catalogue.at[link.indicator, "indicator_name"]) if known else link.indicator
        unknown_actions = [a for a in link.actions if a not in {x.id for x in plan.actions}]
        base = {"indicator_id": link.indicator, "indicator_name": name, "measure": link.measure,
                "actions": ", ".join(link.actions), "area": plan.area.name, "baseline_period": "",
                "baseline_value": np.nan, "latest_period": "", "latest_value": np.nan, "unit": "",
                "change": "", "caveat": ""}
        if unknown_actions:
            base["caveat"] = f"The plan has no action {', '.join(unknown_actions)}. "
        if not known:
            out.append({**base, "change": "not in the data",
                        "caveat": base["caveat"] + "HIAP Geo's data has no indicator of this id."})
            continue
        rows = _indicator_rows(link.indicator, districts)
        if rows.empty:
            out.append({**base, "change": "not in the data for this area",
                        "caveat": base["caveat"] + "The indicator has no district value for this area."})
            continue
        for district, part in rows.groupby("area_code", sort=True):
            first, last = part.iloc[0], part.iloc[-1]
            caveat = str(base["caveat"])
            if first["period"] == last["period"]:
                change = "one period only: no change can be shown"
            else:
                change = _change_words(first, last)
            years = re.findall(r"(?:19|20)\d{2}", str(last["period"]))
            if start is not None and years and int(years[-1]) < start:
                caveat += (f"The latest data ({last['period']}) are from before the plan began ({start}): they cannot "
                           "show it.")
            out.append({**base, "area": names.get(district, plan.area.name) if len(districts) > 1 else plan.area.name,
                        "baseline_period": str(first["period"]), "baseline_value": float(first["value"]),
                        "latest_period": str(last["period"]), "latest_value": float(last["value"]),
                        "unit": str(last["unit"]) if pd.notna(last["unit"]) else "", "change": change,
                        "caveat": caveat.strip()})
    return pd.DataFrame(out, columns=INDICATOR_COLUMNS)


def progress_against_baseline(plan: Plan, selection: Selection = ALL_ACTIONS,
                              resolved: pd.DataFrame | None = None) -> Progress:
    """Targeted LSOAs against the rest of the district and matched areas, IMD 2019 -> 2025 (module docstring)."""
    codes = targeted_lsoas(plan, selection, resolved)
    chosen_ids = set(selection.action_ids(plan))
    table = compare_editions()
    iod25 = load_iod(IOD2025.year)[["lsoa_code", "population"]].rename(columns={"lsoa_code": "lsoa21_code"})
    table = table.merge(iod25, on="lsoa21_code", how="left", validate="one_to_one")
    districts = plan_districts(plan)
    regions = district_regions()
    region_of = dict(zip(regions["lad_code"], regions["region_code"], strict=True))
    region_names = dict(zip(regions["region_code"], regions["region_name"], strict=True))
    plan_regions = {region_of[d] for d in districts if d in region_of}
    table["region_code"] = table["lad_code"].map(region_of)
    hit, partly = _on_2021_geography(plan, codes, table)
    in_area = table["lad_code"].isin(districts)
    comparable = table["comparable"]

    targeted_all = table[hit]
    targeted = table[hit & comparable]
    rest_all = table[in_area & ~hit & ~partly]
    rest = rest_all[rest_all["comparable"]]
    mix = targeted["imd2019_decile"].value_counts()
    peers = table[~in_area & table["region_code"].isin(plan_regions) & comparable
                  & table["imd2019_decile"].isin(mix.index)].copy()
    peer_counts = peers["imd2019_decile"].value_counts()
    peers["weight"] = peers["imd2019_decile"].map(lambda d: mix[d] / peer_counts[d]).astype(float)

    groups = pd.DataFrame([
        _group_row("targeted", targeted, len(targeted_all) - len(targeted)),
        _group_row("rest", rest, len(rest_all) - len(rest)),
        _group_row("matched", peers, 0, peers["weight"]),
    ])
    start = plan_start_year(plan)
    notes = dict(NOTES)
    if start is not None and start >= 2023:
        notes["timing"] += f" This plan began in {start}: these figures are its baseline, not its results."
    if not len(targeted_all):
        notes["targeted"] = (f"The selected actions ({selection.label(plan)}) name no LSOA, ward or rule: they reach "
                             "the whole district, so there are no targeted areas to compare.")
    if int(partly[in_area].sum()):
        notes["partly"] = (f"{int(partly[in_area].sum())} LSOAs 2021 of the area contain only part of a targeted "
                           "2011 area and are left out of both the targeted areas and the rest of the district.")
    columns = ["lsoa21_code", "lsoa_name", "lsoa11_codes", "change_description", "imd2019_decile", "imd2025_decile",
               "imd_decile_change", "imd2019_score", "imd2025_score", "population", "comparable", "comparison_basis"]
    return Progress(
        plan_id=plan.id,
        selection=selection.label(plan),
        region=", ".join(sorted(region_names[r] for r in plan_regions)),
        groups=groups,
        targeted=targeted_all[columns].reset_index(drop=True),
        matched=peers[[*columns, "lad_code", "weight"]].reset_index(drop=True),
        sii=_sii_table(plan),
        indicators=indicator_progress(plan, [link for link in plan.indicators if set(link.actions) & chosen_ids]),
        notes=notes,
    )

"""The profile's sections that other modules feed: health indicators and plan actions.

Each returns an ``OptionalSection``: its tables when there is data for the area, else a note that
says why not (no plan transcribed, an area only in the 2011 geography...). Kept apart from
``assemble`` because these are the profile's only readers of the indicators and plans packages.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pandas as pd

from hiap_geo.core.areas import ENGLAND_CODE
from hiap_geo.core.editions import EDITIONS, IOD2025
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.geo.lookups import lsoa_crosswalk
from hiap_geo.indicators.aggregate import (
    district_indicators,
    england_indicators,
    indicators_for_lsoas,
    not_comparable_with_england,
    ward_indicators,
)
from hiap_geo.indicators.catalogue import DWP_DENOMINATOR_YEAR, HEALTH_INDEX_NOTE, LSOA_SPECS, QOF_DATASET, QOF_IDS
from hiap_geo.indicators.compare import compare
from hiap_geo.indicators.readers import (
    dwp_indicators,
    health_index_indicators,
    lsoa_indicators,
    msoa_census_indicators,
    qof_indicators,
    qof_indicators_for_lsoas,
)
from hiap_geo.plans import progress
from hiap_geo.plans.load import load_plan, plan_files
from hiap_geo.plans.resolve import lsoa_reach, resolve_targets
from hiap_geo.plans.schema import Plan
from hiap_geo.plans.status import status_label
from hiap_geo.render.profile.model import (
    MAIN_YEAR,
    OTHER_YEAR,
    Cell,
    EditionFigures,
    Num,
    NumberFormat,
    OptionalSection,
    ProfileArea,
    ProfileTable,
)
from hiap_geo.render.profile.positions import (
    UNITS,
    decile_text,
    local_rank_text,
    national_decile,
    not_placed,
    similar_level,
)

GROUP_CODE = "custom group"


def _indicator_rows(
    area: ProfileArea, lsoa_codes: list[str], districts: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The area's rows of the LSOA-based indicators, built from its LSOAs as the indicators package builds
    wards', and the rows of its district's areas of the same kind (its peers; none for a district; for a group,
    the district's areas of about its size)."""
    if area.kind == "lsoa":
        rows = lsoa_indicators(districts)
    elif area.kind == "ward":
        rows = ward_indicators(districts)
    elif area.kind == "district":
        rows = district_indicators(districts)
    else:  # a group: its peers are the district's areas of about its size
        level = similar_level(len(lsoa_codes))
        peers = (ward_indicators if level == "ward" else lsoa_indicators)(districts)
        return indicators_for_lsoas(lsoa_codes, area_code=GROUP_CODE), peers[peers["area_type"] == level]
    own = rows[rows["area_code"] == area.members[0].code].reset_index(drop=True)
    peers = rows[rows["area_type"] == area.kind] if area.kind != "district" else pd.DataFrame()
    return own, peers


def _qof_rows(area: ProfileArea, lsoa_codes: list[str], districts: list[str]
              ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The area's QOF register rows, its district's areas of the same kind (peers) and the district and England
    rows to compare with (a group: built from its LSOAs' MSOAs, as a ward's are)."""
    rows = qof_indicators(districts)
    comparators = rows[rows["area_type"].isin(["district", "england"])]
    if area.is_group:
        return qof_indicators_for_lsoas(lsoa_codes, area_code=GROUP_CODE), pd.DataFrame(), comparators
    own = rows[(rows["area_type"] == area.kind) & (rows["area_code"] == area.members[0].code)]
    peers = rows[rows["area_type"] == area.kind] if area.kind != "district" else pd.DataFrame()
    return own.reset_index(drop=True), peers, comparators


def _positions(r: pd.Series, level: str, peers: pd.DataFrame, group: bool = False) -> tuple[str, str]:
    """For a row with no interval: its decile among English areas and its place in the district, in words (a
    group's among English areas of about its size, and said so).

    A QOF register estimate is placed among English MSOAs (it is modelled for MSOAs), whatever the area."""
    qof = r["indicator_id"] in QOF_IDS
    value, polarity = r["value"], str(r["polarity"])
    decile_level = "msoa" if qof else level
    decile = national_decile(str(r["indicator_id"]), str(r["period"]), value, polarity, decile_level)
    national = decile_text(decile, polarity, decile_level) if decile else not_placed(decile_level)
    if decile and group and not qof:
        national += " (areas of about the group's size)"
    local = "-"
    if not peers.empty:
        same = peers[(peers["indicator_id"] == r["indicator_id"]) & (peers["period"] == r["period"])]
        local = local_rank_text(value, same["value"], polarity, level, member=not group)
    if group and local == "-":  # a group's cell says why, as its England cell does
        local = f"Not compared: no figures for the district's {UNITS[level]} to place it among"
    return national, local


def _count_name(name: str) -> str:
    """A count's name as a reader says it: 'People in income deprivation (IoD 2025 numerator)' reads
    'People in income deprivation (IoD 2025)' (the catalogue's 'numerator' is the statistician's word)."""
    return re.sub(r"\(IoD (\d{4})(?: [A-Z]+)? numerator\)", r"(IoD \1)", name)


def indicator_section(area: ProfileArea, main: EditionFigures, used: set[str]) -> OptionalSection:
    """The area's health and social indicators against its district and England; adds the datasets read to ``used``.

    Indicators with confidence limits are compared (better / similar / worse); the others, published
    without counts, are placed among England's areas of the same kind and the district's instead.
    """
    title = "Health and social indicators"
    if main.year != MAIN_YEAR:
        return OptionalSection(
            title,
            f"The indicators are on the {IOD2025.lsoa_vintage} / {IOD2025.ward_vintage} geography, which this "
            f"area is not part of ({main.header}); profile its current LSOAs or ward for indicators.",
        )
    lsoa_codes = main.lsoas["lsoa_code"].tolist()
    districts = sorted(main.lsoas["lad_code"].unique())
    rows, peers = _indicator_rows(area, lsoa_codes, districts)
    qof_rows, qof_peers, qof_comparators = _qof_rows(area, lsoa_codes, districts)
    rows = pd.concat([rows, qof_rows], ignore_index=True)
    peers = pd.concat([peers, qof_peers], ignore_index=True)
    used.add(QOF_DATASET)
    if area.kind == "district":
        code = area.members[0].code
        census = msoa_census_indicators([code])
        dwp = dwp_indicators([code])
        dwp = dwp[dwp["period"] == DWP_DENOMINATOR_YEAR]
        rows = pd.concat([rows, census[census["area_code"] == code], dwp[dwp["area_code"] == code]],
                         ignore_index=True)
        comparators = pd.concat([england_indicators(), census, dwp], ignore_index=True)
        used |= {"census2021_msoa_health_pct", "dwp_children_low_income_msoa11", "sape_mid2020_msoa11"}
    else:
        comparators = pd.concat([england_indicators(), district_indicators(districts)], ignore_index=True)
    used |= {"iod2025_indicators", "census2021_household_deprivation"}
    comparators = pd.concat([comparators, qof_comparators], ignore_index=True)
    comparators = comparators[comparators["area_code"] != area.members[0].code]
    comparators = comparators.drop_duplicates(["indicator_id", "period", "area_code"])
    england = compare(rows, comparators, ENGLAND_CODE)
    own_district = area.kind != "district" and len(districts) == 1
    if own_district:
        versus = compare(rows, comparators, districts[0])
    statistics = {s.id: s.statistic for s in LSOA_SPECS}
    ratios = {s.id: s for s in LSOA_SPECS if s.standardised == "ratio"} if area.kind != "lsoa" else {}
    level = similar_level(len(lsoa_codes)) if area.is_group else area.kind
    table_rows: list[list[Cell]] = []
    count_rows: list[list[Cell]] = []
    for i, r in england.iterrows():
        if statistics.get(r["indicator_id"]) == "count":  # a number of people, not a rate to compare
            count_rows.append([_count_name(str(r["indicator_name"])), str(r["unit"]), str(r["period"]),
                               Num(_num(r["value"]), "int")]
                              + ([Num(_num(versus.at[i, "comparator_value"]), "int")] if own_district else []))
            continue
        fmt: NumberFormat = "value"
        national, local = str(r["comparison_label"]), str(versus.at[i, "comparison_label"]) if own_district else ""
        if r["comparison"] == "not compared":
            national, local = _positions(r, level, peers, area.is_group)
        cells: list[Cell] = [
            str(r["indicator_name"]), str(r["unit"]), str(r["period"]),
            Num(_num(r["value"]), fmt), Num(_num(r["lower_95"]), fmt), Num(_num(r["upper_95"]), fmt),
        ]
        if own_district:
            cells += [Num(_num(versus.at[i, "comparator_value"]), fmt), local]
        ratio = ratios.get(str(r["indicator_id"]))
        if ratio is not None:  # a mean of LSOA ratios beside England's 100 would mislead
            cells += [not_comparable_with_england(ratio), national]
        else:
            cells += [Num(_num(r["comparator_value"]), fmt), national]
        table_rows.append(cells)
    columns = ["Indicator", "Unit", "Period", "Value", "Lower 95%", "Upper 95%"]
    if own_district:
        columns += [f"District ({main.lsoas['lad_name'].iat[0]})", "Compared with district"]
    columns += ["England", "Compared with England"]
    kind = {"lsoa": "neighbourhoods (LSOAs)", "ward": "wards", "district": "districts"}.get(level, "areas")
    note = (
        "Better / similar / worse compare the area's 95% interval with the comparator's value, taking account of "
        "whether a high value is good or bad (the method of OHID's Fingertips tool); 'higher' / 'lower' where an "
        "indicator is neither. "
        "Indicators published without counts have no interval, so they are not judged better or worse: "
        f"instead the table gives where the value falls among all English {kind} (national decile, 1 = worst "
        "10%, or highest 10% for an indicator with no better or worse direction)"
        + (f" and its place among the district's {kind}." if own_district else ".")
    )
    if area.is_group:
        note += (f" A group of {len(lsoa_codes)} LSOAs is placed among English {kind}, the areas nearest its size "
                 "(a group of three or more among wards, of one or two among LSOAs).")
    if area.kind == "lsoa":
        note += " LSOA values are as published."
    else:
        note += (
            f" The {'group' if area.is_group else area.kind_label().lower()}'s values are built from its "
            f"{len(lsoa_codes)} LSOAs 2021 as wards' are: counts summed and proportions recomputed where counts "
            "exist, otherwise population- or household-weighted means."
        )
    note += (
        " Conditions on GP registers (QOF) are the House of Commons Library's modelled estimates for MSOAs (QOF "
        "about 2018/19): an LSOA has the estimate of the MSOA it lies in, a larger area the estimates of its MSOAs "
        "weighted by Census 2021 residents; with no interval they are placed among English MSOAs (decile 1 = "
        "highest 10%). A register counts what GP practices record: obesity on the register (adults with a BMI of "
        "30 or more recorded) is far below the obesity a survey measures."
    )
    if area.kind != "district" and not own_district:
        note += " The group spans several districts, so it is compared with England only."
    if area.kind != "district":
        note += " MSOA and district-only indicators (Census general health, DWP child poverty, ONS Health Index) " \
                "are in the district's profile."
    tables = [ProfileTable("indicators", title, columns, table_rows, note)]
    if count_rows:
        count_columns = ["Count", "Who is counted", "Period", area.name]
        if own_district:
            count_columns.append(f"District ({main.lsoas['lad_name'].iat[0]})")
        tables.append(ProfileTable(
            "indicators_counts", "Numbers of people behind the deprivation rates", count_columns, count_rows,
            "Counts from the IoD 2025 underlying indicators (an area's LSOAs summed): how many people the "
            "income and employment deprivation figures count. Counts are not rates, so they are not compared "
            "with other areas. '-' = not available for the district in the files used.",
        ))
    if area.kind == "district":
        tables.append(_health_index_table(area.members[0].code, used))
    return OptionalSection(title, "", tables)


def _health_index_table(code: str, used: set[str]) -> ProfileTable:
    frame = health_index_indicators([code])
    latest = frame[frame["period"] == frame["period"].max()]
    used.add("health_index_indicators")
    rows: list[list[Cell]] = [
        [str(r.indicator_name), str(r.unit), str(r.period), Num(_num(r.value), "value")]
        for r in latest.sort_values("indicator_name").itertuples(index=False)
    ]
    return ProfileTable(
        "indicators_health_index", f"ONS Health Index indicators for the district, {latest['period'].max()}",
        ["Indicator", "Unit", "Year", "Value"], rows, HEALTH_INDEX_NOTE,
    )


def _num(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


_REACH = {
    ("lsoa", True): "names the area's LSOAs (by code, name, list or rule)",
    ("ward", True): "names the area's ward",
    ("district", True): "whole district, as the document says",
    ("district", False): "whole district: the document names no place",
}


@cache
def _plan_reach(path: str, _mtime: float) -> tuple[Plan, pd.DataFrame]:
    """A plan file and the LSOAs each action reaches; cached until the file changes."""
    loaded = load_plan(path)
    return loaded, lsoa_reach(loaded, resolve_targets(loaded, strict=False))


def _area_lsoas_in(year: int, editions: dict[int, EditionFigures]) -> tuple[set[str], str]:
    """The area's LSOAs in an edition's vintage; through the crosswalk when the area is not in it."""
    own = editions[year]
    if own.available:
        return set(own.lsoas["lsoa_code"]), ""
    other = editions[OTHER_YEAR if year == MAIN_YEAR else MAIN_YEAR]
    crosswalk = lsoa_crosswalk()
    if year == OTHER_YEAR:
        codes = crosswalk.loc[crosswalk["lsoa21_code"].isin(other.lsoas["lsoa_code"]), "lsoa11_code"]
    else:
        codes = crosswalk.loc[crosswalk["lsoa11_code"].isin(other.lsoas["lsoa_code"]), "lsoa21_code"]
    return set(codes), " (through the LSOA 2011 to 2021 crosswalk)"


def _reviewed_statuses() -> tuple[dict[tuple[str, str], str], str]:
    """The latest HAT review of each action, from the progress store when one exists.

    Never creates a database: a profile only reads what meetings recorded. Returns
    ``{(plan_id, action_id): "On track (review 2026-01-10)"}`` and a note for the table, in words a
    reader of the profile understands (no database address).
    """
    url = progress.database_url()
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return {}, "Status is as the plan document records it: no progress reviews have been recorded yet."
    try:
        store = progress.ProgressStore(url)
        statuses = {}
        for plan_id in store.plan_ids():
            for r in store.latest_status(plan_id).itertuples(index=False):
                when = f" (review {r.review_date.isoformat()})" if r.review_date is not None and pd.notna(
                    r.review_date) else ""
                statuses[(plan_id, r.action_id)] = f"{r.status_label}{when}"
    except HiapGeoError:
        return {}, ("Status is as the plan document records it: the Health Action Team's progress reviews could "
                    "not be read when this profile was made.")
    return statuses, ("Status is the latest progress review recorded by the Health Action Team (its date in "
                      "brackets), else as the plan document records it.")


NOT_REVIEWED = "Not yet reviewed"
"""An action with no review and no status in its document: said plainly rather than 'No status'."""


def _status(action: object, reviewed: str | None) -> str:
    status = getattr(action, "status", None)
    return reviewed or (status_label(status) if status else NOT_REVIEWED)


def actions_section(editions: dict[int, EditionFigures], kind: str = "ward") -> OptionalSection:
    """The actions of every transcribed plan that target the area's LSOAs or ward, with their latest status.

    Actions that reach the area only because they cover a whole district are counted in one line, not
    listed (a ward's profile would otherwise be pages of them); a district's profile lists them, since the
    district is the area they target.
    """
    title = "Plan actions that target this area"
    files = plan_files()
    if not files:
        return OptionalSection(title, "No local action plan has been added to HIAP Geo yet.")
    rows: list[list[Cell]] = []
    district_wide: list[str] = []
    notes: list[str] = []
    reviewed, status_note = _reviewed_statuses()
    for path in files:
        loaded, reach = _plan_reach(str(path), path.stat().st_mtime)
        lsoas, _ = _area_lsoas_in(loaded.edition, editions)
        hits = reach[reach["lsoa_code"].isin(lsoas)]
        if hits.empty:
            continue
        priorities = {p.id: p.title for p in loaded.priorities}
        order = {"lsoa": 0, "ward": 1, "district": 2}
        ranked = []
        for action_id, group in hits.groupby("action_id", sort=False):
            action = loaded.action(action_id)
            best = min(group["reach"], key=order.__getitem__)
            specified = bool(group.loc[group["reach"] == best, "specified"].any())
            ranked.append((order[best], action, best, specified, group["lsoa_code"].nunique()))
        plan_name = f"{loaded.area.name} {loaded.period}"
        wide = 0
        for _, action, best, specified, n in sorted(ranked, key=lambda r: r[0]):
            if best == "district" and kind != "district":
                wide += 1
                continue
            rows.append([
                plan_name,
                action.printed_id or action.id,
                priorities.get(action.priority, action.priority),
                action.title,
                action.lead or "not named in the document",
                _status(action, reviewed.get((loaded.id, action.id))),
                _REACH.get((best, specified), best),
                Num(n, "count"),
            ])
        if wide:
            district_wide.append(f"{wide} district-wide action{'s' if wide != 1 else ''} of the {plan_name} plan "
                                 f"also appl{'y' if wide != 1 else 'ies'} to this area")
        notes.append(f"{plan_name}: '{loaded.title}', mapped on the {EDITIONS[loaded.edition].label} geography.")
    if not rows and not district_wide:
        return OptionalSection(title, f"No action in the {len(files)} local plan(s) in HIAP Geo targets this area.")
    wide_line = ("; ".join(district_wide) + " (they cover the whole district rather than naming particular "
                 "areas, so they are not listed here).") if district_wide else ""
    if not rows:
        message = f"No action names this area or its neighbourhoods specifically. {wide_line[0].upper()}{wide_line[1:]}"
        return OptionalSection(title, "", [ProfileTable("actions", title, ["Status"], [[message]], message=True)])
    columns = ["Plan", "Action", "Priority", "Action title", "Lead", "Status", "How it reaches the area",
               "Area LSOAs reached"]
    note = " ".join([*notes, status_note, "Places named in a plan that could not be matched to an area are left out."])
    if wide_line:
        note = wide_line[0].upper() + wide_line[1:] + " " + note
    return OptionalSection(title, "", [ProfileTable("actions", title, columns, rows, note)])

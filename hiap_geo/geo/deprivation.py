"""Indices of Deprivation tables: national and local deciles, ward and district summaries,
and the IMD 2019 to 2025 comparison through the LSOA crosswalk.

Every table uses one column scheme, whatever the edition: ``lsoa_code, lsoa_name, lad_code,
lad_name, population`` and ``<measure>_score / _rank / _decile`` for each measure published.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from hiap_geo.acquire.registry import dataset_path
from hiap_geo.core.editions import IOD2019, IOD2025
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.geo.joins import join_on_code
from hiap_geo.geo.lookups import lsoa_crosswalk

MEASURES: dict[str, str] = {
    "imd": "Index of Multiple Deprivation",
    "income": "Income",
    "employment": "Employment",
    "education": "Education, Skills and Training",
    "health": "Health Deprivation and Disability",
    "crime": "Crime",
    "barriers": "Barriers to Housing and Services",
    "living_environment": "Living Environment",
    "idaci": "Income Deprivation Affecting Children (IDACI)",
    "idaopi": "Income Deprivation Affecting Older People (IDAOPI)",
}
"""Measure key -> label shown to users. IMD and its seven domains, then the supplementary indices."""

DOMAINS: list[str] = ["income", "employment", "education", "health", "crime", "barriers", "living_environment"]

# Heading stems as MHCLG publishes them ("<stem> Rank (where 1 is most deprived)"): the labels,
# but for three whose published names differ.
_PUBLISHED_STEM = {
    **MEASURES,
    "imd": "Index of Multiple Deprivation (IMD)",
    "idaci": "Income Deprivation Affecting Children Index (IDACI)",
    "idaopi": "Income Deprivation Affecting Older People (IDAOPI)",
}
_RANK = " Rank (where 1 is most deprived)"
_DECILE = " Decile (where 1 is most deprived 10% of LSOAs)"
_SCORE_2025 = {
    "imd": "Index of Multiple Deprivation (IMD) Score",
    "income": "Income Score (rate)",
    "employment": "Employment Score (rate)",
    "education": "Education, Skills and Training Score",
    "health": "Health Deprivation and Disability Score",
    "crime": "Crime Score",
    "barriers": "Barriers to Housing and Services Score",
    "living_environment": "Living Environment Score",
}
_BASE = {
    "LSOA code (2011)": "lsoa_code",
    "LSOA name (2011)": "lsoa_name",
    "Local Authority District code (2019)": "lad_code",
    "Local Authority District name (2019)": "lad_name",
}


def _ranks_and_deciles(raw: pd.DataFrame, measures: list[str]) -> dict[str, str]:
    mapping = {}
    for m in measures:
        mapping[_PUBLISHED_STEM[m] + _RANK] = f"{m}_rank"
        mapping[_PUBLISHED_STEM[m] + _DECILE] = f"{m}_decile"
    return mapping


def measure_columns(table: pd.DataFrame, kind: str) -> list[str]:
    """Measure keys that have a non-empty ``_<kind>`` column (kind: score, rank, decile)."""
    return [m for m in MEASURES if f"{m}_{kind}" in table and table[f"{m}_{kind}"].notna().any()]


@cache
def load_iod(year: int) -> pd.DataFrame:
    """One row per English LSOA of the edition's vintage, in the common column scheme.

    Cached: callers must not modify the returned frame (copy it first).
    """
    if year == IOD2019.year:
        return _load_iod2019()
    if year == IOD2025.year:
        return _load_iod2025()
    raise HiapGeoError(f"No IoD edition {year}; choose 2019 or 2025.")


def _load_iod2019() -> pd.DataFrame:
    domains = pd.read_csv(dataset_path("iod2019_domains"), dtype={"LSOA code (2011)": str})
    table = domains.rename(columns={**_BASE, **_ranks_and_deciles(domains, ["imd", *DOMAINS])})
    table = table[list(_BASE.values()) + [c for c in table if c.endswith(("_rank", "_decile"))]]

    supp = pd.read_csv(dataset_path("iod2019_supplementary"), dtype={"LSOA code (2011)": str})
    supp = supp.rename(columns={**_BASE, **_ranks_and_deciles(supp, ["idaci", "idaopi"])})
    supp = supp[["lsoa_code", "idaci_rank", "idaci_decile", "idaopi_rank", "idaopi_decile"]]
    table, _ = join_on_code(table, supp, "lsoa_code", "IoD 2019 File 2 with File 3 (IDACI/IDAOPI)")

    pop = pd.read_csv(dataset_path("iod2019_population"), dtype={"LSOA code (2011)": str})
    pop = pop.rename(
        columns={"LSOA code (2011)": "lsoa_code", "Total population: mid 2015 (excluding prisoners)": "population"}
    )
    table, _ = join_on_code(table, pop[["lsoa_code", "population"]], "lsoa_code", "IoD 2019 with File 6 population")

    scores = pd.read_csv(dataset_path("iod2019_scores"), dtype={"lsoa": str})
    scores = pd.DataFrame(
        {
            "lsoa_code": scores["lsoa"],
            "imd_score": scores["overall_local_score"],
            # mySociety publishes income and employment as percentages; File 7 gives rates.
            "income_score": (scores["income_score"] / 100).round(3),
            "employment_score": (scores["employment_score"] / 100).round(3),
        }
    )
    table, _ = join_on_code(table, scores, "lsoa_code", "IoD 2019 with IMD scores")
    for m in ["education", "health", "crime", "barriers", "living_environment", "idaci", "idaopi"]:
        table[f"{m}_score"] = np.nan  # not in the data obtained: ranks and deciles only
    return _ordered(table)


def _load_iod2025() -> pd.DataFrame:
    raw = pd.read_csv(dataset_path("iod2025_domains"), dtype={"LSOA code (2021)": str})
    base = {
        "LSOA code (2021)": "lsoa_code",
        "LSOA name (2021) [from ONS LSOA21-WD24-LAD24 lookup]": "lsoa_name",
        "Local Authority District code (2024) [from ONS lookup]": "lad_code",
        "Local Authority District name (2024) [from ONS lookup]": "lad_name",
    }
    scores = {v: f"{k}_score" for k, v in _SCORE_2025.items()}
    table = raw.rename(columns={**base, **scores, **_ranks_and_deciles(raw, ["imd", *DOMAINS])})

    census = pd.read_csv(dataset_path("census2021_residents"), dtype={"LSOA21CD": str})
    census = census[census["LSOA21CD"].str.startswith("E01")]
    census = census.rename(columns={"LSOA21CD": "lsoa_code", "Disability: Total: All usual residents": "population"})
    table, _ = join_on_code(
        table, census[["lsoa_code", "population"]], "lsoa_code", "IoD 2025 with Census 2021 residents"
    )
    table = _with_supplementary_2025(table)
    return _ordered(table)


def _with_supplementary_2025(table: pd.DataFrame) -> pd.DataFrame:
    """IDACI and IDAOPI 2025: ranks and deciles from File 3; scores from File 7 where it was imported.

    Without File 3 in the cache (fetched before it was added) the columns stay empty and the app says the
    edition has no IDACI/IDAOPI, rather than failing.
    """
    from hiap_geo.acquire.convert.mhclg import FILE3_2025_SHEET
    from hiap_geo.core.errors import DatasetMissing

    for m in ["idaci", "idaopi"]:
        for kind in ("score", "rank", "decile"):
            table[f"{m}_{kind}"] = np.nan
    try:
        path = dataset_path("iod2025_supplementary")
    except DatasetMissing:
        return table
    supp = pd.read_excel(path, sheet_name=FILE3_2025_SHEET, engine="calamine", dtype={"LSOA code (2021)": str})
    supp = supp.rename(columns={"LSOA code (2021)": "lsoa_code", **_ranks_and_deciles(supp, ["idaci", "idaopi"])})
    wanted = ["idaci_rank", "idaci_decile", "idaopi_rank", "idaopi_decile"]
    table = table.drop(columns=wanted)
    table, _ = join_on_code(table, supp[["lsoa_code", *wanted]], "lsoa_code", "IoD 2025 with File 3 (IDACI/IDAOPI)")
    try:
        file7 = dataset_path("iod2025_file7")
    except DatasetMissing:
        return table
    scores = {_PUBLISHED_STEM[m] + " Score (rate)": f"{m}_score" for m in ("idaci", "idaopi")}
    found = pd.read_csv(file7, usecols=["LSOA code (2021)", *scores], dtype={"LSOA code (2021)": str})
    found = found.rename(columns={"LSOA code (2021)": "lsoa_code", **scores})
    table = table.drop(columns=list(scores.values())).merge(found, on="lsoa_code", how="left", validate="one_to_one")
    return table


def _ordered(table: pd.DataFrame) -> pd.DataFrame:
    cols = ["lsoa_code", "lsoa_name", "lad_code", "lad_name", "population"]
    for m in MEASURES:
        cols += [f"{m}_score", f"{m}_rank", f"{m}_decile"]
    out = table[cols].copy()
    for m in MEASURES:
        out[f"{m}_rank"] = out[f"{m}_rank"].astype("Int64")
        out[f"{m}_decile"] = out[f"{m}_decile"].astype("Int64")
    out["population"] = out["population"].astype(float)
    return out.sort_values("lsoa_code").reset_index(drop=True)


LOCAL_DECILE_MIN_LSOAS = 10
"""Fewest LSOAs a district needs for local deciles: with fewer, a tenth would hold less than one LSOA."""

LOCAL_DECILE_RULE = (
    "Local deciles: a district's n LSOAs are put in order of national rank (1 = most deprived; the published "
    "ranks tie only where scores tie, and equal ranks are ordered by LSOA code) and cut into tenths: local decile = "
    "floor((position - 1) x 10 / n) + 1. When n does not divide by ten, the r = n mod 10 extra LSOAs are spread "
    "evenly, the first to decile 1 (r = 9: deciles 1-9; r = 3: deciles 1, 4, 7). Districts with fewer than "
    f"{LOCAL_DECILE_MIN_LSOAS} LSOAs (Isles of Scilly, City of London) have no local deciles."
)
"""How :func:`local_deciles` cuts, in words for legends, exports and ``info``."""

LOCAL_DECILE_TOO_FEW = (
    f"No local decile: the district has fewer than {LOCAL_DECILE_MIN_LSOAS} LSOAs, so a tenth of it would be "
    "less than one LSOA"
)
"""Why an LSOA has no local decile."""


def local_decile_sizes(n: int) -> list[int]:
    """How many of a district's ``n`` LSOAs each local decile 1-10 holds (empty below the minimum)."""
    if n < LOCAL_DECILE_MIN_LSOAS:
        return []
    position = np.arange(n)
    deciles = np.floor(position * 10 / n).astype(int) + 1
    return np.bincount(deciles, minlength=11)[1:].tolist()


def local_decile_text(n: int) -> str:
    """The cut for one district in words: '69 LSOAs: deciles 1-9 hold 7 each, decile 10 holds 6'."""
    sizes = local_decile_sizes(n)
    if not sizes:
        return f"{n} LSOA{'s' if n != 1 else ''}: {LOCAL_DECILE_TOO_FEW[0].lower()}{LOCAL_DECILE_TOO_FEW[1:]}"
    groups: list[tuple[int, list[int]]] = []
    for d, size in enumerate(sizes, start=1):
        for held, members in groups:
            if held == size:
                members.append(d)
                break
        else:
            groups.append((size, [d]))
    parts = []
    for size, members in groups:
        plural = len(members) > 1
        consecutive = members == list(range(members[0], members[-1] + 1))
        span = f"{members[0]}-{members[-1]}" if plural and consecutive else ", ".join(map(str, members))
        each = " each" if plural else ""
        parts.append(f"decile{'s' if plural else ''} {span} hold{'' if plural else 's'} {size}{each}")
    return f"{n} LSOAs: " + ", ".join(parts)


def local_deciles(table: pd.DataFrame, group: str = "lad_code") -> pd.DataFrame:
    """Within-district deciles: :data:`LOCAL_DECILE_RULE` (ordered by national rank, then LSOA code).

    Returns ``<measure>_local_decile`` columns aligned with ``table`` (1 = most deprived tenth of the
    district's LSOAs); missing for every LSOA of a district with fewer than
    :data:`LOCAL_DECILE_MIN_LSOAS` LSOAs.
    """
    out = pd.DataFrame(index=table.index)
    size = table.groupby(group)[group].transform("size")
    code = table["lsoa_code"] if "lsoa_code" in table else pd.Series(table.index.astype(str), index=table.index)
    for m in measure_columns(table, "rank"):
        ordered = pd.DataFrame({"g": table[group], "rank": table[f"{m}_rank"], "code": code}).sort_values(
            ["g", "rank", "code"], na_position="last"
        )
        position = ordered.groupby("g").cumcount().reindex(table.index)
        decile = np.floor(position * 10 / size) + 1
        decile = decile.where(table[f"{m}_rank"].notna() & (size >= LOCAL_DECILE_MIN_LSOAS))
        out[f"{m}_local_decile"] = decile.astype("Int64")
    return out


def summarise(lsoas: pd.DataFrame, by: str) -> pd.DataFrame:
    """Ward or district deprivation from its LSOAs, one row per ``by`` code.

    - ``<measure>_score``: population-weighted average score (where scores exist);
    - ``imd_pop_share_decile_1_2``: share of population in national IMD deciles 1 and 2;
    - ``imd_decile_<n>_lsoas``: count of LSOAs in each national IMD decile;
    - ``lsoa_count`` and ``population``.
    """
    weight = lsoas["population"]
    grouped = lsoas.assign(_w=weight).groupby(by, sort=True)
    out = pd.DataFrame({"lsoa_count": grouped.size(), "population": grouped["_w"].sum()})
    for m in measure_columns(lsoas, "score"):
        score = lsoas[f"{m}_score"]
        weighted = (score * weight).groupby(lsoas[by]).sum(min_count=1)
        out[f"{m}_score"] = weighted / weight.where(score.notna()).groupby(lsoas[by]).sum(min_count=1)
    deprived = weight.where(lsoas["imd_decile"] <= 2, 0.0)
    out["imd_pop_share_decile_1_2"] = deprived.groupby(lsoas[by]).sum() / out["population"]
    counts = pd.crosstab(lsoas[by], lsoas["imd_decile"]).reindex(columns=range(1, 11), fill_value=0)
    for d in range(1, 11):
        out[f"imd_decile_{d}_lsoas"] = counts[d].reindex(out.index, fill_value=0).astype(int)
    return out.reset_index()


SCORE_WEIGHTING = {
    IOD2019.year: "population-weighted by mid-2015 population (File 6), as MHCLG's File 10 does (within 0.001)",
    IOD2025.year: "population-weighted by Census 2021 residents, not MHCLG's File 10",
}
"""How HIAP Geo's ward and district average scores are made, by edition, wherever one is shown: File 7's mid-2022
denominators, which MHCLG's IoD 2025 File 10 uses, are not in the data; measured on the real files, HIAP Geo's
IMD 2025 district averages equal File 10's at 3 decimals for 6 of 296 districts (largest difference 0.344;
98 districts rank differently), its 2019 averages for 305 of 317 (largest difference 0.001)."""

OFFICIAL_SCORE_LABEL = "MHCLG's File 10 average score"
"""The official district figure shown beside HIAP Geo's own (:func:`district_summaries`)."""


@cache
def district_summaries(year: int) -> pd.DataFrame:
    """IoD File 10 (MHCLG's district summaries), England rows: ``code``, ``average_score``,
    ``rank_of_average_score``, ``share_10pct`` (IMD). Cached: callers must not modify it."""
    if year == IOD2019.year:
        raw = pd.read_excel(dataset_path("iod2019_district_summaries"), sheet_name="IMD", dtype={0: str},
                            engine="calamine")
        raw.columns = [str(c).strip() for c in raw.columns]
        table = pd.DataFrame({
            "code": raw["Local Authority District code (2019)"],
            "average_score": raw["IMD - Average score"].astype(float),
            "rank_of_average_score": raw["IMD - Rank of average score"].astype(int),
            "share_10pct": raw["IMD - Proportion of LSOAs in most deprived 10% nationally"].astype(float),
        })
    else:
        raw = pd.read_csv(dataset_path("iod2025_district_summaries"), dtype={"ltla24_code": str})
        table = pd.DataFrame({
            "code": raw["ltla24_code"],
            "average_score": raw["imd_average_score"].astype(float),
            "rank_of_average_score": raw["imd_rank_of_average_score"].astype(int),
            "share_10pct": raw["imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally"].astype(float),
        })
    return table[table["code"].str.startswith("E")].reset_index(drop=True)


CHANGE_APPROXIMATION = (
    "IMD 2019 is on LSOA 2011 and IMD 2025 on LSOA 2021, compared through the ONS LSOA 2011-2021 lookup. "
    "Unchanged and split LSOAs take the 2019 decile of their one 2011 parent. A merged LSOA whose 2011 "
    "parents were all in the same 2019 decile takes that decile (its population-weighted 2019 score lies "
    "between its parents', so in the same decile). Other merged LSOAs, and redrawn LSOAs (boundaries moved, "
    "2011 parents only partly inside), are approximated by the mid-2015-population-weighted 2019 score of "
    "all their 2011 parents, shown with the parents' decile range; they have no decile change, because a "
    "weighted score has no published decile and a redrawn LSOA's parents also cover land outside it."
)
"""How 2021 LSOAs are given a 2019 figure, for notes, ``info`` and the README."""

CHANGE_TYPES = {
    "U": "unchanged",
    "S": "split from a 2011 LSOA",
    "M": "merged from 2011 LSOAs",
    "X": "redrawn (complex change)",
}


@cache
def compare_editions() -> pd.DataFrame:
    """IMD 2019 against IMD 2025 for every English LSOA 2021, through the ONS crosswalk.

    Cached (about a second to compute; the map explorer asks on every click): callers must not modify it.

    :data:`CHANGE_APPROXIMATION` says how each kind is compared: unchanged and split LSOAs take
    their one 2011 parent's 2019 decile; merged LSOAs whose 2011 parents were all in the same 2019
    decile take that decile (the merged area's population-weighted score lies between its parents',
    so in the same decile); other merged and all redrawn LSOAs get the parents' population-weighted
    2019 score and decile range, with no decile change. ``comparison_basis`` says which, per LSOA.
    """
    iod19 = load_iod(IOD2019.year)[["lsoa_code", "imd_score", "imd_decile", "population"]]
    iod25 = load_iod(IOD2025.year)[["lsoa_code", "lsoa_name", "lad_code", "imd_score", "imd_decile", "imd_rank"]]
    links = lsoa_crosswalk().merge(
        iod19.rename(columns={"lsoa_code": "lsoa11_code"}), on="lsoa11_code", how="left", validate="many_to_one"
    )
    links["_wscore"] = links["imd_score"] * links["population"]
    grouped = links.groupby("lsoa21_code", sort=True)
    parents = pd.DataFrame(
        {
            "lsoa11_codes": grouped["lsoa11_code"].agg(lambda s: ";".join(sorted(s))),
            "change": grouped["change"].first(),
            "parent_count": grouped.size(),
            "imd2019_score": grouped["_wscore"].sum(min_count=1) / grouped["population"].sum(min_count=1),
            "imd2019_decile_min": grouped["imd_decile"].min(),
            "imd2019_decile_max": grouped["imd_decile"].max(),
        }
    ).reset_index()
    single = parents["change"].isin(["U", "S"]) & (parents["parent_count"] == 1)
    same = parents["change"].eq("M") & (parents["imd2019_decile_min"] == parents["imd2019_decile_max"])
    parents["imd2019_decile"] = parents["imd2019_decile_min"].where(single | same).astype("Int64")
    parents["comparison_basis"] = np.select(
        [single, same, parents["change"].eq("M")],
        [
            "2019 decile of its one 2011 parent",
            "merged: every 2011 parent was in the same 2019 decile, so the merged area is too",
            "merged: 2011 parents in different 2019 deciles; not directly comparable",
        ],
        "redrawn: 2011 parents only partly inside; not directly comparable",
    )
    out = iod25.rename(
        columns={
            "lsoa_code": "lsoa21_code",
            "imd_score": "imd2025_score",
            "imd_decile": "imd2025_decile",
            "imd_rank": "imd2025_rank",
        }
    )
    out, _ = join_on_code(out, parents, "lsoa21_code", "IoD 2025 LSOAs with the 2011-2021 crosswalk")
    out["change_description"] = out["change"].map(CHANGE_TYPES)
    out["imd_decile_change"] = (out["imd2025_decile"] - out["imd2019_decile"]).astype("Int64")
    out["comparable"] = out["imd2019_decile"].notna()
    return out


def decile_movement(delta: int) -> str:
    """A change of IMD decile in words: 'same decile', '2 deciles less deprived' (positive = less deprived)."""
    if delta == 0:
        return "same decile"
    return f"{abs(delta)} decile{'s' if abs(delta) > 1 else ''} {'less' if delta > 0 else 'more'} deprived"

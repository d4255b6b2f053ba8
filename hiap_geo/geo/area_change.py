"""Change 2019 to 2025 for wards and districts: each edition's figures on its own geography, side by side.

A ward's IoD 2019 figures are for the ward as drawn in 2019 (best-fit from LSOA 2011), its IoD 2025 figures
for the ward as drawn in 2024 (best-fit from LSOA 2021); the two are matched by code. A ward redrawn under a new
code (every Tunbridge Wells ward in 2024) has no 2019 ward to match, so its 2019 figures are estimated on its own
2021 neighbourhoods: each takes the population-weighted 2019 score of the 2011 neighbourhoods it came from (the
ONS lookup, as the LSOA change map), is placed in 2019's national deciles by that score, and counts with the 2025
edition's residents. Ranks are among every English ward (or district) of the edition, by population-weighted
average IMD score (1 = most deprived); an estimated 2019 score is ranked among the 2019 wards.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from hiap_geo.core.editions import IOD2019, IOD2025
from hiap_geo.geo.deprivation import compare_editions, load_iod
from hiap_geo.geo.lookups import ward_lookup

CHANGE_CAVEAT = (
    "Each edition is shown on its own geography (2019 wards and districts from LSOA 2011, 2024 ones from LSOA "
    "2021, matched by code): a ward redrawn under a new code has 2019 figures estimated on its own 2021 "
    "neighbourhoods (each with the 2019 score of the 2011 ones it came from, ONS lookup) and one keeping its "
    "code may have gained or lost a few neighbourhoods."
)
"""The crosswalk's caveat in one sentence, under the table and in its CSV."""

FIGURES = {
    "share_1_2": "% of residents in national deciles 1-2",
    "share_1": "% of residents in national decile 1",
    "score": "average IMD score",
    "rank": "rank of average score (1 = most deprived)",
}


@cache
def national_figures(level: str, year: int) -> pd.DataFrame:
    """Every English ward or district of an edition: code, name, district, residents, the figures, and its rank
    among all of them (``of``). Shares are percentages of the edition's residents (its population base)."""
    table = load_iod(year)[["lsoa_code", "population", "imd_score", "imd_decile"]]
    lookup = ward_lookup(year)[["lsoa_code", "ward_code", "ward_name", "lad_code", "lad_name"]]
    lsoas = table.merge(lookup, on="lsoa_code", how="inner")
    key, name = ("ward_code", "ward_name") if level == "ward" else ("lad_code", "lad_name")
    out = _figures(lsoas, key, name, "imd_score", "imd_decile")
    out["rank"] = out["score"].rank(ascending=False, method="min").astype(int)
    out["of"] = len(out)
    return out.rename_axis("code").reset_index()


ESTIMATED_2019 = "estimated on its 2021 neighbourhoods (redrawn under a new code)"
"""The ``2019 figures`` column of an area whose 2019 figures are estimated on its own neighbourhoods."""


def _figures(lsoas: pd.DataFrame, key: str, name: str, score: str, decile: str) -> pd.DataFrame:
    """Per area ``key``: name, district, residents and the figures, from its LSOAs' scores and deciles."""
    people = lsoas["population"]
    grouped = lsoas.assign(
        _ws=lsoas[score] * people,
        _d12=people.where(lsoas[decile] <= 2, 0.0),
        _d1=people.where(lsoas[decile] == 1, 0.0),
    ).groupby(key)
    out = pd.DataFrame({
        "name": grouped[name].first(),
        "district": grouped["lad_name"].first(),
        "residents": grouped["population"].sum(),
    })
    out["share_1_2"] = 100 * grouped["_d12"].sum() / out["residents"]
    out["share_1"] = 100 * grouped["_d1"].sum() / out["residents"]
    out["score"] = grouped["_ws"].sum() / out["residents"]
    return out


@cache
def estimated_2019_figures(level: str) -> pd.DataFrame:
    """Every 2024 ward (or 2025 district) with IoD 2019 figures estimated on its own 2021 neighbourhoods
    (the module's docstring says how), ranked among the 2019 edition's wards (or districts)."""
    iod19 = load_iod(IOD2019.year)[["imd_score", "imd_decile"]]
    floors = iod19.groupby("imd_decile")["imd_score"].min()  # the lowest score of each decile (1 = most deprived)
    lsoas = compare_editions()[["lsoa21_code", "imd2019_score"]].rename(columns={"lsoa21_code": "lsoa_code"})
    lsoas = lsoas.merge(load_iod(IOD2025.year)[["lsoa_code", "population"]], on="lsoa_code")
    lsoas["imd2019_place"] = 3  # outside deciles 1-2 unless its score reaches their floors
    lsoas.loc[lsoas["imd2019_score"] >= floors[2], "imd2019_place"] = 2
    lsoas.loc[lsoas["imd2019_score"] >= floors[1], "imd2019_place"] = 1
    lookup = ward_lookup(IOD2025.year)[["lsoa_code", "ward_code", "ward_name", "lad_code", "lad_name"]]
    key, name = ("ward_code", "ward_name") if level == "ward" else ("lad_code", "lad_name")
    out = _figures(lsoas.merge(lookup, on="lsoa_code"), key, name, "imd2019_score", "imd2019_place")
    scores_2019 = national_figures(level, IOD2019.year)["score"].to_numpy()
    out["rank"] = [int((scores_2019 > score).sum()) + 1 for score in out["score"]]
    out["of"] = len(scores_2019)
    return out.rename_axis("code").reset_index()


def change_table(level: str, codes: list[str]) -> pd.DataFrame:
    """The 2025 areas ``codes`` with their 2019 and 2025 figures side by side and the change in each, in
    words a reader can use as column names (and a CSV can carry). Areas come in the order of ``codes``."""
    new = national_figures(level, IOD2025.year).set_index("code")
    matched_2019 = national_figures(level, IOD2019.year).set_index("code")
    wanted = [c for c in codes if c in new.index]
    redrawn = [c for c in wanted if c not in matched_2019.index]
    old = pd.concat([matched_2019, estimated_2019_figures(level).set_index("code").reindex(redrawn)])
    rows = pd.DataFrame({"code": wanted, "name": new.loc[wanted, "name"].values,
                         "district": new.loc[wanted, "district"].values})
    for year, figures in ((IOD2019.year, old), (IOD2025.year, new)):
        matched = figures.reindex(wanted)
        for column, label in FIGURES.items():
            values = matched[column]
            rows[f"{label}, {year}"] = values.round(1).values if column != "rank" else values.astype("Int64").values
        rows[f"{'wards' if level == 'ward' else 'districts'} ranked, {year}"] = int(figures["of"].iat[0])
        rows[f"residents (the base), {year}"] = matched["residents"].round(0).astype("Int64").values
    for column in ("share_1_2", "share_1"):
        label = FIGURES[column]
        rows[f"change in {label} (percentage points)"] = (
            rows[f"{label}, {IOD2025.year}"] - rows[f"{label}, {IOD2019.year}"]).round(1)
    rank = FIGURES["rank"]
    rows["change in rank (negative = more deprived)"] = (
        rows[f"{rank}, {IOD2025.year}"] - rows[f"{rank}, {IOD2019.year}"])
    rows["2019 figures"] = ["same code in 2019" if c in matched_2019.index else ESTIMATED_2019 for c in wanted]
    order = ["code", "name", "district"]
    for label in FIGURES.values():  # each figure's two editions side by side, then its change
        order += [f"{label}, {IOD2019.year}", f"{label}, {IOD2025.year}"]
        order += [c for c in rows.columns if c.startswith(f"change in {label}")]
    order += [c for c in rows.columns if c.startswith("change in rank")]
    order += [c for c in rows.columns if c not in order]
    return rows[order].sort_values(f"{FIGURES['share_1_2']}, {IOD2025.year}", ascending=False, kind="stable",
                                   ignore_index=True)

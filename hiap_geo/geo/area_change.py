"""Change 2019 to 2025 for wards and districts: each edition's figures on its own geography, side by side.

A ward's IoD 2019 figures are for the ward as drawn in 2019 (best-fit from LSOA 2011), its IoD 2025 figures
for the ward as drawn in 2024 (best-fit from LSOA 2021); the two are matched by code, so a ward renamed or
redrawn under a new code has no 2019 column, never a guessed one. Ranks are among every English ward (or
district) of the edition, by population-weighted average IMD score (1 = most deprived).
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from hiap_geo.core.editions import IOD2019, IOD2025
from hiap_geo.geo.deprivation import load_iod
from hiap_geo.geo.lookups import ward_lookup

CHANGE_CAVEAT = (
    "Each edition is shown on its own geography (2019 wards and districts from LSOA 2011, 2024 ones from LSOA "
    "2021, matched by code), so a ward redrawn under a new code has no 2019 figures and one keeping its code "
    "may have gained or lost a few neighbourhoods."
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
    people = lsoas["population"]
    grouped = lsoas.assign(
        _ws=lsoas["imd_score"] * people,
        _d12=people.where(lsoas["imd_decile"] <= 2, 0.0),
        _d1=people.where(lsoas["imd_decile"] == 1, 0.0),
    ).groupby(key)
    out = pd.DataFrame({
        "name": grouped[name].first(),
        "district": grouped["lad_name"].first(),
        "residents": grouped["population"].sum(),
    })
    out["share_1_2"] = 100 * grouped["_d12"].sum() / out["residents"]
    out["share_1"] = 100 * grouped["_d1"].sum() / out["residents"]
    out["score"] = grouped["_ws"].sum() / out["residents"]
    out["rank"] = out["score"].rank(ascending=False, method="min").astype(int)
    out["of"] = len(out)
    return out.rename_axis("code").reset_index()


def change_table(level: str, codes: list[str]) -> pd.DataFrame:
    """The 2025 areas ``codes`` with their 2019 and 2025 figures side by side and the change in each, in
    words a reader can use as column names (and a CSV can carry). Areas come in the order of ``codes``."""
    new = national_figures(level, IOD2025.year).set_index("code")
    old = national_figures(level, IOD2019.year).set_index("code")
    wanted = [c for c in codes if c in new.index]
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
    rows["2019 figures"] = old.reindex(wanted)["residents"].notna().map(
        {True: "same code in 2019", False: "no 2019 area with this code (new or redrawn)"}).values
    order = ["code", "name", "district"]
    for label in FIGURES.values():  # each figure's two editions side by side, then its change
        order += [f"{label}, {IOD2019.year}", f"{label}, {IOD2025.year}"]
        order += [c for c in rows.columns if c.startswith(f"change in {label}")]
    order += [c for c in rows.columns if c.startswith("change in rank")]
    order += [c for c in rows.columns if c not in order]
    return rows[order].sort_values(f"{FIGURES['share_1_2']}, {IOD2025.year}", ascending=False, kind="stable",
                                   ignore_index=True)

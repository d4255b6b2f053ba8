"""MSOAs from their LSOAs: the one rule that names, places and draws an MSOA from the LSOAs inside it.

LSOAs nest exactly in MSOAs and ONS names each LSOA after its MSOA plus a letter ('Tunbridge Wells
005A' is in 'Tunbridge Wells 005'), so an MSOA's LSOAs are found by name, its boundary is their
union, and it counts in the district holding most of its LSOAs' residents (a few MSOAs straddle the
2024 district boundaries). The indicator tables (MSOA Census figures per district) and the
Indicators page's MSOA maps both use this rule, so an MSOA is in the same district on both.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

import geopandas as gpd
import pandas as pd

from hiap_geo.acquire.registry import dataset_path
from hiap_geo.core.editions import IOD2019, IOD2025
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.geo.lookups import lsoa_crosswalk, ward_lookup


@cache
def msoa_lookup() -> pd.DataFrame:
    """The ONS MSOA 2011 -> 2021 lookup as published (every column as text). Cached: copy before changing it."""
    return pd.read_csv(dataset_path("lookup_msoa11_msoa21"), dtype=str)


def msoa_names_of(lsoa_names: pd.Series) -> pd.Series:
    """The MSOA name of each LSOA: its own name without the final letter."""
    return lsoa_names.str.slice(stop=-1)


def main_districts(msoa_names: pd.Series, districts: pd.DataFrame, weights: pd.Series) -> pd.DataFrame:
    """For each MSOA (the index, by name), the ``districts`` columns (a code, and a name if given) of the
    district holding most of its LSOAs' ``weights`` (residents). All three inputs are aligned per LSOA."""
    columns = list(districts.columns)
    work = districts.assign(msoa_name=msoa_names.to_numpy(), _weight=weights.to_numpy())
    by_district = work.groupby(["msoa_name", *columns], as_index=False)["_weight"].sum()
    main = by_district.sort_values("_weight", ascending=False).drop_duplicates("msoa_name")
    return main.set_index("msoa_name")[columns]


def msoa_areas(lsoas: gpd.GeoDataFrame, year: Literal[2011, 2021], current: pd.DataFrame | None = None
               ) -> gpd.GeoDataFrame:
    """MSOA polygons made by dissolving their LSOAs, in the standard area columns (``code, name, ward,
    district, district_code, geometry``) of the LSOA areas given (an LSOA layer of that year).

    The union of an MSOA's LSOAs is its boundary at the LSOAs' generalisation. For MSOA 2011,
    ``current`` (the MSOA 2021 areas: code, district_code, district) gives today's districts through
    the ONS MSOA 2011-2021 lookup, the way the DWP figures are assigned.
    """
    names = msoa_lookup()
    suffix = str(year)[2:]
    codes = names.drop_duplicates(f"MSOA{suffix}NM").set_index(f"MSOA{suffix}NM")[f"MSOA{suffix}CD"]
    work = lsoas.assign(msoa_name=msoa_names_of(lsoas["name"]))
    weight = work["population"] if "population" in work else pd.Series(1.0, index=work.index)
    main = main_districts(work["msoa_name"], pd.DataFrame(work[["district_code", "district"]]), weight)
    shapes = work[["msoa_name", "geometry"]].dissolve(by="msoa_name")
    unknown = sorted(set(shapes.index) - set(codes.index))
    if unknown:
        raise HiapGeoError(f"No MSOA {year} code for {len(unknown)} name(s) in the ONS lookup: "
                           f"{', '.join(unknown[:5])}.")
    out = pd.DataFrame({"code": codes.reindex(shapes.index).to_numpy(), "name": shapes.index, "ward": "",
                        "district": main["district"].reindex(shapes.index).to_numpy(),
                        "district_code": main["district_code"].reindex(shapes.index).to_numpy()})
    if year == 2011 and current is not None:
        link = names.merge(current[["code", "district_code", "district"]], left_on="MSOA21CD", right_on="code")
        link = link.drop_duplicates("MSOA11CD").set_index("MSOA11CD")
        for col in ("district_code", "district"):
            out[col] = out["code"].map(link[col]).fillna(out[col])
    result = gpd.GeoDataFrame(out, geometry=shapes.geometry.values, crs=lsoas.crs)
    return result.sort_values("code").reset_index(drop=True)


MSOA_CHANGES = {
    "U": "unchanged",
    "S": "split from a 2011 MSOA",
    "M": "merged from 2011 MSOAs",
    "X": "redrawn (2011 MSOAs only partly inside)",
}
"""The kinds of MSOA 2011 -> 2021 change, as the ONS LSOA crosswalk names them for LSOAs."""


def one_kind_per_msoa21(links: pd.DataFrame) -> pd.Series:
    """One kind per MSOA 2021 (``msoa21_code``, ``change``): redrawn (X) if any of its links is, else its first
    link's. Vectorised: a per-group function over England's MSOAs took seconds of a first Targeting visit."""
    by21 = links.groupby("msoa21_code", sort=False)["change"]
    redrawn = links["change"].eq("X").groupby(links["msoa21_code"], sort=False).transform("any")
    return by21.transform("first").where(~redrawn, "X")


@cache
def msoa_crosswalk(msoa21_codes: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    """Every English MSOA 2011 -> MSOA 2021 link: ``msoa11_code, msoa21_code, change`` (U, S, M, X).

    The ONS MSOA 2011-2021 lookup in the mirror keeps one row per MSOA 2011 (its best fit), so the extra
    halves of split MSOAs are not in it. The links are therefore made from the ONS LSOA 2011-2021 crosswalk,
    which has every link, each LSOA placed in its MSOA by name (2011 names from the LSOA 2011 ward lookup,
    2021 names from the LSOA 2021 ward lookup), and checked against the MSOA lookup: every one of its pairs
    must be among the links. ``change`` is said per MSOA 2021 as the ONS does for LSOAs: U one 2011 parent
    with one 2021 child, S one parent that has several children, M several parents each wholly inside,
    X anything else. ``msoa21_codes`` is (name, code) of every English MSOA 2021.
    """
    names11 = msoa_lookup().drop_duplicates("MSOA11NM").set_index("MSOA11NM")["MSOA11CD"]
    names21 = pd.Series(dict(msoa21_codes))
    lsoa11 = ward_lookup(IOD2019.year).set_index("lsoa_code")["lsoa_name"]
    lsoa21 = ward_lookup(IOD2025.year).set_index("lsoa_code")["lsoa_name"]
    links = lsoa_crosswalk()[["lsoa11_code", "lsoa21_code"]].copy()
    links["msoa11_code"] = msoa_names_of(links["lsoa11_code"].map(lsoa11)).map(names11)
    links["msoa21_code"] = msoa_names_of(links["lsoa21_code"].map(lsoa21)).map(names21)
    unplaced = links[links["msoa11_code"].isna() | links["msoa21_code"].isna()]
    if len(unplaced):
        raise HiapGeoError(f"{len(unplaced)} LSOA links could not be placed in an MSOA by name, e.g. "
                           f"{unplaced['lsoa11_code'].iat[0]} -> {unplaced['lsoa21_code'].iat[0]}.")
    links = links[["msoa11_code", "msoa21_code"]].drop_duplicates().reset_index(drop=True)
    ons = msoa_lookup()
    ons = ons[ons["MSOA11CD"].str.startswith("E02")]
    known = set(zip(links["msoa11_code"], links["msoa21_code"], strict=True))
    absent = [f"{a} -> {b}" for a, b in zip(ons["MSOA11CD"], ons["MSOA21CD"], strict=True) if (a, b) not in known]
    if absent:
        raise HiapGeoError(f"The ONS MSOA 2011-2021 lookup links {', '.join(absent[:3])}, which the LSOA crosswalk "
                           "does not: the lookups are of different releases.")
    parents = links.groupby("msoa21_code")["msoa11_code"].transform("nunique")
    children = links.groupby("msoa11_code")["msoa21_code"].transform("nunique")
    kind = pd.Series("X", index=links.index)
    kind[(parents == 1) & (children == 1)] = "U"
    kind[(parents == 1) & (children > 1)] = "S"
    kind[(parents > 1) & (children == 1)] = "M"
    links["change"] = kind
    links["change"] = one_kind_per_msoa21(links)
    return links.sort_values(["msoa21_code", "msoa11_code"]).reset_index(drop=True)

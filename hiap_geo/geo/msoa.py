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
from hiap_geo.core.errors import HiapGeoError


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

"""The map explorer's model: which build to use, the areas of chosen districts, search, CSV export.

Streamlit-free so the page stays thin and these steps are tested on their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from hiap_geo.core.editions import edition
from hiap_geo.core.errors import LayerNotBuilt
from hiap_geo.geo.layers import read_report
from hiap_geo.geo.lookups import lsoas_in_districts, ward_lookup
from hiap_geo.geo.measures import MapMeasure

BUILD_PREFERENCE = ("england", "kent")
LEVELS = {"lsoa": "LSOA (neighbourhood)", "ward": "Ward", "district": "District"}


@dataclass(frozen=True)
class MapSelection:
    """What the shared sidebar chose; pages read it and never re-ask."""

    districts: tuple[str, ...]
    level: str = "lsoa"
    year: int = 2025
    measure: str = "imd"
    value_type: str = "decile"
    local: bool = False
    basemap: str | None = None
    presentation: bool = False


def build_in_use() -> str:
    """The built area the app reads: England when built (any district works), else Kent."""
    for slug in BUILD_PREFERENCE:
        if read_report(slug) is not None:
            return slug
    raise LayerNotBuilt(
        "No map layers have been built yet. Run `make run`, or `python -m hiap_geo build --area england`."
    )


def built_districts(slug: str) -> list[str]:
    """The districts a build holds (none when it was never finished)."""
    report = read_report(slug)
    return report.districts if report else []


def codes_in_districts(level: str, year: int, districts: tuple[str, ...]) -> set[str]:
    """Codes of the level and edition that belong to the chosen (LAD 2024) districts.

    IoD 2019 areas are found through their LSOAs and the 2011-2021 crosswalk, so a district
    whose code changed since 2019 still shows its 2019 areas.
    """
    lsoas = set(lsoas_in_districts(list(districts), year))
    if level == "lsoa":
        return lsoas
    lookup = ward_lookup(year)
    members = lookup[lookup["lsoa_code"].isin(lsoas)]
    return set(members["ward_code" if level == "ward" else "lad_code"])


def _code_column(level: str) -> str:
    return "lsoa_code" if level == "lsoa" else "code"


def areas_of(layer: gpd.GeoDataFrame, level: str, year: int, districts: tuple[str, ...]) -> gpd.GeoDataFrame:
    """Rows of a built layer that lie in the chosen districts."""
    wanted = codes_in_districts(level, year, districts)
    return layer[layer[_code_column(level)].isin(wanted)]


def search(areas: pd.DataFrame, query: str) -> pd.DataFrame:
    """The areas whose code is the query, else those whose name or ward name contains it (any case).

    On the LSOA map a ward's name finds all of its LSOAs (the district column is not searched).
    """
    text = query.strip().casefold()
    if not text:
        return areas.iloc[0:0]
    exact = areas[areas["code"].str.casefold() == text]
    if not exact.empty:
        return exact
    hits = pd.Series(False, index=areas.index)
    for column in ("name", "ward"):
        hits |= areas[column].fillna("").str.casefold().str.contains(text, regex=False)
    return areas[hits]


def measure_export_table(areas: pd.DataFrame, chosen: MapMeasure, year: int, level: str) -> pd.DataFrame:
    """The table under the map, with the measure, vintage and source on every row of the CSV."""
    ed = edition(year)
    vintage = {"lsoa": ed.lsoa_vintage, "ward": ed.ward_vintage, "district": ed.district_vintage}[level]
    table = pd.DataFrame(areas.drop(columns="geometry", errors="ignore")).rename(columns={"value": chosen.label})
    table["measure"] = chosen.label
    table["vintage"] = f"{ed.label}, {vintage}"
    table["source"] = (
        f"English Indices of Deprivation {year}, Ministry of Housing, Communities and Local Government; "
        "ONS boundaries and lookups. Contains public sector information licensed under the Open Government "
        "Licence v3.0."
    )
    return table

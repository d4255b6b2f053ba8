"""Which geography each Index of Deprivation edition is published on.

IoD 2019 is on LSOA 2011 (wards: 2019 best-fit lookup; districts: LAD 2019); IoD 2025 is
on LSOA 2021 (wards and districts: 2024). Everything that joins deprivation onto polygons
takes an ``Edition`` so that no vintage is a hidden constant.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BoundarySource:
    """A polygon layer in a fetched dataset and its code and name columns."""

    dataset: str
    layer: str
    code_col: str
    name_col: str
    vintage: str


@dataclass(frozen=True)
class Edition:
    year: int
    label: str
    lsoa_vintage: str
    ward_vintage: str
    district_vintage: str
    lsoa_boundaries: BoundarySource
    ward_boundaries: BoundarySource
    district_boundaries: BoundarySource
    population_note: str


IOD2019 = Edition(
    year=2019,
    label="IoD 2019",
    lsoa_vintage="LSOA 2011",
    ward_vintage="Ward 2019 (best fit)",
    district_vintage="LAD 2019",
    lsoa_boundaries=BoundarySource(
        "lsoa2011_boundaries", "LSOA_Dec2011_EW_BSC_V3", "LSOA11CD", "LSOA11NM", "LSOA Dec 2011"
    ),
    ward_boundaries=BoundarySource("wards2021_boundaries", "Wards_Dec2021_UK", "WD21CD", "WD21NM", "Wards Dec 2021"),
    district_boundaries=BoundarySource(
        "districts2021_boundaries", "LAD_Dec2021_UK", "LAD21CD", "LAD21NM", "LAD Dec 2021"
    ),
    population_note="IoD 2019 population denominators, mid-2015 (excluding prisoners)",
)

IOD2025 = Edition(
    year=2025,
    label="IoD 2025",
    lsoa_vintage="LSOA 2021",
    ward_vintage="Ward 2024 (best fit)",
    district_vintage="LAD 2024",
    lsoa_boundaries=BoundarySource(
        "lsoa2021_boundaries", "LSOA_Dec2021_EW_BSC_V4", "LSOA21CD", "LSOA21NM", "LSOA Dec 2021"
    ),
    ward_boundaries=BoundarySource(
        "wards2024_boundaries", "Wards_May2024_UK_BSC", "WD24CD", "WD24NM", "Wards May 2024"
    ),
    district_boundaries=BoundarySource(
        "districts2024_boundaries", "LAD_May2024_UK_BUC", "LAD24CD", "LAD24NM", "LAD May 2024"
    ),
    population_note="Census 2021 usual residents (IoD 2025 denominators are not in the data)",
)

EDITIONS: dict[int, Edition] = {e.year: e for e in (IOD2019, IOD2025)}


def edition(year: int) -> Edition:
    """The edition for a year; 2019 or 2025."""
    try:
        return EDITIONS[int(year)]
    except (KeyError, ValueError):
        from hiap_geo.core.errors import HiapGeoError

        raise HiapGeoError(f"No IoD edition {year!r}; choose one of {', '.join(map(str, EDITIONS))}.") from None

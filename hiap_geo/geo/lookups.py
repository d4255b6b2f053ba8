"""Area codes, official lookups, the LSOA 2011-2021 crosswalk, and finding areas by name.

Codes are strings validated by pattern and by existence in the lookup of their vintage.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache

import pandas as pd
import pyogrio

from hiap_geo.acquire.registry import dataset_path
from hiap_geo.core.areas import AREA_LEVELS, area_kind, looks_like_code
from hiap_geo.core.editions import IOD2019, IOD2025
from hiap_geo.core.errors import AmbiguousAreaName, HiapGeoError, UnknownArea
from hiap_geo.core.limits import MAX_NAME_CHARS

KENT_COUNTY = "E10000016"
MEDWAY = "E06000035"
REGION_PREFIX = "E12"
"""ONS region codes (E12000001 North East ... E12000009 South West)."""


@cache
def ward_lookup(year: int) -> pd.DataFrame:
    """England's best-fit LSOA -> ward -> district lookup for an IoD edition.

    Columns: lsoa_code, lsoa_name, ward_code, ward_name, lad_code, lad_name.
    """
    if year == IOD2019.year:
        raw = pd.read_csv(dataset_path("lookup_lsoa11_ward19"), dtype=str)
        cols = {
            "LSOA11CD": "lsoa_code",
            "LSOA11NM": "lsoa_name",
            "WD19CD": "ward_code",
            "WD19NM": "ward_name",
            "LAD19CD": "lad_code",
            "LAD19NM": "lad_name",
        }
    elif year == IOD2025.year:
        raw = pd.read_csv(dataset_path("lookup_lsoa21_ward24"), dtype=str)
        cols = {
            "LSOA21CD": "lsoa_code",
            "LSOA21NM": "lsoa_name",
            "WD24CD": "ward_code",
            "WD24NM": "ward_name",
            "LAD24CD": "lad_code",
            "LAD24NM": "lad_name",
        }
    else:
        raise HiapGeoError(f"No ward lookup for IoD edition {year}.")
    table = raw.rename(columns=cols)[list(cols.values())]
    return table[table["lsoa_code"].str.startswith("E01")].reset_index(drop=True)


@cache
def lsoa_crosswalk() -> pd.DataFrame:
    """ONS LSOA 2011 -> 2021 lookup for England: lsoa11_code, lsoa21_code, change.

    ``change`` is the ONS indicator: U unchanged, S split, M merged, X complex (redrawn).
    """
    raw = pd.read_csv(dataset_path("lookup_lsoa11_lsoa21"), dtype=str)
    table = raw.rename(columns={"F_LSOA11CD": "lsoa11_code", "LSOA21CD": "lsoa21_code", "CHGIND": "change"})
    table = table[["lsoa11_code", "lsoa21_code", "change"]]
    return table[table["lsoa21_code"].str.startswith("E01")].reset_index(drop=True)


@cache
def district_counties() -> pd.DataFrame:
    """District -> county (upper tier) lookup: lad_code, lad_name, county_code, county_name."""
    raw = pd.read_csv(dataset_path("lookup_district_county"), dtype=str)
    return raw.rename(
        columns={"LTLA23CD": "lad_code", "LTLA23NM": "lad_name", "UTLA23CD": "county_code", "UTLA23NM": "county_name"}
    )


@cache
def district_regions() -> pd.DataFrame:
    """English districts (LAD 2024) with their ONS region: lad_code, lad_name, region_code, region_name.

    Taken from the attributes of the May 2024 ward polygons, which carry the ONS ward to district, county,
    region and country lookup; read without geometry (a few hundredths of a second).
    """
    ward_source = IOD2025.ward_boundaries
    raw = pyogrio.read_dataframe(dataset_path(ward_source.dataset), layer=ward_source.layer, read_geometry=False,
                                 columns=["LAD24CD", "LAD24NM", "RGN24CD", "RGN24NM"])
    table = raw.rename(columns={"LAD24CD": "lad_code", "LAD24NM": "lad_name", "RGN24CD": "region_code",
                                "RGN24NM": "region_name"})
    table = table[table["lad_code"].str.startswith("E") & table["region_code"].fillna("").str.startswith(REGION_PREFIX)]
    return table.drop_duplicates("lad_code").sort_values("lad_code").reset_index(drop=True)


def regions() -> dict[str, str]:
    """ONS region code -> name, in name order (the nine English regions)."""
    table = district_regions().drop_duplicates("region_code").sort_values("region_name")
    return dict(zip(table["region_code"], table["region_name"], strict=True))


def districts_in_region(region_code: str) -> list[str]:
    """The LAD 2024 districts of an ONS region (E12...); an unknown code raises UnknownArea."""
    table = district_regions()
    members = sorted(table.loc[table["region_code"] == region_code.strip().upper(), "lad_code"])
    if not members:
        raise UnknownArea(region_code, _suggest(region_code.upper(), list(regions())))
    return members


def current_districts() -> pd.DataFrame:
    """English districts (LAD 2024) with their names."""
    lookup = ward_lookup(IOD2025.year)
    return lookup[["lad_code", "lad_name"]].drop_duplicates().sort_values("lad_name").reset_index(drop=True)


def districts_in_area(area: str | list[str]) -> list[str]:
    """District codes (LAD 2024) for 'england', 'kent', a region (E12), a county code, or district codes."""
    parts = [area] if isinstance(area, str) else list(area)
    known = set(current_districts()["lad_code"])
    counties = district_counties()
    chosen: list[str] = []
    for part in parts:
        token = part.strip()
        if token.lower() == "england":
            return sorted(known)
        if token.lower() == "kent":
            chosen += counties.loc[counties["county_code"] == KENT_COUNTY, "lad_code"].tolist() + [MEDWAY]
            continue
        if token.upper().startswith(REGION_PREFIX):
            chosen += districts_in_region(token)
            continue
        kind = area_kind(token)
        code = token.upper()
        if kind == "county":
            members = counties.loc[counties["county_code"] == code, "lad_code"].tolist()
            if not members:
                raise UnknownArea(code)
            chosen += members
        elif kind == "district":
            if code not in known:
                raise UnknownArea(code, _suggest(code, sorted(known)))
            chosen.append(code)
        else:
            raise HiapGeoError(
                f"'{code}' is {AREA_LEVELS[kind].article} code; an area to build is a district, a county, "
                "'kent' or 'england'."
            )
    return sorted(set(chosen))


def lsoas_in_districts(districts: list[str], year: int) -> list[str]:
    """LSOA codes of an edition's vintage that lie in the given LAD 2024 districts.

    LSOA 2011 codes are found through the crosswalk, so any current district works for IoD 2019.
    """
    lookup = ward_lookup(IOD2025.year)
    lsoa21 = set(lookup.loc[lookup["lad_code"].isin(districts), "lsoa_code"])
    if year == IOD2025.year:
        return sorted(lsoa21)
    crosswalk = lsoa_crosswalk()
    return sorted(set(crosswalk.loc[crosswalk["lsoa21_code"].isin(lsoa21), "lsoa11_code"]))


def area_slug(area: str | list[str]) -> str:
    """A folder name for an area selection ('kent', 'england', 'E07000116', 'E07000111-E07000116')."""
    parts = [area] if isinstance(area, str) else sorted(area)
    return "-".join(p.strip().lower() if p.strip().lower() in ("kent", "england") else p.strip().upper() for p in parts)


@dataclass(frozen=True)
class AreaRef:
    code: str
    name: str
    kind: str
    vintages: tuple[str, ...]
    district: str

    def label(self) -> str:
        return f"{self.code} {self.name} ({self.kind}, {', '.join(self.vintages)}, {self.district})"


def _area_ref(rows: pd.DataFrame) -> AreaRef:
    first = rows.iloc[0]
    return AreaRef(first["code"], first["name"], first["kind"], tuple(rows["vintage"].unique()), first["district"])


@cache
def gazetteer() -> pd.DataFrame:
    """Every named area of both editions: code, name, kind, vintage, district."""
    frames = []
    for ed in (IOD2019, IOD2025):
        lookup = ward_lookup(ed.year)
        frames.append(
            pd.DataFrame(
                {
                    "code": lookup["lsoa_code"],
                    "name": lookup["lsoa_name"],
                    "kind": "lsoa",
                    "vintage": ed.lsoa_vintage,
                    "district": lookup["lad_name"],
                }
            )
        )
        wards = lookup.drop_duplicates("ward_code")
        frames.append(
            pd.DataFrame(
                {
                    "code": wards["ward_code"],
                    "name": wards["ward_name"],
                    "kind": "ward",
                    "vintage": ed.ward_vintage,
                    "district": wards["lad_name"],
                }
            )
        )
        lads = lookup.drop_duplicates("lad_code")
        frames.append(
            pd.DataFrame(
                {
                    "code": lads["lad_code"],
                    "name": lads["lad_name"],
                    "kind": "district",
                    "vintage": ed.district_vintage,
                    "district": lads["lad_name"],
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    table["key"] = table["name"].str.casefold().str.strip()
    return table


def find_area(query: str) -> AreaRef:
    """Resolve a code or a name to one area; unknown or ambiguous names raise with candidates."""
    text = query.strip()
    if not text or len(text) > MAX_NAME_CHARS:  # no area's name is that long; matching it would take minutes
        raise UnknownArea(query)
    table = gazetteer()
    if looks_like_code(text):
        kind = area_kind(text)
        rows = table.iloc[_gazetteer_rows().get(text.upper(), [])]
        if rows.empty:
            raise UnknownArea(text, _suggest(text.upper(), table.loc[table["kind"] == kind, "code"].unique().tolist()))
    else:
        rows = table[table["key"] == text.casefold()]
        if rows.empty:
            names = table["name"].unique().tolist()
            raise UnknownArea(text, _suggest(text, names))
        if rows["code"].nunique() > 1:
            candidates = [_area_ref(group).label() for _, group in rows.groupby("code", sort=True)]
            raise AmbiguousAreaName(text, candidates)
    return _area_ref(rows)


@cache
def _gazetteer_rows() -> dict[str, object]:
    """The gazetteer's row positions of each code: a group of hundreds of codes is found in milliseconds."""
    return gazetteer().groupby("code", sort=False).indices


def _suggest(query: str, options: list[str]) -> list[str]:
    return difflib.get_close_matches(query, options, n=5, cutoff=0.75)


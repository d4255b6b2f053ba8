"""The map explorer's model: which build to use, the areas of chosen districts, search, CSV export.

Streamlit-free so the page stays thin and these steps are tested on their own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from hiap_geo.core import settings
from hiap_geo.core.editions import edition
from hiap_geo.core.errors import HiapGeoError, LayerNotBuilt
from hiap_geo.core.limits import MAX_LINK_DISTRICTS, MAX_NAME_CHARS, shorten
from hiap_geo.core.text import name_key
from hiap_geo.geo.area_change import CHANGE_CAVEAT, ESTIMATED_2019, change_table
from hiap_geo.geo.deprivation import OFFICIAL_SCORE_LABEL, SCORE_WEIGHTING, district_summaries
from hiap_geo.geo.layers import load_layer, read_report
from hiap_geo.geo.lookups import (
    current_districts,
    district_regions,
    districts_in_area,
    lsoas_in_districts,
    regions,
    ward_lookup,
)
from hiap_geo.geo.measures import MapMeasure
from hiap_geo.render.maps import HIGHLIGHT_COLOUR, Outline

BUILD_PREFERENCE = ("england", "kent")
MISSING_CELL = "—"
"""How a table on a page shows a missing value (st.dataframe's ``placeholder``): a dash, never "None"."""
LEVELS = {"lsoa": "LSOA (neighbourhood)", "ward": "Ward", "district": "District"}
TABLE_ROWS_SHOWN = 5_000
"""Above this many areas (a region, England) the Map explorer shows its table only on request."""


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
    """The built area the app reads: England when built (any district works), else Kent, else the finished
    build holding the most districts (``build --area E12000001`` gives a region and nothing else)."""
    for slug in BUILD_PREFERENCE:
        if read_report(slug) is not None:
            return slug
    layers = settings.cache_dir() / "layers"
    others = sorted(folder.name for folder in layers.iterdir() if folder.is_dir()) if layers.is_dir() else []
    reports = [(len(report.districts), slug) for slug in others if (report := read_report(slug)) is not None]
    if reports:
        return max(reports)[1]
    raise LayerNotBuilt(
        "No map layers have been built yet. Run `make run`, or `python -m hiap_geo build --area england`."
    )


def built_districts(slug: str) -> list[str]:
    """The districts a build holds (none when it was never finished)."""
    report = read_report(slug)
    return report.districts if report else []


ENGLAND = "england"
CHOSEN_DISTRICTS = "districts"
"""The sidebar's 'Area' when the person picks districts themselves (not a whole region or England)."""


def area_choices(built: Collection[str]) -> dict[str, str]:
    """The regions and England a build holds whole (key -> label), for the sidebar to offer beside districts.

    Only what is built is offered: the 'kent' build holds no whole region, so it offers none.
    """
    held = set(built)
    table = district_regions()
    choices = {}
    for code, name in regions().items():
        members = set(table.loc[table["region_code"] == code, "lad_code"])
        if members <= held:
            choices[code] = f"{name} (region, {len(members)} districts)"
    england = set(current_districts()["lad_code"])
    if england <= held:
        choices[ENGLAND] = f"England ({len(england)} districts)"
    return choices


def districts_of(choice: str, built: Collection[str]) -> tuple[str, ...]:
    """The built districts an area choice (region code or 'england') stands for, in code order."""
    held = set(built)
    if choice == ENGLAND:
        wanted = set(current_districts()["lad_code"])
    else:
        table = district_regions()
        wanted = set(table.loc[table["region_code"] == choice, "lad_code"])
    return tuple(sorted(wanted & held))


@dataclass(frozen=True)
class AreaLink:
    """What a ``?area=`` link asks the sidebar for: an area choice (a region, England, or the chosen districts),
    the districts, and a warning naming what the build does not hold (at most ``MAX_SHOWN_CHARS`` of the link)."""

    area: str | None = None
    districts: tuple[str, ...] = ()
    warning: str = ""


def read_area_link(wanted: str, slug: str, built: Collection[str], choices: Collection[str],
                   kent: Callable[[], list[str]] = lambda: kent_and_medway()) -> AreaLink:
    """The sidebar's area from ``?area=``: a region code (E12...), 'england', 'kent', or district codes separated
    by commas, each counted once and at most ``MAX_LINK_DISTRICTS``; anything else is named, cut short."""
    wanted = wanted.strip()
    if not wanted:
        return AreaLink()
    key = ENGLAND if wanted.lower() == ENGLAND else wanted.upper()
    if key in choices:
        return AreaLink(area=key)
    if wanted.lower() == "kent":
        codes = list(kent())
    else:
        codes = list(dict.fromkeys(c.strip().upper() for c in wanted.split(",") if c.strip()))
    if len(codes) > MAX_LINK_DISTRICTS:
        return AreaLink(warning=f"The link lists {len(codes):,} different districts; a link takes at most "
                                f"{MAX_LINK_DISTRICTS:,} (England has 296), so the districts chosen below are shown "
                                "instead.")
    held = set(built)
    if codes and all(code in held for code in codes):
        return AreaLink(area=CHOSEN_DISTRICTS, districts=tuple(codes))
    return AreaLink(warning=f"The link asks for the area '{shorten(wanted)}', which this app's build ('{slug}') does "
                            "not hold whole; showing the districts chosen below instead.")


def kent_and_medway() -> list[str]:
    """Kent's districts and Medway (the 'All of Kent and Medway' button and ``?area=kent``)."""
    return districts_in_area("kent")


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


def read_areas(slug: str, level: str, year: int, districts: tuple[str, ...]) -> gpd.GeoDataFrame:
    """The rows :func:`areas_of` keeps, read alone from the layer's file: for a layer not held whole in memory (a
    district's rows of England's IoD 2019 LSOAs in about 40 ms, where the whole layer takes 0.1-0.2 s). The same rows
    in the same order, numbered from 0."""
    return load_layer(slug, level, year, rows=(_code_column(level), codes_in_districts(level, year, districts)))


_KIND_WORDS = re.compile(r"\s+(ward|lsoa|district|borough|council)$")
"""A kind of area after a name ('Sherwood ward'); only at the end, so 'Borough Green' stays a name."""
_KINDS = {"ward": "ward", "lsoa": "lsoa", "district": "district", "borough": "district", "council": "district"}


def search(areas: pd.DataFrame, query: str) -> pd.DataFrame:
    """The areas a person means by ``query``: a code; a name or part of one; 'Sherwood ward'; 'Sherwood,
    Tunbridge Wells' (name, then district). Names match whatever their case, accents and punctuation.

    A whole name beats a part of one ('Sherwood' finds Sherwood, not Sherwood Park too); on the LSOA map a
    ward's name finds all of its LSOAs. Several matches are for the caller to offer as a choice. When ``areas``
    has a ``kind`` column (areas of several levels, e.g. the gazetteer), 'ward', 'LSOA' or 'district' in the
    query keeps that kind; ``name_key`` and ``ward_key`` columns, when present, save working the keys out again.
    """
    text = query.strip()
    if not text or len(text) > MAX_NAME_CHARS:  # no place's name (with its district) is longer
        return areas.iloc[0:0]
    exact = areas[areas["code"].str.casefold() == text.casefold()]
    if not exact.empty:
        return exact
    name_part, _, district_part = text.partition(",")
    kinds = {_KINDS[word] for word in _KIND_WORDS.findall(name_key(name_part))}
    wanted = _KIND_WORDS.sub("", name_key(name_part)).strip()
    if not wanted:
        return areas.iloc[0:0]
    pool = areas
    if kinds and "kind" in areas:
        pool = pool[pool["kind"].isin(kinds)]
    if district_part.strip():
        districts = pool["district"].fillna("").map(name_key)
        pool = pool[districts.str.contains(name_key(district_part), regex=False)]
    keys = {column: pool[f"{column}_key"] if f"{column}_key" in pool else pool[column].fillna("").map(name_key)
            for column in ("name", "ward")}
    whole = pool[(keys["name"] == wanted) | (keys["ward"] == wanted)]
    if not whole.empty:
        return whole
    return pool[keys["name"].str.contains(wanted, regex=False) | keys["ward"].str.contains(wanted, regex=False)]


def search_context(selection: MapSelection) -> tuple[object, ...]:
    """What a search refers to: a new level, edition or set of districts is a new map, so the search is reset."""
    return (selection.level, selection.year, selection.districts)


@dataclass(frozen=True)
class DecileBand:
    """The areas in national (or local) deciles 1 to ``top``: how many, and how many people live in them."""

    top: int
    areas: int
    of_areas: int
    population: float
    of_population: float

    def describe(self, level_plural: str) -> str:
        share = self.areas / self.of_areas if self.of_areas else 0.0
        people = self.population / self.of_population if self.of_population else 0.0
        deciles = "decile 1" if self.top == 1 else f"deciles 1 to {self.top}"
        return (f"{self.areas} of {self.of_areas} {level_plural} ({share:.0%}) are in {deciles}, home to "
                f"{self.population:,.0f} of {self.of_population:,.0f} residents ({people:.0%}).")


def decile_band(areas: pd.DataFrame, population: pd.Series, top: int) -> tuple[pd.Series, DecileBand]:
    """Which areas are in deciles 1 to ``top`` (a mask on ``areas``), and the band's counts and population."""
    if not 1 <= top <= 10:
        raise HiapGeoError(f"A decile band runs from 1 to a decile between 1 and 10, not {top}.")
    deciles = pd.to_numeric(areas["value"], errors="coerce")
    inside = deciles.le(top) & deciles.notna()
    people = pd.to_numeric(population, errors="coerce").fillna(0.0)
    band = DecileBand(top, int(inside.sum()), int(deciles.notna().sum()), float(people[inside].sum()),
                      float(people[deciles.notna()].sum()))
    return inside, band


def selected_outline(areas: gpd.GeoDataFrame, code: str | None) -> list[Outline]:
    """The found or clicked area drawn in the highlight colour, named in the legend (never colour alone)."""
    chosen = areas[areas["code"] == code] if code else areas.iloc[0:0]
    if chosen.empty:
        return []
    return [Outline(chosen.geometry, HIGHLIGHT_COLOUR, 4.0, label=f"Selected: {code} {chosen['name'].iat[0]}")]


def found_outline(found: gpd.GeoDataFrame, query: str) -> list[Outline]:
    """Every area a search found, outlined (a ward's name at LSOA level finds all its LSOAs), named in the legend."""
    if len(found) < 2:
        return []
    return [Outline(found.geometry, HIGHLIGHT_COLOUR, 3.0, label=f"Found: {len(found)} areas matching '{query}'")]


def pick_label(areas: pd.DataFrame, code: str | None, level: str) -> str:
    """How the search's picker names an area: its name, the ward an LSOA lies in, and its code last."""
    if code is None:
        return "(zoom to all of them)"
    row = areas.set_index("code").loc[code]
    ward = f", in {row['ward']} ward" if level == "lsoa" and isinstance(row["ward"], str) and row["ward"] else ""
    return f"{row['name']}{ward} ({code})"


CHANGE_SIGN = ("change = 2025 decile minus 2019 decile: negative = more deprived in 2025 (a lower decile), "
               "positive = less deprived, 0 = same decile")
"""The sign convention of the change measure, written into its CSV so the file explains itself."""


def value_column(chosen: MapMeasure) -> str:
    """The name of the measure's column in the table and CSV: a share says it is a percentage of residents."""
    return f"{chosen.label} (% of residents)" if chosen.kind == "share" else chosen.label


def value_format(chosen: MapMeasure) -> str | None:
    """The table's number format for the measure (a printf pattern), so a share reads 68.2%, never 0.682."""
    return {"share": "%.1f%%", "score": "%.3f"}.get(chosen.kind)


def change_2019_2025(level: str, districts: tuple[str, ...]) -> pd.DataFrame:
    """The wards or districts of the chosen districts (2025 geography), 2019 and 2025 side by side, with the
    crosswalk's caveat on every row of the CSV."""
    table = change_table(level, sorted(codes_in_districts(level, 2025, districts)))
    return table.assign(caveat=CHANGE_CAVEAT)


SHARE_CHANGE = "imd_share_change"
"""The sidebar's key for the change 2019 to 2025 map of wards and districts (IoD 2025 geography)."""
SHARE_CHANGE_LABEL = "Change in residents in IMD deciles 1-2, 2019 to 2025"
_SHARE_FIGURE = "% of residents in national deciles 1-2"
SHARE_CHANGE_CLASSES = (
    ("Up 10 points or more (more deprived)", "#b2182b"),
    ("Up 2 to 10 points", "#ef8a62"),
    ("Within 2 points either way", "#f7f7f7"),
    ("Down 2 to 10 points", "#67a9cf"),
    ("Down 10 points or more (less deprived)", "#2166ac"),
)
"""Fixed classes of the change in percentage points, red for more residents in deciles 1-2 (as the LSOA change map:
red = more deprived), so two districts' maps read alike."""
SHARE_CHANGE_MEASURE = MapMeasure(
    "imd_share_1_2_change", f"{SHARE_CHANGE_LABEL} (percentage points)", "category", True,
    missing_label="No 2019 figures (a new or redrawn area)", categories=SHARE_CHANGE_CLASSES)


def _share_change_class(points: float) -> str | None:
    if pd.isna(points):
        return None
    labels = [label for label, _ in SHARE_CHANGE_CLASSES]
    if points >= 10:
        return labels[0]
    if points >= 2:
        return labels[1]
    if points > -2:
        return labels[2]
    return labels[3] if points > -10 else labels[4]


def share_change_areas(areas: gpd.GeoDataFrame, level: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    """The wards or districts (2025 geography) coloured by the change in their share of residents in England's
    most deprived fifth of LSOAs, 2019 to 2025, each edition on its own geography (``CHANGE_CAVEAT``); with both
    shares and the change as table columns, and each area's tooltip in words."""
    change = change_table(level, list(areas["code"])).set_index("code").reindex(areas["code"])
    before, after = change[f"{_SHARE_FIGURE}, 2019"].to_numpy(), change[f"{_SHARE_FIGURE}, 2025"].to_numpy()
    points = change[f"change in {_SHARE_FIGURE} (percentage points)"].to_numpy()
    out = areas.assign(value=[_share_change_class(p) for p in points])
    out[f"{_SHARE_FIGURE}, 2019"] = before
    out[f"{_SHARE_FIGURE}, 2025"] = after
    out["change (percentage points)"] = points
    estimated = (change["2019 figures"] == ESTIMATED_2019).to_numpy()
    tips = [SHARE_CHANGE_MEASURE.missing_label if pd.isna(p)
            else f"{p:+.1f} points ({b:.1f}% in 2019{' on its 2021 neighbourhoods' if e else ''}, {a:.1f}% in 2025)"
            for p, b, a, e in zip(points, before, after, estimated, strict=True)]
    return out, tips


def measure_export_table(areas: pd.DataFrame, chosen: MapMeasure, year: int, level: str,
                         layer: pd.DataFrame | None = None) -> pd.DataFrame:
    """The table under the map, with the measure, vintage and source on every row of the CSV.

    Scores are rounded as published (3 decimals); shares are percentages (1 decimal) with their base, the
    residents counted, beside them, as on the legend and the panel; the change measure also carries both
    deciles, whether the LSOA is directly comparable, and the sign convention (``layer`` gives them).
    """
    ed = edition(year)
    vintage = {"lsoa": ed.lsoa_vintage, "ward": ed.ward_vintage, "district": ed.district_vintage}[level]
    table = pd.DataFrame(areas.drop(columns="geometry", errors="ignore"))
    if chosen.kind == "score":
        table["value"] = pd.to_numeric(table["value"], errors="coerce").round(3)
    if chosen.kind == "share":
        table["value"] = (100 * pd.to_numeric(table["value"], errors="coerce")).round(1)
        if layer is not None and "population" in layer:
            table["residents (the base)"] = pd.to_numeric(layer.loc[table.index, "population"]).round(0)
        table["base"] = ed.population_note
    if chosen.kind == "change" and layer is not None:
        table["IMD decile 2019"] = layer.loc[table.index, "imd2019_decile"]
        table["IMD decile 2025"] = layer.loc[table.index, "imd_decile"]
        table["directly comparable"] = table["value"].notna().map({True: "yes", False: "no"})
        if "comparison_basis" in layer:
            table["how compared"] = layer.loc[table.index, "comparison_basis"]
        table["sign convention"] = CHANGE_SIGN
    table = table.rename(columns={"value": value_column(chosen)})
    if chosen.kind == "score" and level != "lsoa":
        table["how computed"] = f"HIAP Geo's average of LSOA scores, {SCORE_WEIGHTING[year]}"
        if level == "district" and chosen.column == "imd_score":
            official = district_summaries(year).set_index("code")
            table[OFFICIAL_SCORE_LABEL] = table["code"].map(official["average_score"])
            table["MHCLG's File 10 rank of average score"] = table["code"].map(official["rank_of_average_score"])
    table["measure"] = chosen.label
    table["vintage"] = f"{ed.label}, {vintage}"
    table["source"] = (
        f"English Indices of Deprivation {year}, Ministry of Housing, Communities and Local Government; "
        "ONS boundaries and lookups. Contains public sector information licensed under the Open Government "
        "Licence v3.0."
    )
    return table

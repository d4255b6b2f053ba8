"""Area profiles for bids: one area's evidence as a data model that every export renders the same way.

An area is an LSOA, a ward, a district, or a custom group of LSOA and ward codes. Its profile holds
population, IMD 2025 and 2019 figures (each on its own geography vintage), each domain, the change
from 2019 to 2025 through the ONS crosswalk, the health indicators, the plan actions that target
it, and the sources to cite. ``Profile.tables()`` is the single presentation of the
figures: the PDF, Word, Excel and CSV exports and the app all show these tables, so a number can
never differ between them.

IoD 2025 (LSOA 2021, ward 2024, LAD 2024) gives the main figures; IoD 2019 (LSOA 2011, ward 2019,
LAD 2019) is shown beside them where the area exists in that vintage, and says so where it does not.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from hiap_geo.acquire.sources import Dataset, dataset_path, load_registry
from hiap_geo.core.areas import ENGLAND_CODE, looks_like_code
from hiap_geo.core.attribution import full_attribution
from hiap_geo.core.editions import EDITIONS, IOD2019, IOD2025, BoundarySource, Edition
from hiap_geo.core.errors import HiapGeoError, UnknownArea
from hiap_geo.geo.boundaries import WGS84, BoundaryReport, read_boundaries, with_dissolved_gaps
from hiap_geo.geo.deprivation import (
    MEASURES,
    compare_editions,
    load_iod,
    local_deciles,
    measure_columns,
    summarise,
)
from hiap_geo.geo.lookups import AreaRef, find_area, lsoa_crosswalk, ward_lookup
from hiap_geo.indicators import long_format as ind
from hiap_geo.plans import plan as plans
from hiap_geo.plans import progress
from hiap_geo.views.info import decile_movement

AreaKind = Literal["lsoa", "ward", "district", "group"]
Fmt = Literal["text", "int", "count", "score", "share", "rank", "decile", "change", "value"]

MAIN_YEAR = IOD2025.year
OTHER_YEAR = IOD2019.year


class ProfileError(HiapGeoError):
    """A profile cannot be made for what was asked (a group of districts, an unknown format...)."""


# --------------------------------------------------------------------------------------------------
# Tables: the one presentation every export renders


@dataclass(frozen=True)
class Num:
    """A number with the way it is shown; exports keep ``value`` exact and format it with ``fmt``."""

    value: float | int | None
    fmt: Fmt

    def text(self) -> str:
        return format_value(self.value, self.fmt)


Cell = str | Num


def format_value(value: float | int | None, fmt: Fmt) -> str:
    """How a figure is printed in the PDF and Word profiles (the spreadsheet keeps the exact value)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    if fmt == "score":
        return f"{value:.3f}"
    if fmt == "share":
        return f"{value:.1%}"
    if fmt in ("int", "rank"):
        return f"{value:,.0f}"
    if fmt == "change":
        return f"{int(value):+d}" if value else "0"
    if fmt == "value":  # indicator values: as many decimals as their size needs
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
    if fmt in ("count", "decile"):
        return f"{int(value)}"
    return str(value)


@dataclass
class Table:
    """A titled table: the unit every export writes (a PDF table, a Word table, a sheet, CSV rows)."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    note: str = ""
    message: bool = False
    """A section with no figures: its one cell says why (exports print it as a sentence)."""

    def cell(self, row_label: str, column: str) -> Cell:
        """The cell in the row whose first cell is ``row_label`` (for tests and the app)."""
        j = self.columns.index(column)
        for row in self.rows:
            if _plain(row[0]) == row_label:
                return row[j]
        raise KeyError(f"No row '{row_label}' in table '{self.title}'.")

    def as_text_frame(self) -> pd.DataFrame:
        """The table as printed in the exports (formatted numbers), for reading on screen."""
        return pd.DataFrame([[_plain(c) for c in row] for row in self.rows], columns=self.columns)

    def as_frame(self) -> pd.DataFrame:
        """The table with exact values, for ``st.dataframe`` and the CSV export."""
        return pd.DataFrame([[c.value if isinstance(c, Num) else c for c in row] for row in self.rows],
                            columns=self.columns)


def _plain(cell: Cell) -> str:
    return cell.text() if isinstance(cell, Num) else cell


# --------------------------------------------------------------------------------------------------
# The profile data model


@dataclass(frozen=True)
class ProfileArea:
    """What the profile is of: one area, or a group of LSOAs and wards (its members)."""

    name: str
    kind: AreaKind
    members: tuple[AreaRef, ...]
    districts: tuple[str, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(m.code for m in self.members)

    @property
    def code(self) -> str:
        """The area's code, or for a group its member codes joined by commas."""
        return ", ".join(self.codes)

    @property
    def is_group(self) -> bool:
        return self.kind == "group"

    def kind_label(self) -> str:
        if not self.is_group:
            return {"lsoa": "LSOA", "ward": "Ward", "district": "District"}[self.kind]
        kinds = sorted({m.kind for m in self.members})
        what = " and ".join({"lsoa": "LSOAs", "ward": "wards"}[k] for k in kinds)
        return f"Custom group of {len(self.members)} {what}"

    def title(self) -> str:
        return self.name if self.is_group else f"{self.name} ({self.code})"


@dataclass(frozen=True)
class DistrictRank:
    """A district's official summary from IoD File 10 (LAD level): MHCLG's own rank of districts."""

    average_score: float
    rank_of_average_score: int
    districts_ranked: int
    share_lsoas_most_deprived_10pct: float


@dataclass
class EditionFigures:
    """One IoD edition's figures for the area, on that edition's geography vintage."""

    edition: Edition
    geography: str
    available: bool
    note: str
    lsoas: pd.DataFrame
    summary: pd.Series | None = None
    district_rank: DistrictRank | None = None
    overlap: int = 0
    """LSOAs that lie in more than one member of a group (each is counted once)."""

    @property
    def year(self) -> int:
        return self.edition.year

    @property
    def header(self) -> str:
        return f"{self.edition.label}, {self.geography}"

    @property
    def population(self) -> float | None:
        return None if self.summary is None else float(self.summary["population"])

    @property
    def lsoa_count(self) -> int | None:
        return None if self.summary is None else int(self.summary["lsoa_count"])

    @property
    def imd_score(self) -> float | None:
        """Population-weighted IMD score (for one LSOA: its own score)."""
        return None if self.summary is None else float(self.summary["imd_score"])

    @property
    def imd_pop_share_decile_1_2(self) -> float | None:
        return None if self.summary is None else float(self.summary["imd_pop_share_decile_1_2"])

    def decile_counts(self, measure: str = "imd") -> list[int]:
        """Member LSOAs in each national decile 1..10 of a measure."""
        counts = self.lsoas[f"{measure}_decile"].value_counts().reindex(range(1, 11), fill_value=0)
        return [int(n) for n in counts]

    def decile_population(self, measure: str = "imd") -> list[float]:
        pop = self.lsoas.groupby(f"{measure}_decile")["population"].sum().reindex(range(1, 11), fill_value=0.0)
        return [float(p) for p in pop]

    def pop_share_decile_1_2(self, measure: str) -> float | None:
        if self.lsoas.empty:
            return None
        deprived = self.lsoas["population"].where(self.lsoas[f"{measure}_decile"] <= 2, 0.0).sum()
        return float(deprived / self.lsoas["population"].sum())

    def weighted_score(self, measure: str) -> float | None:
        if self.summary is None or f"{measure}_score" not in self.summary:
            return None
        value = self.summary[f"{measure}_score"]
        return None if pd.isna(value) else float(value)

    def measures(self) -> list[str]:
        """Measures with deciles in this edition (IMD, the seven domains, IDACI/IDAOPI where published)."""
        return measure_columns(load_iod(self.year), "decile")


@dataclass
class ChangeFigures:
    """IMD 2019 to 2025 through the ONS LSOA 2011 to 2021 crosswalk, for the area's LSOAs 2021."""

    lsoas: pd.DataFrame
    """compare_editions() rows of the member LSOAs 2021 (empty when the area has none)."""

    note: str = ""

    def movement_counts(self) -> dict[str, int]:
        comparable = self.lsoas[self.lsoas["comparable"]]
        change = comparable["imd_decile_change"]
        return {
            "more deprived": int((change < 0).sum()),
            "same decile": int((change == 0).sum()),
            "less deprived": int((change > 0).sum()),
            "not directly comparable": int((~self.lsoas["comparable"]).sum()),
        }


@dataclass
class OptionalSection:
    """A section fed by another module (indicators, plans): tables when there is data, else a note saying why."""

    title: str
    note: str
    tables: list[Table] = field(default_factory=list)


@dataclass
class Profile:
    """Everything an area profile shows; ``tables()`` is what the exports and the app render."""

    area: ProfileArea
    generated: date
    editions: dict[int, EditionFigures]
    change: ChangeFigures
    indicators: OptionalSection
    actions: OptionalSection
    sources: list[Dataset]
    attribution: str
    boundaries: gpd.GeoDataFrame
    _map_png: bytes | None = field(default=None, repr=False)

    @property
    def main(self) -> EditionFigures:
        """The edition the headline figures come from: IoD 2025 where the area exists in it."""
        main = self.editions[MAIN_YEAR]
        return main if main.available else self.editions[OTHER_YEAR]

    @property
    def beside(self) -> EditionFigures:
        return self.editions[OTHER_YEAR] if self.main.year == MAIN_YEAR else self.editions[MAIN_YEAR]

    def map_png(self) -> bytes:
        """The static map of the area in its surroundings (drawn once, then kept)."""
        if self._map_png is None:
            from hiap_geo.render.static_map import area_map_png

            self._map_png = area_map_png(
                self.boundaries, title=f"{self.area.title()} and its surroundings", year=self.main.year
            )
        return self._map_png

    def file_stem(self) -> str:
        """A file name (no extension) that says the area and the date."""
        if self.area.is_group:
            codes = list(self.area.codes)
            shown = "-".join(codes) if len(codes) <= 3 else f"{codes[0]}-{codes[1]}-and-{len(codes) - 2}-more"
            digest = hashlib.sha1(",".join(codes).encode()).hexdigest()[:6]
            code_part = f"{shown}-{digest}" if len(codes) > 3 else shown
        else:
            code_part = self.area.code
        return f"profile_{_slug(self.area.name)}_{code_part}_{self.generated.isoformat()}"

    def tables(self) -> list[Table]:
        """Every figure of the profile as titled tables, in reading order."""
        return _tables(self)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:60] or "area"


# --------------------------------------------------------------------------------------------------
# Resolving what the user asked for


def parse_area_query(query: str | Sequence[str]) -> list[str]:
    """Split what a user typed or pasted into one name or a list of codes.

    Several codes (separated by commas, semicolons, spaces or new lines) make a group; anything
    else is one code or one name ("Tunbridge Wells 005A").
    """
    parts = [query] if isinstance(query, str) else list(query)
    tokens = [t for p in parts for t in re.split(r"[\s,;]+", p.strip()) if t]
    if len(tokens) > 1 and all(looks_like_code(t) for t in tokens):
        return list(dict.fromkeys(t.upper() for t in tokens))
    text = " ".join(p.strip() for p in parts if p.strip())
    if not text:
        raise UnknownArea(text)
    return [text]


def resolve_area(query: str | Sequence[str], name: str | None = None) -> ProfileArea:
    """The area a profile is of; several codes make a custom group of LSOAs and wards.

    Raises UnknownArea / AmbiguousAreaName (with candidates) before anything is computed.
    """
    items = parse_area_query(query)
    refs = [find_area(item) for item in items]
    if len(refs) == 1:
        ref = refs[0]
        return ProfileArea(name or ref.name, ref.kind, (ref,), (ref.district,))  # type: ignore[arg-type]
    bad = [r for r in refs if r.kind not in ("lsoa", "ward")]
    if bad:
        raise ProfileError(
            "A custom group is made of LSOA and ward codes; "
            + ", ".join(f"{r.code} is a {r.kind}" for r in bad)
            + ". Make a separate profile for each district."
        )
    districts = tuple(dict.fromkeys(r.district for r in refs))
    group = ProfileArea("", "group", tuple(refs), districts)
    return replace(group, name=name or group.kind_label())


def wards_of_district(query: str) -> list[str]:
    """Codes of every ward (2024 best-fit vintage, else 2019) in a district named by code or name."""
    ref = find_area(query)
    if ref.kind != "district":
        raise ProfileError(f"'{query}' is a {ref.kind} ({ref.code} {ref.name}); --all-wards-of needs a district.")
    for year in (MAIN_YEAR, OTHER_YEAR):
        lookup = ward_lookup(year)
        wards = lookup[lookup["lad_code"] == ref.code].drop_duplicates("ward_code").sort_values("ward_name")
        if not wards.empty:
            return wards["ward_code"].tolist()
    raise UnknownArea(query)


# --------------------------------------------------------------------------------------------------
# Assembly


@cache
def _iod_with_local(year: int) -> pd.DataFrame:
    """The edition's LSOA table with within-district deciles; cached, never modified."""
    table = load_iod(year)
    return pd.concat([table, local_deciles(table)], axis=1)


@cache
def _comparison() -> pd.DataFrame:
    """compare_editions(), computed once per process (about a second); never modified."""
    return compare_editions()


@cache
def _district_summaries(year: int) -> pd.DataFrame:
    """IoD File 10 (official district summaries): code, average score, rank of average score, share in 10%."""
    if year == IOD2019.year:
        raw = pd.read_excel(dataset_path("iod2019_district_summaries"), sheet_name="IMD", dtype={0: str})
        raw.columns = [str(c).strip() for c in raw.columns]
        table = pd.DataFrame(
            {
                "code": raw["Local Authority District code (2019)"],
                "average_score": raw["IMD - Average score"].astype(float),
                "rank_of_average_score": raw["IMD - Rank of average score"].astype(int),
                "share_10pct": raw["IMD - Proportion of LSOAs in most deprived 10% nationally"].astype(float),
            }
        )
    else:
        raw = pd.read_csv(dataset_path("iod2025_district_summaries"), dtype={"ltla24_code": str})
        table = pd.DataFrame(
            {
                "code": raw["ltla24_code"],
                "average_score": raw["imd_average_score"].astype(float),
                "rank_of_average_score": raw["imd_rank_of_average_score"].astype(int),
                "share_10pct": raw["imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally"].astype(float),
            }
        )
    return table[table["code"].str.startswith("E")].reset_index(drop=True)


def _geography(ed: Edition, area: ProfileArea) -> str:
    if area.kind == "lsoa":
        return ed.lsoa_vintage
    if area.kind == "ward":
        return ed.ward_vintage
    if area.kind == "district":
        return ed.district_vintage
    kinds = sorted({m.kind for m in area.members})
    return " and ".join(ed.lsoa_vintage if k == "lsoa" else ed.ward_vintage for k in kinds)


def _members_lsoas(ed: Edition, ref: AreaRef) -> list[str] | None:
    """The LSOA codes of the edition's vintage that make up one area, or None if it is not in that vintage."""
    lookup = ward_lookup(ed.year)
    column = {"lsoa": "lsoa_code", "ward": "ward_code", "district": "lad_code"}[ref.kind]
    codes = lookup.loc[lookup[column] == ref.code, "lsoa_code"]
    return sorted(codes) if len(codes) else None


def _edition_figures(ed: Edition, area: ProfileArea) -> EditionFigures:
    geography = _geography(ed, area)
    iod = _iod_with_local(ed.year)
    codes: set[str] = set()
    missing: list[str] = []
    listed = 0
    for ref in area.members:
        lsoas = _members_lsoas(ed, ref)
        if lsoas is None:
            missing.append(ref.code)
        else:
            codes.update(lsoas)
            listed += len(lsoas)
    if missing:
        vintage = geography if not area.is_group else f"{ed.lsoa_vintage} / {ed.ward_vintage}"
        what = "is not" if len(missing) == 1 else "are not"
        note = f"{', '.join(missing)} {what} in the {vintage} geography of {ed.label}"
        if ed.year == OTHER_YEAR:
            note += "; the change section compares its LSOAs 2021 with their 2011 parents"
        return EditionFigures(ed, geography, False, note + ".", iod.iloc[0:0].copy())
    lsoas = iod[iod["lsoa_code"].isin(codes)].reset_index(drop=True)
    summary = summarise(lsoas.assign(_area="area"), by="_area").iloc[0]
    note = "" if area.kind == "lsoa" else "Population-weighted from the area's best-fit LSOAs."
    rank = None
    if area.kind == "district":
        official = _district_summaries(ed.year)
        row = official[official["code"] == area.members[0].code]
        if not row.empty:
            r = row.iloc[0]
            rank = DistrictRank(
                float(r["average_score"]), int(r["rank_of_average_score"]), len(official), float(r["share_10pct"])
            )
    return EditionFigures(ed, geography, True, note, lsoas, summary, rank, overlap=listed - len(codes))


def _change_figures(area: ProfileArea, main: EditionFigures) -> ChangeFigures:
    compared = _comparison()
    if main.year == MAIN_YEAR and main.available:
        rows = compared[compared["lsoa21_code"].isin(main.lsoas["lsoa_code"])]
        return ChangeFigures(rows.reset_index(drop=True))
    # The area exists only in the 2011 / 2019 geography: follow its LSOAs 2011 to their 2021 successors.
    old = set(main.lsoas["lsoa_code"])
    successors = compared[compared["lsoa11_codes"].str.split(";").map(lambda parents: bool(old & set(parents)))]
    note = (
        f"The area is not in the {IOD2025.lsoa_vintage} geography; these are the LSOAs 2021 that its "
        f"{IOD2019.lsoa_vintage} LSOAs became (they may cover more or less than the area)."
    )
    return ChangeFigures(successors.reset_index(drop=True), note)


def _boundary_source(ed: Edition, kind: str) -> BoundarySource:
    return {"lsoa": ed.lsoa_boundaries, "ward": ed.ward_boundaries, "district": ed.district_boundaries}[kind]


def _unit_boundaries(ref: AreaRef, used: set[str]) -> gpd.GeoDataFrame:
    """One area's polygon: official boundaries of the main vintage it exists in, else its LSOAs dissolved."""
    for year in (MAIN_YEAR, OTHER_YEAR):
        ed = EDITIONS[year]
        member_lsoas = _members_lsoas(ed, ref)
        if member_lsoas is None:
            continue
        source = _boundary_source(ed, ref.kind)
        official, report = read_boundaries(source, [ref.code])
        used.add(source.dataset)
        vintage = source.vintage
        if official.empty and ref.kind != "lsoa":
            lsoa_polys, _ = read_boundaries(ed.lsoa_boundaries, member_lsoas)
            used.add(ed.lsoa_boundaries.dataset)
            membership = pd.DataFrame({"lsoa_code": member_lsoas, "code": ref.code})
            layer = with_dissolved_gaps(
                official, pd.DataFrame({"code": [ref.code], "name": [ref.name]}), lsoa_polys, membership,
                BoundaryReport(report.layer),
            )
            vintage = f"{ed.lsoa_boundaries.vintage} (dissolved)"
        else:
            layer = official.assign(boundary_source="official")
        layer = layer[["code", "geometry", "boundary_source"]].assign(
            name=ref.name, kind=ref.kind, boundary_vintage=vintage, iod_edition=ed.label
        )
        return layer
    raise UnknownArea(ref.code)


def _area_boundaries(area: ProfileArea, editions: dict[int, EditionFigures], used: set[str]) -> gpd.GeoDataFrame:
    frames = [_unit_boundaries(ref, used) for ref in area.members]
    gdf = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=WGS84)
    main = editions[MAIN_YEAR] if editions[MAIN_YEAR].available else editions[OTHER_YEAR]
    figures = []
    for ref in area.members:
        unit = _edition_figures(main.edition, ProfileArea(ref.name, ref.kind, (ref,), (ref.district,)))  # type: ignore[arg-type]
        figures.append(
            {
                "code": ref.code,
                "population": unit.population,
                "imd_score": unit.imd_score,
                "imd_decile": int(unit.lsoas["imd_decile"].iat[0]) if ref.kind == "lsoa" and unit.available else None,
                "imd_pop_share_decile_1_2": unit.imd_pop_share_decile_1_2,
                "figures_from": unit.header,
            }
        )
    gdf = gdf.merge(pd.DataFrame(figures), on="code", how="left", validate="one_to_one")
    cols = ["code", "name", "kind", "boundary_vintage", "boundary_source", "figures_from", "population",
            "imd_score", "imd_decile", "imd_pop_share_decile_1_2", "geometry"]
    return gpd.GeoDataFrame(gdf[cols], geometry="geometry", crs=WGS84)


# --------------------------------------------------------------------------------------------------
# Sections that other modules feed (health indicators, plan actions)


GROUP_CODE = "custom group"


def _indicator_rows(area: ProfileArea, lsoa_codes: list[str], districts: list[str]) -> pd.DataFrame:
    """The area's rows of the LSOA-based indicators, made the way hiap_geo.indicators.long_format makes wards'."""
    if area.kind == "lsoa":
        rows = ind.lsoa_indicators(districts)
    elif area.kind == "ward":
        rows = ind.ward_indicators(districts)
    elif area.kind == "district":
        rows = ind.district_indicators(districts)
    else:
        return ind.indicators_for_lsoas(lsoa_codes, area_code=GROUP_CODE)
    return rows[rows["area_code"] == area.members[0].code].reset_index(drop=True)


def _indicator_section(area: ProfileArea, main: EditionFigures, used: set[str]) -> OptionalSection:
    title = "Health and social indicators"
    if main.year != MAIN_YEAR:
        return OptionalSection(
            title,
            f"The indicators are on the {IOD2025.lsoa_vintage} / {IOD2025.ward_vintage} geography, which this "
            f"area is not part of ({main.header}); profile its current LSOAs or ward for indicators.",
        )
    lsoa_codes = main.lsoas["lsoa_code"].tolist()
    districts = sorted(main.lsoas["lad_code"].unique())
    rows = _indicator_rows(area, lsoa_codes, districts)
    if area.kind == "district":
        code = area.members[0].code
        census = ind.msoa_census_indicators([code])
        dwp = ind.dwp_indicators([code])
        dwp = dwp[dwp["period"] == ind.DWP_DENOMINATOR_YEAR]
        rows = pd.concat([rows, census[census["area_code"] == code], dwp[dwp["area_code"] == code]],
                         ignore_index=True)
        comparators = pd.concat([ind.england_indicators(), census, dwp], ignore_index=True)
        used |= {"census2021_msoa_health_pct", "dwp_children_low_income_msoa11", "sape_mid2020_msoa11"}
    else:
        comparators = pd.concat([ind.england_indicators(), ind.district_indicators(districts)], ignore_index=True)
    used |= {"iod2025_indicators", "census2021_household_deprivation"}
    comparators = comparators[comparators["area_code"] != area.members[0].code]
    comparators = comparators.drop_duplicates(["indicator_id", "period", "area_code"])
    england = ind.compare(rows, comparators, ENGLAND_CODE)
    own_district = area.kind != "district" and len(districts) == 1
    if own_district:
        versus = ind.compare(rows, comparators, districts[0])
    statistics = {s.id: s.statistic for s in ind.LSOA_SPECS}
    table_rows: list[list[Cell]] = []
    for i, r in england.iterrows():
        fmt: Fmt = "int" if statistics.get(r["indicator_id"]) == "count" else "value"
        cells: list[Cell] = [
            str(r["indicator_name"]), str(r["unit"]), str(r["period"]),
            Num(_num(r["value"]), fmt), Num(_num(r["lower_95"]), fmt), Num(_num(r["upper_95"]), fmt),
        ]
        if own_district:
            cells += [Num(_num(versus.at[i, "comparator_value"]), fmt), str(versus.at[i, "comparison_label"])]
        cells += [Num(_num(r["comparator_value"]), fmt), str(r["comparison_label"])]
        table_rows.append(cells)
    columns = ["Indicator", "Unit", "Period", "Value", "Lower 95%", "Upper 95%"]
    if own_district:
        columns += [f"District ({main.lsoas['lad_name'].iat[0]})", "Compared with district"]
    columns += ["England", "Compared with England"]
    note = (
        "Better / similar / worse compare the area's 95% interval with the comparator's value, using the "
        "indicator's polarity (the Fingertips method); 'higher' / 'lower' where an indicator has no polarity. "
        "Indicators published without counts have no interval and are not compared. "
    )
    if area.kind == "lsoa":
        note += " LSOA values are as published."
    else:
        note += (
            f" The {'group' if area.is_group else area.kind_label().lower()}'s values are built from its "
            f"{len(lsoa_codes)} LSOAs 2021 as wards' are: counts summed and proportions recomputed where counts "
            "exist, otherwise population- or household-weighted means."
        )
    if area.kind != "district" and not own_district:
        note += " The group spans several districts, so it is compared with England only."
    if area.kind != "district":
        note += " MSOA and district-only indicators (Census general health, DWP child poverty, ONS Health Index) " \
                "are in the district's profile."
    tables = [Table("indicators", title, columns, table_rows, note)]
    if area.kind == "district":
        tables.append(_health_index_table(area.members[0].code, used))
    return OptionalSection(title, "", tables)


def _health_index_table(code: str, used: set[str]) -> Table:
    frame = ind.health_index_indicators([code])
    latest = frame[frame["period"] == frame["period"].max()]
    used.add("health_index_indicators")
    rows: list[list[Cell]] = [
        [str(r.indicator_name), str(r.unit), str(r.period), Num(_num(r.value), "value")]
        for r in latest.sort_values("indicator_name").itertuples(index=False)
    ]
    return Table(
        "indicators_health_index", f"ONS Health Index indicators for the district, {latest['period'].max()}",
        ["Indicator", "Unit", "Year", "Value"], rows, ind.HEALTH_INDEX_NOTE,
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
def _plan_reach(path: str, _mtime: float) -> tuple[plans.Plan, pd.DataFrame]:
    """A plan file and the LSOAs each action reaches; cached until the file changes."""
    loaded = plans.load_plan(path)
    return loaded, plans.lsoa_reach(loaded, plans.resolve_targets(loaded, strict=False))


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
    """The latest HAT review of each action, from the progress database when one exists.

    Never creates a database: a profile only reads what meetings recorded. Returns
    ``{(plan_id, action_id): "On track (review 2026-01-10)"}`` and a note for the table.
    """
    url = progress.database_url()
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return {}, "Status is as recorded in the plan file (no progress reviews have been recorded)."
    try:
        store = progress.ProgressStore(url)
        statuses = {}
        for plan_id in store.plan_ids():
            for r in store.latest_status(plan_id).itertuples(index=False):
                when = f" (review {r.review_date.isoformat()})" if r.review_date is not None and pd.notna(
                    r.review_date) else ""
                statuses[(plan_id, r.action_id)] = f"{r.status_label}{when}"
    except HiapGeoError as exc:
        return {}, f"Status is as recorded in the plan file (the progress database could not be read: {exc})."
    return statuses, f"Status is the latest review in the progress database {store.describe()}, else the plan file's."


def _actions_section(editions: dict[int, EditionFigures]) -> OptionalSection:
    title = "Plan actions that target this area"
    files = plans.plan_files()
    if not files:
        return OptionalSection(title, f"No action plan has been transcribed into {plans.PLANS_DIR} yet.")
    rows: list[list[Cell]] = []
    placeless: list[list[Cell]] = []
    notes: list[str] = []
    reviewed, status_note = _reviewed_statuses()
    for path in files:
        loaded, reach = _plan_reach(str(path), path.stat().st_mtime)
        lsoas, via = _area_lsoas_in(loaded.edition, editions)
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
        for _, action, best, specified, n in sorted(ranked, key=lambda r: r[0]):
            common: list[Cell] = [
                f"{loaded.area.name} {loaded.period}",
                action.printed_id or action.id,
                priorities.get(action.priority, action.priority),
                action.title,
                action.lead or "not named in the document",
                reviewed.get((loaded.id, action.id)) or progress.status_label(action.status),
            ]
            if best == "district" and not specified:
                placeless.append(common)
            else:
                rows.append([*common, _REACH.get((best, specified), best), Num(n, "count")])
        edition_label = EDITIONS[loaded.edition].label
        notes.append(
            f"{loaded.area.name} {loaded.period}: '{loaded.title}', on the {edition_label} geography; "
            f"the area has {len(lsoas)} LSOAs of {EDITIONS[loaded.edition].lsoa_vintage}{via}."
        )
    if not rows and not placeless:
        return OptionalSection(title, f"No action in the {len(files)} transcribed plan(s) targets this area.")
    columns = ["Plan", "Action", "Priority", "Action title", "Lead", "Status"]
    note = " ".join(notes) + (
        f" {status_note} Targets that cannot be resolved are left out; `python -m hiap_geo plan check` lists them."
    )
    tables = []
    if rows:
        tables.append(Table("actions", title, [*columns, "How it reaches the area", "Area LSOAs reached"], rows, note))
    else:
        tables.append(Table("actions", title, ["Status"], [["No action names this area or its district "
                                                           "specifically."]], message=True))
    if placeless:
        tables.append(
            Table("actions_district_wide", "District-wide actions whose document names no place", columns, placeless,
                  "These actions apply to the whole district: the plan document does not say where they are targeted.")
        )
    return OptionalSection(title, "", tables)


# --------------------------------------------------------------------------------------------------


_ALWAYS_USED = [
    "iod2025_domains",
    "census2021_residents",
    "iod2019_domains",
    "iod2019_supplementary",
    "iod2019_population",
    "iod2019_scores",
    "lookup_lsoa21_ward24",
    "lookup_lsoa11_ward19",
    "lookup_lsoa11_lsoa21",
    "districts2024_boundaries",  # the map's district lines
]


def build_profile(query: str | Sequence[str], name: str | None = None, today: date | None = None) -> Profile:
    """The profile of an LSOA, ward or district (code or name), or of a group of LSOA and ward codes.

    ``name`` names a custom group; ``today`` fixes the generation date (tests, reproducible exports).
    """
    area = resolve_area(query, name)
    editions = {year: _edition_figures(EDITIONS[year], area) for year in (MAIN_YEAR, OTHER_YEAR)}
    if not any(e.available for e in editions.values()):
        raise UnknownArea(area.code)
    main = editions[MAIN_YEAR] if editions[MAIN_YEAR].available else editions[OTHER_YEAR]
    used = set(_ALWAYS_USED) | {main.edition.lsoa_boundaries.dataset}  # the map's LSOAs
    if area.kind == "district":
        used |= {"iod2019_district_summaries", "iod2025_district_summaries"}
    boundaries = _area_boundaries(area, editions, used)
    indicators = _indicator_section(area, main, used)  # adds the datasets it uses to ``used``
    registry = load_registry()
    return Profile(
        area=area,
        generated=today or date.today(),
        editions=editions,
        change=_change_figures(area, main),
        indicators=indicators,
        actions=_actions_section(editions),
        sources=[registry[d] for d in registry if d in used],
        attribution=full_attribution(),
        boundaries=boundaries,
    )


# --------------------------------------------------------------------------------------------------
# The tables


def _decile_label(d: int) -> str:
    return {1: "1 (most deprived 10%)", 10: "10 (least deprived 10%)"}.get(d, str(d))


def _tables(p: Profile) -> list[Table]:
    tables = [_area_table(p), _key_figures(p)]
    if p.area.kind != "lsoa":
        tables.append(_imd_distribution(p))
    tables.append(_domains(p))
    if p.area.kind != "lsoa":
        tables += [_domain_distribution(e) for e in (p.main, p.beside) if e.available]
    tables += _change_tables(p)
    if p.area.kind != "lsoa":
        tables += [_members(e, p) for e in (p.main, p.beside) if e.available]
    for key, section in (("indicators", p.indicators), ("actions", p.actions)):
        tables += section.tables or [Table(key, section.title, ["Status"], [[section.note]], message=True)]
    tables.append(_sources_table(p))
    return tables


def _area_table(p: Profile) -> Table:
    a = p.area
    rows: list[list[Cell]] = [
        ["Area", a.name],
        ["Type", a.kind_label()],
        ["Code" if not a.is_group else "Member codes", a.code],
        ["District", ", ".join(a.districts)],
        ["Main figures", p.main.header],
        ["Shown beside them", p.beside.header if p.beside.available else f"{p.beside.header}: {p.beside.note}"],
        ["Generated", p.generated.isoformat()],
    ]
    if a.is_group:
        rows.insert(3, ["Members", "; ".join(f"{m.code} {m.name} ({m.kind})" for m in a.members)])
    return Table("area", "The area", ["Item", "Value"], rows)


def _key_figures(p: Profile) -> Table:
    eds = [e for e in (p.main, p.beside) if e.available]
    single = p.area.kind == "lsoa"

    def row(label: str, get: Callable[[EditionFigures], Cell]) -> list[Cell]:
        return [label] + [get(e) for e in eds]

    def lsoa_value(measure: str, kind: str, fmt: Fmt) -> Callable[[EditionFigures], Cell]:
        def get(e: EditionFigures) -> Cell:
            value = e.lsoas[f"{measure}_{kind}"].iat[0]
            return Num(None if pd.isna(value) else (float(value) if fmt == "score" else int(value)), fmt)

        return get

    rows = [
        row("Geography (vintage)", lambda e: e.geography),
        row("Population", lambda e: Num(e.population, "int")),
        row("Population basis", lambda e: e.edition.population_note),
    ]
    if single:
        rows += [
            row("IMD score", lsoa_value("imd", "score", "score")),
            row("IMD rank (1 = most deprived)", lsoa_value("imd", "rank", "rank")),
            row("LSOAs ranked in England", lambda e: Num(len(load_iod(e.year)), "int")),
            row("IMD national decile (1 = most deprived 10%)", lsoa_value("imd", "decile", "decile")),
            row("IMD decile within its district (1 = most deprived 10%)", lsoa_value("imd", "local_decile", "decile")),
        ]
    else:
        rows += [
            row("LSOAs (best fit)", lambda e: Num(e.lsoa_count, "count")),
            row("IMD score, population-weighted", lambda e: Num(e.imd_score, "score")),
            row("Population in national IMD deciles 1-2", lambda e: Num(e.imd_pop_share_decile_1_2, "share")),
            row("LSOAs in national IMD decile 1 (most deprived 10%)", lambda e: Num(e.decile_counts()[0], "count")),
        ]
    if p.area.kind == "district":
        def official(attr: str, fmt: Fmt) -> Callable[[EditionFigures], Cell]:
            return lambda e: Num(getattr(e.district_rank, attr), fmt) if e.district_rank else "not published"

        rows += [
            row("Official average IMD score (File 10)", official("average_score", "score")),
            row("Rank of average score among districts (1 = most deprived)", official("rank_of_average_score", "rank")),
            row("Districts ranked", official("districts_ranked", "int")),
            row("LSOAs in the most deprived 10% nationally (File 10)", official("share_lsoas_most_deprived_10pct",
                                                                                  "share")),
        ]
    note = (
        "Decile 1 = most deprived 10% of LSOAs in England, 10 = least deprived. "
        f"Main figures: {p.main.header}; beside them: {p.beside.header}."
    )
    if not single:
        note += (
            " Area scores are the population-weighted average of their LSOAs' scores (Fingertips method); "
            "an area of several LSOAs has no national decile of its own."
        )
    if p.area.kind == "district":
        note += (
            " File 10 figures are MHCLG's own district summaries; its 2025 average uses the IoD 2025 "
            "population denominators, so it can differ slightly from the Census-weighted score above."
        )
    if not p.beside.available:
        note += f" {p.beside.edition.label}: {p.beside.note}"
    if p.main.overlap:
        note += f" Members overlap: {p.main.overlap} LSOAs lie in more than one member and are counted once."
    return Table("key_figures", "Key figures", ["Figure"] + [e.header for e in eds], rows, note)


def _imd_distribution(p: Profile) -> Table:
    eds = [e for e in (p.main, p.beside) if e.available]
    columns = ["IMD national decile"]
    for e in eds:
        label = e.edition.label
        columns += [f"LSOAs, {label}", f"Population, {label}", f"Share of population, {label}"]
    rows: list[list[Cell]] = []
    for d in range(1, 11):
        row: list[Cell] = [_decile_label(d)]
        for e in eds:
            pop = e.decile_population()[d - 1]
            row += [Num(e.decile_counts()[d - 1], "count"), Num(pop, "int"), Num(pop / e.population, "share")]
        rows.append(row)
    total: list[Cell] = ["All"]
    for e in eds:
        total += [Num(e.lsoa_count, "count"), Num(e.population, "int"), Num(1.0, "share")]
    rows.append(total)
    note = "; ".join(f"{e.edition.label}: LSOAs of {e.geography} ({e.edition.population_note})" for e in eds)
    return Table("imd_deciles", "LSOAs and population by national IMD decile", columns, rows, note + ".")


def _domains(p: Profile) -> Table:
    eds = [e for e in (p.main, p.beside) if e.available]
    measures = list(dict.fromkeys(m for e in eds for m in e.measures()))
    rows: list[list[Cell]] = []
    if p.area.kind == "lsoa":
        columns = ["Measure"]
        for e in eds:
            columns += [f"Score, {e.edition.label}", f"Rank, {e.edition.label}", f"Decile, {e.edition.label}"]
        for m in measures:
            row: list[Cell] = [MEASURES[m]]
            for e in eds:
                r = e.lsoas.iloc[0]
                score, rank, decile = r[f"{m}_score"], r[f"{m}_rank"], r[f"{m}_decile"]
                row += [
                    Num(None if pd.isna(score) else float(score), "score"),
                    Num(None if pd.isna(rank) else int(rank), "rank"),
                    Num(None if pd.isna(decile) else int(decile), "decile"),
                ]
            rows.append(row)
        title = "Domains of deprivation: score, rank and national decile"
    else:
        columns = ["Measure"]
        for e in eds:
            columns += [f"Score (pop.-weighted), {e.edition.label}", f"Population in deciles 1-2, {e.edition.label}"]
        for m in measures:
            row = [MEASURES[m]]
            for e in eds:
                if m not in e.measures():
                    row += [Num(None, "score"), Num(None, "share")]
                else:
                    row += [Num(e.weighted_score(m), "score"), Num(e.pop_share_decile_1_2(m), "share")]
            rows.append(row)
        title = "Domains of deprivation: population-weighted score and share of population in national deciles 1-2"
    note = (
        "Rank 1 and decile 1 = most deprived in England. Scores are on different scales for each domain "
        "(income and employment are rates). '-' = not in the data obtained: IoD 2019 domain scores other "
        "than income and employment (File 7 was not available) and IDACI/IDAOPI for IoD 2025."
    )
    if not p.beside.available:
        note += f" {p.beside.edition.label}: {p.beside.note}"
    return Table("domains", title, columns, rows, note)


def _domain_distribution(e: EditionFigures) -> Table:
    columns = ["Measure"] + [_decile_label(d) for d in range(1, 11)]
    rows: list[list[Cell]] = []
    for m in e.measures():
        rows.append([MEASURES[m]] + [Num(n, "count") for n in e.decile_counts(m)])
    return Table(
        f"deciles_{e.year}",
        f"LSOAs per national decile of each domain, {e.header}",
        columns,
        rows,
        f"Counts of the area's {e.lsoa_count} best-fit LSOAs of {e.edition.lsoa_vintage}.",
    )


def _change_tables(p: Profile) -> list[Table]:
    ch = p.change.lsoas
    tables: list[Table] = []
    if p.area.kind == "lsoa" and p.main.year == MAIN_YEAR and len(ch) == 1:
        c = ch.iloc[0]
        rows: list[list[Cell]] = [
            ["2011 to 2021 boundary change", str(c["change_description"])],
            ["LSOA 2011 parent(s)", str(c["lsoa11_codes"]).replace(";", ", ")],
            ["IMD score, IoD 2019 (parents, population-weighted)", Num(float(c["imd2019_score"]), "score")],
            ["IMD score, IoD 2025", Num(float(c["imd2025_score"]), "score")],
        ]
        if c["comparable"]:
            delta = int(c["imd_decile_change"])
            rows += [
                ["IMD decile, IoD 2019 (LSOA 2011)", Num(int(c["imd2019_decile"]), "decile")],
                ["IMD decile, IoD 2025 (LSOA 2021)", Num(int(c["imd2025_decile"]), "decile")],
                ["Change in decile (negative = more deprived)", Num(delta, "change")],
                ["Movement", decile_movement(delta)],
            ]
        else:
            rows += [
                ["IMD deciles of the 2011 parents",
                 f"{int(c['imd2019_decile_min'])} to {int(c['imd2019_decile_max'])}"],
                ["IMD decile, IoD 2025 (LSOA 2021)", Num(int(c["imd2025_decile"]), "decile")],
                ["Movement", "not directly comparable (merged or redrawn LSOA)"],
            ]
        tables.append(Table("change", "Change from IMD 2019 to IMD 2025", ["Figure", "Value"], rows, _CHANGE_NOTE))
        return tables

    m, b = p.editions[OTHER_YEAR], p.editions[MAIN_YEAR]
    if m.available and b.available:
        rows = [
            ["IMD score, population-weighted", Num(m.imd_score, "score"), Num(b.imd_score, "score"),
             Num(b.imd_score - m.imd_score, "score")],  # type: ignore[operator]
            ["Population in national IMD deciles 1-2", Num(m.imd_pop_share_decile_1_2, "share"),
             Num(b.imd_pop_share_decile_1_2, "share"),
             Num(b.imd_pop_share_decile_1_2 - m.imd_pop_share_decile_1_2, "share")],  # type: ignore[operator]
            ["LSOAs in national IMD decile 1", Num(m.decile_counts()[0], "count"), Num(b.decile_counts()[0], "count"),
             Num(b.decile_counts()[0] - m.decile_counts()[0], "change")],
        ]
        tables.append(
            Table("change", "Change from IMD 2019 to IMD 2025", ["Figure", m.header, b.header, "Change"], rows,
                  _CHANGE_NOTE + " A higher score means more deprived.")
        )
    if p.change.note and not ch.empty:
        tables.append(_successors(p.change))
    if not ch.empty:
        counts = p.change.movement_counts()
        rows = [[k.capitalize(), Num(v, "count")] for k, v in counts.items()]
        note = (
            "Each LSOA 2021 against its 2011 parent: unchanged and split LSOAs compare directly; merged and "
            "redrawn ones have several parents and no single 2019 decile."
        )

        tables.append(Table("change_lsoas", "LSOAs by change in IMD decile, 2019 to 2025", ["Movement", "LSOAs"],
                            rows, note))
    return tables


_CHANGE_NOTE = (
    "IoD 2019 is on LSOA 2011 with mid-2015 populations; IoD 2025 on LSOA 2021 with Census 2021 residents. "
    "IMD scores and deciles are relative to England at each edition: a lower decile means more deprived "
    "relative to other areas, not necessarily worse in absolute terms."
)


def _successors(change: ChangeFigures) -> Table:
    rows: list[list[Cell]] = []
    for c in change.lsoas.sort_values("lsoa21_code").itertuples(index=False):
        rows.append([
            c.lsoa21_code, c.lsoa_name, c.lsoa11_codes.replace(";", ", "), str(c.change_description),
            Num(int(c.imd2019_decile), "decile") if c.comparable else
            f"{int(c.imd2019_decile_min)}-{int(c.imd2019_decile_max)} (parents)",
            Num(int(c.imd2025_decile), "decile"),
            Num(int(c.imd_decile_change), "change") if c.comparable else "not comparable",
        ])
    return Table(
        "successors", "LSOAs 2021 that the area's LSOAs 2011 became",
        ["LSOA 2021 code", "LSOA 2021 name", "LSOA 2011 parent(s)", "2011 to 2021", "IMD decile 2019",
         "IMD decile 2025", "Change in decile"],
        rows, change.note,
    )


def _members(e: EditionFigures, p: Profile) -> Table:
    lsoas = e.lsoas.sort_values("imd_rank")
    columns = ["LSOA code", "LSOA name", "Population", "IMD score", "IMD rank", "IMD decile", "Decile in district"]
    if e.year == MAIN_YEAR:
        columns += ["IMD decile 2019 (2011 parent)", "Change in decile", "2011 to 2021"]
        change = p.change.lsoas.set_index("lsoa21_code")
    rows: list[list[Cell]] = []
    for r in lsoas.itertuples(index=False):
        row: list[Cell] = [
            r.lsoa_code, r.lsoa_name, Num(float(r.population), "int"), Num(float(r.imd_score), "score"),
            Num(int(r.imd_rank), "rank"), Num(int(r.imd_decile), "decile"), Num(int(r.imd_local_decile), "decile"),
        ]
        if e.year == MAIN_YEAR:
            c = change.loc[r.lsoa_code]
            row += [
                Num(int(c["imd2019_decile"]), "decile") if c["comparable"] else
                f"{int(c['imd2019_decile_min'])}-{int(c['imd2019_decile_max'])} (parents)",
                Num(int(c["imd_decile_change"]), "change") if c["comparable"] else "not comparable",
                str(c["change_description"]),
            ]
        rows.append(row)
    return Table(
        f"lsoas_{e.year}",
        f"Member LSOAs, {e.edition.label} ({e.edition.lsoa_vintage}), most deprived first",
        columns,
        rows,
        f"Best-fit LSOAs of the area in {e.geography}. Population: {e.edition.population_note}.",
    )


def _sources_table(p: Profile) -> Table:
    rows: list[list[Cell]] = [[d.title, d.publisher, d.vintage, d.licence, d.page] for d in p.sources]
    note = f"{p.attribution} Generated {p.generated.isoformat()} by HIAP Geo."
    return Table("sources", "Sources", ["Dataset", "Publisher", "Vintage", "Licence", "Web page"], rows, note)

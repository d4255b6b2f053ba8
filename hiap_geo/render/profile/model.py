"""The area profile's data model: what a profile holds, and how one of its numbers is printed.

An area is an LSOA, a ward, a district, or a custom group of LSOA and ward codes. Its ``Profile``
holds population, IMD 2025 and 2019 figures (each on its own geography vintage), each domain, the
change from 2019 to 2025 through the ONS crosswalk, the health indicators, the plan actions that
target it, and the sources to cite. ``assemble.build_profile`` fills it from the data,
``tables.profile_tables`` lays it out as ``ProfileTable``s, and every export and the app render
those tables, so a number can never differ between them.

IoD 2025 (LSOA 2021, ward 2024, LAD 2024) gives the main figures; IoD 2019 (LSOA 2011, ward 2019,
LAD 2019) is shown beside them where the area exists in that vintage, and says so where it does not.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from hiap_geo.acquire.registry import Dataset
from hiap_geo.core.editions import IOD2019, IOD2025, Edition
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.geo.deprivation import load_iod, measure_columns
from hiap_geo.geo.lookups import AreaRef

AreaKind = Literal["lsoa", "ward", "district", "group"]
NumberFormat = Literal["text", "int", "count", "score", "share", "rank", "decile", "change", "value"]

MAIN_YEAR = IOD2025.year
OTHER_YEAR = IOD2019.year


class ProfileError(HiapGeoError):
    """A profile cannot be made for what was asked (a group of districts, an unknown format...)."""


# --------------------------------------------------------------------------------------------------
# Cells and tables: the units every export writes


@dataclass(frozen=True)
class Num:
    """A number with the way it is shown; exports keep ``value`` exact and format it with ``fmt``."""

    value: float | int | None
    fmt: NumberFormat

    def text(self) -> str:
        """The number as the PDF and Word profiles print it."""
        return format_number(self.value, self.fmt)


Cell = str | Num


def format_number(value: float | int | None, fmt: NumberFormat) -> str:
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
class ProfileTable:
    """A titled table: the unit every export writes (a PDF table, a Word table, a sheet, CSV rows)."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    note: str = ""
    message: bool = False
    """A section with no figures: its one cell says why (exports print it as a sentence)."""

    def cell(self, row_label: str, column: str) -> Cell:
        """The cell in the row whose first cell is ``row_label`` (how the tests read a figure)."""
        j = self.columns.index(column)
        for row in self.rows:
            if cell_text(row[0]) == row_label:
                return row[j]
        raise KeyError(f"No row '{row_label}' in table '{self.title}'.")

    def as_text_frame(self) -> pd.DataFrame:
        """The table as printed in the exports (formatted numbers), for reading on screen."""
        return pd.DataFrame([[cell_text(c) for c in row] for row in self.rows], columns=self.columns)

    def message_text(self) -> str:
        """What a message table (``message=True``) says: its one cell, else its note."""
        return cell_text(self.rows[0][0]) if self.rows else self.note


def cell_text(cell: Cell) -> str:
    """A cell as printed: a number formatted by ``Num.text()``, text as it is."""
    return cell.text() if isinstance(cell, Num) else cell


# --------------------------------------------------------------------------------------------------
# The profile data model


KIND_WORDS = {"lsoa": "neighbourhood (LSOA)", "ward": "ward", "district": "district"}
"""A kind of area in a bid writer's words, singular."""


def member_label(ref: AreaRef) -> str:
    """A group member as a reader names it: 'Tunbridge Wells 005A (E01024840)', 'Sherwood ward (E05015809)'."""
    kind = " ward" if ref.kind == "ward" and not ref.name.lower().endswith("ward") else ""
    return f"{ref.name}{kind} ({ref.code})"


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


@dataclass(frozen=True)
class DistrictPosition:
    """Where the area ranks by IMD among comparable areas (1 = most deprived), for the summary's sentence.

    A ward among its district's wards and an LSOA among its district's LSOAs (by IMD score, the
    ward's population-weighted), a district among England's districts (MHCLG's rank of average score).
    """

    rank: int
    of: int
    among: str
    """Whose areas: the district's name, or 'England' for a district."""
    units: str
    """The areas counted, plural: 'wards', 'neighbourhoods (LSOAs)', 'districts'."""
    measure: str
    """What they are ranked by, in words."""


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
    tables: list[ProfileTable] = field(default_factory=list)


@dataclass
class Profile:
    """Everything an area profile shows; ``tables.profile_tables`` lays it out for the exports and the app."""

    area: ProfileArea
    generated: date
    editions: dict[int, EditionFigures]
    change: ChangeFigures
    indicators: OptionalSection
    actions: OptionalSection
    sources: list[Dataset]
    attribution: str
    boundaries: gpd.GeoDataFrame
    position: DistrictPosition | None = None
    """The area's IMD rank among its district's areas of its kind (None for a group)."""
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

    def generated_text(self) -> str:
        """The day the profile was made, as a reader writes it ('15 January 2026'), in every format alike."""
        return f"{self.generated.day} {self.generated:%B %Y}"

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


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:60] or "area"

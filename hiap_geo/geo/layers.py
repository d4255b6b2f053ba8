"""Build analysis-ready layers for an area into the cache (GeoParquet), with a report.

For each IoD edition: LSOAs (polygons, every IoD measure, national and local deciles, ward and
district), wards and districts (summaries from their LSOAs), each also as a display copy.
Ward and district outlines are the unions of their LSOAs (the edition's LSOA polygons, wards by the
best-fit lookup), and the display copies the unions of the simplified LSOAs: an outline always runs
along the edges of the fills it surrounds, on screen and in exports. The report lists every data
problem met: unmatched codes and repaired geometries.
"""

from __future__ import annotations

import json
import resource
import time
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq

from hiap_geo.core import settings
from hiap_geo.core.editions import EDITIONS, IOD2025, Edition
from hiap_geo.core.errors import LayerNotBuilt
from hiap_geo.core.files import write_text_atomic
from hiap_geo.geo.boundaries import (
    BoundaryReport,
    dissolve_lsoas,
    read_boundaries,
    read_layer,
    simplify_for_display,
    write_layer,
)
from hiap_geo.geo.deprivation import compare_editions, load_iod, local_deciles, summarise
from hiap_geo.geo.joins import JoinReport, join_on_code
from hiap_geo.geo.lookups import area_slug, districts_in_area, lsoas_in_districts, ward_lookup

LEVELS = ("lsoa", "ward", "district")
REPORT_NAME = "build_report.json"


def layer_path(slug: str, level: str, year: int, display: bool = False) -> Path:
    suffix = "_display" if display else ""
    return settings.layers_dir(slug) / f"{level}_{year}{suffix}.parquet"


@dataclass
class BuildReport:
    area: str
    slug: str
    districts: list[str]
    layers: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    peak_memory_mb: float = 0.0
    built_at: str = ""

    def write(self, directory: Path) -> None:
        write_text_atomic(directory / REPORT_NAME, json.dumps(asdict(self), indent=2))


def read_report(slug: str) -> BuildReport | None:
    """The report of a finished build, or None when there is none or it cannot be read (a build cut short,
    a file damaged by hand): the area then counts as not built, and building it again mends it."""
    path = settings.layers_dir(slug) / REPORT_NAME
    if not path.is_file():
        return None
    try:
        return BuildReport(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def is_built(slug: str) -> bool:
    """Whether layers for ``slug`` have been built (``make run`` builds them when not)."""
    return read_report(slug) is not None


def build(
    area: str | list[str] = settings.DEFAULT_AREA,
    tolerance_m: float = settings.DISPLAY_TOLERANCE_M,
    step: Callable[[str], None] = lambda _msg: None,
) -> BuildReport:
    """Build every layer of both editions for ``area`` ('kent', 'england', district or county codes)."""
    started = time.perf_counter()
    districts = districts_in_area(area)
    slug = area_slug(area)
    report = BuildReport(area=slug, slug=slug, districts=districts)
    for ed in EDITIONS.values():
        step(f"{ed.label}: LSOAs")
        lsoas = _lsoa_layer(ed, districts, report)
        shown = simplify_for_display(lsoas, tolerance_m)
        step(f"{ed.label}: wards and districts")
        tables = {level: _summary_table(level, key, lsoas) for level, key in (("ward", "ward_code"),
                                                                              ("district", "lad_code"))}
        for display, source in ((False, lsoas), (True, shown)):
            wards = dissolve_lsoas(source, "ward_code")
            outlines = {"ward": wards, "district": dissolve_lsoas(_district_pieces(source, wards), "lad_code")}
            for level, table in tables.items():
                layer = _summary_layer(ed, level, table, outlines[level])
                write_layer(layer, layer_path(slug, level, ed.year, display))
        report.layers.update({f"{level}_{ed.year}": len(table) for level, table in tables.items()})
        write_layer(lsoas, layer_path(slug, "lsoa", ed.year))
        write_layer(shown, layer_path(slug, "lsoa", ed.year, display=True))
        report.layers[f"lsoa_{ed.year}"] = len(lsoas)
    report.seconds = round(time.perf_counter() - started, 1)
    report.peak_memory_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0)
    report.built_at = time.strftime("%Y-%m-%d %H:%M:%S")
    report.write(settings.layers_dir(slug))
    return report


def _lsoa_layer(ed: Edition, districts: list[str], report: BuildReport) -> gpd.GeoDataFrame:
    national = load_iod(ed.year)
    table = pd.concat([national, local_deciles(national)], axis=1)
    codes = set(lsoas_in_districts(districts, ed.year))
    table = table[table["lsoa_code"].isin(codes)]

    wards = ward_lookup(ed.year)[["lsoa_code", "ward_code", "ward_name"]]
    table, joined = join_on_code(
        table,
        wards[wards["lsoa_code"].isin(codes)],
        "lsoa_code",
        f"{ed.label} LSOAs with the {ed.ward_vintage} lookup",
        strict=False,
    )
    _note(report, joined)

    if ed.year == IOD2025.year:
        change = compare_editions()[
            [
                "lsoa21_code",
                "change",
                "change_description",
                "lsoa11_codes",
                "imd2019_score",
                "imd2019_decile",
                "imd2019_decile_min",
                "imd2019_decile_max",
                "imd_decile_change",
            ]
        ]
        change = change[change["lsoa21_code"].isin(codes)]
        table, joined = join_on_code(
            table,
            change,
            "lsoa_code",
            "IoD 2025 LSOAs with the IMD 2019 comparison",
            right_on="lsoa21_code",
            strict=False,
        )
        _note(report, joined)

    polygons, boundary = read_boundaries(ed.lsoa_boundaries, codes)
    _note_boundary(report, boundary)
    polygons = polygons.drop(columns="name").rename(columns={"code": "lsoa_code"})
    layer, joined = join_on_code(
        polygons, table, "lsoa_code", f"{ed.lsoa_boundaries.vintage} polygons with {ed.label}", strict=False
    )
    _note(report, joined)
    layer["vintage"] = f"{ed.label}, {ed.lsoa_vintage}"
    return gpd.GeoDataFrame(layer, geometry="geometry", crs=polygons.crs)


def _summary_table(level: str, key: str, lsoas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Each ward's or district's figures from its LSOAs, with its name (and a ward's district)."""
    table = summarise(pd.DataFrame(lsoas.drop(columns="geometry")), by=key)
    name_col = "ward_name" if level == "ward" else "lad_name"
    names = lsoas[[key, name_col] + (["lad_code", "lad_name"] if level == "ward" else [])].drop_duplicates(key)
    return names.merge(table, on=key, validate="one_to_one").rename(columns={key: "code", name_col: "name"})


def _district_pieces(lsoas: gpd.GeoDataFrame, wards: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """What a district's outline is dissolved from: its ward outlines when every ward lies in one district (the
    same union with a fifth of the pieces, the slower half of the build otherwise), else its LSOAs."""
    homes = lsoas[["ward_code", "lad_code"]].dropna().drop_duplicates()
    if homes["ward_code"].duplicated().any() or lsoas["ward_code"].isna().any():
        return lsoas
    pieces = wards.merge(homes.rename(columns={"ward_code": "code"}), on="code", validate="one_to_one")
    return gpd.GeoDataFrame(pieces, geometry="geometry", crs=lsoas.crs)


def _summary_layer(ed: Edition, level: str, table: pd.DataFrame, outlines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The figures on outlines dissolved from the LSOAs (full or display polygons)."""
    layer = table.merge(outlines, on="code", how="left", validate="one_to_one")
    layer["boundary_source"] = f"dissolved from its {ed.lsoa_vintage} LSOAs" + (
        " (best-fit lookup)" if level == "ward" else "")
    layer["vintage"] = f"{ed.label}, {ed.ward_vintage if level == 'ward' else ed.district_vintage}"
    return gpd.GeoDataFrame(layer, geometry="geometry", crs=outlines.crs)


def _note(report: BuildReport, joined: JoinReport) -> None:
    if not joined.complete:
        report.problems.append(joined.summary())


def _note_boundary(report: BuildReport, boundary: BoundaryReport) -> None:
    if boundary.repaired:
        report.problems.append(f"{boundary.layer}: repaired invalid geometry of {', '.join(boundary.repaired)}")


def load_layer(slug: str, level: str, year: int, display: bool = True,
               rows: tuple[str, Collection[str]] | None = None) -> gpd.GeoDataFrame:
    """A built layer (with ``rows``, a column and its values: those rows alone, as ``read_layer``); raises
    LayerNotBuilt with the build command when it is missing."""
    return read_layer(layer_path(slug, level, year, display), rows)


def layer_columns(slug: str, level: str, year: int, columns: list[str] | None = None,
                  display: bool = True) -> pd.DataFrame:
    """Some columns of a built layer, without geometry: a column-pruned Parquet read (milliseconds, where the
    whole England LSOA layer takes a few tenths of a second). ``columns=None`` reads every column but the
    geometry; names the layer does not have are left out."""
    path = layer_path(slug, level, year, display)
    if not path.is_file():
        raise LayerNotBuilt(f"The layer {path.name} has not been built in {path.parent}. "
                            "Run `python -m hiap_geo build --area <area>` (or `make run`).")
    present = [name for name in pq.read_schema(path).names if name != "geometry"]
    wanted = present if columns is None else [name for name in columns if name in present]
    return pd.read_parquet(path, columns=wanted)

"""A static PNG map of an area in its surroundings, drawn offline with matplotlib and geopandas.

Profiles are printed, pasted into bids and opened on machines with no internet, so the map is an
image made here: LSOAs shaded by their IMD national decile (IoD 2025 on LSOA 2021 by default),
district boundaries for orientation, the area outlined on top, a legend labelled at both ends, a
scale bar and the attribution. It uses matplotlib's object API (no pyplot state), so it is safe inside the app.
"""

from __future__ import annotations

import io
import math
import textwrap

import geopandas as gpd
import pyogrio
import shapely
from matplotlib import colormaps
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from hiap_geo.acquire.sources import dataset_path
from hiap_geo.core.attribution import full_attribution
from hiap_geo.core.editions import IOD2025, BoundarySource, edition
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.geo.boundaries import BRITISH_NATIONAL_GRID, WGS84, repair
from hiap_geo.geo.deprivation import load_iod

DECILE_COLOURS: tuple[str, ...] = tuple(to_hex(colormaps["viridis"](i / 9)) for i in range(10))
"""Decile 1 (most deprived) dark purple to decile 10 (least deprived) yellow: viridis, as the app's map
uses, so it reads in greyscale and for colour-blind readers."""

NO_DATA_COLOUR = "#d9d9d9"
AREA_OUTLINE = "#000000"
MARGIN_SHARE = 0.35
"""Surroundings shown on each side, as a share of the area's larger side."""
MIN_MARGIN_M = 1500.0


class StaticMapError(HiapGeoError):
    """The map cannot be drawn (no boundary for the area)."""


def decile_label(decile: int) -> str:
    """Legend text; both ends say what they mean."""
    return {1: "1: most deprived 10% in England", 10: "10: least deprived 10% in England"}.get(decile, str(decile))


def _read_bbox(source: BoundarySource, bounds_wgs84: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    """Polygons of a boundary dataset that touch a box (the GeoPackage's spatial index makes this quick)."""
    gdf = pyogrio.read_dataframe(
        dataset_path(source.dataset), layer=source.layer, columns=[source.code_col], bbox=bounds_wgs84
    )
    gdf = gdf.rename(columns={source.code_col: "code"})
    gdf = gdf.set_crs(WGS84, allow_override=True) if gdf.crs is None else gdf.to_crs(WGS84)
    gdf, _ = repair(gdf)
    return gdf


def _view_box(area: gpd.GeoDataFrame, aspect: float) -> tuple[float, float, float, float]:
    """The map's extent in metres (British National Grid): the area, a margin round it, the page's aspect."""
    minx, miny, maxx, maxy = area.total_bounds
    margin = max(MARGIN_SHARE * max(maxx - minx, maxy - miny), MIN_MARGIN_M)
    minx, miny, maxx, maxy = minx - margin, miny - margin, maxx + margin, maxy + margin
    width, height = maxx - minx, maxy - miny
    if width / height < aspect:
        grow = (height * aspect - width) / 2
        minx, maxx = minx - grow, maxx + grow
    else:
        grow = (width / aspect - height) / 2
        miny, maxy = miny - grow, maxy + grow
    return minx, miny, maxx, maxy


def _nice_length(target_m: float) -> float:
    """A round scale-bar length (1, 2 or 5 times a power of ten) no longer than the target."""
    power = 10 ** math.floor(math.log10(target_m))
    return max(m * power for m in (1, 2, 5) if m * power <= target_m)


def area_map_png(
    area: gpd.GeoDataFrame, title: str, year: int = IOD2025.year, dpi: int = 150, width_in: float = 9.0
) -> bytes:
    """PNG bytes of ``area`` (polygons, any CRS) over the IMD deciles of the LSOAs around it.

    ``year`` picks the edition, and with it the LSOA vintage drawn (2025: LSOA 2021, 2019: LSOA 2011).
    """
    ed = edition(year)
    if area.empty or area.geometry.is_empty.all():
        raise StaticMapError(f"No boundary to draw for {title}.")
    area_bng = area.to_crs(BRITISH_NATIONAL_GRID)
    map_aspect = 1.25
    minx, miny, maxx, maxy = _view_box(area_bng, map_aspect)
    view = gpd.GeoSeries([shapely.box(minx, miny, maxx, maxy)], crs=BRITISH_NATIONAL_GRID)
    bounds = tuple(view.to_crs(WGS84).total_bounds)

    lsoas = _read_bbox(ed.lsoa_boundaries, bounds).to_crs(BRITISH_NATIONAL_GRID)  # type: ignore[arg-type]
    deciles = load_iod(ed.year)[["lsoa_code", "imd_decile"]].rename(columns={"lsoa_code": "code"})
    lsoas = lsoas.merge(deciles, on="code", how="left")
    districts = _read_bbox(IOD2025.district_boundaries, bounds).to_crs(BRITISH_NATIONAL_GRID)  # type: ignore[arg-type]

    fig = Figure(figsize=(width_in, width_in * 0.68), dpi=dpi)
    ax = fig.add_axes((0.01, 0.09, 0.70, 0.83))
    palette = dict(enumerate(DECILE_COLOURS, start=1))
    colours = lsoas["imd_decile"].astype("Int64").map(palette).fillna(NO_DATA_COLOUR)
    lsoas.plot(ax=ax, color=colours.tolist(), edgecolor="white", linewidth=0.3)
    districts.boundary.plot(ax=ax, color="#4d4d4d", linewidth=0.9)
    area_bng.boundary.plot(ax=ax, color="white", linewidth=5.0)
    area_bng.boundary.plot(ax=ax, color=AREA_OUTLINE, linewidth=2.4)
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.add_patch(Rectangle((minx, miny), maxx - minx, maxy - miny, fill=False, edgecolor="#999999", linewidth=0.8))
    _scale_bar(ax, minx, miny, maxx, maxy)

    fig.suptitle(title, x=0.01, y=0.975, ha="left", fontsize=12, fontweight="bold")
    handles = [Patch(facecolor=DECILE_COLOURS[d - 1], edgecolor="#777777", label=decile_label(d)) for d in range(1, 11)]
    handles += [
        Patch(facecolor=NO_DATA_COLOUR, edgecolor="#777777", label="no IMD (outside England)"),
        Patch(facecolor="white", edgecolor=AREA_OUTLINE, linewidth=2.4, label="the profiled area"),
        Patch(facecolor="none", edgecolor="#4d4d4d", linewidth=0.9, label="district boundary"),
    ]
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.725, 0.92),
        title=f"IMD {ed.year} national decile\n({ed.lsoa_vintage})",
        title_fontsize=9,
        fontsize=8,
        frameon=False,
        alignment="left",
    )
    credit = textwrap.fill(full_attribution(), width=150)
    fig.text(0.01, 0.01, credit, fontsize=6, color="#333333", va="bottom", ha="left")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _scale_bar(ax: object, minx: float, miny: float, maxx: float, maxy: float) -> None:
    length = _nice_length((maxx - minx) / 5)
    x0 = minx + (maxx - minx) * 0.04
    y0 = miny + (maxy - miny) * 0.04
    height = (maxy - miny) * 0.012
    ax.add_patch(Rectangle((x0, y0), length, height, facecolor="black", edgecolor="white", linewidth=0.8))  # type: ignore[attr-defined]
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(x0 + length / 2, y0 + height * 1.8, label, ha="center", va="bottom", fontsize=8,  # type: ignore[attr-defined]
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 1})

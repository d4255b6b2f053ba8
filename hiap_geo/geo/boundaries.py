"""Boundary layers: read, repair, fill gaps by dissolving LSOAs, simplify for display, cache.

Display copies are simplified as a coverage (``simplify_coverage``) so neighbours keep their
shared edges: no slivers or gaps open between areas on the map.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from hiap_geo.acquire.registry import dataset_path
from hiap_geo.core.editions import BoundarySource
from hiap_geo.core.errors import LayerNotBuilt
from hiap_geo.core.files import atomic_path

WGS84 = "EPSG:4326"
BRITISH_NATIONAL_GRID = "EPSG:27700"


@dataclass
class BoundaryReport:
    """What happened to a layer's geometry: repaired codes, codes filled by dissolving LSOAs."""

    layer: str
    repaired: list[str] = field(default_factory=list)
    dissolved: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def read_boundaries(
    source: BoundarySource, codes: Iterable[str] | None = None
) -> tuple[gpd.GeoDataFrame, BoundaryReport]:
    """Polygons of a boundary dataset as ``code, name, geometry`` (EPSG:4326), invalid ones repaired."""
    path = dataset_path(source.dataset)
    gdf = pyogrio.read_dataframe(path, layer=source.layer, columns=[source.code_col, source.name_col])
    gdf = gdf.rename(columns={source.code_col: "code", source.name_col: "name"})
    if codes is not None:
        gdf = gdf[gdf["code"].isin(set(codes))]
    gdf = (
        gdf.to_crs(WGS84)
        if gdf.crs is not None and not gdf.crs.equals(WGS84)
        else gdf.set_crs(WGS84, allow_override=True)
    )
    gdf, repaired = repair(gdf)
    return gdf.reset_index(drop=True), BoundaryReport(layer=source.layer, repaired=repaired)


def repair(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Make invalid polygons valid, keeping only their polygonal parts; returns repaired codes."""
    invalid = ~gdf.geometry.is_valid
    if not invalid.any():
        return gdf, []
    gdf = gdf.copy()
    fixed = shapely.make_valid(gdf.geometry[invalid].values, method="structure", keep_collapsed=False)
    gdf.loc[invalid, "geometry"] = _polygonal(fixed)
    return gdf, sorted(gdf.loc[invalid, "code"].tolist())


def _polygonal(geoms: object) -> list[shapely.Geometry]:
    """Drop points and lines that make_valid may leave in a collection."""
    out = []
    for geom in geoms:  # only the few repaired geometries pass through here
        if isinstance(geom, shapely.GeometryCollection):
            parts = [g for g in geom.geoms if isinstance(g, (shapely.Polygon, shapely.MultiPolygon))]
            geom = shapely.union_all(parts)
        out.append(geom)
    return out


def with_dissolved_gaps(
    official: gpd.GeoDataFrame,
    needed: pd.DataFrame,
    lsoa_polygons: gpd.GeoDataFrame,
    membership: pd.DataFrame,
    report: BoundaryReport,
) -> gpd.GeoDataFrame:
    """Official polygons for ``needed`` codes; codes with no official polygon get their LSOAs dissolved.

    ``needed``: code, name. ``membership``: lsoa_code, code (best-fit). ``lsoa_polygons``: code, geometry.
    Adds ``boundary_source`` so a user can see which shapes are official and which are built.
    """
    have = official[official["code"].isin(needed["code"])][["code", "geometry"]]
    have = have.assign(boundary_source="official")
    gaps = needed.loc[~needed["code"].isin(have["code"]), "code"]
    if len(gaps):
        parts = membership[membership["code"].isin(gaps)].merge(
            lsoa_polygons[["code", "geometry"]].rename(columns={"code": "lsoa_code"}), on="lsoa_code"
        )
        built = gpd.GeoDataFrame(parts, geometry="geometry", crs=WGS84).dissolve(by="code").reset_index()
        built = built[["code", "geometry"]].assign(boundary_source="dissolved from best-fit LSOAs")
        have = pd.concat([have, built], ignore_index=True)
        report.dissolved = sorted(built["code"].tolist())
    report.missing = sorted(set(needed["code"]) - set(have["code"]))
    layer = needed.merge(have, on="code", how="left", validate="one_to_one")
    return gpd.GeoDataFrame(layer, geometry="geometry", crs=WGS84)


def dissolve_lsoas(lsoas: gpd.GeoDataFrame, key: str) -> gpd.GeoDataFrame:
    """One polygon per ``key`` code (``code, geometry``): the union of its LSOAs, so the outline runs along
    their edges. Unions are of shared vertices (the LSOAs are a coverage), fast enough for England."""
    members = lsoas[lsoas[key].notna()]
    keys = members[key].to_numpy(dtype=str)
    order = np.argsort(keys, kind="stable")  # one sort and split, not a data frame per group (7,000 wards)
    codes, starts = np.unique(keys[order], return_index=True)
    shapes = np.split(np.asarray(members.geometry.array)[order], starts[1:])
    parts = [shapely.union_all(group) for group in shapes] if len(codes) else []
    return gpd.GeoDataFrame({"code": codes}, geometry=parts, crs=lsoas.crs)


def simplify_for_display(gdf: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoDataFrame:
    """A lighter copy for maps: coverage simplification in metres, shared edges kept."""
    projected = gdf.to_crs(BRITISH_NATIONAL_GRID)
    simplified = projected.geometry.simplify_coverage(tolerance_m)
    out = gdf.copy()
    out["geometry"] = simplified.to_crs(WGS84).values
    return out


def write_layer(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Write GeoParquet atomically: a reader never sees a half-written layer."""
    with atomic_path(path) as tmp:
        gdf.to_parquet(tmp, index=False)


def read_layer(path: Path, rows: tuple[str, Collection[str]] | None = None) -> gpd.GeoDataFrame:
    """Read a built layer, or with ``rows`` (a column and its values) only the rows whose column holds one of the
    values (Parquet's filter: the other rows' geometry is never decoded); a missing layer raises LayerNotBuilt with
    the command to run.

    Its coordinate system is set by its EPSG code, not kept as the PROJJSON stored in the file: pyproj makes a
    CRS's projection object once per thread, and Streamlit runs each rerun in a new thread, where each comparison
    of a PROJJSON CRS (a GeoDataFrame made with ``crs=``) cost 20 ms, an EPSG code's 1 ms."""
    if not path.is_file():
        raise LayerNotBuilt(
            f"The layer {path.name} has not been built in {path.parent}. "
            "Run `python -m hiap_geo build --area <area>` (or `make run`)."
        )
    # No code is empty: [""] selects no row (an empty list has no type for Parquet to filter by).
    layer = gpd.read_parquet(path, filters=None if rows is None else [(rows[0], "in", sorted(rows[1]) or [""])])
    epsg = layer.crs.to_epsg() if layer.crs is not None else None
    return layer.set_crs(epsg, allow_override=True) if epsg is not None else layer

"""Static PNG maps drawn offline with matplotlib and geopandas: an area in its surroundings (profiles), and
the map a page shows, as an image for slides (``page_map_png``).

Profiles are printed, pasted into bids and opened on machines with no internet, so the map is an
image made here: LSOAs shaded by their IMD national decile (IoD 2025 on LSOA 2021 by default),
district boundaries for orientation, the area outlined on top, a legend labelled at both ends, a
scale bar and the attribution. It uses matplotlib's object API (no pyplot state), so it is safe inside the app.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Callable, Sequence
from functools import partial

import geopandas as gpd
import pyogrio
import shapely
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from hiap_geo.acquire.registry import dataset_path
from hiap_geo.core.attribution import full_attribution
from hiap_geo.core.editions import IOD2025, BoundarySource, edition
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.geo.boundaries import BRITISH_NATIONAL_GRID, WGS84, dissolve_lsoas, repair
from hiap_geo.geo.deprivation import load_iod
from hiap_geo.geo.lookups import ward_lookup
from hiap_geo.geo.measures import MapMeasure
from hiap_geo.render.map_labels import AREA, DISTRICT, NEIGHBOUR, draw_labels, labels_for
from hiap_geo.render.maps import MISSING_COLOUR, Outline, classify
from hiap_geo.render.maps import map_file_name as map_file_name  # where the pages took it from
from hiap_geo.render.palette import DECILE_COLOURS

NO_DATA_COLOUR = "#d9d9d9"
AREA_OUTLINE = "#000000"
WARD_LINE = "#303030"
MARGIN_SHARE = 0.35
"""Surroundings shown on each side, as a share of the area's larger side."""
MIN_MARGIN_M = 1500.0


class StaticMapError(HiapGeoError):
    """The map cannot be drawn (no boundary for the area)."""


def decile_label(decile: int) -> str:
    """Legend text; both ends say what they mean."""
    return {1: "1: most deprived 10% in England", 10: "10: least deprived 10% in England"}.get(decile, str(decile))


def _read_bbox(
    source: BoundarySource, bounds_wgs84: tuple[float, float, float, float], names: bool = False
) -> gpd.GeoDataFrame:
    """Polygons of a boundary dataset that touch a box (the GeoPackage's spatial index makes this quick)."""
    columns = [source.code_col, source.name_col] if names else [source.code_col]
    gdf = pyogrio.read_dataframe(dataset_path(source.dataset), layer=source.layer, columns=columns, bbox=bounds_wgs84)
    gdf = gdf.rename(columns={source.code_col: "code", source.name_col: "name"})
    gdf = gdf.set_crs(WGS84, allow_override=True) if gdf.crs is None else gdf.to_crs(WGS84)
    gdf, _ = repair(gdf)
    return gdf


def _outlines_from(lsoas: gpd.GeoDataFrame, year: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Ward and district outlines (code, name, geometry) dissolved from the LSOAs drawn, by the edition's
    best-fit lookup: the lines follow the fills exactly (official ward and district layers are generalised
    differently). Areas cut by the map's edge are dissolved from the LSOAs inside it, which is all that shows."""
    lookup = ward_lookup(year)[["lsoa_code", "ward_code", "ward_name", "lad_code", "lad_name"]]
    members = lsoas.merge(lookup, left_on="code", right_on="lsoa_code", how="inner")
    out = []
    for key, name in (("ward_code", "ward_name"), ("lad_code", "lad_name")):
        names = members[[key, name]].drop_duplicates(key).rename(columns={key: "code", name: "name"})
        shapes = dissolve_lsoas(members, key).merge(names, on="code")
        out.append(shapes[["code", "name", "geometry"]])
    return out[0], out[1]


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
    """PNG bytes of ``area`` (polygons, any CRS) over the IMD deciles of the LSOAs around it, with place names.

    ``year`` picks the edition, and with it the LSOA vintage drawn (2025: LSOA 2021, 2019: LSOA 2011).
    """
    return figure_png(area_map_figure(area, title, year, dpi, width_in), dpi)


def figure_png(fig: Figure, dpi: int) -> bytes:
    """A figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def area_map_figure(
    area: gpd.GeoDataFrame, title: str, year: int = IOD2025.year, dpi: int = 150, width_in: float = 9.0
) -> Figure:
    """The profile map as a matplotlib figure (``area_map_png`` saves it): deciles, boundaries, names, legend."""
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
    wards, districts = _outlines_from(lsoas, ed.year)

    fig = Figure(figsize=(width_in, width_in * 0.68), dpi=dpi)
    ax = fig.add_axes((0.01, 0.09, 0.70, 0.83))
    palette = dict(enumerate(DECILE_COLOURS, start=1))
    colours = lsoas["imd_decile"].astype("Int64").map(palette).fillna(NO_DATA_COLOUR)
    lsoas.plot(ax=ax, color=colours.tolist(), edgecolor="white", linewidth=0.3)
    home = districts[districts.intersects(shapely.union_all(area_bng.geometry.representative_point().values))]
    wards = wards[wards.representative_point().within(shapely.union_all(home.geometry.values))]
    wards.boundary.plot(ax=ax, color=WARD_LINE, linewidth=0.6, linestyle=(0, (3, 2)))
    districts.boundary.plot(ax=ax, color="#4d4d4d", linewidth=0.9)
    area_bng.boundary.plot(ax=ax, color="white", linewidth=5.0)
    area_bng.boundary.plot(ax=ax, color=AREA_OUTLINE, linewidth=2.4)
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.add_patch(Rectangle((minx, miny), maxx - minx, maxy - miny, fill=False, edgecolor="#999999", linewidth=0.8))
    scale = _scale_bar(ax, minx, miny, maxx, maxy)
    box = (minx, miny, maxx, maxy)
    own = set(area_bng["code"]) if "code" in area_bng else set()
    names = area_bng if "name" in area_bng else area_bng.assign(name="")
    draw_labels(fig, ax, [
        *labels_for(names[names["name"].astype(bool)], "name", box, AREA),
        *labels_for(wards[~wards["code"].isin(own)], "name", box, NEIGHBOUR),
        *labels_for(districts[~districts["code"].isin(own)], "name", box, DISTRICT),
    ], avoid=scale)

    fig.suptitle(title, x=0.01, y=0.975, ha="left", fontsize=12, fontweight="bold")
    handles = [Patch(facecolor=DECILE_COLOURS[d - 1], edgecolor="#777777", label=decile_label(d)) for d in range(1, 11)]
    handles += [
        Patch(facecolor=NO_DATA_COLOUR, edgecolor="#777777", label="no IMD (outside England)"),
        Patch(facecolor="white", edgecolor=AREA_OUTLINE, linewidth=2.4, label="the profiled area"),
        Line2D([], [], color=WARD_LINE, linewidth=0.8, linestyle=(0, (3, 2)), label="ward boundary"),
        Line2D([], [], color="#4d4d4d", linewidth=1.2, label="district boundary"),
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
    return fig


def _scale_bar(ax: Axes, minx: float, miny: float, maxx: float, maxy: float) -> list[Artist]:
    """A black bar of a round length in the lower left, labelled in km or m; returns its artists (names
    are kept clear of them)."""
    length = _nice_length((maxx - minx) / 5)
    x0 = minx + (maxx - minx) * 0.04
    y0 = miny + (maxy - miny) * 0.04
    height = (maxy - miny) * 0.012
    bar = ax.add_patch(Rectangle((x0, y0), length, height, facecolor="black", edgecolor="white", linewidth=0.8))
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    text = ax.text(x0 + length / 2, y0 + height * 1.8, label, ha="center", va="bottom", fontsize=8,
                   bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 1})
    return [bar, text]


# --------------------------------------------------------------------------------------------------
# A page's map as an image for slides


SLIDE_SIZE_IN = (13.334, 7.5)
"""16:9, the shape of a presentation slide: the PNG fills one without being stretched."""
LABEL_AREAS_UP_TO = 40
"""Maps of at most this many areas (wards, districts) get their names written on them."""


TITLE_WRAP = 100
"""Characters per line of a slide map's title: a long one ('... population-weighted by Census 2021 residents, not
MHCLG's File 10, IoD 2025') takes two lines rather than running off the slide."""


def page_map_figure(
    areas: gpd.GeoDataFrame,
    chosen: MapMeasure,
    title: str,
    *,
    subtitle: str = "",
    outlines: Sequence[Outline] = (),
    names: bool | None = None,
    north_arrow: bool = False,
    size_in: tuple[float, float] = SLIDE_SIZE_IN,
    credit: str | None = None,
) -> Figure:
    """The map a page shows (``areas``: code, name, value, geometry; classed as the page's map classes them)
    as a figure for a slide: title, legend with both ends labelled, scale bar, attribution (``credit``, else the
    full attribution), names when few.

    Drawn with matplotlib, so it needs no browser and no internet; the colours and class labels are
    ``maps.classify``'s, the same as the interactive map's legend.
    """
    if areas.empty or areas.geometry.is_empty.all():
        raise StaticMapError(f"No areas to draw for {title}.")
    bng = areas.to_crs(BRITISH_NATIONAL_GRID)
    classes = classify(areas["value"], chosen)
    colours = [classes.colours[k] if k >= 0 else MISSING_COLOUR for k in classes.index]

    fig = Figure(figsize=size_in, dpi=100)
    map_box = (0.01, 0.07, 0.66, 0.80)
    ax = fig.add_axes(map_box)
    bng.plot(ax=ax, color=colours, edgecolor="white", linewidth=0.3 if len(bng) > 500 else 0.6)
    for outline in outlines:
        outline.geometry.to_crs(BRITISH_NATIONAL_GRID).boundary.plot(ax=ax, color=outline.colour,
                                                                      linewidth=min(outline.weight, 3.0) * 0.8)
    minx, miny, maxx, maxy = bng.total_bounds
    pad = 0.03 * max(maxx - minx, maxy - miny)
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    aspect = (size_in[0] * map_box[2]) / (size_in[1] * map_box[3])
    width, height = maxx - minx, maxy - miny
    if width / height < aspect:
        grow = (height * aspect - width) / 2
        minx, maxx = minx - grow, maxx + grow
    else:
        grow = (width / aspect - height) / 2
        miny, maxy = miny - grow, maxy + grow
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal")
    ax.set_axis_off()
    scale = _scale_bar(ax, minx, miny, maxx, maxy)
    if north_arrow:
        scale += _north_arrow(ax, minx, miny, maxx, maxy)
    if names if names is not None else len(bng) <= LABEL_AREAS_UP_TO:
        draw_labels(fig, ax, labels_for(bng, "name", (minx, miny, maxx, maxy), NEIGHBOUR), avoid=scale)

    fig.suptitle(textwrap.fill(title, TITLE_WRAP), x=0.01, y=0.975, ha="left", va="top", fontsize=16,
                 fontweight="bold")
    subtitle = subtitle or _default_subtitle(areas)
    if subtitle:
        fig.text(0.01, 0.895, subtitle, ha="left", va="top", fontsize=10, color="#333333")
    handles: list[Artist] = [Patch(facecolor=c, edgecolor="#777777", label=label)
                             for c, label in zip(classes.colours, classes.labels, strict=True)]
    if (classes.index < 0).any():
        handles.append(Patch(facecolor=MISSING_COLOUR, edgecolor="#777777", label=chosen.missing_label))
    handles += [Line2D([], [], color=o.colour, linewidth=min(o.weight, 3.0), label=o.label) for o in outlines
                if o.label]
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.69, 0.86),
               title=textwrap.fill(chosen.legend_title(), 40), title_fontsize=11, fontsize=10, frameon=False,
               alignment="left")
    fig.text(0.01, 0.012, textwrap.fill(credit or full_attribution(), width=190), fontsize=7, color="#333333",
             va="bottom", ha="left")
    return fig


def _default_subtitle(areas: gpd.GeoDataFrame) -> str:
    """'Tunbridge Wells: 69 areas' (the districts shown, and how many areas)."""
    count = f"{len(areas):,} area{'s' if len(areas) != 1 else ''}"
    if "district" not in areas:
        return count
    names = sorted({str(d) for d in areas["district"].dropna() if str(d)})
    shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more districts" if len(names) > 4 else "")
    return f"{shown}: {count}" if shown else count


def page_map_png(
    areas: gpd.GeoDataFrame,
    chosen: MapMeasure,
    title: str,
    *,
    subtitle: str = "",
    outlines: Sequence[Outline] = (),
    names: bool | None = None,
    north_arrow: bool = False,
    dpi: int = 150,
) -> bytes:
    """PNG bytes of ``page_map_figure`` (2000 x 1125 pixels at the default 150 dpi), for a slide or a report."""
    fig = page_map_figure(areas, chosen, title, subtitle=subtitle, outlines=outlines, names=names,
                          north_arrow=north_arrow)
    return figure_png(fig, dpi)


def map_download(
    areas: gpd.GeoDataFrame, chosen: MapMeasure, title: str, *, subtitle: str = "", outlines: Sequence[Outline] = ()
) -> Callable[[], bytes]:
    """What a page's "Download map (PNG)" button is given: the PNG is drawn only when the button is clicked
    (Streamlit calls it then), so a page does not pay for an image nobody asked for."""
    return partial(page_map_png, areas, chosen, title, subtitle=subtitle, outlines=tuple(outlines))


def _north_arrow(ax: Axes, minx: float, miny: float, maxx: float, maxy: float) -> list[Artist]:
    """An arrow and 'N' in the upper right (British National Grid north, near enough true north in England)."""
    x = maxx - (maxx - minx) * 0.05
    y0, y1 = maxy - (maxy - miny) * 0.16, maxy - (maxy - miny) * 0.06
    arrow = ax.annotate("", xy=(x, y1), xytext=(x, y0),
                        arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 2, "mutation_scale": 18})
    letter = ax.text(x, y1, "N", ha="center", va="bottom", fontsize=11, fontweight="bold")
    return [arrow, letter]

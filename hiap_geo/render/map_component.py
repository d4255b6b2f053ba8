"""A map drawn once in the browser and then only recoloured: what travels on each rerun, and what once.

``area_map`` builds a whole folium page (geometry included) on every rerun, so switching the measure redraws the
map and loses the user's zoom. Here the geometry and, in a second file fetched once the map is drawn, each area's
names go into files named by a hash of their content (``MapAsset``: the app serves them as static files, the
browser fetches each once), and a rerun sends only
the ``MapView.payload``: each area's class and value text, the colours, the legend and the framing. The browser
code (the app's map component) keeps its Leaflet map and restyles it, so zoom and pan stay where the user left
them, and a found or clicked area is outlined by restyling it, with no geometry of its own.

Nothing here is escaped for HTML except the legend (``legend_html``): names and values travel as JSON data and the
browser code writes them as text.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np

from hiap_geo.core.attribution import MAP_CREDIT
from hiap_geo.geo.measures import MapMeasure
from hiap_geo.render.maps import (
    ASSET_URL,
    BASEMAPS,
    CANVAS_ABOVE,
    FIT_MAX_ZOOM,
    FOLDED_LEGEND_WIDTH,
    HIGHLIGHT_COLOUR,
    LABELS_MAX,
    LEGEND_WIDTH,
    MISSING_COLOUR,
    Outline,
    area_identity,
    basemap_failed_html,
    classify,
    display_values,
    encode_geometry,
    legend_html,
)

MAPS_URL = "app/static/maps"
"""Where the app serves the map files (``static/maps`` beside ``app.py``)."""
SELECTED_WEIGHT = 4.0


@dataclass(frozen=True)
class MapAsset:
    """A file of geometry (or the areas' names) the browser fetches once: its name changes iff its content does."""

    name: str
    body: bytes


@dataclass(frozen=True)
class AreaMarks:
    """Areas drawn with their own line (e.g. those a plan's shown actions name), by code: the browser restyles them,
    so a new set of marks sends codes, never geometry. ``label`` names the line in the legend."""

    codes: Sequence[str]
    colour: str
    weight: float
    label: str


@dataclass(frozen=True)
class MapView:
    """One rerun's map: the small payload sent each time, and the files it refers to by name."""

    payload: dict[str, object]
    assets: tuple[MapAsset, ...]


def _asset(kind: str, body: str) -> MapAsset:
    data = body.encode()
    return MapAsset(f"{kind}-{hashlib.sha256(data).hexdigest()[:20]}.json", data)


def areas_asset(areas: gpd.GeoDataFrame, geometry_json: str | None = None) -> MapAsset:
    """The areas' geometry (``mapcodec`` encoding) alone, as one file: all the first paint needs.

    ``geometry_json`` is a cached ``encode_geometry(areas.geometry)``, so a rerun does not encode again. The names
    and codes come in their own file (``names_asset``), fetched after the map is drawn: England's names are a
    third of the bytes, and no one reads a tooltip before the map shows.
    """
    return geometry_asset(geometry_json or encode_geometry(areas.geometry))


def names_asset(areas: gpd.GeoDataFrame) -> MapAsset:
    """Each area's code, name, ward and district (hover, keyboard labels, presentation labels), as one file."""
    identity = area_identity(areas)
    for key in ("code", "name"):  # a missing name is NaN, which the browser's JSON.parse refuses (no map at all)
        identity[key] = [v if isinstance(v, str) else "" for v in identity[key]]
    return _asset("names", f'{{"areas":{json.dumps(identity, separators=(",", ":"), allow_nan=False)}}}')


def outline_asset(geometry: gpd.GeoSeries) -> MapAsset:
    """Boundaries drawn over the areas (wards, districts), as one file."""
    return geometry_asset(encode_geometry(geometry))


def geometry_asset(geometry_json: str) -> MapAsset:
    """One file for any geometry, named by its content whatever it is drawn as: the district outlines over a ward
    map are then the very file a map of those districts fills, so switching to an indicator of districts fetches
    no geometry."""
    return _asset("geometry", f'{{"geometry":{geometry_json}}}')


def _basemap(name: str | None) -> dict[str, object] | None:
    if not name:
        return None
    tiles = folium.TileLayer(BASEMAPS[name], name=name)
    options = tiles.options
    return {"name": name, "url": tiles.tiles, "failed": basemap_failed_html(name),
            "options": {"attribution": options.get("attribution", ""), "subdomains": options.get("subdomains", "abc"),
                        "maxZoom": options.get("max_zoom", 19), "maxNativeZoom": options.get("max_native_zoom", 19)}}


MIN_HEIGHT = 400
"""A map fitted to the window is never shorter than this (px)."""


def map_view(
    areas: gpd.GeoDataFrame,
    chosen: MapMeasure,
    *,
    outlines: Sequence[Outline] = (),
    selected: str | Sequence[str] | None = None,
    selected_label: str | None = None,
    basemap: str | None = None,
    presentation: bool = False,
    fit: gpd.GeoSeries | None = None,
    tooltip_values: Sequence[str] | None = None,
    geometry_json: str | None = None,
    height: int = 600,
    fit_window: bool = False,
    marked: AreaMarks | None = None,
    fold_legend: bool = False,
    asset_url: str = ASSET_URL,
    maps_url: str = MAPS_URL,
    legend_open: bool | None = None,
) -> MapView:
    """The map of ``areas`` (code, name, ward, district, value, geometry) for ``chosen``, split for the browser.

    ``selected`` is the code of an area (or the codes of areas, such as an action's) to outline in the highlight
    colour, named in the legend by
    ``selected_label`` (never colour alone). ``fit`` frames the map on those areas (all areas when not given);
    the browser frames again only when that frame moves by more than 2% of its size (other districts, a found
    area), so a new measure, level or edition of the same districts keeps the user's view. ``fit_window``
    makes the map at most as tall as the window below its top (at least ``MIN_HEIGHT``, at most ``height``), so
    the whole map is in view without scrolling on a 1366x768 laptop. ``marked`` areas get their own line (under
    the selected ones' highlight).

    The legend starts folded to a small "Legend" button (the map stays in view), except in ``presentation`` mode:
    a room watching a projector cannot ask for it to be opened, so there it starts open. ``legend_open`` overrides
    both. ``fold_legend`` folds it whenever the map is framed anew (presenting one action: its areas stay in
    view). Otherwise, once the user opens or folds it, the browser keeps their choice across reruns.
    """
    if tooltip_values is not None and len(tooltip_values) != len(areas):
        raise ValueError(f"tooltip_values has {len(tooltip_values)} entries for {len(areas)} areas.")
    classes = classify(areas["value"], chosen)
    area_file = areas_asset(areas, geometry_json)
    names_file = names_asset(areas)
    outline_files = [outline_asset(outline.geometry) for outline in outlines]
    wanted = [selected] if isinstance(selected, str) else list(selected or ())
    chosen_index = np.flatnonzero(np.isin(areas["code"].to_numpy(), wanted)).tolist() if wanted else []
    legend_lines = list(outlines)
    marked_index = (np.flatnonzero(np.isin(areas["code"].to_numpy(), list(marked.codes))).tolist()
                    if marked is not None and len(marked.codes) else [])
    if marked_index and marked is not None:
        legend_lines.append(Outline(areas.geometry.iloc[0:0], marked.colour, marked.weight, marked.label))
    if chosen_index and selected_label:
        legend_lines.append(Outline(areas.geometry.iloc[0:0], HIGHLIGHT_COLOUR, SELECTED_WEIGHT, selected_label))
    legend = legend_html(chosen.legend_title(), classes, bool((classes.index < 0).any()), large=presentation,
                         missing_label=chosen.missing_label, outlines=legend_lines, toggle=False)
    opened = presentation if legend_open is None else legend_open
    framed = fit if fit is not None and len(fit) else areas.geometry
    minx, miny, maxx, maxy = (float(b) for b in framed.total_bounds)
    bounds = [[round(miny, 6), round(minx, 6)], [round(maxy, 6), round(maxx, 6)]]
    payload: dict[str, object] = {
        "leaflet": f"/{asset_url}",
        "areas": f"/{maps_url}/{area_file.name}",
        "names": f"/{maps_url}/{names_file.name}",
        "outlines": [{"url": f"/{maps_url}/{f.name}", "colour": o.colour, "weight": o.weight}
                     for f, o in zip(outline_files, outlines, strict=True)],
        "k": classes.index.tolist(),
        "v": list(tooltip_values) if tooltip_values is not None else display_values(areas["value"], chosen),
        "colours": classes.colours,
        "missing": MISSING_COLOUR,
        "label": chosen.label,
        "legend": legend,
        "legendTitle": chosen.legend_title(),
        "legendOpen": opened,
        "legendTall": presentation,  # a room cannot scroll a legend: in presentation it may run the map's height
        "labels": presentation and len(areas) <= LABELS_MAX,
        "selected": chosen_index,
        "highlight": {"color": HIGHLIGHT_COLOUR, "weight": SELECTED_WEIGHT},
        "marked": marked_index,
        "mark": {"color": marked.colour, "weight": marked.weight} if marked is not None else None,
        "attribution": MAP_CREDIT,
        "basemap": _basemap(basemap),
        "fit": bounds,
        "foldLegend": fold_legend,
        "fitOptions": {"maxZoom": FIT_MAX_ZOOM, "paddingTopLeft": [10, 10],
                       "paddingBottomRight": [
                           (LEGEND_WIDTH[presentation] if opened and not fold_legend else FOLDED_LEGEND_WIDTH) + 20,
                           10]},
        "canvas": len(areas) > CANVAS_ABOVE,
        "height": height,
        "minHeight": MIN_HEIGHT if fit_window else height,
    }
    return MapView(payload, (area_file, *outline_files, names_file))

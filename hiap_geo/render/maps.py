"""Folium map builders: choropleth of areas, outlines, legend, offline assets.

The maps load nothing from the internet: Leaflet comes from the XStatic-Leaflet package and is
served by the app itself (``install_map_assets``), the legend is plain HTML, and a tile basemap
is only added when the user asks for one. Geometry travels in the compact encoding of
``hiap_geo.render.mapcodec``; each area carries only an index, and the values, names and classes
travel once as arrays, so a map of England stays a few megabytes. The app's pages that recolour a map in place use
``hiap_geo.render.map_component`` instead, which sends the same geometry once as a file.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import branca.colormap as cm
import folium
import geopandas as gpd
import jenkspy
import numpy as np
import pandas as pd
import shapely
import xstatic.pkg.leaflet as xstatic_leaflet
from branca.element import MacroElement
from jinja2 import Template

from hiap_geo.core.attribution import MAP_CREDIT
from hiap_geo.geo.measures import MapMeasure
from hiap_geo.render import mapcodec
from hiap_geo.render.palette import DECILE_COLOURS

ASSET_URL = "app/static/vendor/leaflet"
"""Where the app serves Leaflet (Streamlit static serving of ``static/`` beside ``app.py``)."""

MISSING_COLOUR = "#bdbdbd"
HIGHLIGHT_COLOUR = "#e7298a"
"""The outline of a found or selected area: magenta, apart from every fill of the palettes used."""
FIT_MAX_ZOOM = 15
"""Framing a found area never zooms past a neighbourhood (a small LSOA alone would fill the map at 100 m)."""
MISSING_LABEL = "No data"
BASEMAPS = {
    "OpenStreetMap": "OpenStreetMap",
    "CARTO light": "CartoDB positron",
}
BASEMAP_OFFLINE_NOTE = ("A basemap is fetched from the internet as the map is drawn. Offline, the map says so and "
                        "draws the areas on a plain background.")
"""Said beside the basemap choice: an online basemap on a machine without internet must not look like a fault."""
CANVAS_ABOVE = 3000  # areas; SVG beyond this gets slow to pan
JENKS_MAX = 300  # values: quantile classes above this (classes as before; natural breaks are now fast)


def install_map_assets(static_dir: Path) -> Path:
    """Copy Leaflet from the installed XStatic package into the app's static folder (idempotent)."""
    target = static_dir / "vendor" / "leaflet"
    stamp = target / "VERSION"
    if stamp.is_file() and stamp.read_text() == xstatic_leaflet.VERSION:
        return target
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(xstatic_leaflet.BASE_DIR, target, ignore=shutil.ignore_patterns("*.map", "*esm*", "*-src*"))
    stamp.write_text(xstatic_leaflet.VERSION)
    return target


def area_at(areas: gpd.GeoDataFrame, lat: float, lng: float) -> str | None:
    """The code of the area containing a clicked point (the map returns only the click's position)."""
    hit = areas[areas.geometry.contains(shapely.Point(lng, lat))]
    return None if hit.empty else str(hit["code"].iat[0])


def map_file_name(title: str) -> str:
    """A file name for a map image that says what it shows (here, not beside the image's drawing, so that a page
    can name its download without importing matplotlib)."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.casefold()).strip("-")[:80] or "map"
    return f"hiap-geo-map-{slug}.png"


def _hex(colour: tuple[float, ...]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in colour[:3]))


def palette(name: str, n: int) -> list[str]:
    """``n`` colours of a branca scheme; viridis and ColorBrewer schemes stay readable for
    colour-blind viewers and on a projector."""
    scheme = getattr(cm.linear, name)
    return [_hex(scheme.rgba_floats_tuple(scheme.vmin + (scheme.vmax - scheme.vmin) * i / max(n - 1, 1)))
            for i in range(n)]


SHARE_BREAKS: tuple[float, ...] = (0.0, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0)
"""Fixed classes of a share (0 = none of the population, then up to 10%, 20%, 40%...): the same on every map,
so the two editions' ward maps of the same share can be set side by side."""
NATURAL_BREAKS_NOTE = ("Classes: natural breaks of the areas shown, so they differ between editions and "
                       "selections; compare values, not colours, across maps.")
QUANTILE_NOTE = ("Classes: equal numbers of the areas shown, so they differ between editions and selections; "
                 "compare values, not colours, across maps.")
FIXED_NOTE = "Fixed classes: the same on every map of this measure."


@dataclass(frozen=True)
class Classes:
    """Each area's class (-1 for missing) and the legend, most deprived class first."""

    index: np.ndarray
    colours: list[str]
    labels: list[str]
    note: str = ""
    """How the classes were made, when it matters for reading two maps side by side."""


def classify(values: pd.Series, chosen: MapMeasure) -> Classes:
    """Classes and colours for a measure, darkest = most deprived, with both ends labelled.

    No class is empty or covers a single value written as a range ('6.2 to 6.2'): classes are labelled with
    the lowest and highest value they hold, one number format per legend, and a single value once.
    """
    numeric = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    present = ~np.isnan(numeric)
    index = np.full(len(numeric), -1, dtype=int)
    if chosen.kind == "decile":
        index[present] = numeric[present].astype(int) - 1
        scope = "of the district's LSOAs" if chosen.local else "in England"
        labels = [f"{d}" for d in range(1, 11)]
        labels[0] = f"1: most deprived 10% {scope}"
        labels[-1] = f"10: least deprived 10% {scope}"
        return Classes(index, list(DECILE_COLOURS), labels)
    if chosen.kind == "category":  # e.g. better / similar / worse, in the colours the caller gives
        labels = [label for label, _ in chosen.categories]
        position = {label: i for i, label in enumerate(labels)}
        index = np.array([position.get(v, -1) for v in values], dtype=int)
        return Classes(index, [colour for _, colour in chosen.categories], labels)
    if chosen.kind == "change":
        clipped = np.clip(numeric[present], -3, 3)
        index[present] = (clipped + 3).astype(int)
        labels = ["3 or more deciles more deprived", "2 more deprived", "1 more deprived", "no change",
                  "1 less deprived", "2 less deprived", "3 or more deciles less deprived"]
        return Classes(index, palette("RdBu_07", 7), labels)
    data = np.round(numeric[present], 9)  # equal values computed two ways (a sum's order) are one value, one class
    if len(data) == 0:
        return Classes(index, [], [])
    if chosen.kind == "share":
        return _share_classes(numeric, present, chosen)
    k = int(min(7, len(np.unique(data))))
    if k < 2:
        index[present] = 0
        return Classes(index, palette("viridis", 1), [_number_format(chosen, data)(data[0])])
    # Natural breaks read best for scores, but only small sets are quick enough: quantiles otherwise.
    jenks = chosen.kind != "rank" and len(data) <= JENKS_MAX
    bins = np.unique(natural_breaks(data, k) if jenks else quantile_breaks(data, k))  # repeated: one class
    position = np.minimum(np.searchsorted(bins, data, side="left"), len(bins) - 1)  # value <= its upper break
    used = np.unique(position)  # an empty class is dropped, never shown as a range nothing falls in
    order = np.searchsorted(used, position)
    k = len(used)
    lows = np.array([data[order == c].min() for c in range(k)])
    highs = np.array([data[order == c].max() for c in range(k)])
    fmt = _number_format(chosen, np.concatenate([lows, highs]))
    ranges = [fmt(lo) if fmt(lo) == fmt(hi) else f"{fmt(lo)} to {fmt(hi)}" for lo, hi in zip(lows, highs, strict=True)]
    if chosen.higher_is_more_deprived:  # highest class first and darkest
        order = k - 1 - order
        ranges = ranges[::-1]
    index[present] = order
    ranges[0] += f" ({chosen.ends[0]})"
    ranges[-1] += f" ({chosen.ends[1]})"
    note = "" if chosen.kind == "rank" else NATURAL_BREAKS_NOTE if jenks else QUANTILE_NOTE
    return Classes(index, palette("viridis", k), ranges, note)


def natural_breaks(data: np.ndarray, k: int) -> np.ndarray:
    """The upper bounds of ``k`` Fisher-Jenks natural-breaks classes (the last is the highest value).

    jenkspy's exact optimisation in C, in milliseconds: mapclassify's (pure Python without numba, and SciPy and
    scikit-learn to import) took up to a second of a new server's first classed map. Its classes are mapclassify's
    but where mapclassify's float32 sums miss the least spread (tests/test_maps.py)."""
    return np.asarray(jenkspy.jenks_breaks(np.asarray(data, dtype=float), n_classes=k), dtype=float)[1:]


def quantile_breaks(data: np.ndarray, k: int) -> np.ndarray:
    """The upper bounds of ``k`` quantile classes, interpolated as ``mapclassify.Quantiles`` does."""
    return np.percentile(np.asarray(data, dtype=float), np.linspace(100 / k, 100, k))


def _share_classes(numeric: np.ndarray, present: np.ndarray, chosen: MapMeasure) -> Classes:
    """A share on the fixed classes of SHARE_BREAKS: none, then 'over 0% to 10%' and so on, every class shown."""
    breaks = np.asarray(SHARE_BREAKS)
    data = np.clip(numeric[present], breaks[0], breaks[-1])
    position = np.where(data <= breaks[0], 0, np.searchsorted(breaks, data, side="left"))
    labels = [f"{breaks[0]:.0%}"] + [f"over {lo:.0%} to {hi:.0%}" for lo, hi in zip(breaks[:-1], breaks[1:],
                                                                                   strict=True)]
    k = len(labels)
    index = np.full(len(numeric), -1, dtype=int)
    if chosen.higher_is_more_deprived:
        position = k - 1 - position
        labels = labels[::-1]
    index[present] = position
    labels[0] += f" ({chosen.ends[0]})"
    labels[-1] += f" ({chosen.ends[1]})"
    return Classes(index, palette("viridis", k), labels, FIXED_NOTE)


def _number_format(chosen: MapMeasure, values: np.ndarray) -> Callable[[float], str]:
    """One format for every number of a legend: whole numbers for ranks; for other values as many decimals as the
    spread of the values needs (0 from 100 up, 1 from 10, 2 from 1, else 3), and more when two ends would read
    the same."""
    if chosen.kind == "rank":
        return lambda v: f"{v:,.0f}"
    finite = values[np.isfinite(values)]
    spread = float(finite.max() - finite.min()) if len(finite) else 0.0
    if spread <= 0:
        spread = float(abs(finite).max()) if len(finite) and abs(finite).max() > 0 else 1.0
    decimals = int(np.clip(2 - np.floor(np.log10(spread)), 0, 3))
    distinct = len(np.unique(finite))
    while decimals < 6 and len({f"{v:,.{decimals}f}" for v in finite}) < distinct:
        decimals += 1
    return lambda v: f"{v:,.{decimals}f}"


def display_values(values: pd.Series, chosen: MapMeasure) -> list[str]:
    """Values as the tooltip and table show them (one format for the measure, chosen once: England's 33,755 areas
    are formatted on every rerun)."""
    formats: dict[str, Callable[[Any], str]] = {
        "category": str, "share": "{:.1%}".format, "change": lambda v: f"{int(v):+d}",
        "decile": lambda v: f"{int(v):,}", "rank": lambda v: f"{int(v):,}"}
    shown = formats.get(chosen.kind, "{:.3f}".format)
    missing = values.isna().to_numpy()
    return [chosen.missing_label if gap else shown(v)
            for v, gap in zip(values.to_numpy(dtype=object), missing, strict=True)]


class _Script(MacroElement):
    """A MacroElement whose script is given as text (already escaped JSON and our own JS)."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str):
        super().__init__()
        self._name = "HiapScript"
        self.code = code


_AREA_JS = """
(function (map) {
  %(decoder)s
  var info = %(info)s;
  function esc(t) { return String(t).replace(/[&<>"']/g, function (ch) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[ch]; }); }
  function tip(i) {
    var parts = ["<b>" + esc(info.code[i]) + "</b> " + esc(info.name[i])];
    if (info.wards.length) parts.push("Ward: " + esc(info.wards[info.w[i]]));
    parts.push("District: " + esc(info.districts[info.d[i]]));
    parts.push(esc(info.label) + ": <b>" + esc(info.v[i]) + "</b>");
    return parts.join("<br>");
  }
  var layer = L.geoJSON(hiapDecode(%(geometry)s), {
    style: function (f) {
      var k = info.k[f.properties.i];
      return {fillColor: k < 0 ? info.missing : info.colours[k], fillOpacity: 0.8, color: "#4d4d4d", weight: 0.4};
    },
    onEachFeature: function (f, l) {
      l.bindTooltip(function () { return tip(f.properties.i); }, {sticky: true});
      if (info.labels) {
        l.bindTooltip(esc(info.name[f.properties.i]),
          {permanent: true, direction: "center", className: "hiap-label", opacity: 0.9});
      }
    }
  }).addTo(map);
  map.getContainer().dataset.areaCount = layer.getLayers().length;
  map.attributionControl.addAttribution(esc(info.attribution));
})(%(map)s);
"""

_OUTLINE_JS = """
(function (map) {
  %(decoder)s
  L.geoJSON(hiapDecode(%(geometry)s), {interactive: false,
    style: {fill: false, color: %(colour)s, weight: %(weight)s, opacity: 0.9}}).addTo(map);
})(%(map)s);
"""

_LEGEND_JS = """
(function (map) {
  var legend = L.control({position: "topright"});
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "hiap-legend");
    div.innerHTML = %(html)s;
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  legend.addTo(map);
})(%(map)s);
"""

_TILE_ERROR_JS = """
(function (map, tiles) {
  var shown = false;
  tiles.on("tileerror", function () {
    if (shown) return;
    shown = true;
    map.getContainer().dataset.basemapFailed = "1";
    var note = L.control({position: "bottomleft"});
    note.onAdd = function () {
      var div = L.DomUtil.create("div", "hiap-basemap-failed");
      div.innerHTML = %(html)s;
      return div;
    };
    note.addTo(map);
  });
})(%(map)s, %(tiles)s);
"""


def basemap_failed_html(basemap: str) -> str:
    """What the map says when its basemap's tiles cannot be fetched (no internet): the areas are drawn anyway."""
    return ('<div style="background:#fff3cd;border:1px solid #c9a227;padding:4px 8px;border-radius:4px;'
            f'font:12px/1.4 sans-serif;color:#222;max-width:260px">The {html.escape(basemap)} basemap could not be '
            "loaded (this computer seems to be offline): the areas are drawn without it. Choose basemap "
            "'None' in the sidebar to hide this note.</div>")


LEGEND_WIDTH = {False: 250, True: 330}
"""The legend's widest (px, normal and presentation): the map is framed to the left of it, so it covers no area."""
FOLDED_LEGEND_WIDTH = 120
"""Room a folded legend (its title line, or the map component's "Legend" button) takes at the map's top right."""
MAP_STYLE = (
    ".hiap-legend summary{cursor:pointer;font-weight:bold;list-style-position:outside;margin-left:14px}"
    ".hiap-legend details:not([open]) summary{margin-bottom:0}"
    # the credit wraps in the right half, so it never runs over the scale bar at the bottom left (1366 px wide)
    ".leaflet-control-attribution{max-width:50%;white-space:normal;text-align:right;line-height:1.3}"
    ".leaflet-control-scale{margin-bottom:6px!important}"
)
"""The map's own CSS (legend, credit, scale bar), shared by the folium map and the app's map component."""
MAP_CSS = f"<style>{MAP_STYLE}</style>"
LABEL_STYLE = (".hiap-label{background:transparent;border:none;box-shadow:none;font:bold 13px sans-serif;"
               "color:#111;text-shadow:0 0 3px #fff,0 0 3px #fff}")
"""Area names written on the map in presentation mode."""
LABELS_MAX = 60
"""Presentation mode names the areas on the map up to this many; more names would cover the map."""


@dataclass(frozen=True)
class Outline:
    """Boundaries drawn over the choropleth (wards, districts, a selected area)."""

    geometry: gpd.GeoSeries
    colour: str
    weight: float
    label: str | None = None
    """When given, the legend shows the line with this text, so an outline never relies on colour alone."""


def legend_html(
    title: str, classes: Classes, has_missing: bool, large: bool = False, outlines: Sequence[Outline] = (),
    missing_label: str = MISSING_LABEL, folded: bool = False, toggle: bool = True,
) -> str:
    """The legend as escaped HTML: one swatch and label per class, most deprived first, then labelled outlines.

    The title is a toggle (a ``<details>`` element, open at first): a click folds the legend to its title line,
    so nothing of the map stays covered. ``folded`` starts it folded (presentation zoomed to an action's areas).
    Without ``toggle`` the title is a plain heading: the map component folds the legend behind its own button.
    """
    size = 18 if large else 12
    rows = [
        f'<div><span style="display:inline-block;width:{size}px;height:{size}px;background:{c};'
        f'margin-right:6px;vertical-align:middle;border:1px solid #666"></span>{html.escape(label)}</div>'
        for c, label in zip(classes.colours, classes.labels, strict=True)
    ]
    if has_missing:
        rows.append(
            f'<div><span style="display:inline-block;width:{size}px;height:{size}px;background:{MISSING_COLOUR};'
            f'margin-right:6px;vertical-align:middle;border:1px solid #666"></span>{html.escape(missing_label)}</div>'
        )
    for outline in outlines:
        if outline.label:
            rows.append(
                f'<div><span style="display:inline-block;width:{size}px;height:{size}px;'
                f'border:{min(outline.weight, 4):g}px solid {html.escape(outline.colour)};box-sizing:border-box;'
                f'margin-right:6px;vertical-align:middle"></span>{html.escape(outline.label)}</div>'
            )
    if classes.note:
        rows.append(f'<div style="font-size:{size - 2}px;color:#555;margin-top:4px">{html.escape(classes.note)}</div>')
    return (
        f'<div style="background:rgba(255,255,255,0.92);padding:6px 10px;border-radius:4px;'
        f'font:{size}px/1.4 sans-serif;color:#222;box-shadow:0 0 4px rgba(0,0,0,0.3);'
        f'max-width:{LEGEND_WIDTH[large]}px">'
        + (f'<details{"" if folded else " open"}>'
           f'<summary title="Click to fold or unfold the legend" style="margin-bottom:4px">'
           f'{html.escape(title)}</summary>' if toggle else
           f'<div class="hiap-legend-title" style="font-weight:bold;margin-bottom:4px">{html.escape(title)}</div>')
        + "".join(rows)
        + ("</details></div>" if toggle else "</div>")
    )


def area_identity(areas: pd.DataFrame) -> dict[str, list]:
    """What names each area in its tooltip (code, name, ward, district), with each ward and district name once."""
    # Through unique() and NumPy: iterating pandas' Arrow strings makes one Python string at a time (England's
    # 33,755 areas took 45 ms of every map's rerun).
    wards = sorted(areas["ward"].fillna("").unique().tolist()) if areas["ward"].astype(bool).any() else []
    districts = sorted(areas["district"].fillna("").unique().tolist())
    return {
        "code": areas["code"].to_numpy(dtype=object).tolist(),
        "name": areas["name"].to_numpy(dtype=object).tolist(),
        "wards": wards,
        "w": pd.Categorical(areas["ward"].fillna(""), categories=wards).codes.tolist() if wards else [],
        "districts": districts,
        "d": pd.Categorical(areas["district"].fillna(""), categories=districts).codes.tolist(),
    }


def encode_geometry(geometry: gpd.GeoSeries) -> str:
    """The compact geometry JSON for a layer; precise to ~1 m for small layers, ~10 m for large."""
    scale = 100_000 if len(geometry) <= 2000 else 10_000
    return mapcodec.to_json(mapcodec.encode(geometry.values, scale=scale))


def area_map(
    areas: gpd.GeoDataFrame,
    chosen: MapMeasure,
    *,
    outlines: Sequence[Outline] = (),
    basemap: str | None = None,
    presentation: bool = False,
    geometry_json: str | None = None,
    asset_url: str = ASSET_URL,
    fit: gpd.GeoSeries | None = None,
    tooltip_values: Sequence[str] | None = None,
    legend_folded: bool = False,
) -> folium.Map:
    """A choropleth of ``areas`` (code, name, ward, district, value, geometry) for ``chosen``.

    ``geometry_json`` lets a caller pass a cached ``encode_geometry(areas.geometry)``: changing
    the measure then re-sends values, not geometry work. ``tooltip_values`` replaces the value
    text of each area's tooltip (e.g. a value with its comparison, so colour is never alone). ``fit`` frames
    the map on those shapes (e.g. one action's areas); ``legend_folded`` starts the legend folded to its title.
    """
    if tooltip_values is not None and len(tooltip_values) != len(areas):
        raise ValueError(f"tooltip_values has {len(tooltip_values)} entries for {len(areas)} areas.")
    classes = classify(areas["value"], chosen)
    fmap = folium.Map(location=None, tiles=None, prefer_canvas=len(areas) > CANVAS_ABOVE,
                      control_scale=True, zoom_snap=0.25)
    fmap.default_js = [("leaflet", f"/{asset_url}/leaflet.js")]
    fmap.default_css = [("leaflet_css", f"/{asset_url}/leaflet.css")]
    if basemap:
        tiles = folium.TileLayer(BASEMAPS[basemap], name=basemap).add_to(fmap)
        fmap.add_child(_Script(_TILE_ERROR_JS % {"map": fmap.get_name(), "tiles": tiles.get_name(),
                                                 "html": _safe_json(basemap_failed_html(basemap))}))
    info = {
        **area_identity(areas),
        "v": list(tooltip_values) if tooltip_values is not None else display_values(areas["value"], chosen),
        "k": classes.index.tolist(),
        "colours": classes.colours,
        "missing": MISSING_COLOUR,
        "label": chosen.label,
        "labels": presentation and len(areas) <= LABELS_MAX,
        "attribution": MAP_CREDIT,
    }
    map_name = fmap.get_name()
    script = _AREA_JS % {
        "decoder": mapcodec.DECODER_JS,
        "info": _safe_json(info),
        "geometry": geometry_json or encode_geometry(areas.geometry),
        "map": map_name,
    }
    fmap.add_child(_Script(script))
    for outline in outlines:
        fmap.add_child(_Script(_OUTLINE_JS % {
            "decoder": mapcodec.DECODER_JS, "geometry": encode_geometry(outline.geometry),
            "colour": json.dumps(outline.colour), "weight": outline.weight, "map": map_name,
        }))
    legend = legend_html(chosen.legend_title(), classes, bool((classes.index < 0).any()), large=presentation,
                         missing_label=chosen.missing_label,
                         outlines=outlines, folded=legend_folded)
    fmap.add_child(_Script(_LEGEND_JS % {"html": _safe_json(legend), "map": map_name}))
    fmap.get_root().header.add_child(folium.Element(MAP_CSS))
    if presentation:
        fmap.get_root().header.add_child(folium.Element(f"<style>{LABEL_STYLE}</style>"))
    minx, miny, maxx, maxy = (fit if fit is not None and len(fit) else areas.geometry).total_bounds
    # Framed left of the legend (top right), so the legend covers no area until the user pans under it.
    right = FOLDED_LEGEND_WIDTH if legend_folded else LEGEND_WIDTH[presentation]
    fmap.fit_bounds([[miny, minx], [maxy, maxx]], max_zoom=FIT_MAX_ZOOM,
                    padding_bottom_right=(right + 20, 10), padding_top_left=(10, 10))
    return fmap


def _safe_json(value: object) -> str:
    """JSON that cannot close the surrounding <script> element."""
    return json.dumps(value, separators=(",", ":")).replace("</", "<\\/")

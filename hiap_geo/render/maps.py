"""Folium map builders: choropleth of areas, outlines, legend, offline assets.

The maps load nothing from the internet: Leaflet comes from the XStatic-Leaflet package and is
served by the app itself (``install_map_assets``), the legend is plain HTML, and a tile basemap
is only added when the user asks for one. Geometry travels in the compact encoding of
``hiap_geo.render.mapcodec``; each area carries only an index, and the values, names and classes
travel once as arrays, so a map of England stays a few megabytes.
"""

from __future__ import annotations

import html
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import branca.colormap as cm
import folium
import geopandas as gpd
import mapclassify
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
CANVAS_ABOVE = 3000  # areas; SVG beyond this gets slow to pan
JENKS_MAX = 300  # values; Fisher-Jenks without numba is O(k n^2): quantile classes above this


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


def _hex(colour: tuple[float, ...]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in colour[:3]))


def palette(name: str, n: int) -> list[str]:
    """``n`` colours of a branca scheme; viridis and ColorBrewer schemes stay readable for
    colour-blind viewers and on a projector."""
    scheme = getattr(cm.linear, name)
    return [_hex(scheme.rgba_floats_tuple(scheme.vmin + (scheme.vmax - scheme.vmin) * i / max(n - 1, 1)))
            for i in range(n)]


@dataclass(frozen=True)
class Classes:
    """Each area's class (-1 for missing) and the legend, most deprived class first."""

    index: np.ndarray
    colours: list[str]
    labels: list[str]


def classify(values: pd.Series, chosen: MapMeasure) -> Classes:
    """Classes and colours for a measure, darkest = most deprived, with both ends labelled."""
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
    data = numeric[present]
    if len(data) == 0:
        return Classes(index, [], [])
    k = int(min(7, len(np.unique(data))))
    if k < 2:
        index[present] = 0
        return Classes(index, palette("viridis", 1), [_fmt(chosen, data[0])])
    # Natural breaks read best for scores, but only small sets are quick enough: quantiles otherwise.
    jenks = chosen.kind != "rank" and len(data) <= JENKS_MAX
    scheme = mapclassify.FisherJenks(data, k=k) if jenks else mapclassify.Quantiles(data, k=k)
    bins = np.asarray(scheme.bins)
    lows = np.concatenate([[data.min()], bins[:-1]])
    ranges = [f"{_fmt(chosen, lo)} to {_fmt(chosen, hi)}" for lo, hi in zip(lows, bins, strict=True)]
    order = np.asarray(scheme.yb)
    colours = palette("viridis", k)
    if chosen.higher_is_more_deprived:  # highest class first and darkest
        order = k - 1 - order
        ranges = ranges[::-1]
    index[present] = order
    ranges[0] += f" ({chosen.ends[0]})"
    ranges[-1] += f" ({chosen.ends[1]})"
    return Classes(index, colours, ranges)


def _fmt(chosen: MapMeasure, value: float) -> str:
    if chosen.kind == "share":
        return f"{value:.0%}"
    if chosen.kind == "rank":
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:,.1f}"


def display_values(values: pd.Series, chosen: MapMeasure) -> list[str]:
    """Values as the tooltip and table show them."""
    out = []
    for v in values:
        if pd.isna(v):
            out.append(chosen.missing_label)
        elif chosen.kind == "category":
            out.append(str(v))
        elif chosen.kind == "share":
            out.append(f"{v:.1%}")
        elif chosen.kind in ("decile", "rank", "change"):
            out.append(f"{int(v):+d}" if chosen.kind == "change" else f"{int(v):,}")
        else:
            out.append(f"{v:.3f}")
    return out


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
  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "hiap-legend");
    div.innerHTML = %(html)s;
    return div;
  };
  legend.addTo(map);
})(%(map)s);
"""


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
    missing_label: str = MISSING_LABEL,
) -> str:
    """The legend as escaped HTML: one swatch and label per class, most deprived first, then labelled outlines."""
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
    return (
        f'<div style="background:rgba(255,255,255,0.92);padding:8px 10px;border-radius:4px;'
        f'font:{size}px/1.4 sans-serif;color:#222;box-shadow:0 0 4px rgba(0,0,0,0.3)">'
        f'<div style="font-weight:bold;margin-bottom:4px;max-width:{22 * size}px">{html.escape(title)}</div>'
        + "".join(rows)
        + "</div>"
    )


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
) -> folium.Map:
    """A choropleth of ``areas`` (code, name, ward, district, value, geometry) for ``chosen``.

    ``geometry_json`` lets a caller pass a cached ``encode_geometry(areas.geometry)``: changing
    the measure then re-sends values, not geometry work. ``tooltip_values`` replaces the value
    text of each area's tooltip (e.g. a value with its comparison, so colour is never alone).
    """
    if tooltip_values is not None and len(tooltip_values) != len(areas):
        raise ValueError(f"tooltip_values has {len(tooltip_values)} entries for {len(areas)} areas.")
    classes = classify(areas["value"], chosen)
    fmap = folium.Map(location=None, tiles=None, prefer_canvas=len(areas) > CANVAS_ABOVE,
                      control_scale=True, zoom_snap=0.25)
    fmap.default_js = [("leaflet", f"/{asset_url}/leaflet.js")]
    fmap.default_css = [("leaflet_css", f"/{asset_url}/leaflet.css")]
    if basemap:
        folium.TileLayer(BASEMAPS[basemap], name=basemap).add_to(fmap)
    wards = sorted(set(areas["ward"].fillna(""))) if areas["ward"].astype(bool).any() else []
    districts = sorted(set(areas["district"].fillna("")))
    info = {
        "code": areas["code"].tolist(),
        "name": areas["name"].tolist(),
        "wards": wards,
        "w": pd.Categorical(areas["ward"].fillna(""), categories=wards).codes.tolist() if wards else [],
        "districts": districts,
        "d": pd.Categorical(areas["district"].fillna(""), categories=districts).codes.tolist(),
        "v": list(tooltip_values) if tooltip_values is not None else display_values(areas["value"], chosen),
        "k": classes.index.tolist(),
        "colours": classes.colours,
        "missing": MISSING_COLOUR,
        "label": chosen.label,
        "labels": presentation and len(areas) <= 60,
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
                         outlines=outlines)
    fmap.add_child(_Script(_LEGEND_JS % {"html": _safe_json(legend), "map": map_name}))
    if presentation:
        fmap.get_root().header.add_child(folium.Element(
            "<style>.hiap-label{background:transparent;border:none;box-shadow:none;font:bold 13px sans-serif;"
            "color:#111;text-shadow:0 0 3px #fff,0 0 3px #fff}</style>"
        ))
    minx, miny, maxx, maxy = (fit if fit is not None and len(fit) else areas.geometry).total_bounds
    fmap.fit_bounds([[miny, minx], [maxy, maxx]], max_zoom=FIT_MAX_ZOOM)
    return fmap


def _safe_json(value: object) -> str:
    """JSON that cannot close the surrounding <script> element."""
    return json.dumps(value, separators=(",", ":")).replace("</", "<\\/")

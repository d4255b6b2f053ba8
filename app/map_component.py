"""The map as a Streamlit component (components v2): drawn once, then recoloured in the browser.

``hiap_geo.render.map_component.map_view`` splits a map into files (geometry and names, named by their content)
and a small payload; here the files are written once into the app's static folder and the payload goes to the
browser code in ``app/map_frontend/``. Measured against ``st_folium`` (tests/test_map_speed_browser.py): a measure
switch sends a few kilobytes instead of the whole map page, and keeps the user's zoom and pan.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from hiap_geo.core.files import atomic_path
from hiap_geo.render.map_component import MAPS_URL, MapAsset, MapView
from hiap_geo.render.mapcodec import DECODER_JS
from hiap_geo.render.maps import ASSET_URL, LABEL_STYLE, MAP_STYLE

FRONTEND = Path(__file__).parent / "map_frontend"
MAPS_DIR = Path(__file__).parent.parent / "static" / "maps"
"""Served at /app/static/maps (``enableStaticServing``); git ignores ``static/``."""

HIDDEN_STYLE = (".hiap-sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;"
                "clip:rect(0,0,0,0);white-space:nowrap;border:0}")
"""The live region is read by screen readers and not shown."""
LEGEND_STYLE = [
    ".hiap-legend{display:flex;flex-direction:column;align-items:flex-end}",
    ".hiap-legend-toggle{display:flex;align-items:center;gap:6px;font:bold 12px/1.2 sans-serif;color:#222;"
    "background:#fff;border:1px solid #767676;border-radius:4px;padding:5px 8px;cursor:pointer;"
    "box-shadow:0 0 4px rgba(0,0,0,0.3)}",
    ".hiap-legend-toggle:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}",
    ".hiap-legend-toggle::after{content:'\\25BE' / ''}",
    ".hiap-legend-toggle[aria-expanded=true]::after{content:'\\25B4' / ''}",
    ".hiap-legend-strip{display:inline-flex;border:1px solid #666}",
    ".hiap-legend-strip span{display:inline-block;width:5px;height:10px}",
    ".hiap-legend-panel{margin-top:4px;overflow:auto}",
    ".hiap-legend-panel>div{line-height:1.3!important}",
    ".hiap-legend-panel:focus-visible{outline:3px solid #1a5fb4}",
]
"""The legend folded behind a small button (issue 24): its colours in a strip, the panel below it when open."""

_MODULE = DECODER_JS + (FRONTEND / "hiap_map.js").read_text(encoding="utf-8")
_MODULE_FILE = f"hiap-map-{hashlib.sha256(_MODULE.encode()).hexdigest()[:20]}.js"
# Streamlit sends a component's inline script with every rerun: the inline part only imports the map's code,
# served once from the static folder (and kept by the browser) like the geometry.
# It also starts loading Leaflet while the module is fetched (the module waits for that script, or loads its own if
# this one failed), so a first paint does not fetch the two one after the other. A preload (``preload_map``) fetches
# both and draws nothing.
_LOADER = (
    "export default function (component) {\n"
    "  const base = component.data && component.data.leaflet;\n"
    "  if (base && !window.L && !document.querySelector('script[data-hiap-leaflet]')) {\n"
    "    const script = document.createElement('script');\n"
    "    script.src = base + '/leaflet.js';\n"
    "    script.dataset.hiapLeaflet = '1';\n"
    "    script.onerror = () => script.remove();\n"
    "    document.head.appendChild(script);\n"
    "  }\n"
    f"  const url = new URL({json.dumps(f'/{MAPS_URL}/{_MODULE_FILE}')}, window.location.origin).href;\n"
    "  if (component.data && component.data.preload) return import(url).then(() => undefined);\n"
    "  return import(url).then((module) => module.default(component));\n"
    "}\n"
)
_COMPONENT = st.components.v2.component(
    "hiap_map",
    html="",
    # one rule a line: Streamlit reads a one-line string with "/" in it as a file path
    css="\n".join([MAP_STYLE, LABEL_STYLE, *LEGEND_STYLE, ".hiap-map{width:100%}", HIDDEN_STYLE,
                   ".hiap-map-error{color:#8a1c1c;padding:8px}"]),
    js=_LOADER,
    isolate_styles=False,  # Leaflet's stylesheet is the page's; the tests find the map in the page's DOM
)


KEEP_FILES = 300
"""Map files kept in the folder, the most recently used: each rerun writes back any of its own that went."""
KEEP_BYTES = 1_000_000_000
"""And at most this many bytes of them (an England map's file is tens of megabytes)."""


def _stat(path: Path) -> tuple[float, int]:
    try:
        found = path.stat()
    except OSError:  # another session's rerun removed it meanwhile
        return 0.0, 0
    return found.st_mtime, found.st_size


def write_assets(assets: tuple[MapAsset, ...], folder: Path = MAPS_DIR, keep: int = KEEP_FILES,
                 keep_bytes: int = KEEP_BYTES) -> None:
    """Write each map file once (its name is its content's hash, so an existing file of the right size is
    already right), and drop the least recently used beyond ``keep`` files or ``keep_bytes``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = False
    for asset in assets:
        target = folder / asset.name
        try:  # os.utime, not Path.touch: touch would make an empty file if another session just removed it
            if target.stat().st_size == len(asset.body):
                os.utime(target)
                continue
        except OSError:
            pass
        with atomic_path(target) as tmp:
            Path(tmp).write_bytes(asset.body)
        written = True
    if not written:  # the folder grows only when a file is written: a rerun of the same map lists nothing
        return
    wanted = {asset.name for asset in assets}
    files = sorted(((_stat(f), f) for f in folder.glob("*-*.js*")), key=lambda item: item[0][0], reverse=True)
    total = 0
    for n, ((_, size), path) in enumerate(files):
        total += size
        if path.name not in wanted and (n >= keep or total > keep_bytes):
            path.unlink(missing_ok=True)


PRELOAD_KEY = "hiap_map_preload"


def preload_map() -> None:
    """Have the browser fetch the map's code and Leaflet now, at the top of a map page's run, so that they are
    ready when the page's map arrives at the end of the run (on a first visit Streamlit loads a component's code
    only when the component first appears: 0.3-0.6 s after the run on this machine). Takes no room: the element
    is hidden and draws nothing."""
    write_assets((MapAsset(_MODULE_FILE, _MODULE.encode()),))
    st.html(f"<style>.st-key-{PRELOAD_KEY}{{display:none}}</style>")
    _COMPONENT(key=PRELOAD_KEY, data={"preload": True, "leaflet": f"/{ASSET_URL}"}, height=0)


def show_map(view: MapView, key: str, on_click: Callable[[float, float], None] | None = None,
             announce: str = "", on_pick: Callable[[str], None] | None = None) -> None:
    """Draw (or recolour) the map. A click on it calls ``on_click(lat, lng)`` before the rerun it causes, so that
    rerun already outlines the area clicked; Enter on an area focused with the keyboard calls ``on_pick(code)``.
    ``announce`` (what the map now shows, in words) goes to the map's polite live region: a screen reader says it
    when it changes (a new measure, filter or step), without interrupting."""

    def clicked() -> None:
        point = (st.session_state.get(key) or {}).get("clicked")
        if not isinstance(point, dict):
            return
        if on_pick is not None and isinstance(point.get("code"), str):
            on_pick(point["code"])
        elif on_click is not None and all(isinstance(point.get(k), int | float) for k in ("lat", "lng")):
            on_click(float(point["lat"]), float(point["lng"]))

    write_assets((MapAsset(_MODULE_FILE, _MODULE.encode()), *view.assets))
    # A map fitted to the window is as tall as the room below its top, often less than its largest height: its box
    # takes the map's own height ("content"), or the rest of a fixed box stays blank under it (300 px on a 1366x768
    # screen in presentation mode).
    fitted = view.payload["minHeight"] < view.payload["height"]
    _COMPONENT(key=key, data={**view.payload, "announce": announce},
               height="content" if fitted else int(view.payload["height"]), on_clicked_change=clicked)

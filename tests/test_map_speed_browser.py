"""Changing the colours, not the map (issue 16), in headless Chromium with no internet.

A measure or value switch must keep the user's zoom and pan and send no geometry: the websocket messages of the
rerun are recorded (``framereceived``) and searched for the encoded coordinates, and the map files (geometry,
named by their content) must not be fetched again. A second test measures the same switch drawn the old way
(``st_folium``, the whole map on every rerun) and the new, side by side, for Tunbridge Wells and Kent.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import time
from pathlib import Path

from hiap_geo.core import settings
from hiap_geo.geo.measures import measure
from hiap_geo.render.maps import ASSET_URL, HIGHLIGHT_COLOUR
from tests.browser_support import ARTIFACTS, MAP_SELECTOR, app_server, block_internet, map_box, map_frame

SPEED_CHOICES = ["imd decile", "imd score", "income decile", "employment rank", "education decile", "health rank",
                 "crime decile"]
"""The maps tests/map_speed_page.py offers, in the order the speed test switches through them."""
SWITCH_MESSAGE_LIMIT = 40_000
"""Bytes: the largest websocket message a switch may send for Tunbridge Wells (the map's payload, the table under
it); the old map page was about 150 KB, its geometry alone about 60 KB."""


class Recorder:
    """Websocket messages the page receives and the map files it fetches, each with its time."""

    def __init__(self, page: object) -> None:
        self.frames: list[tuple[float, bytes]] = []
        self.requests: list[tuple[float, object]] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))
        page.on("requestfinished", lambda r: self.requests.append((time.perf_counter(), r)))

    def _frame(self, payload: object) -> None:
        data = payload if isinstance(payload, bytes) else str(payload).encode()
        self.frames.append((time.perf_counter(), data))

    def frames_since(self, t0: float) -> list[bytes]:
        return [data for t, data in self.frames if t >= t0]

    def map_files_since(self, t0: float) -> list[str]:
        return [r.url for t, r in self.requests if t >= t0 and "/app/static/maps/" in r.url]

    def http_bytes_since(self, t0: float) -> int:
        total = 0
        for t, r in self.requests:
            if t >= t0:
                with contextlib.suppress(Exception):  # a request that went away has no sizes
                    total += max(r.sizes()["responseBodySize"], 0)
        return total


def legend_text(page: object) -> str:
    try:
        return map_frame(page, timeout_s=5).text_content(".hiap-legend") or ""  # folded or open
    except Exception:  # noqa: BLE001 - the old map's frame is replaced while Streamlit reruns
        return ""


def wait_for_legend(page: object, changed_from: str, timeout_s: float = 60, containing: str = "") -> str:
    """The legend once it differs from ``changed_from`` and holds ``containing`` (polled every 50 ms, so the time
    to redraw is measurable)."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        text = legend_text(page)
        if text and text != changed_from and containing in text:
            return text
        page.wait_for_timeout(50)
    raise AssertionError(f"the legend did not change from {changed_from!r}")


CLICKABLE_AREA = """() => {
  const map = document.querySelector("[data-area-count]").getBoundingClientRect();
  const bottom = Math.min(map.bottom, innerHeight) - 20;
  for (let y = map.top + 20; y < bottom; y += 15) {
    for (let x = map.left + 60; x < map.right - 280; x += 15) {
      const hit = document.elementFromPoint(x, y);
      if (hit && hit.matches("[data-area-count] path.leaflet-interactive")) return {x, y};
    }
  }
  return null;
}"""
"""A point of the screen on an area (in the page's map, clear of the legend and the zoom buttons)."""


def same_view(a: str, b: str) -> bool:
    """The same zoom and the same centre to within a screen pixel: a rerun may change the map's height by a line
    of text above it (a shorter measure name), and Leaflet keeps the centre to half a pixel when it resizes."""
    before, after = json.loads(a), json.loads(b)
    degrees_per_pixel = 360 / (256 * 2 ** before["zoom"])
    return (before["zoom"] == after["zoom"] and abs(before["lng"] - after["lng"]) <= degrees_per_pixel
            and abs(before["lat"] - after["lat"]) <= degrees_per_pixel)


def map_state(page: object) -> dict[str, object]:
    frame = map_frame(page)
    return frame.eval_on_selector(MAP_SELECTOR, "e => ({view: e.dataset.view, selected: e.dataset.selected, "
                                                "fills: [...e.querySelectorAll('path.leaflet-interactive')]"
                                                ".map(p => p.getAttribute('fill'))})")


def geometry_probe(page: object, url: str) -> bytes:
    """A run of the encoded coordinates of the map file at ``url``: found in a message, geometry was re-sent."""
    text = page.request.get(url).text()
    start = text.index('"c":[') + 5
    return text[start + 200 : start + 400].encode()


def settle(page: object, seconds: float = 1.5) -> None:
    """Let Leaflet finish its zoom animation and Streamlit its rerun. Playwright's wait, not ``time.sleep``: events
    (websocket messages, finished requests) reach the recorder only while Playwright runs, so a sleep would date
    them to after the next switch."""
    page.wait_for_timeout(seconds * 1000)


QUIET_S = 0.75
"""Seconds with no websocket message and no finished request after which a rerun counts as over."""


def settle_quiet(page: object, record: Recorder, most_s: float = 3) -> None:
    """Wait until the page has received nothing for QUIET_S (the rerun and its requests are over), at most
    ``most_s``: the condition the fixed three-second wait stood for, usually met within a second."""
    deadline = time.perf_counter() + most_s
    while time.perf_counter() < deadline:
        last = max([t for t, _ in record.frames[-1:]] + [t for t, _ in record.requests[-1:]], default=0.0)
        if time.perf_counter() - last >= QUIET_S:
            return
        page.wait_for_timeout(50)


def test_measure_switch_keeps_zoom_sends_no_geometry_and_a_click_highlights(app_url: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    outside = block_internet(page)
    record = Recorder(page)
    page.goto(app_url)
    map_frame(page)
    page.wait_for_selector("[data-drawn]", state="attached", timeout=60_000)
    settle(page)
    files = record.map_files_since(0)
    assert any("/geometry-" in u for u in files), files
    probe = geometry_probe(page, next(u for u in files if "/geometry-" in u))
    framed = map_state(page)["view"]

    box = map_box(page)  # zoom in on the district's middle with the wheel and drag the map, as a person does
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + min(box["height"], 768 - box["y"]) * 0.6)
    page.mouse.wheel(0, -300)
    settle(page)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5 + 60, box["y"] + min(box["height"], 768 - box["y"]) * 0.6 - 30,
                    steps=8)
    page.mouse.up()
    settle(page)
    before = map_state(page)
    assert before["view"] != framed, "the wheel and drag moved the map"
    assert json.loads(before["view"])["zoom"] > json.loads(framed)["zoom"]

    sidebar = page.locator("[data-testid='stSidebar']")
    for switch in ("measure", "value"):
        legend = legend_text(page)
        t0 = time.perf_counter()
        if switch == "measure":
            sidebar.get_by_role("combobox", name="Measure").click()
            page.keyboard.press("ArrowDown")  # the list opens on the keyboard; Enter takes the next measure
            page.get_by_role("option").first.wait_for(timeout=10_000)
            page.keyboard.press("Enter")
        else:
            sidebar.get_by_text("Rank", exact=True).click()
        wait_for_legend(page, legend)
        settle(page, 2)
        after = map_state(page)
        assert same_view(before["view"], after["view"]), f"the {switch} switch moved the map: {before} -> {after}"
        assert after["fills"] != before["fills"], f"the {switch} switch did not recolour the areas"
        frames = record.frames_since(t0)
        assert frames, "the rerun sent nothing"
        assert max(len(f) for f in frames) < SWITCH_MESSAGE_LIMIT, sorted(len(f) for f in frames)[-3:]
        assert not [f for f in frames if probe in f], "geometry travelled with the rerun"
        assert record.map_files_since(t0) == [], "a map file was fetched again"
        print(f"Map explorer, {switch} switch: {sum(len(f) for f in frames):,} bytes in {len(frames)} messages")
        before = after
    page.screenshot(path=str(ARTIFACTS / "map-speed-switched-1366x768.png"))

    legend, t0 = legend_text(page), time.perf_counter()  # the other edition: its own boundaries, the same view
    sidebar.get_by_text("IoD 2019", exact=True).click()
    wait_for_legend(page, legend)
    settle(page, 2)
    after = map_state(page)
    assert same_view(before["view"], after["view"]), f"the edition switch moved the map: {before} -> {after}"
    assert [u for u in record.map_files_since(t0) if "/geometry-" in u], "the 2019 boundaries come as a file"
    assert max(len(f) for f in record.frames_since(t0)) < SWITCH_MESSAGE_LIMIT
    before = after

    target = page.evaluate(CLICKABLE_AREA)
    assert target, "no area of the map is in view to click"
    page.mouse.click(target["x"], target["y"])  # a click selects the area: outlined, named in the legend and beside
    deadline = time.time() + 60
    while not map_state(page)["selected"] and time.time() < deadline:
        page.wait_for_timeout(250)
    clicked = map_state(page)
    assert clicked["selected"], "the clicked area is not highlighted"
    assert same_view(before["view"], clicked["view"]), "a click must not reframe the map"
    strokes = map_frame(page).eval_on_selector_all("path.leaflet-interactive", "ps => ps.map(p => p.getAttribute("
                                                   "'stroke'))")
    assert strokes.count(HIGHLIGHT_COLOUR) == 1
    assert f"Selected: {clicked['selected']}" in legend_text(page)
    page.get_by_text("Open its profile", exact=False).wait_for(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "map-speed-selected-1366x768.png"))
    page.set_viewport_size({"width": 1920, "height": 1080})
    settle(page)
    page.screenshot(path=str(ARTIFACTS / "map-speed-selected-1920x1080.png"))
    assert outside == [], f"requests left the machine: {outside}"

    sidebar.get_by_role("combobox", name="Basemap").click()  # an online basemap, offline: the map says so
    page.keyboard.press("ArrowDown")
    page.get_by_role("option", name="OpenStreetMap").click()
    map_frame(page).wait_for_selector(".hiap-basemap-failed", timeout=60_000)
    assert "could not be loaded" in map_frame(page).inner_text(".hiap-basemap-failed")
    assert same_view(clicked["view"], map_state(page)["view"]), "a new basemap must not move the map"
    assert outside and all(u.startswith("https://tile.openstreetmap.org/") for u in outside), outside[:3]
    page.screenshot(path=str(ARTIFACTS / "map-speed-basemap-offline-1920x1080.png"))
    page.close()


SWITCHES = 3
"""Switches per page and place: bytes hardly vary between them (seconds do: `make bench` times the app)."""


def _measure_switch(browser: object, url: str) -> dict[str, float]:
    """Bytes sent and seconds until the new legend shows, for switches of measure or value on ``url`` (medians
    of the first SWITCHES of ``map_speed_page.CHOICES``, each to a map not shown before)."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    outside = block_internet(page)
    record = Recorder(page)
    page.goto(url)
    map_frame(page, timeout_s=180)
    legend = wait_for_legend(page, "", timeout_s=180)
    settle_quiet(page, record)
    runs = []
    for choice in SPEED_CHOICES[1:1 + SWITCHES]:
        key, value_type = choice.split()
        t0 = time.perf_counter()
        page.get_by_text(choice, exact=True).click()
        wait_for_legend(page, legend, timeout_s=180, containing=measure("lsoa", key, value_type).legend_title())
        seconds = time.perf_counter() - t0
        settle_quiet(page, record)
        frames = record.frames_since(t0)
        runs.append({"ws_bytes": sum(len(f) for f in frames), "http_bytes": record.http_bytes_since(t0),
                     "largest_message": max((len(f) for f in frames), default=0), "seconds": seconds,
                     "map_files_fetched": len(record.map_files_since(t0))})
        legend = legend_text(page)
    assert outside == [], f"requests left the machine: {outside}"
    page.close()
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]} | {
        "map_files_fetched": sum(run["map_files_fetched"] for run in runs)}


def test_measure_switch_before_and_after(session_cache: Path, kent_layers: str, browser: object,
                                         tmp_path: Path) -> None:
    """The same switch drawn through st_folium (before issue 16) and the map component (after), in one run."""
    page_dir = tmp_path / "page"
    page_dir.mkdir()
    (page_dir / "map_speed_page.py").write_text((Path(__file__).parent / "map_speed_page.py").read_text())
    os.symlink(settings.PROJECT_ROOT / "static", page_dir / "static")  # Leaflet and the map files, as in the app
    rows = []
    with app_server(session_cache, script=page_dir / "map_speed_page.py") as url:
        for place in ("tw", "kent"):
            for engine in ("folium", "component"):
                rows.append({"place": place, "engine": engine,
                             **_measure_switch(browser, f"{url}/?engine={engine}&place={place}")})
    lines = [f"Measure or value switch, median of {SWITCHES}, headless Chromium 1366x768, {time.strftime('%Y-%m-%d')}",
             "",
             "| place | drawn by | websocket bytes | HTTP bytes | largest message | seconds to new legend |",
             "|---|---|---:|---:|---:|---:|"]
    lines += [f"| {r['place']} | {r['engine']} | {r['ws_bytes']:,.0f} | {r['http_bytes']:,.0f} "
              f"| {r['largest_message']:,.0f} | {r['seconds']:.2f} |" for r in rows]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "map-speed.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    by = {(r["place"], r["engine"]): r for r in rows}
    for place in ("tw", "kent"):
        old, new = by[place, "folium"], by[place, "component"]
        assert new["map_files_fetched"] == 0
        assert new["ws_bytes"] + new["http_bytes"] < (old["ws_bytes"] + old["http_bytes"]) / 5, (old, new)


def test_the_map_has_leaflets_stylesheet_whichever_script_loads_first(app_url: str, browser: object) -> None:
    """The component's loader starts Leaflet while the map's module loads, so Leaflet may be ready first: the map
    must still get Leaflet's stylesheet (without it the zoom buttons, the legend's place and the grey background
    vanish). Leaflet is loaded here before the page's own scripts run, the order a warm browser cache can give."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    outside = block_internet(page)
    page.add_init_script(
        "document.addEventListener('DOMContentLoaded', () => { const s = document.createElement('script');"
        f" s.src = '/{ASSET_URL}/leaflet.js'; s.dataset.hiapLeaflet = '1'; document.head.appendChild(s); }});")
    page.goto(app_url)
    page.wait_for_function("() => window.L !== undefined", timeout=60_000)
    map_frame(page)  # waits for the drawn map to be styled by Leaflet's stylesheet
    assert page.get_by_role("button", name="Zoom in").is_visible()
    assert outside == [], f"requests that needed the internet: {outside}"
    page.close()


def test_the_maps_code_is_fetched_once_early_and_its_preload_takes_no_room(app_url: str, browser: object) -> None:
    """Every map page asks the browser for the map's code and Leaflet at the top of its run (a hidden element), so
    they are ready when the map arrives at the end of it; the real map then imports the same module, not a second
    copy, and the preload takes no room on the page."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    outside = block_internet(page)
    record = Recorder(page)
    t0 = time.perf_counter()
    page.goto(f"{app_url}/indicators")
    map_frame(page)
    modules = [url for url in record.map_files_since(t0) if url.rsplit("/", 1)[-1].startswith("hiap-map-")]
    leaflet = [r.url for _, r in record.requests if r.url.endswith("/leaflet.js")]
    assert len(modules) == 1 and len(leaflet) == 1, (modules, leaflet)
    preload = page.locator(".st-key-hiap_map_preload")
    assert preload.count() == 1 and not preload.is_visible()
    assert preload.evaluate("e => getComputedStyle(e).display") == "none"
    assert page.locator(MAP_SELECTOR).count() == 1  # the preload draws no map of its own
    assert outside == [], f"requests that needed the internet: {outside}"
    page.close()

"""What people feel: the app measured in headless Chromium, side by side with a floor page.

For each scale (Tunbridge Wells, Kent and Medway, South East region, England) a new app server is started
and timed from launch to the first drawn map (cold start); then in that server: a warm first load (a new
session), a switch of measure, a switch of district (or region), a click on an area, and the server's memory
with 1 and with 10 sessions open. The floor (``benchmarks/floor_app.py``: one folium polygon through
``st_folium``) is measured the same way in the same run, and every figure is also given as a ratio to it.

Chromium is Debian's (/usr/bin/chromium); every request that leaves 127.0.0.1 is aborted and counted, and the
servers listen on 127.0.0.1 only. Every wait is bounded.

    make bench                                              # this table, then the builder table
    .venv/bin/python -m benchmarks.browser_benchmark --quick  # Tunbridge Wells and the floor only
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.servers import Server, server_cpu_s, server_rss_mb, streamlit_server
from hiap_geo.core import settings
from hiap_geo.views.explorer import build_in_use, built_districts

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--proxy-server=http://127.0.0.1:9",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"]
VIEWPORT = {"width": 1500, "height": 1000}
APP = settings.PROJECT_ROOT / "app.py"
FLOOR = Path(__file__).with_name("floor_app.py")
CLICK_TEXT = {"app": "Open its profile", "floor": "Clicked at"}
"""What each page shows once a click on an area has been answered."""

DRAWN_JS = """() => [...document.querySelectorAll('[data-area-count]')].some((e) => {
  if (!e.dataset.benchStale) return e.dataset.drawn !== undefined || window !== window.top;
  return e.dataset.drawn !== undefined && e.dataset.drawn !== e.dataset.benchDrawn;
})"""
"""A map drawn since the last mark: a new map element (a folium iframe, or the component once it says
``data-drawn``), or the component's ``data-drawn`` generation moved on (recoloured in place)."""
MARK_JS = """() => document.querySelectorAll('[data-area-count]').forEach((e) => {
  e.dataset.benchStale = '1'; e.dataset.benchDrawn = e.dataset.drawn ?? '';
})"""


LEAVES_THE_MACHINE = re.compile(r"^(?!(?:https?|wss?)://(?:127\.0\.0\.1|localhost)[:/])(?!data:|blob:)")
"""The requests the harness aborts and counts: any not to this machine. A regular expression, which Playwright matches
in its driver, so that the page's own requests are not each sent to this process and back (a first visit makes about
150, Streamlit's code in chunks: routed through Python, the pages that use more kinds of element paid more of it than
the floor)."""

GEOMETRY_FILE = re.compile(r"/maps/geometry-[0-9a-f]+\.json")
"""The map component's geometry files (``render/map_component``: the areas, the outlines); names files are not."""
GEOMETRY_IN_MESSAGE = re.compile(rb'"coordinates\\?"\s*:|\{\\?"s\\?":\d+,\\?"g\\?":\['
                                 rb"|L\.(?:polygon|polyline|geoJson)\(")
"""Geometry inside a websocket message: GeoJSON coordinates, the ``mapcodec`` encoding (``{"s":<scale>,"g":[...``)
whether or not the JSON is itself escaped in a string, or a folium map's page drawing its shapes (``L.polygon(``,
as ``st_folium`` sends the floor's on every rerun)."""


@dataclass(frozen=True)
class Scale:
    name: str
    area: str
    """The ``?area=`` of the link that opens it."""
    switch: tuple[str, str] | None
    """How to switch area: ('add', district name) in the Districts box, ('area', label) in the Area box."""
    districts: tuple[str, ...] = ()
    """Districts the build must hold for this scale."""


@dataclass
class Figures:
    """One column of the table: seconds, MB and bytes per step (None: not measured at this scale)."""

    values: dict[str, float | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


ROWS = [
    ("server_listening", "server process to port open (s)"),
    ("cold", "cold start: new server to first drawn map (s)"),
    ("cold_cpu", "cold start: server CPU time to first map (s)"),
    ("warm", "warm first load, new session (s, median)"),
    ("warm_bytes", "warm first load: bytes received (MB)"),
    ("measure", "switch measure (s)"),
    ("measure_bytes", "switch measure: bytes received (kB)"),
    ("district", "switch district / region (s)"),
    ("click", "click an area, first in this server (s)"),
    ("click_again", "click another area (s)"),
    ("rss1", "server memory, 1 session (MB)"),
    ("rss10", "server memory, 10 sessions (MB)"),
]


class Page:
    """A browser page on one server, counting bytes received and finished script runs."""

    def __init__(self, browser: object, url: str) -> None:
        self.page = browser.new_page(viewport=VIEWPORT)
        self.outside: list[str] = []
        self.ws_bytes = 0
        self.http_bytes = 0
        self.geometry_bytes = 0
        """Bytes of geometry received: geometry files fetched, and websocket messages carrying coordinates."""
        self.geometry_files: list[str] = []
        self.finished = 0
        self.page.route(LEAVES_THE_MACHINE, self._route)
        self.page.on("websocket", self._on_socket)
        self.page.on("requestfinished", self._on_request)
        self.url = url

    def _route(self, route: object) -> None:
        self.outside.append(route.request.url)
        route.abort()

    def _on_socket(self, socket: object) -> None:
        socket.on("framereceived", self._on_frame)

    def _on_frame(self, payload: bytes | str) -> None:
        data = payload.encode() if isinstance(payload, str) else payload
        self.ws_bytes += len(data)
        if GEOMETRY_IN_MESSAGE.search(data):
            self.geometry_bytes += len(data)
        try:
            if ForwardMsg.FromString(data).WhichOneof("type") == "script_finished":
                self.finished += 1
        except Exception:  # noqa: BLE001 - a frame that is not a ForwardMsg is only counted
            pass

    def _on_request(self, request: object) -> None:
        with contextlib.suppress(Exception):  # a request whose sizes are gone counts nothing
            size = max(request.sizes()["responseBodySize"], 0)
            self.http_bytes += size
            if GEOMETRY_FILE.search(request.url):
                self.geometry_bytes += size
                self.geometry_files.append(request.url.rsplit("/", 1)[-1])

    def received(self) -> int:
        return self.ws_bytes + self.http_bytes

    def drawn(self) -> bool:
        for frame in self.page.frames:
            try:
                if frame.evaluate(DRAWN_JS):
                    return True
            except Exception:  # noqa: BLE001 - frames come and go while Streamlit renders
                continue
        return False

    def mark(self) -> None:
        for frame in self.page.frames:
            try:
                frame.evaluate(MARK_JS)
            except Exception:  # noqa: BLE001
                continue

    def wait(self, done: Callable[[], bool], timeout_s: float, what: str) -> None:
        deadline = time.perf_counter() + timeout_s
        while not done():
            if time.perf_counter() > deadline:
                self.page.screenshot(path=str(settings.PROJECT_ROOT / "test-artifacts" / "bench-timeout.png"))
                raise TimeoutError(f"{what}: nothing after {timeout_s:.0f} s (screenshot in test-artifacts/)")
            self.page.wait_for_timeout(20)

    def load(self, query: str, timeout_s: float) -> float:
        start = time.perf_counter()
        self.page.goto(f"{self.url}/{query}")
        self.wait(self.drawn, timeout_s, "first map")
        return time.perf_counter() - start

    def rerun(self, act: Callable[[], None], done: Callable[[], bool], timeout_s: float,
              what: str) -> tuple[float, int]:
        """Seconds and bytes from an action until its script run finished and ``done`` holds."""
        self.mark()
        runs, received = self.finished, self.received()
        start = time.perf_counter()
        act()
        self.wait(lambda: self.finished > runs and done(), timeout_s, what)
        return time.perf_counter() - start, self.received() - received

    def choose(self, box: str, option: str | int) -> None:
        self.page.get_by_role("combobox", name=box).click()
        options = self.page.get_by_role("option")
        (options.nth(option) if isinstance(option, int) else options.filter(has_text=option).first).click()

    def add_district(self, name: str) -> None:
        box = self.page.get_by_role("combobox", name="Districts")
        box.click()
        box.fill(name)
        self.page.get_by_role("option").filter(has_text=name).first.click()

    def click_map_centre(self, offset: float = 0) -> None:
        """Click the middle of the map (``offset`` pixels right and down of it)."""
        for frame in self.page.frames:
            element = frame.query_selector("[data-area-count]")
            if element is not None:
                box = element.bounding_box()
                self.page.mouse.click(box["x"] + box["width"] / 2 + offset, box["y"] + box["height"] / 2 + offset)
                return
        raise RuntimeError("no map on the page to click")

    def close(self) -> None:
        self.page.close()


def measure_server(browser: object, kind: str, scale: Scale | None, warm: int, timeout_s: float) -> Figures:
    """Every figure of one column: a new server for the cold start, then the steps in that server."""
    figures = Figures()
    values = figures.values
    query = f"?area={scale.area}" if scale else ""
    script = APP if kind == "app" else FLOOR
    with streamlit_server(script, settings.cache_dir()) as server:
        values["server_listening"] = server.listening
        first = Page(browser, server.url)
        first.load(query, timeout_s)
        values["cold"] = time.perf_counter() - server.started
        values["cold_cpu"] = server_cpu_s(server.pid)
        values["rss1"] = server_rss_mb(server.pid)
        seconds, size = first.rerun(lambda: first.choose("Measure", 1), first.drawn, timeout_s, "measure switch")
        values["measure"], values["measure_bytes"] = seconds, size / 1e3
        # Before the district switch: the centre of the first map is inside one of its areas.
        text = CLICK_TEXT[kind]
        values["click"] = first.rerun(first.click_map_centre, lambda: first.page.get_by_text(text).count() > 0,
                                      timeout_s, "click on an area")[0]
        values["click_again"] = first.rerun(lambda: first.click_map_centre(offset=25), lambda: True, timeout_s,
                                            "click on another area")[0]
        if kind == "floor":
            values["district"] = first.rerun(lambda: first.add_district("B"), first.drawn, timeout_s,
                                             "district switch")[0]
        elif scale is not None and scale.switch is not None:
            how, target = scale.switch
            act = (lambda: first.add_district(target)) if how == "add" else (lambda: first.choose("Area", target))
            values["district"] = first.rerun(act, first.drawn, timeout_s, "district switch")[0]
        else:
            values["district"] = None
        outside = list(first.outside)
        first.close()
        warm_times, warm_bytes = [], []
        for _ in range(warm):
            page = Page(browser, server.url)
            warm_times.append(page.load(query, timeout_s))
            warm_bytes.append(page.received())
            outside += page.outside
            page.close()
        values["warm"] = statistics.median(warm_times)
        values["warm_bytes"] = statistics.median(warm_bytes) / 1e6
        values["rss10"] = ten_sessions(browser, server, query, timeout_s, outside)
        if outside:
            figures.notes.append(f"{len(outside)} requests tried to leave the machine (aborted): {outside[:3]}")
    return figures


def ten_sessions(browser: object, server: Server, query: str, timeout_s: float, outside: list[str]) -> float:
    """Server memory with 10 sessions open at once, each with its map drawn."""
    pages = []
    try:
        for _ in range(10):
            page = Page(browser, server.url)
            pages.append(page)
            page.load(query, timeout_s)
        time.sleep(1)
        return server_rss_mb(server.pid)
    finally:
        for page in pages:
            outside += page.outside
            page.close()


def scales(quick: bool) -> list[Scale]:
    """The scales the build in use holds (Tunbridge Wells only with ``--quick``)."""
    wanted = [
        Scale("Tunbridge Wells", "E07000116", ("add", "Sevenoaks"), ("E07000116", "E07000111")),
        Scale("Kent and Medway", "kent", ("add", "Hastings"), ("E07000116", "E07000062")),
        Scale("South East region", "E12000008", ("area", "London"), ()),
        Scale("England", "england", None, ()),
    ]
    if quick:
        return wanted[:1]
    held = set(built_districts(build_in_use()))
    return [s for s in wanted if set(s.districts) <= held and (s.area not in ("E12000008", "england")
                                                                or len(held) >= 296)]


def cell(value: float | None, floor: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    ratio = f" ({value / floor:.1f}x)" if floor else ""
    return f"{value:.{digits}f}{ratio}"


def chromium_version() -> str:
    out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30).stdout
    return next((word for word in out.split() if word[:1].isdigit()), "unknown")


def machine() -> str:
    memory = psutil.virtual_memory().total / 2**30
    distro = platform.freedesktop_os_release().get("NAME", platform.system()).split()[0]
    return f"{psutil.cpu_count()} cores, {memory:.0f} GiB, {distro}, headless Chromium {chromium_version()}"


@contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Tunbridge Wells and the floor only")
    parser.add_argument("--warm", type=int, default=3, help="warm first loads per scale (median)")
    parser.add_argument("--scale", action="append", default=[], help="only this scale (repeatable), e.g. England")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium package.")
    chosen = [s for s in scales(args.quick) if not args.scale or s.name in args.scale]
    started = time.perf_counter()
    columns: dict[str, Figures] = {}
    with chromium() as browser:
        columns["floor"] = measure_server(browser, "floor", None, args.warm, 60)
        for scale in chosen:
            timeout_s = 300 if scale.area == "england" else 120
            print(f"measuring {scale.name}...", file=sys.stderr, flush=True)
            columns[scale.name] = measure_server(browser, "app", scale, args.warm, timeout_s)
    floor = columns["floor"].values
    print(f"Browser benchmark, {time.strftime('%Y-%m-%d')}, {machine()}; build '{build_in_use()}'; "
          f"{time.perf_counter() - started:.0f} s in all. Ratio to the floor in brackets.\n")
    names = [s.name for s in chosen]
    print("| step | floor | " + " | ".join(names) + " |")
    print("|---|---:|" + "---:|" * len(names))
    for key, label in ROWS:
        digits = 0 if key.startswith("rss") or key == "measure_bytes" else 2
        row = [cell(floor.get(key), None, digits)] + [cell(columns[n].values.get(key), floor.get(key), digits)
                                                        for n in names]
        print(f"| {label} | " + " | ".join(row) + " |")
    for name, figures in columns.items():
        for note in figures.notes:
            print(f"\n{name}: {note}")


if __name__ == "__main__":
    main()

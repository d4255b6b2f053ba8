"""Every map page beside the floor, in one run: first visit, a switch, a click, and memory with 10 sessions.

For each page (Map explorer, Indicators, Targeting, Plan, Plan editor) a new app server is started on 127.0.0.1
and measured the same way as the floor page (``benchmarks/floor_app.py``, one folium polygon through
``st_folium``), so every figure is also a ratio to the floor's. Each page is measured as it draws now: its map may
be the app's map component (recoloured in place) or a streamlit-folium iframe; the harness looks for either, and
for the control to switch among a few each page may have, and says when it found none (a dash in the table).

- **first visit**: a new session opening the page in a server that has not shown it yet (started by a visit to the
  Data sources page, then left until its process is quiet: its own start, including any work it starts in the
  background, is not the page's), until its script run has finished and its map (if it has one) is drawn; a
  page without a map is timed to the end of its run;
- **switch**: the page's main control changed (measure, indicator, need score, count, ...), until the run has
  finished and the map is redrawn or recoloured; with the bytes received; **later switches**: the median of the
  next three in the same session (the first also pays the first opening of the control); **switch geometry**: the
  bytes of any geometry file fetched and of any websocket message carrying coordinates over all four (issue 25: 0);
- **click**: a click on a point inside a drawn area of the map, until the rerun it causes has finished;
- **memory**: the server's memory (RSS of the process and its children) with 10 sessions of the page open.

    .venv/bin/python -m benchmarks.page_benchmark            # every page (about 5 to 10 minutes)
    .venv/bin/python -m benchmarks.page_benchmark --page Plan
    .venv/bin/python -m benchmarks.page_benchmark --quick      # no memory figure
    .venv/bin/python -m benchmarks.page_benchmark --quick --repeat 3  # medians of 3 runs, pages and floor in turn
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from benchmarks.browser_benchmark import APP, CHROMIUM, FLOOR, Page, chromium, machine
from benchmarks.servers import server_rss_mb, streamlit_server
from hiap_geo.core import settings
from hiap_geo.views.explorer import build_in_use

SWITCHES = {
    "floor": [("combobox", "Measure")],
    "Map explorer": [("combobox", "Measure")],
    "Indicators": [("combobox", "Indicator"), ("radio", "Compare with")],
    "Targeting": [("combobox", "Deprivation measures"), ("radio", "Rank")],
    "Plan": [("radio", "Count as deprived"), ("combobox", "Action")],
    "Plan editor": [("radio", "Areas of"), ("radio", "Geography (IoD edition)"), ("combobox", "Plan")],
}
"""Per page, the controls to switch, the first found is used: each page's own main choice on the same areas (the
pages change; when none is found, the first radio group or list in the page's main area). Targeting adds a
deprivation measure to its need score (its Rank changes the areas themselves, so it must fetch their geometry)."""
PATHS = {"floor": "", "Map explorer": "", "Indicators": "indicators", "Targeting": "targeting", "Plan": "plan",
         "Plan editor": "plan-editor"}
NO_MAP_AT_FIRST = {"Plan editor"}
"""Pages whose first visit draws no map (the Plan editor: until a plan is chosen): timed to the end of their run.
Every other page is timed until its map is drawn, however long after its run that is (on a busy machine a map
can be mounted more than a second after the run: a fixed quiet wait took such a map for none)."""
LATER_SWITCHES = 3
"""After the first switch, this many more in the same session: their median is the **later switch**. A session's
first switch also pays the browser's first opening of the control and the page's first rerun (the floor's as
well), and one sample of it varies by a third from run to run on this machine."""
IDLE_WAIT_S = 30.0
"""At most this long for a new server to go quiet after the visit that starts it, before the page is measured."""
CLICKABLE_AREA_JS = """() => {
  const map = document.querySelector("[data-area-count]").getBoundingClientRect();
  const bottom = Math.min(map.bottom, innerHeight) - 20;
  for (let y = map.top + 20; y < bottom; y += 15) {
    for (let x = map.left + 60; x < map.right - 280; x += 15) {
      const hit = document.elementFromPoint(x, y);
      if (hit && hit.matches("[data-area-count] path.leaflet-interactive")) return {x: x - map.left, y: y - map.top};
    }
  }
  return null;
}"""
"""A point on a drawn area, relative to the map (clear of the legend and the zoom buttons), as
tests/test_map_speed_browser.py's CLICKABLE_AREA: the map's middle may fall outside every area (a sea, a gap)."""


@dataclass
class Row:
    values: dict[str, float | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def settle(page: Page, timeout_s: float, start: float, map_expected: bool = True) -> float:
    """Seconds from ``start`` until the first run finished and the map, if the page draws one, is drawn."""
    page.wait(lambda: page.finished >= 1, timeout_s, "first run")
    finished = time.perf_counter()
    if not map_expected:
        return finished - start
    page.wait(page.drawn, timeout_s, "map drawn")
    return time.perf_counter() - start


def wait_until_idle(pid: int, timeout_s: float = IDLE_WAIT_S) -> None:
    """Until the server's process has used under a tenth of a core over half a second (its start finished, and
    any work it starts in the background after its first page: app/warm_up.py), at most ``timeout_s``."""
    process, deadline = psutil.Process(pid), time.perf_counter() + timeout_s

    def cpu_s() -> float:
        return sum(sum(p.cpu_times()[:2]) for p in [process, *process.children(recursive=True)])

    while time.perf_counter() < deadline:
        before = cpu_s()
        time.sleep(0.5)
        if cpu_s() - before < 0.05:
            return


def visit(browser: object, url: str, name: str, timeout_s: float) -> tuple[Page, float]:
    page = Page(browser, url)
    start = time.perf_counter()
    page.page.goto(f"{url}/{PATHS[name]}")
    return page, settle(page, timeout_s, start, name not in NO_MAP_AT_FIRST)


def find_switch(page: Page, name: str, named_only: bool = False) -> tuple[str, object] | None:
    """The first of the page's switch controls on screen: ('combobox' or 'radio', its locator); unless
    ``named_only``, else the first radio group or list in the page's main area."""
    for kind, label in SWITCHES[name]:
        if kind == "combobox":
            box = page.page.get_by_role("combobox", name=label)
            if box.count():
                return f"{label} (list)", box.first
        else:
            group = page.page.get_by_role("radiogroup", name=label)
            if group.count():
                return f"{label} (radio)", group.first
    if named_only:
        return None
    main = page.page.locator("[data-testid='stMain']")  # else the first list or radio group the page shows
    for role, kind in (("radiogroup", "radio"), ("combobox", "list")):
        found = main.get_by_role(role)
        if found.count() and found.first.is_visible():
            label = found.first.get_attribute("aria-label") or "first on the page"
            return f"{label} ({kind})", found.first
    return None


def next_choice(texts: list[str], shown: str) -> int:
    """Which option of a list to pick: the one after the choice shown, as a person stepping down the list; else
    (a multiselect, whose list leaves out what is chosen) the first that is not the one shown. Chosen from the
    texts already read, so the harness spends no more round trips on a long list than on a short one."""
    if shown in texts and texts.index(shown) + 1 < len(texts):
        return texts.index(shown) + 1
    if not shown:
        return min(1, len(texts) - 1)
    return next((i for i, text in enumerate(texts) if shown not in text), 0)


def switch(page: Page, control: object, kind: str, timeout_s: float) -> tuple[float, int, bool]:
    """Seconds and bytes for a change of the control; and whether the map was redrawn or recoloured (the geometry
    received meanwhile is ``page.geometry_bytes`` moved on)."""
    mapped = page.drawn()
    page.mark()

    def act() -> None:
        if kind.endswith("(list)"):
            current = control.evaluate("e => e.value || e.closest('[data-baseweb=select]')?.innerText || ''")
            control.click()
            options = page.page.get_by_role("option")
            options.first.wait_for(timeout=10_000)
            texts = [t.strip() for t in options.all_inner_texts()]
            picked = next_choice(texts, current.strip())
            page.switched_to = texts[picked]
            options.nth(picked).click()
        else:
            control.get_by_role("radio", checked=False).first.click(force=True)

    runs, received, start = page.finished, page.received(), time.perf_counter()
    act()
    page.wait(lambda: page.finished > runs, timeout_s, "switch")
    finished = time.perf_counter()
    if not mapped:
        return finished - start, page.received() - received, False
    deadline = time.perf_counter() + 15
    while time.perf_counter() < deadline:
        if page.drawn():
            return time.perf_counter() - start, page.received() - received, True
        page.page.wait_for_timeout(20)
    return finished - start, page.received() - received, False


def click_area(page: Page) -> bool:
    """Click a point inside a drawn area of the page's map; False when no area is in view."""
    for frame in page.page.frames:
        try:
            if frame.query_selector("[data-area-count]") is None:
                continue
            point = frame.evaluate(CLICKABLE_AREA_JS)
        except Exception:  # noqa: BLE001 - frames come and go while Streamlit renders
            continue
        if point:
            frame.locator("[data-area-count]").first.click(position=point, force=True)
            return True
    return False


def click(page: Page, timeout_s: float) -> float | None:
    """Seconds from a click on an area of the map until the rerun it causes has finished (None: no rerun)."""
    if not page.drawn():
        return None
    runs, start = page.finished, time.perf_counter()
    if not click_area(page):
        return None
    try:
        page.wait(lambda: page.finished > runs, min(timeout_s, 20), "click")
    except TimeoutError:
        return None
    return time.perf_counter() - start


def measure_page(browser: object, name: str, timeout_s: float, quick: bool = False) -> Row:
    row = Row()
    script = FLOOR if name == "floor" else APP
    with streamlit_server(script, settings.cache_dir()) as server:
        warm_up = Page(browser, server.url)  # the server's own start (imports, layers) is not the page's visit
        warm_up.page.goto(server.url if name == "floor" else f"{server.url}/data")
        warm_up.wait(lambda: warm_up.finished >= 1, timeout_s, "server warm-up")
        warm_up.close()
        wait_until_idle(server.pid)
        page, row.values["first"] = visit(browser, server.url, name, timeout_s)
        row.values["first_mb"] = page.received() / 1e6
        found, deadline = find_switch(page, name, named_only=True), time.perf_counter() + 10
        while found is None and time.perf_counter() < deadline:  # a page timed to its run's end may not be drawn yet
            page.page.wait_for_timeout(100)
            found = find_switch(page, name, named_only=True)
        found = found or find_switch(page, name)  # none of the page's own: the first on screen
        if found is None:
            row.notes.append("no switch control found")
        else:
            kind, control = found
            geometry, files = page.geometry_bytes, len(page.geometry_files)
            seconds, size, redrawn = switch(page, control, kind, timeout_s)
            page.page.wait_for_timeout(500)  # a geometry file the switch asked for has arrived
            row.values["switch"], row.values["switch_kb"] = seconds, size / 1e3
            chosen = f" to '{page.switched_to}'" if getattr(page, "switched_to", None) else ""
            later = []
            for _ in range(LATER_SWITCHES):  # the same control (a locator finds it again in each new render)
                later.append(switch(page, control, kind, timeout_s)[0])
                page.page.wait_for_timeout(500)
            row.values["later_switch"] = statistics.median(later)
            row.values["switch_geometry_kb"] = (page.geometry_bytes - geometry) / 1e3
            row.notes.append(f"switch: {kind}{chosen}" + ("" if redrawn else ", map not redrawn"))
            if page.geometry_files[files:]:
                row.notes.append(f"the switch fetched geometry: {', '.join(page.geometry_files[files:])}")
        fetched = page.geometry_files
        if len(set(fetched)) < len(fetched):
            twice = sorted(f for f in set(fetched) if fetched.count(f) > 1)
            row.notes.append(f"a geometry file was fetched twice: {', '.join(twice)}")
        row.values["click"] = click(page, timeout_s)
        if row.values["click"] is None:
            row.notes.append("click: no rerun (no map, or a click does nothing here)")
        outside = list(page.outside)
        page.close()
        pages = []
        if quick:  # no memory figure: the 10 sessions take most of a page's time
            if outside:
                row.notes.append(f"{len(outside)} requests tried to leave the machine (aborted)")
            return row
        try:
            for _ in range(10):
                session, _ = visit(browser, server.url, name, timeout_s)
                pages.append(session)
            time.sleep(1)
            row.values["rss10"] = server_rss_mb(server.pid)
        finally:
            for session in pages:
                outside += session.outside
                session.close()
        if outside:
            row.notes.append(f"{len(outside)} requests tried to leave the machine (aborted)")
    return row


COLUMNS = [("first", "first visit (s)", 2), ("first_mb", "first visit (MB)", 2), ("switch", "switch (s)", 2),
           ("switch_kb", "switch (kB)", 0), ("later_switch", "later switches (s)", 2),
           ("switch_geometry_kb", "switch geometry (kB)", 1),
           ("click", "click (s)", 2), ("rss10", "memory, 10 sessions (MB)", 0)]


def median_row(rows: list[Row]) -> Row:
    """Each figure's median over the runs that measured it; the notes of every run, once each."""
    keys = dict.fromkeys(key for row in rows for key in row.values)
    values = {key: statistics.median(found) if (found := [r.values[key] for r in rows
                                                          if r.values.get(key) is not None]) else None
              for key in keys}
    return Row(values, list(dict.fromkeys(note for row in rows for note in row.notes)))


def cell(value: float | None, floor: float | None, digits: int) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}" + (f" ({value / floor:.1f}x)" if floor else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", action="append", default=[], help="only this page (repeatable), e.g. Plan")
    parser.add_argument("--quick", action="store_true", help="no memory with 10 sessions (a few minutes less)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="measure each page this many times, each in a new server, the floor and the pages in "
                             "turn; the table gives each figure's median (a shared machine's noise)")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium package.")
    names = ["floor", *[n for n in PATHS if n != "floor" and (not args.page or n in args.page)]]
    started = time.perf_counter()
    runs: dict[str, list[Row]] = {name: [] for name in names}
    with chromium() as browser:
        for turn in range(args.repeat):  # in turn, so a busy minute falls on the floor and the pages alike
            for name in names:
                print(f"measuring {name} ({turn + 1} of {args.repeat})...", file=sys.stderr, flush=True)
                try:
                    runs[name].append(measure_page(browser, name, 180, args.quick))
                except TimeoutError as exc:  # one page stuck says so; the others are still measured
                    runs[name].append(Row(notes=[f"not measured: {exc}"]))
    rows = {name: median_row(measured) for name, measured in runs.items()}
    floor = rows["floor"].values
    load = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"Page benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {machine()}; build "
          f"'{build_in_use()}', the app's default district; {time.perf_counter() - started:.0f} s in all; load "
          f"average at the end {load} (1/5/15 min); median of {args.repeat} run(s). Ratio to the floor in brackets.\n")
    print("| page | " + " | ".join(label for _, label, _ in COLUMNS) + " |")
    print("|---|" + "---:|" * len(COLUMNS))
    for name, row in rows.items():
        cells = [cell(row.values.get(key), None if name == "floor" else floor.get(key), digits)
                 for key, _, digits in COLUMNS]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()
    for name, row in rows.items():
        if row.notes:
            print(f"- {name}: {'; '.join(row.notes)}")


if __name__ == "__main__":
    main()

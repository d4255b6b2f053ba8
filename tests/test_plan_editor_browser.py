"""The Plan editor in headless Chromium with no internet, at 1366x768 and 1920x1080 (issues 23 and 25): a plan
written from scratch (two priorities, three actions: one placed by a click on the map and Enter on a focused area,
one by a decile rule, one district-wide), saved, refreshed, closed and opened again from the list (by its title),
and exported as YAML that ``plan check`` accepts and as Word and PDF twice after the save and the refresh. Each step
checks that the control it needs is in the viewport (scrolled to, never hidden); when the user clicks the map, the
action picker, the map and the targets it lists are in view together with no scrolling (the form beside the map).
At 1920x1080 the journey stops once an area is picked (the rest is proved at 1366x768). No page text or export
holds machine text ("nan", "None", an id, a database address). The map is the recolouring component: a second
change sends no geometry and keeps the user's zoom. A second test carries the Tunbridge Wells 2023-25 plan into
2026-28 on IoD 2025 and reads what changed before saving.

The app runs on its own progress database (a temporary SQLite file), so the test saves nothing anywhere else.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document

from hiap_geo.core import settings
from hiap_geo.geo.layers import load_layer
from hiap_geo.views.explorer import areas_of
from tests.browser_support import ARTIFACTS, MAP_SELECTOR, app_server, block_internet, map_frame

TW = "E07000116"
PLAN_ID = "tw-editor-test"
TITLE = "Health Inequalities Action Plan 2026-28"
SHOTS = Path(os.environ.get("HIAP_EDITOR_SHOTS", str(ARTIFACTS / "editor")))
MACHINE_TEXT = re.compile(r"\bnan\b|\bNone\b|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-|sqlite:|postgres(ql)?:|"
                          + re.escape(PLAN_ID))
"""What a person must never read: a missing value as 'nan' or 'None', a uuid, a database address, the plan's id."""

# A point on the screen inside the area whose aria-label starts with the code (the component names each area).
POINT_IN = """(code) => {
  const el = [...document.querySelectorAll("[data-area-count] path.leaflet-interactive")]
    .find((p) => (p.getAttribute("aria-label") || "").startsWith(code + " "));
  if (!el) return null;
  const r = el.getBoundingClientRect(), hits = new Set(), step = 2;
  for (let y = Math.ceil(r.top); y < r.bottom; y += step)
    for (let x = Math.ceil(r.left); x < r.right; x += step)
      if (document.elementFromPoint(x, y) === el) hits.add(x + "," + y);
  let best = null, depth = -1;  // the hit farthest inside (every way), so a simplified outline cannot miss it
  for (const key of hits) {
    const [x, y] = key.split(",").map(Number);
    let k = 0;
    const around = (d) => [[d, 0], [-d, 0], [0, d], [0, -d]].every(([dx, dy]) => hits.has((x + dx) + "," + (y + dy)));
    while (around(k + step)) k += step;
    if (k > depth) { depth = k; best = [x, y]; }
  }
  return best;
}"""
BOX_OF = """(code) => {
  const el = [...document.querySelectorAll("[data-area-count] path.leaflet-interactive")]
    .find((p) => (p.getAttribute("aria-label") || "").startsWith(code + " "));
  if (!el) return null;
  const r = el.getBoundingClientRect();
  return [r.left + r.width / 2, r.top + r.height / 2];
}"""
FOCUS_AREA = """(code) => {
  const el = [...document.querySelectorAll("[data-area-count] path.leaflet-interactive")]
    .find((p) => (p.getAttribute("aria-label") || "").startsWith(code + " "));
  el.focus({preventScroll: true});
  return document.activeElement === el;
}"""


@pytest.fixture(scope="module")
def editor_url(kent_layers: str, session_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("editor") / "progress.sqlite"
    with app_server(session_cache, env={"HIAP_PROGRESS_DB": f"sqlite:///{db}"}) as url:
        yield url


@pytest.fixture(scope="module")
def most_deprived(kent_layers: str, session_cache: Path) -> list[str]:
    """Tunbridge Wells' LSOAs in IMD 2025 deciles 1-2 (the coverage gap at the default threshold)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HIAP_CACHE_DIR", str(session_cache))
        layer = areas_of(load_layer(kent_layers, "lsoa", 2025, display=True), "lsoa", 2025, (TW,))
    deprived = sorted(layer.loc[layer["imd_decile"] <= 2, "lsoa_code"])
    assert len(deprived) == 2, deprived  # the test's premise: two LSOAs, a gap of two
    return deprived


class Frames:
    """The websocket messages the page receives, with their time."""

    def __init__(self, page: object) -> None:
        self.frames: list[tuple[float, bytes]] = []
        self.files: list[tuple[float, str]] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))
        page.on("request", lambda r: self.files.append((time.perf_counter(), r.url)) if "/static/maps/" in r.url
                else None)

    def _frame(self, payload: object) -> None:
        self.frames.append((time.perf_counter(), payload if isinstance(payload, bytes) else str(payload).encode()))

    def since(self, t0: float) -> list[bytes]:
        return [data for t, data in self.frames if t >= t0]

    def files_since(self, t0: float) -> list[str]:
        """Map files (geometry, names, outlines) the page asked for since ``t0``."""
        return [url for t, url in self.files if t >= t0]


def wait_text(page: object, text: str, timeout_s: float = 60) -> None:
    page.get_by_text(text, exact=False).first.wait_for(timeout=timeout_s * 1000)


def settle(page: object, timeout_s: float = 60) -> None:
    """Wait until Streamlit has finished the rerun a click started (its status widget gone)."""
    page.wait_for_timeout(400)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=timeout_s * 1000)


def one(page: object, selector: str, timeout_s: float = 40) -> object:
    """The one element a selector finds once Streamlit has removed the stale copies of a rerun."""
    deadline = time.time() + timeout_s
    locator = page.locator(selector)
    while locator.count() != 1:
        assert time.time() < deadline, f"{selector}: {locator.count()} elements"
        page.wait_for_timeout(250)
    return locator


def steady_box(page: object, target: object, timeout_s: float = 10) -> dict[str, float] | None:
    """The element's box once it has stayed put for a quarter of a second: a rerun's map can take the room it
    needs a moment after the rest of the page (twice on a loaded CI machine a line was measured 668 px too high
    just after its scroll, then stood where it should)."""
    deadline, box = time.time() + timeout_s, target.bounding_box()
    while time.time() < deadline:
        page.wait_for_timeout(250)
        now = target.bounding_box()
        if now == box:
            return box
        box = now
    return box


def in_view(page: object, locator: object, scroll: bool = True) -> object:
    """The control, scrolled to (when ``scroll``) and then wholly inside the window: never under the fold, behind
    another panel or cut by the edge."""
    target = locator.first
    target.wait_for(timeout=60_000)
    if scroll:  # where the page has settled: a scroll during a rerun's reflow can land anywhere
        steady_box(page, target)
        target.scroll_into_view_if_needed()
    box = steady_box(page, target)
    size = page.viewport_size
    assert box is not None, locator
    assert box["x"] >= 0 and box["y"] >= 0, (locator, box)
    assert box["x"] + box["width"] <= size["width"] + 1 and box["y"] + box["height"] <= size["height"] + 1, \
        (locator, box, size)
    return target


def clean_text(text: str, where: str) -> None:
    found = MACHINE_TEXT.search(text)
    assert found is None, f"{where}: {found.group(0)!r} in ...{text[max(0, found.start() - 80):found.end() + 80]}..."


def page_text(page: object) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def shot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name))


def map_state(page: object) -> dict[str, str]:
    return map_frame(page).eval_on_selector(MAP_SELECTOR, "e => ({view: e.dataset.view, selected: e.dataset.selected,"
                                                          " drawn: e.dataset.drawn})")


def zoom_to(page: object, code: str, steps: int = 3) -> None:
    """Zoom in on an area with the mouse wheel, as a user does (Leaflet zooms about the pointer)."""
    for _ in range(steps):
        deadline = time.time() + 60
        while (box := page.evaluate(BOX_OF, code)) is None:  # a rerun may be drawing the map again
            assert time.time() < deadline, f"{code} is not on the map"
            page.wait_for_timeout(250)
        page.mouse.move(box[0], box[1])
        page.mouse.wheel(0, -120)
        page.wait_for_timeout(700)


def same_view(a: str, b: str) -> bool:
    """The same zoom and centre to within a screen pixel (a line of text above the map may rewrap on a rerun)."""
    before, after = json.loads(a), json.loads(b)
    degrees_per_pixel = 360 / (256 * 2 ** before["zoom"])
    return (before["zoom"] == after["zoom"] and abs(before["lng"] - after["lng"]) <= degrees_per_pixel
            and abs(before["lat"] - after["lat"]) <= degrees_per_pixel)


def wait_selected(page: object, codes: set[str], timeout_s: float = 60) -> None:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if set(filter(None, (map_state(page)["selected"] or "").split(","))) == codes:
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"the map outlines {map_state(page)['selected']}, not {codes}")


def to_top(page: object, locator: object) -> None:
    """Scroll as a user does to a section: its heading at the top of the window, under Streamlit's header."""
    locator.first.wait_for(timeout=60_000)
    header = page.locator("[data-testid='stHeader']").bounding_box()
    locator.first.evaluate("(e, h) => { e.style.scrollMarginTop = h + 'px'; e.scrollIntoView({block: 'start'}); }",
                           round(header["height"]) if header else 0)
    page.wait_for_timeout(300)


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["1366x768", "1920x1080"])
def test_write_save_refresh_open_and_export_a_plan(editor_url: str, browser: object, tmp_path: Path,
                                                   most_deprived: list[str], session_cache: Path,
                                                   size: tuple[int, int]) -> None:
    started = time.time()
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    page = context.new_page()
    outside = block_internet(page)
    frames = Frames(page)
    try:
        if width == 1920:  # the rest of the journey is proved at 1366x768: here the action, its map and its pick
            new_plan(page, editor_url, f"{PLAN_ID}-{width}", width)
            pick_on_the_map(page, most_deprived[0], width)
        else:
            write_plan(page, editor_url, most_deprived, frames)
            save_refresh_and_open(page)
            check_exports(page, tmp_path, most_deprived, session_cache)
    except Exception:
        shot(page, f"plan-editor-failure-{width}.png")  # what the page showed when a step failed
        raise
    finally:
        context.close()
    assert outside == []
    print(f"plan editor browser test: {time.time() - started:.0f} s")


def new_plan(page: object, editor_url: str, plan_id: str, width: int) -> None:
    """A new plan for Tunbridge Wells on the IoD 2025 geography (the defaults), opened."""
    page.goto(f"{editor_url}/plan-editor")
    in_view(page, page.get_by_text("New plan", exact=True)).click()
    in_view(page, page.get_by_role("textbox", name="Plan id")).fill(plan_id)
    page.get_by_role("textbox", name="Title", exact=True).fill(TITLE)
    page.get_by_role("textbox", name="Period", exact=True).fill("2026-28")
    in_view(page, page.get_by_role("button", name="Start the plan")).click()
    map_frame(page)
    wait_text(page, "Draft saved")
    wait_text(page, "2 named by none")  # the placeholder action names no place
    settle(page)
    in_view(page, page.get_by_role("button", name="Save version"))  # at the top as the plan opens
    shot(page, f"plan-editor-opened-{width}.png")


def pick_on_the_map(page: object, code: str, width: int) -> None:
    """Scrolled to the actions, the user picks an area on the map: the action picker, the map and the target it
    adds (by name and ward) are in view together, with no scrolling in between (the form beside the map)."""
    to_top(page, page.get_by_role("heading", name=re.compile(r"Actions \(\d+\)")))
    in_view(page, page.get_by_role("combobox", name="Action to edit"), scroll=False)
    in_view(page, page.locator(MAP_SELECTOR), scroll=False)
    page.wait_for_selector("[data-drawn]", state="attached", timeout=60_000)
    zoom_to(page, code)  # the user zooms in on the town, where the most deprived LSOAs are small
    view = map_state(page)["view"]
    deadline = time.time() + 30
    while (point := page.evaluate(POINT_IN, code)) is None:  # the zoom's redraw (or a rerun's) may not be done
        assert time.time() < deadline, f"{code} is not on the map"
        page.wait_for_timeout(250)
        view = map_state(page)["view"]
    size = page.viewport_size
    assert 0 <= point[0] <= size["width"] and 0 <= point[1] <= size["height"], (point, size)
    page.mouse.click(*point)
    wait_selected(page, {code})
    settle(page)
    assert same_view(view, map_state(page)["view"])  # a pick keeps the user's zoom
    listed = in_view(page, page.locator("li", has_text=re.compile("1 LSOA picked:")), scroll=False).inner_text()
    assert " ward" in listed and code not in listed, listed  # by name and ward, beside the map
    in_view(page, page.get_by_role("combobox", name="Action to edit"), scroll=False)  # still in view, unscrolled
    in_view(page, page.locator(MAP_SELECTOR), scroll=False)
    shot(page, f"plan-editor-map-{width}.png")
    clean_text(page_text(page), f"the editor at {width} px")


def write_plan(page: object, editor_url: str, most_deprived: list[str], frames: Frames) -> None:
    new_plan(page, editor_url, PLAN_ID, 1366)

    # Two priorities: the first renamed, a second added
    one(page, "[class*='st-key-ep_title_1_'] input").fill("Smoking")
    in_view(page, page.get_by_role("button", name="Apply", exact=True)).click()
    settle(page)
    in_view(page, one(page, ".st-key-editor_new_priority_title input")).fill("Physical activity")
    in_view(page, page.get_by_role("button", name="Add priority")).click()
    wait_text(page, "Priorities (2)")
    settle(page)

    # Action 1.1: retitled, then placed by a click on one LSOA and Enter on another, focused with the keyboard
    in_view(page, one(page, "[class*='st-key-ea_title_'] textarea")).fill("Stop smoking clinics <b>near you</b>")
    in_view(page, page.get_by_role("button", name="Apply changes to the action")).click()
    settle(page)
    first, second = most_deprived
    pick_on_the_map(page, first, 1366)

    # the user zooms again, about the next area; its pick (by keyboard) keeps that view and sends no geometry
    zoom_to(page, second, steps=1)
    view = map_state(page)["view"]
    t0 = time.perf_counter()
    assert page.evaluate(FOCUS_AREA, second)
    page.keyboard.press("Enter")
    wait_selected(page, {first, second})
    settle(page)
    page.wait_for_timeout(500)
    assert same_view(view, map_state(page)["view"])  # the zoom and centre the user left
    sent = frames.since(t0)
    assert sent, "no rerun after the keyboard pick"
    print(f"keyboard pick: {len(sent)} websocket messages, {sum(len(d) for d in sent):,} bytes")
    assert not any(b'"geometry"' in data or b'"c":[' in data for data in sent), "geometry re-sent on a pick"
    assert not [url for url in frames.files_since(t0) if "/geometry-" in url]  # nor fetched
    wait_text(page, "0 named by none")  # both gaps closed
    in_view(page, page.locator("li", has_text=re.compile("2 LSOAs picked:")), scroll=False)
    in_view(page, page.locator(MAP_SELECTOR), scroll=False)
    shot(page, "plan-editor-map-keyboard-1366.png")

    # Action 1.2 by a decile rule (national IMD deciles 1-2, the rule's default)
    in_view(page, one(page, ".st-key-editor_new_action_title input")).fill("Targeted outreach")
    in_view(page, page.get_by_role("button", name="Add", exact=True)).click()
    wait_text(page, "Actions (2)")
    settle(page)
    in_view(page, page.get_by_text("A decile rule", exact=True)).click()
    settle(page)
    in_view(page, page.get_by_role("button", name="Add the rule")).click()
    settle(page)  # the rule's rerun first: on a loaded CI machine it moved the page between the scroll and the check
    in_view(page, page.locator("li", has_text=re.compile("Rule:\u2060? LSOAs in national Index of Multiple Deprivation "
                                                         "2025 deciles 1-2")))
    settle(page)

    # Action 2.1, district-wide
    picker = in_view(page, page.get_by_role("combobox", name="New action in"))
    picker.click()
    picker.press_sequentially("2: Phys")
    picker.press("Enter")
    settle(page)
    one(page, ".st-key-editor_new_action_title input").fill("Wellbeing walks")
    in_view(page, page.get_by_role("button", name="Add", exact=True)).click()
    wait_text(page, "Actions (3)")
    settle(page)
    in_view(page, page.get_by_text("The whole district", exact=True)).click()
    settle(page)
    in_view(page, page.get_by_role("button", name="Target the whole of Tunbridge Wells")).click()
    wait_text(page, "The whole of Tunbridge Wells")
    settle(page)
    clean_text(page_text(page), "the editor")


def save_refresh_and_open(page: object) -> None:
    # A refresh loses nothing: the page reopens the draft kept on every change
    page.reload()
    wait_text(page, "Opened from your draft")
    wait_text(page, "Actions (3)")
    settle(page)

    # Save as a version: the message under the button, in view without scrolling
    in_view(page, page.get_by_role("button", name="Save version")).click()
    in_view(page, page.get_by_text("Saved a version of"), scroll=False)
    clean_text(page_text(page), "after the save")
    shot(page, "plan-editor-saved-1366.png")

    # Close, and open it again from the list: by its title and when it was last saved, never its id
    in_view(page, page.get_by_role("button", name="Close")).click()
    chooser = in_view(page, page.get_by_role("combobox", name="Plan"))
    chooser.click()
    option = page.get_by_role("option", name=re.compile(re.escape(f"Tunbridge Wells: {TITLE} (IoD 2025), last saved")))
    in_view(page, option).click()
    settle(page)
    clean_text(page.locator("[data-testid='stMain']").inner_text(), "the start page")
    in_view(page, page.locator(".st-key-editor_open button")).click()
    wait_text(page, "Actions (3)")
    assert page.get_by_role("heading", name=TITLE).count()
    settle(page)


def check_exports(page: object, tmp_path: Path, most_deprived: list[str], session_cache: Path) -> None:
    """Export: YAML that `plan check` accepts; Word and PDF after a refresh, twice, each a valid file."""
    with page.expect_download() as got:
        in_view(page, page.get_by_role("button", name="Download YAML")).click()
    yaml_file = tmp_path / "plan.yaml"
    got.value.save_as(yaml_file)
    text = yaml_file.read_text(encoding="utf-8")
    for words in ("Stop smoking clinics <b>near you</b>", "Targeted outreach", "Wellbeing walks", "lsoa_decile",
                  "specified: true", *most_deprived):
        assert words in text
    check = subprocess.run([sys.executable, "-m", "hiap_geo", "plan", "check", str(yaml_file)],
                           capture_output=True, text=True, cwd=settings.PROJECT_ROOT, timeout=120,
                           env={**os.environ, "HIAP_CACHE_DIR": str(session_cache)})
    assert check.returncode == 0, check.stdout + check.stderr

    # Issue 23: after a save and a refresh, Word and PDF are drawn on each click, twice, from the plan shown
    page.reload()
    wait_text(page, "Actions (3)")
    settle(page)
    for attempt in range(2):
        with page.expect_download(timeout=120_000) as got:
            in_view(page, page.get_by_role("button", name="Download Word"), scroll=False).click()
        word = Path(got.value.path()).read_bytes()
        (SHOTS / "plan-editor.docx").write_bytes(word)
        document = Document(io.BytesIO(word))
        rows = {}
        for table in document.tables:
            header = [c.text for c in table.rows[0].cells]
            rows.update({row.cells[0].text: dict(zip(header, [c.text for c in row.cells], strict=True))
                         for row in table.rows[1:]})
        assert {"1.1", "1.2", "2.1"} <= set(rows), attempt
        assert rows["1.1"]["Action"].startswith("Stop smoking clinics <b>near you</b>")
        assert "Neighbourhoods (LSOAs) named" in rows["1.1"]["Target areas"]
        assert "E01" not in rows["1.1"]["Target areas"] and " ward)" in rows["1.1"]["Target areas"]
        wide = rows["2.1"]["Target areas"]
        assert wide.startswith("The whole of") and "names no place" not in wide
        every = "\n".join([p.text for p in document.paragraphs]
                          + [c.text for t in document.tables for r in t.rows for c in r.cells])
        clean_text(every, f"the Word document ({attempt + 1})")
        assert "how Tunbridge Wells Council and its partners" in every  # the council, never "local user"
        with page.expect_download(timeout=120_000) as got:
            in_view(page, page.get_by_role("button", name="Download PDF"), scroll=False).click()
        pdf = Path(got.value.path()).read_bytes()
        assert pdf[:5] == b"%PDF-" and b"%%EOF" in pdf[-1024:]
        (SHOTS / "plan-editor.pdf").write_bytes(pdf)
        words = subprocess.run(["pdftotext", str(SHOTS / "plan-editor.pdf"), "-"], capture_output=True, text=True,
                               check=True, timeout=60).stdout
        assert "Stop smoking clinics" in words
        clean_text(words, f"the PDF ({attempt + 1})")


def test_carry_a_plan_into_2026_28_on_iod_2025(editor_url: str, browser: object) -> None:
    """The next period's draft of Tunbridge Wells 2023-25 on IoD 2025 areas: what moving it changed is listed before
    it is saved, its codes named."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    outside = block_internet(page)
    try:
        page.goto(f"{editor_url}/plan-editor")
        in_view(page, page.get_by_text("Next period's draft of a plan", exact=True)).click()
        source = in_view(page, page.get_by_role("combobox", name="Continue the plan"))
        source.click()
        in_view(page, page.get_by_role("option", name=re.compile("Tunbridge Wells: .*2023"))).click()
        page.get_by_role("textbox", name="New plan id").fill("tunbridge-wells-2026-28")
        page.get_by_role("textbox", name="New period").fill("2026-28")
        in_view(page, page.get_by_role("button", name="Start the draft")).click()
        changed = page.get_by_text(re.compile(r"What moving to IoD 2025 areas changed \(\d+\)"))
        in_view(page, changed, scroll=False)
        settle(page)
        listed = page.locator("[data-testid='stExpander']", has=changed.first).inner_text()
        assert "Areas moved from IoD 2019 (LSOA 2011) to IoD 2025 (LSOA 2021)" in listed, listed[:600]
        assert "re-derived from its description on IoD 2025" in listed, listed[:600]
        assert not re.search(r"E01\d{6}(?! \()", listed.replace("\u2060", "")), listed[:600]  # never bare
        shot(page, "plan-editor-next-period-1366.png")
        clean_text(page_text(page), "the next period's draft")
    except Exception:
        shot(page, "plan-editor-next-period-failure.png")
        raise
    finally:
        page.close()
    assert outside == []

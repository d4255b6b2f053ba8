"""The Plan editor in headless Chromium with no internet: a small plan written from scratch (two priorities, three
actions: one placed by clicking two LSOAs on the map, one by a decile rule, one district-wide), the coverage gap
seen to change, saved as a version, reloaded, and exported as YAML that ``plan check`` accepts and as Word that
reads back with the same actions.

The app runs on its own progress database (a temporary SQLite file), so the test saves nothing anywhere else.
"""

from __future__ import annotations

import io
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
from tests.browser_support import ARTIFACTS, app_server, block_internet, map_frame

TW = "E07000116"
PLAN_ID = "tw-editor-test"

# Where a click lands: the map is zoomed on the LSOA's pole of inaccessibility (the point inside it farthest from
# its edges), so the click is well inside the polygon at any screen size; the pixel comes from Leaflet itself.
CLICK_AT = """([lat, lng]) => {
  const map = Object.values(window).find(v => v instanceof L.Map);
  map.setView([lat, lng], 15, {animate: false});
  const p = map.latLngToContainerPoint([lat, lng]);
  const r = map.getContainer().getBoundingClientRect();
  return [r.left + p.x, r.top + p.y];
}"""


@pytest.fixture(scope="module")
def editor_url(kent_layers: str, session_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("editor") / "progress.sqlite"
    with app_server(session_cache, env={"HIAP_PROGRESS_DB": f"sqlite:///{db}"}) as url:
        yield url


@pytest.fixture(scope="module")
def most_deprived(kent_layers: str, session_cache: Path) -> list[tuple[str, tuple[float, float]]]:
    """Tunbridge Wells' LSOAs in IMD 2025 deciles 1-2 (the coverage gap at the default threshold), each with a
    point well inside it (lat, lng)."""
    from shapely.ops import polylabel

    with pytest.MonkeyPatch.context() as env:
        env.setenv("HIAP_CACHE_DIR", str(session_cache))
        layer = areas_of(load_layer(kent_layers, "lsoa", 2025, display=True), "lsoa", 2025, (TW,))
    deprived = layer[layer["imd_decile"] <= 2].sort_values("lsoa_code")
    assert len(deprived) == 2, deprived["lsoa_code"].tolist()  # the test's premise: two LSOAs, a gap of two
    points = []
    for code, shape in zip(deprived["lsoa_code"], deprived.geometry, strict=True):
        biggest = max(getattr(shape, "geoms", [shape]), key=lambda g: g.area)
        point = polylabel(biggest, tolerance=1e-6)
        points.append((code, (point.y, point.x)))
    return points


def wait_text(page: object, text: str, timeout_s: float = 40) -> None:
    page.get_by_text(text, exact=False).first.wait_for(timeout=timeout_s * 1000)


def settle(page: object, timeout_s: float = 40) -> None:
    """Wait until Streamlit has finished the rerun a click started (its status widget gone)."""
    time.sleep(0.4)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=timeout_s * 1000)


def one(page: object, selector: str, timeout_s: float = 40) -> object:
    """The one element a selector finds once Streamlit has removed the stale copies of a rerun."""
    deadline = time.time() + timeout_s
    locator = page.locator(selector)
    while locator.count() != 1:
        assert time.time() < deadline, f"{selector}: {locator.count()} elements"
        time.sleep(0.25)
    return locator


def gap_line(page: object) -> str:
    line = page.get_by_text(re.compile(r"named by none")).first
    line.wait_for(timeout=40_000)
    return line.inner_text()


def show_map(page: object) -> tuple[object, dict[str, float]]:
    """The map's frame, scrolled into view, and where that frame is on the screen (the page itself when the map
    is drawn in the page rather than in a streamlit-folium iframe)."""
    frame = map_frame(page)
    if frame.parent_frame is None:
        frame.locator("[data-area-count]").scroll_into_view_if_needed()
        return frame, {"x": 0.0, "y": 0.0}
    element = frame.frame_element()
    element.scroll_into_view_if_needed()
    return frame, element.bounding_box()


def click_lsoa(page: object, code: str, point: tuple[float, float]) -> None:
    frame, box = show_map(page)
    x, y = frame.evaluate(CLICK_AT, list(point))
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.locator("[data-testid='stMultiSelect']").get_by_text(code).first.wait_for(timeout=40_000)
    settle(page)


def shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def test_write_save_reload_and_export_a_plan(editor_url: str, browser: object, tmp_path: Path,
                                            most_deprived: list[tuple[str, tuple[float, float]]],
                                            session_cache: Path) -> None:
    started = time.time()
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page = context.new_page()
    outside = block_internet(page)
    try:
        write_plan(page, editor_url, most_deprived)
        check_exports(page, tmp_path, most_deprived, session_cache)
    except Exception:
        shot(page, "plan-editor-failure.png")  # what the page showed when a step failed
        raise
    finally:
        context.close()
    assert outside == []
    print(f"plan editor browser test: {time.time() - started:.0f} s")  # about 50 s on an idle 2-core machine


def write_plan(page: object, editor_url: str, most_deprived: list[tuple[str, tuple[float, float]]]) -> None:
    page.goto(f"{editor_url}/plan-editor")

    # A new plan for Tunbridge Wells on the IoD 2025 geography (the defaults)
    page.get_by_text("New plan", exact=True).click()
    page.get_by_role("textbox", name="Plan id").fill(PLAN_ID)
    page.get_by_role("textbox", name="Title", exact=True).fill("Health Inequalities Action Plan 2026-28")
    page.get_by_role("textbox", name="Period", exact=True).fill("2026-28")
    page.get_by_role("button", name="Start the plan").click()
    map_frame(page)
    wait_text(page, "Draft saved")
    assert "2 named by none" in gap_line(page)  # the placeholder action names no place
    settle(page)

    # Two priorities: the first renamed, a second added
    one(page, "[class*='st-key-ep_title_1_'] input").fill("Smoking")
    page.get_by_role("button", name="Apply", exact=True).first.click()
    settle(page)
    one(page, ".st-key-editor_new_priority_title input").fill("Physical activity")
    page.get_by_role("button", name="Add priority").click()
    wait_text(page, "Priorities (2)")
    settle(page)

    # Action 1.1: retitled, placed by clicking the two most deprived LSOAs on the map
    one(page, "[class*='st-key-ea_title_'] textarea").fill("Stop smoking clinics <b>near you</b>")
    page.get_by_role("button", name="Apply changes to the action").click()
    settle(page)
    for code, point in most_deprived:
        click_lsoa(page, code, point)
    assert "0 named by none" in gap_line(page)  # both gaps closed by the clicks
    show_map(page)
    shot(page, "plan-editor-map-1366.png")

    # Action 1.2 by a decile rule (national IMD deciles 1-2, the rule's default)
    settle(page)
    one(page, ".st-key-editor_new_action_title input").fill("Targeted outreach")
    page.get_by_role("button", name="Add", exact=True).click()
    wait_text(page, "Actions (2)")
    settle(page)
    page.get_by_text("A decile rule", exact=True).click()
    settle(page)
    page.get_by_role("button", name="Add the rule").click()
    wait_text(page, "LSOAs in national Index of Multiple Deprivation 2025 deciles 1-2")
    settle(page)

    # Action 2.1, district-wide
    settle(page)
    picker = page.get_by_role("combobox", name="New action in")
    picker.click()
    picker.press_sequentially("2: Phys")
    picker.press("Enter")
    settle(page)
    one(page, ".st-key-editor_new_action_title input").fill("Wellbeing walks")
    page.get_by_role("button", name="Add", exact=True).click()
    wait_text(page, "Actions (3)")
    settle(page)
    page.get_by_text("The whole district", exact=True).click()
    settle(page)
    page.get_by_role("button", name="Target the whole of Tunbridge Wells").click()
    page.get_by_text("the whole area (names no place)", exact=True).wait_for(state="detached", timeout=40_000)
    settle(page)

    # A refresh loses nothing: the page reopens the draft kept on every change
    page.reload()
    wait_text(page, "Opened from your draft of")
    wait_text(page, "Actions (3)")
    settle(page)

    # Save as a version: who saved it and what changed
    page.get_by_role("button", name="Save version").click()
    wait_text(page, "Saved version of")
    shot(page, "plan-editor-saved-1366.png")

    # Reload: the plan is still there (the stored version, with its three actions)
    page.reload()
    wait_text(page, "Actions (3)")
    assert page.get_by_role("heading", name="Health Inequalities Action Plan 2026-28").count()
    page.set_viewport_size({"width": 1920, "height": 1080})
    map_frame(page)
    settle(page)
    shot(page, "plan-editor-1920.png")



def check_exports(page: object, tmp_path: Path, most_deprived: list[tuple[str, tuple[float, float]]],
                  session_cache: Path) -> None:
    """Export: YAML that `plan check` accepts, Word that reads back with the same actions."""
    with page.expect_download() as got:
        page.get_by_role("button", name="Download YAML").click()
    yaml_file = tmp_path / "plan.yaml"
    got.value.save_as(yaml_file)
    text = yaml_file.read_text(encoding="utf-8")
    for words in ("Stop smoking clinics <b>near you</b>", "Targeted outreach", "Wellbeing walks", "lsoa_decile",
                  "specified: true",
                  most_deprived[0][0], most_deprived[1][0]):
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
            page.get_by_role("button", name="Download Word").click()
        document = Document(io.BytesIO(Path(got.value.path()).read_bytes()))
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
        with page.expect_download(timeout=120_000) as got:
            page.get_by_role("button", name="Download PDF").click()
        assert Path(got.value.path()).read_bytes()[:5] == b"%PDF-"

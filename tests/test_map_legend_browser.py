"""The map's legend folded behind a small button, and the areas' names fetched after the first paint (issues 24, 25).

In headless Chromium at 1366x768 and 1920x1080 with no internet: the legend starts folded to a "Legend" button
(aria-expanded false), opens with the keyboard, stays open across a measure switch, and when open covers at most
40% of the map's width and 60% of its height; axe finds nothing on the map. The names file is fetched only after the
geometry has been drawn, and once it is there a hover names the area.
"""

from __future__ import annotations

import time

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser_support import ARTIFACTS, MAP_SELECTOR, block_internet, map_frame, screen_box
from tests.test_accessibility_browser import WCAG_TAGS
from tests.test_map_speed_browser import CLICKABLE_AREA, Recorder, legend_text, settle, wait_for_legend

pytestmark = [pytest.mark.integration, pytest.mark.browser]

SHOTS = ARTIFACTS / "map"


def legend_state(page: object) -> dict[str, object]:
    return map_frame(page).eval_on_selector(".hiap-legend", """box => {
      const button = box.querySelector("button.hiap-legend-toggle");
      const panel = box.querySelector("#" + button.getAttribute("aria-controls"));
      const map = box.closest("[data-area-count]").getBoundingClientRect(), r = box.getBoundingClientRect();
      return {expanded: button.getAttribute("aria-expanded"), hidden: panel.hidden, label: button.innerText.trim(),
              width: r.width / map.width, height: r.height / map.height, pixels: [r.width, r.height],
              scrolls: panel.scrollHeight > panel.clientHeight + 1};
    }""")


def wait_until(check: object, timeout_s: float = 60, what: str = "") -> None:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - the map is mounted again while Streamlit lays the page out anew
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_legend_starts_folded_opens_with_the_keyboard_and_stays_open_across_a_switch(app_url: str,
                                                                                     browser: object) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    outside = block_internet(page)
    page.goto(app_url)
    frame = map_frame(page)
    frame.wait_for_selector("[data-drawn]", state="attached", timeout=60_000)
    settle(page)
    page.screenshot(path=str(SHOTS / "explorer-legend-folded-1366x768.png"))
    folded = legend_state(page)
    assert folded["expanded"] == "false" and folded["hidden"], folded
    assert folded["label"].startswith("Legend") and folded["pixels"][0] < 140 and folded["pixels"][1] < 40, folded
    assert "1: most deprived 10% in England" in legend_text(page)  # in the page, behind the button

    button = frame.locator(".hiap-legend-toggle")
    button.focus()  # Tab reaches it as any button; Enter opens it, Space folds it, Enter opens it again
    page.keyboard.press("Enter")
    wait_until(lambda: legend_state(page)["expanded"] == "true", 10, "the legend to open")
    page.keyboard.press("Space")
    wait_until(lambda: legend_state(page)["expanded"] == "false", 10, "the legend to fold")
    page.keyboard.press("Enter")
    wait_until(lambda: legend_state(page)["expanded"] == "true", 10, "the legend to open again")
    opened = legend_state(page)
    assert not opened["hidden"] and opened["width"] <= 0.41 and opened["height"] <= 0.62, opened
    assert frame.is_visible("text=1: most deprived 10% in England")
    page.screenshot(path=str(SHOTS / "explorer-legend-open-1366x768.png"))
    violations = Axe().run(page, context={"include": [[MAP_SELECTOR]]},
                           options={"runOnly": {"type": "tag", "values": WCAG_TAGS}}).response["violations"]
    assert violations == [], [(v["id"], [n["html"][:100] for n in v["nodes"]]) for v in violations]

    legend = legend_text(page)  # a new measure recolours the map: the legend stays open
    page.locator("[data-testid='stSidebar']").get_by_text("Rank", exact=True).click()
    wait_for_legend(page, legend)
    settle(page)
    after = legend_state(page)
    assert after["expanded"] == "true" and not after["hidden"], after
    assert "rank" in legend_text(page).lower()
    page.set_viewport_size({"width": 1920, "height": 1080})
    settle(page)
    page.screenshot(path=str(SHOTS / "explorer-legend-open-1920x1080.png"))
    big = legend_state(page)
    assert big["width"] <= 0.41 and big["height"] <= 0.62, big
    assert outside == [], f"requests left the machine: {outside}"
    page.close()


def test_names_arrive_after_the_first_paint_and_a_hover_names_the_area(app_url: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    outside = block_internet(page)
    record = Recorder(page)
    started: dict[str, float] = {}
    page.on("request", lambda r: started.setdefault(r.url, time.perf_counter()))
    page.goto(app_url)
    frame = map_frame(page)
    frame.wait_for_selector("[data-names='1']", state="attached", timeout=60_000)
    settle(page)
    files = {r.url: t for t, r in record.requests if "/app/static/maps/" in r.url}
    geometry = next(u for u in files if "/geometry-" in u)
    names = next(u for u in files if "/names-" in u)
    assert started[names] >= files[geometry], "the names file was asked for before the geometry had arrived"
    body = page.request.get(geometry).text()
    assert '"areas"' not in body and "E01024" not in body, "names or codes in the geometry file"
    assert "E01024" in page.request.get(names).text()

    target = page.evaluate(CLICKABLE_AREA)
    assert target, "no area of the map is in view to hover"
    page.mouse.move(target["x"], target["y"])
    frame.wait_for_selector(".leaflet-tooltip", timeout=10_000)
    tip = frame.inner_text(".leaflet-tooltip")
    assert "E01" in tip and "District: Tunbridge Wells" in tip, tip
    labels = frame.eval_on_selector_all("path.leaflet-interactive[role=button]", "ps => ps.map(p => p.ariaLabel)")
    assert labels and all(label.startswith("E01") for label in labels), labels[:3]
    assert outside == [], f"requests left the machine: {outside}"
    page.close()


def test_wards_mapped_by_the_change_in_residents_in_deciles_1_2(app_url: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    outside = block_internet(page)
    page.goto(app_url)
    map_frame(page).wait_for_selector("[data-drawn]", state="attached", timeout=60_000)
    sidebar = page.locator("[data-testid='stSidebar']")
    legend = legend_text(page)  # read before the click: the switch may be drawn before it could be read after
    sidebar.get_by_text("Ward", exact=True).click()
    wait_for_legend(page, legend)
    sidebar.get_by_role("combobox", name="Measure").click()
    page.keyboard.type("Change in residents")  # the list is long: typing filters it
    page.get_by_role("option", name="Change in residents in IMD deciles 1-2, 2019 to 2025").click()
    text = wait_for_legend(page, legend, containing="Within 2 points either way")
    assert "percentage points" in text
    page.get_by_text("Each edition is shown on its own geography").first.wait_for(timeout=30_000)
    map_frame(page).locator(".hiap-legend-toggle").click()
    settle(page)
    page.screenshot(path=str(SHOTS / "explorer-ward-change-1366x768.png"))
    assert outside == [], f"requests left the machine: {outside}"
    page.close()


@pytest.mark.parametrize("path", ["", "plan?plan=tunbridge-wells-2023-25"])
@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)])
def test_presentation_mode_starts_with_the_legend_open_and_in_bounds(app_url: str, browser: object, width: int,
                                                                    height: int, path: str) -> None:
    """A room watching a projector cannot ask for the legend, nor scroll it: presentation mode opens it, every line
    in view (the Plan page's highlighted action and ward boundary were below its fold at 1366x768), within the map
    and at most 40% of its width."""
    page = browser.new_page(viewport={"width": width, "height": height})
    outside = block_internet(page)
    page.goto(f"{app_url}/{path}")
    map_frame(page)
    page.get_by_text("Presentation mode (for meetings)").click()
    page.get_by_role("button", name="Leave presentation").wait_for(timeout=60_000)
    wait_until(lambda: legend_state(page)["expanded"] == "true", 60, "the legend open in presentation mode")
    settle(page, 2)
    state = legend_state(page)
    assert not state["hidden"] and not state["scrolls"] and state["width"] <= 0.41 and state["height"] <= 1, state
    box = screen_box(page, ".hiap-legend")
    assert box["y"] + box["height"] <= height, box
    page.screenshot(path=str(SHOTS / f"presentation-legend-open-{path[:4] or 'map'}-{width}x{height}.png"))
    assert outside == [], f"requests left the machine: {outside}"
    page.close()

"""A HAT meeting in a real browser, on a 1366x768 projector and a 1920x1080 screen (issue 13).

Presentation mode on and off (keyboard too), the legend in view, a name search with a picker and the
decile band, with every request that leaves 127.0.0.1 aborted and recorded (none may).
"""

from __future__ import annotations

import time

import pytest

from tests.browser_support import ARTIFACTS, block_internet, map_frame

VIEWPORTS = [(1366, 768), (1920, 1080)]


def legend_box(page: object) -> dict[str, float]:
    """Where the map's legend is on the screen (the map is in an iframe: add the frame's own position)."""
    frame_element = page.locator("iframe[title^='streamlit_folium']").last
    frame_element.wait_for(state="visible", timeout=60_000)
    outer = frame_element.bounding_box()
    frame = map_frame(page)
    inner = frame.eval_on_selector(".hiap-legend",
                                   "e => { const r = e.getBoundingClientRect(); "
                                   "return {x: r.x, y: r.y, width: r.width, height: r.height}; }")
    return {"top": outer["y"] + inner["y"], "bottom": outer["y"] + inner["y"] + inner["height"]}


def wait_for_map_text(page: object, text: str, timeout_s: float = 60) -> bool:
    """Whether the map (redrawn after a rerun) comes to show ``text``."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            if text in map_frame(page).inner_text("body"):
                return True
        except Exception:  # noqa: BLE001 - the frame is replaced while Streamlit reruns
            pass
        time.sleep(0.5)
    return False


def strip_measure(page: object) -> str:
    return page.locator("[data-testid='stMainBlockContainer'] strong").first.inner_text()


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_presentation_mode_for_a_meeting(app_url: str, browser: object, width: int, height: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": height})
    outside = block_internet(page)
    page.goto(app_url)
    map_frame(page)
    page.get_by_text("Presentation mode (for meetings)").click()
    page.get_by_role("button", name="Leave presentation (Esc)").wait_for(timeout=60_000)
    map_frame(page)
    time.sleep(2)
    assert not page.locator("[data-testid='stSidebar']").is_visible()
    box = legend_box(page)
    assert box["bottom"] <= height, f"legend cut off: {box} on a {width}x{height} screen"
    page.screenshot(path=str(ARTIFACTS / f"presentation-{width}x{height}.png"))

    first = strip_measure(page)
    page.mouse.click(width // 2, 20)  # the chair's first click lands on the strip, not in a box
    page.keyboard.press("ArrowRight")
    deadline = time.time() + 60
    while strip_measure(page) == first and time.time() < deadline:
        time.sleep(0.5)
    assert strip_measure(page) != first, "the right arrow key moves to the next measure"

    page.keyboard.press("Escape")
    page.locator("[data-testid='stSidebar']").wait_for(state="visible", timeout=60_000)
    page.get_by_role("heading", name="Map explorer").wait_for(timeout=60_000)
    map_frame(page)
    page.screenshot(path=str(ARTIFACTS / f"presentation-left-{width}x{height}.png"))
    assert outside == [], f"requests left the machine: {outside}"
    page.close()


def test_find_a_place_by_name_and_filter_by_decile(app_url: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    outside = block_internet(page)
    page.goto(app_url)
    map_frame(page)
    page.get_by_label("Find an area").fill("Sherwood, Tunbridge Wells")
    page.get_by_label("Find an area").press("Enter")
    page.get_by_text("areas match; choose one", exact=False).wait_for(timeout=60_000)  # a ward of LSOAs: a picker
    page.get_by_role("combobox", name="areas match", exact=False).click()
    page.get_by_role("option").nth(1).click()
    page.get_by_text("Open its profile", exact=False).wait_for(timeout=60_000)
    assert wait_for_map_text(page, "Selected: E01")  # outlined on the map, named in the legend

    page.get_by_label("Find an area").fill("")
    page.get_by_label("Find an area").press("Enter")
    slider = page.get_by_role("slider").first
    slider.focus()
    for _ in range(8):  # from 10 down to 2
        slider.press("ArrowLeft")
    page.get_by_text("are in deciles 1 to 2", exact=False).wait_for(timeout=60_000)
    time.sleep(2)
    page.screenshot(path=str(ARTIFACTS / "decile-band.png"), full_page=True)
    assert wait_for_map_text(page, "outside the band")
    assert outside == [], f"requests left the machine: {outside}"
    page.close()

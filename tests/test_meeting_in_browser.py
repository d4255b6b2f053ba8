"""A HAT meeting in a real browser, on a 1366x768 projector and a 1920x1080 screen (issue 13).

Presentation mode on and off (keyboard too) on every page, the legend in view, a name search with a picker,
the decile band and a map downloaded as PNG for slides, with every request that leaves 127.0.0.1 aborted and
recorded (none may). One server for all (``app_url``); each page is opened by its path.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from tests.browser_support import ARTIFACTS, block_internet, map_frame, map_text, screen_box

VIEWPORTS = [(1366, 768), (1920, 1080)]


def legend_box(page: object) -> dict[str, float]:
    """Where the map's legend is on the screen (in the page, or in a map iframe: browser_support.screen_box)."""
    box = screen_box(page, ".hiap-legend")
    return {"top": box["y"], "bottom": box["y"] + box["height"]}


def wait_for_map_text(page: object, text: str, timeout_s: float = 60) -> bool:
    """Whether the map (redrawn after a rerun) comes to show ``text``."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            if text in map_text(page):
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
    page.get_by_role("button", name="Leave presentation").wait_for(timeout=60_000)
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


SIDEBAR = "[data-testid='stSidebar']"
MAIN = "[data-testid='stMain']"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def radio_choice(group: str, option: str) -> tuple[Callable[[Page], None], Callable[[Page], object]]:
    """Choose ``option`` of the page's radio ``group`` (not the sidebar's), and read back whether it is chosen."""
    def choose(page: Page) -> None:
        page.locator(MAIN).get_by_role("radiogroup", name=group).get_by_text(option, exact=True).click()
        page.locator(MAIN).get_by_role("radiogroup", name=group).get_by_role("radio", name=option).wait_for(
            state="attached")

    def chosen(page: Page) -> object:
        return page.locator(MAIN).get_by_role("radiogroup", name=group).get_by_role("radio", name=option).is_checked()

    return choose, chosen


def profile_area(page: Page) -> None:
    box = page.get_by_label("Area", exact=True)
    box.fill("E01024840")
    box.press("Control+Enter")
    page.get_by_role("button", name="PDF", exact=False).first.wait_for(timeout=60_000)


def datasets_shown(page: Page) -> None:
    """The Data sources page has no choice of its own: the page itself must come back as it was."""
    page.get_by_text("datasets are loaded", exact=False).wait_for(timeout=60_000)


def dataset_rows(page: Page) -> object:
    return page.get_by_text("datasets are loaded", exact=False).count()


PAGES: dict[str, tuple[str, bool, Callable[[Page], None], Callable[[Page], object]]] = {
    # path: (heading, has a map, make a choice on the page, read the choice back)
    "indicators": ("Indicators", True, *radio_choice("Geography", "Ward")),
    "targeting": ("Targeting", True, *radio_choice("Rank", "Wards")),
    "profile": ("Area profile", False, profile_area, lambda page: page.get_by_label("Area", exact=True).input_value()),
    "data": ("Data sources", False, datasets_shown, dataset_rows),
    "plan-editor": ("Plan editor", False, *radio_choice("Start", "New plan")),
}


RUNNING = "[data-testid='stElementContainer'][data-stale='true'], [data-testid='stStatusWidgetRunningIcon']"


def settled(page: Page, timeout_s: float = 120) -> None:
    """Wait until Streamlit has finished the run: no element left from the run before, no running icon (seen
    three times in a row, as a run can start just after a click)."""
    deadline, calm = time.time() + timeout_s, 0
    while time.time() < deadline:
        calm = calm + 1 if page.locator(RUNNING).count() == 0 else 0
        if calm >= 3:
            return
        time.sleep(0.25)
    raise AssertionError("the page never finished its run")


def map_drawn(page: Page, timeout_s: float = 60) -> None:
    """Wait until the map redrawn after a rerun shows its legend (the frame of the run before goes away)."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            if map_frame(page).is_visible(".hiap-legend"):
                return
        except Exception:  # noqa: BLE001 - the frame is replaced while Streamlit reruns
            pass
        time.sleep(0.5)
    raise AssertionError("the map's legend never showed")


def area_count(page: Page) -> str:
    return map_frame(page).eval_on_selector("[data-area-count]", "e => e.dataset.areaCount")


def page_ready(page: Page, heading: str, has_map: bool) -> None:
    page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=120_000)
    settled(page)
    if has_map:
        map_drawn(page)


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_presentation_on_and_off_on_every_page(app_url: str, browser: object, width: int, height: int) -> None:
    """Switched on from the sidebar, the sidebar goes and the strip shows; left with the strip's button on some
    pages and with Esc on the others (the other way round at the other size), the page and its choice come back."""
    page = browser.new_page(viewport={"width": width, "height": height})
    outside = block_internet(page)
    for index, (path, (heading, has_map, choose, chosen)) in enumerate(PAGES.items()):
        page.goto(f"{app_url}/{path}")
        page_ready(page, heading, has_map)
        choose(page)
        page_ready(page, heading, has_map)
        before = (chosen(page), area_count(page) if has_map else None)
        page.locator(SIDEBAR).get_by_text("Presentation mode (for meetings)").click()
        leave = page.get_by_role("button", name="Leave presentation")
        leave.wait_for(timeout=60_000)
        settled(page)
        if has_map:
            map_drawn(page)
        if path == "profile":  # the profile's map is an image drawn after the page
            page.locator("[data-testid='stImage'] img").first.wait_for(timeout=60_000)
        page.locator(SIDEBAR).wait_for(state="hidden", timeout=10_000)  # fails the test when the sidebar stays
        if has_map:
            assert legend_box(page)["bottom"] <= height, f"{path}: the legend is cut off at {width}x{height}"
        page.screenshot(path=str(ARTIFACTS / f"presentation-{path}-{width}x{height}.png"))

        by_key = (index + VIEWPORTS.index((width, height))) % 2 == 0
        if by_key:
            page.keyboard.press("Escape")
        else:
            leave.click()
        page.locator(SIDEBAR).wait_for(state="visible", timeout=60_000)
        page_ready(page, heading, has_map)
        assert leave.count() == 0, f"{path}: still presenting after {'Esc' if by_key else 'the button'}"
        after = (chosen(page), area_count(page) if has_map else None)
        assert after == before, f"{path}: the page's choice was lost on leaving presentation mode"
        if index == 0:
            page.screenshot(path=str(ARTIFACTS / f"presentation-left-{path}-{width}x{height}.png"))
    assert outside == [], f"requests left the machine: {outside}"
    page.close()


def test_a_map_downloads_as_png_for_slides(app_url: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    outside = block_internet(page)
    page.goto(f"{app_url}/targeting")
    page_ready(page, "Targeting", True)
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Download map (PNG)").click()
    path = ARTIFACTS / "targeting-map-download.png"
    download.value.save_as(path)
    data = path.read_bytes()
    assert download.value.suggested_filename.endswith(".png")
    assert data.startswith(PNG_SIGNATURE) and 20_000 < len(data) < 10_000_000, len(data)
    assert outside == [], f"requests left the machine: {outside}"
    page.close()


CHIPS_IN_VIEW = """label => {
  const input = document.querySelector(`input[aria-label="${label}"]`);
  const tags = input.closest("[data-testid='stMultiSelectTagsContainer']");
  const box = tags.getBoundingClientRect();
  return [...tags.querySelectorAll("[role=group] > [aria-label]")].map(c => { const r = c.getBoundingClientRect();
    return [c.getAttribute("aria-label"), r.left >= box.left - 1 && r.right <= box.right + 1]; });
}"""
"""Each chip of a multiselect with whether it lies whole inside the box (not scrolled under its fade)."""


def test_a_need_score_of_three_measures_names_each_on_screen(app_url: str, browser: object) -> None:
    """Streamlit keeps a multiselect's chips on one line, scrolled: a score of three measures showed one name."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    outside = block_internet(page)
    page.goto(f"{app_url}/targeting")
    page_ready(page, "Targeting", True)
    measures = page.get_by_role("combobox", name="Deprivation measures")
    for name in ("Income score (IoD 2025)", "Employment score (IoD 2025)"):
        measures.click()
        page.get_by_role("option", name=name, exact=True).click()
        settled(page)
    page.keyboard.press("Escape")
    chips = page.evaluate(CHIPS_IN_VIEW, "Deprivation measures")
    assert [name for name, _ in chips] == ["IMD 2025 score", "Income score (IoD 2025)", "Employment score (IoD 2025)"]
    assert all(whole for _, whole in chips), chips
    page.screenshot(path=str(ARTIFACTS / "targeting-three-measures.png"))
    assert outside == [], f"requests left the machine: {outside}"
    page.close()


def test_a_click_on_the_targeting_map_is_answered_in_view(app_url: str, browser: object) -> None:
    """An analyst clicks an area: its rank and score appear within a 1366x768 screen (they were below the map)."""
    from tests.test_map_speed_browser import CLICKABLE_AREA

    page = browser.new_page(viewport={"width": 1366, "height": 768})
    outside = block_internet(page)
    page.goto(f"{app_url}/targeting")
    page_ready(page, "Targeting", True)
    prompt = page.get_by_text("Click an area on the map to see its rank and score.", exact=True)
    assert prompt.bounding_box()["y"] + prompt.bounding_box()["height"] <= 768  # said where the answer will be
    target = page.evaluate(CLICKABLE_AREA)
    assert target, "no area of the map is in view to click"
    page.mouse.click(target["x"], target["y"])
    answer = page.locator("[data-testid='stMarkdownContainer']", has_text="Selected:").first
    answer.wait_for(timeout=60_000)
    box = answer.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 768, box
    said = answer.inner_text().replace("\u2060", "")  # the word joiner escape_markdown puts after a colon
    assert re.search(r"Selected: .+ \(E0\d{7}\): rank \d+ of \d+, need score", said), said
    page.screenshot(path=str(ARTIFACTS / "targeting-selected-1366x768.png"))
    assert outside == [], f"requests left the machine: {outside}"
    page.close()


"""The analyst's and the bid writer's journeys on a 1366x768 laptop, in headless Chromium with no internet."""

from __future__ import annotations

import time

import pytest

from tests.browser_support import ARTIFACTS, block_internet, map_box, map_frame, map_text

pytestmark = [pytest.mark.integration, pytest.mark.browser]

LAPTOP = {"width": 1366, "height": 768}


def test_the_landing_map_is_whole_in_view_on_a_laptop(app_url: str, browser: object) -> None:
    page = browser.new_page(viewport=LAPTOP)
    outside = block_internet(page)
    page.goto(app_url)
    map_frame(page)
    time.sleep(1)
    box = map_box(page)
    assert box["height"] >= 400, box
    assert box["y"] >= 0 and box["y"] + box["height"] <= LAPTOP["height"], box  # no scrolling to see all of it
    assert page.evaluate("window.scrollY") == 0
    page.screenshot(path=str(ARTIFACTS / "laptop-map-explorer.png"))
    page.close()
    assert outside == [], f"requests that needed the internet: {outside}"


def test_finding_sherwood_at_lsoa_level_outlines_its_lsoas_and_names_the_ward(app_url: str, browser: object) -> None:
    page = browser.new_page(viewport=LAPTOP)
    outside = block_internet(page)
    page.goto(app_url)
    map_frame(page)
    page.get_by_label("Find an area").fill("Sherwood")
    page.get_by_label("Find an area").press("Enter")
    page.get_by_text("5 areas match; choose one to select it").wait_for(timeout=60_000)
    deadline = time.time() + 60
    while "Found: 5 areas matching 'Sherwood'" not in map_text(page) and time.time() < deadline:
        time.sleep(0.5)
    assert "Found: 5 areas matching 'Sherwood'" in map_text(page)  # outlined, and named in the legend
    page.get_by_role("combobox", name="5 areas match; choose one to select it").click()
    options = page.get_by_role("option")
    options.first.wait_for(timeout=30_000)
    names = options.all_inner_texts()
    assert sum("in Sherwood ward (E01" in name for name in names) == 5, names
    page.screenshot(path=str(ARTIFACTS / "laptop-find-sherwood.png"))
    page.close()
    assert outside == [], f"requests that needed the internet: {outside}"


def test_sevenoaks_wards_2019_beside_2025(app_url: str, browser: object) -> None:
    page = browser.new_page(viewport=LAPTOP)
    outside = block_internet(page)
    page.goto(f"{app_url}/?area=E07000111")
    map_frame(page)
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_text("Ward", exact=True).click()
    sidebar.get_by_text("Population in national deciles 1-2", exact=True).click()
    page.get_by_text("Change 2019 to 2025 for these wards").wait_for(timeout=60_000)
    page.get_by_text("Download the change table (CSV)").wait_for(timeout=60_000)
    page.get_by_text("Population in national IMD deciles 1-2 (").first.wait_for(timeout=60_000)  # the share is mapped
    page.get_by_text("Change 2019 to 2025 for these wards").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "laptop-sevenoaks-wards-change.png"))
    page.close()
    assert outside == [], f"requests that needed the internet: {outside}"

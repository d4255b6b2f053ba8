"""What a person sees: the map explorer and data sources pages in headless Chromium, with no internet.

The app server and the browser are session fixtures (tests/conftest.py); helpers in tests/browser_support.py.
"""

from __future__ import annotations

import time

import pytest

from tests.browser_support import ARTIFACTS, block_internet, map_frame

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def test_map_explorer_draws_one_shape_per_area_offline(app_url: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    outside = block_internet(page)
    page.goto(app_url)  # the map explorer is the default page
    frame = map_frame(page)
    assert frame.eval_on_selector("[data-area-count]", "e => e.dataset.areaCount") == "69"
    time.sleep(1)
    shapes = frame.query_selector_all("path.leaflet-interactive")
    assert len(shapes) == 69  # one SVG path per Tunbridge Wells LSOA (outlines are not interactive)
    legend = frame.text_content(".hiap-legend")  # folded by default: its text is there, hidden
    assert "1: most deprived 10% in England" in legend and "10: least deprived 10% in England" in legend
    page.screenshot(path=str(ARTIFACTS / "map-explorer.png"), full_page=True)
    assert outside == [], f"requests that needed the internet: {outside}"

    shapes[0].click(force=True)  # clicking an area selects it and shows its summary beside the map
    page.get_by_text("Change 2011 to 2021").wait_for(timeout=60_000)
    assert page.get_by_text("Click an area (or find it above)").count() == 0
    page.screenshot(path=str(ARTIFACTS / "map-explorer-selected.png"), full_page=True)
    page.close()


def test_data_sources_page(app_url: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    outside = block_internet(page)
    page.goto(f"{app_url}/data")
    page.get_by_text("datasets are loaded").wait_for(timeout=60_000)
    page.get_by_text("Kent and Medway: 13 districts").wait_for(timeout=60_000)
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=60_000)
    time.sleep(1)
    page.screenshot(path=str(ARTIFACTS / "data-sources.png"), full_page=True)
    page.close()
    assert outside == [], f"requests left the machine: {outside}"

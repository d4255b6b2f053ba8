"""Take the README's screenshots again: each page at 1366x768 (the HAT projector) as a person sees it first.

    .venv/bin/python -m docs.screenshots          # after `make run` has built the data once

The app runs on a local port from the built layers in ``boundaries/`` (as ``make run`` does), in Debian's Chromium
with every request that leaves this machine aborted (``tests.browser_support``). Pictures go to ``docs/screens/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, app_server, block_internet, map_frame

OUT = Path(__file__).resolve().parent / "screens"
SIZE = {"width": 1366, "height": 768}
SETTLE_MS = 2500
"""After the map is drawn: the names file, the legend and the tables arrive."""


def _quiet(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(SETTLE_MS)


def _shoot(page: Page, name: str) -> None:
    _quiet(page)
    page.screenshot(path=str(OUT / f"{name}.png"))
    print(f"docs/screens/{name}.png")


def _open(page: Page, url: str, with_map: bool = True) -> None:
    page.goto(url)
    if with_map:
        map_frame(page, timeout_s=120)
    else:
        page.get_by_role("heading", level=1).first.wait_for(timeout=120_000)


def main() -> int:
    OUT.mkdir(exist_ok=True)
    with app_server(None) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=SIZE)
        block_internet(page)
        _open(page, f"{url}/?area=E07000116")
        _shoot(page, "map-explorer")
        box = page.get_by_role("textbox", name="Find an area").first
        box.fill("Sherwood")
        box.press("Enter")
        _shoot(page, "map-explorer-sherwood")
        for slug, name in (("indicators", "indicators"), ("targeting", "targeting"), ("plan", "plan")):
            _open(page, f"{url}/{slug}")
            _shoot(page, name)
        page.get_by_role("tab", name="Progress (HAT)").click()
        _shoot(page, "plan-progress")
        _open(page, f"{url}/plan-editor", with_map=False)
        page.locator(".st-key-editor_open button").click(timeout=120_000)
        page.get_by_role("button", name="Save version").wait_for(timeout=120_000)
        _shoot(page, "plan-editor")
        _open(page, f"{url}/profile", with_map=False)
        area = page.get_by_label("Area", exact=True)
        area.fill("E01024840")
        area.press("Control+Enter")
        page.locator("[data-testid='stDownloadButton']").first.wait_for(timeout=300_000)
        _shoot(page, "area-profile")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

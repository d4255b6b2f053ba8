"""No machine text where a person reads (issue 23): every page of the app at 1366x768 in headless Chromium, each of
its tabs, and every file a user can download there, searched for "nan", "None", ids, database addresses and
"1 LSOAs"-style plurals (tests/machine_text.py).

Cheap by design: one app server (Kent built, a progress database holding the Tunbridge Wells plan with a review and
its correction, as a HAT leaves it), the session's browser and data fixtures; a test a page. Every
finding is collected before the test fails, so one run lists them all. Every request that leaves 127.0.0.1 is
aborted and recorded (none may).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page

from hiap_geo.plans.progress import ProgressStore
from hiap_geo.plans.schema import PLANS_DIR
from tests.browser_support import ARTIFACTS, app_server, block_internet
from tests.machine_text import export_text, machine_text
from tests.test_meeting_in_browser import MAIN, SIDEBAR, page_ready, settled

TW = "tunbridge-wells-2023-25"
PAGES = {  # path: (the page's heading, whether it draws a map)
    "": ("Map explorer", True),
    "indicators": ("Indicators", True),
    "targeting": ("Targeting", True),
    "profile": ("Area profile", False),
    f"plan?plan={TW}": ("Plan", True),
    "plan-editor": ("Plan editor", False),
    "data": ("Data sources", False),
    "accessibility": ("Accessibility statement", False),
}
MAKE_BUTTONS = ("Make the meeting pack",)
"""Buttons that make a file to download (the meeting pack): pressed, then the files they make are downloaded."""
GRID_TEXT = ("() => [...document.querySelectorAll(\"[data-testid='stMain'] [role=gridcell], "
             "[data-testid='stMain'] [role=columnheader]\")].map(c => c.textContent).join('\\n')")
"""The cells of the data tables on screen (drawn on a canvas; their text is in the accessible grid beside it)."""


@pytest.fixture(scope="module")
def walk_url(kent_layers: str, session_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with a progress database as a HAT leaves it: the plan, a review, and a correction of it."""
    db = f"sqlite:///{tmp_path_factory.mktemp('walk') / 'progress.sqlite'}"
    store = ProgressStore(db)
    store.register_plan(PLANS_DIR / f"{TW}.yaml")
    first = store.record_review(TW, "3.4", "on_track", date(2026, 3, 3), note="Clinics booked",
                                reviewer="Chair")
    store.record_review(TW, "3.4", "done", date(2026, 3, 3), note="Clinics held", reviewer="Chair",
                        corrects=first, reason="Recorded against the wrong status")
    with app_server(session_cache, env={"HIAP_PROGRESS_DB": db}) as url:
        yield url


def screen_text(page: Page) -> str:
    """What the page shows as text: the main area, the sidebar, the data tables' cells, and any map iframe."""
    parts = [page.locator(MAIN).inner_text(), page.locator(SIDEBAR).inner_text() if page.locator(SIDEBAR).count()
             else "", page.evaluate(GRID_TEXT)]
    for frame in page.frames[1:]:
        with contextlib.suppress(Exception):  # a frame that went away with a rerun has nothing to read
            parts.append(frame.locator("body").inner_text(timeout=5_000))
    return "\n".join(parts)


def downloaded(page: Page, where: str) -> list[str]:
    """Every download button shown in the main area pressed in turn, each file read as a person reads it."""
    found = []
    buttons = page.locator(f"{MAIN} [data-testid='stDownloadButton'] button")
    for n in range(buttons.count()):
        button = buttons.nth(n)
        if not button.is_visible():
            continue
        label = button.inner_text().strip()
        try:
            with page.expect_download(timeout=120_000) as download:
                button.click()
            path = download.value.path()
            name = download.value.suggested_filename
        except Exception as exc:  # noqa: BLE001 - a download that fails is a finding, not the end of the walk
            found.append(f"{where}, '{label}': no file ({type(exc).__name__})")
            continue
        data = Path(path).read_bytes()
        (ARTIFACTS / "walk").mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "walk" / name).write_bytes(data)
        found += machine_text(export_text(name, data), f"{where}, '{label}' ({name})",
                              ids_allowed=name.endswith((".json", ".geojson")))
        settled(page)
    return found


def open_something(page: Page, path: str) -> None:
    """The pages that show little until asked: an area's profile, a plan opened in the editor."""
    if path == "profile":
        box = page.get_by_label("Area", exact=True)
        box.fill("E01024840")
        box.press("Control+Enter")
        page.get_by_role("button", name="PDF", exact=False).first.wait_for(timeout=120_000)
    elif path == "plan-editor":
        page.locator(MAIN).get_by_test_id("stBaseButton-primary").filter(has_text="Open").click()
        page.locator(MAIN).get_by_role("tab").first.wait_for(timeout=120_000)
    settled(page)


@pytest.mark.parametrize("path", list(PAGES), ids=lambda p: p.split("?")[0] or "map")
def test_no_machine_text_on_the_page_its_tabs_and_its_downloads(walk_url: str, browser: object, path: str) -> None:
    """One page of the app (a test a page, so a finding names its page): its text, each tab's, every download."""
    heading, has_map = PAGES[path]
    where = f"/{path}"
    page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    outside = block_internet(page)
    found: list[str] = []
    page.goto(f"{walk_url}/{path}")
    page_ready(page, heading, has_map)
    open_something(page, path)
    found += machine_text(screen_text(page), where)
    found += downloaded(page, where)
    tabs = page.locator(MAIN).get_by_role("tab")
    for n in range(1, tabs.count()):  # the first tab was read above
        name = tabs.nth(n).inner_text().strip()
        tabs.nth(n).click()
        settled(page)
        for label in MAKE_BUTTONS:
            make = page.locator(MAIN).get_by_role("button", name=label)
            if make.count() and make.first.is_visible():
                make.first.click()
                page.locator(MAIN).get_by_role("button", name="Download the pack (Word)").wait_for(timeout=180_000)
                settled(page)
        found += machine_text(screen_text(page), f"{where}, tab '{name}'")
        found += downloaded(page, f"{where}, tab '{name}'")
    page.screenshot(path=str(ARTIFACTS / f"walk-{path.split('?')[0] or 'map'}.png"), full_page=True)
    page.close()
    assert outside == [], f"requests left the machine: {outside}"
    assert not found, f"{len(found)} pieces of machine text:\n" + "\n".join(found)

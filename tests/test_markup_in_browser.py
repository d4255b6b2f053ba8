"""Markdown and HTML in what users supply is shown as text in a real browser, and fetches nothing (issue 10).

Streamlit renders messages as Markdown, so an upload named ``![x](http://host/leak.png)`` would make the
browser fetch an outside image if it were not escaped. Chromium here aborts and records every request
that leaves 127.0.0.1, so an image that escaped would show up in ``outside``.
"""

from __future__ import annotations

import time

import pytest

from tests.browser_support import ARTIFACTS, block_internet

LEAK = "![leak](http://198.51.100.7/leak.png)"
SCRIPT = "<img src=x onerror=alert(1)>"


def shown_text(page: object) -> str:
    """What a person reads: the page's text without the invisible joiners that keep addresses from linking."""
    return page.inner_text("body").replace("\u2060", "")


def upload(page: object, name: str, content: bytes) -> None:
    uploader = page.locator("[data-testid='stFileUploader']")
    if not uploader.is_visible():
        page.get_by_role("tab", name="Your data and Fingertips").click()  # uploads have their own tab
        page.get_by_text("Add your own indicator (CSV or Excel)", exact=True).click()
    page.locator("[data-testid='stFileUploader'] input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": content}])


@pytest.mark.browser
def test_markup_in_upload_names_headers_and_values_is_text(app_url: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    outside = block_internet(page)
    page.goto(f"{app_url}/indicators")
    page.get_by_role("tab", name="Your data and Fingertips").click(timeout=120_000)  # runs only when open
    page.locator("[data-testid='stFileUploader']").wait_for(state="attached", timeout=60_000)

    bad = f"area_code,value,{LEAK}\nE01024840,{LEAK},1\nX{SCRIPT},2,3\n".encode()
    upload(page, f"{LEAK}.csv", bad)
    page.get_by_text("was not loaded", exact=False).wait_for(timeout=60_000)
    assert LEAK in shown_text(page)  # the file name is shown as typed

    good = (f"area_code,value,indicator_name\nE01024840,12.5,{LEAK} {SCRIPT}\n"
            f"E01024841,10.0,{LEAK} {SCRIPT}\n").encode()
    upload(page, "mine.csv", good)
    page.get_by_text("Loaded 2 rows", exact=False).wait_for(timeout=60_000)
    time.sleep(2)
    assert LEAK in shown_text(page)  # shown as typed (cut after 40 characters, as every echoed file text is)
    page.screenshot(path=str(ARTIFACTS / "indicators-markup-upload.png"), full_page=True)
    images = page.eval_on_selector_all("img", "els => els.map(e => e.getAttribute('src') || '')")
    assert not [src for src in images if "198.51.100.7" in src or src == "x"], images
    links = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href') || '')")
    assert not [href for href in links if "198.51.100.7" in href], links  # not even a link to click
    assert outside == [], f"requests left the machine: {outside}"
    page.close()

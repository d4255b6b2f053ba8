"""The HAT chair's journey in a real browser (issue 23), on a 1366x768 projector and a 1920x1080 screen: record
a review, confirm it, correct it; each control the chair needs is in the window when needed (never below the
screen), and the page shows no machine text. Every request that leaves 127.0.0.1 is aborted and recorded."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser_support import ARTIFACTS, app_server, block_internet, map_frame, screen_box

TW = "tunbridge-wells-2023-25"
VIEWPORTS = [(1366, 768), (1920, 1080)]
MACHINE = re.compile(r"\b(?:nan|NaN|None|NaT)\b|[0-9a-f]{8}-[0-9a-f]{4}-|sqlite:|postgresql")


@pytest.fixture(scope="module")
def hat_url(kent_layers: str, session_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("hat") / "progress.sqlite"
    with app_server(session_cache, env={"HIAP_PROGRESS_DB": f"sqlite:///{db}"}) as url:
        yield url


def in_view(locator: object, width: int, height: int) -> None:
    """The control is wholly inside the window as it stands (no scrolling needed to reach it)."""
    locator.wait_for(state="visible", timeout=120_000)  # type: ignore[attr-defined]
    box = locator.bounding_box()  # type: ignore[attr-defined]
    assert box is not None
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height, (box, width, height)


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_record_confirm_and_correct_with_every_control_in_view(hat_url: str, browser: object, width: int,
                                                              height: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
    outside = block_internet(page)
    try:
        page.goto(f"{hat_url}/plan?plan={TW}")
        page.get_by_role("tab", name="Progress (HAT)").click(timeout=180_000)
        record = page.get_by_role("button", name="Record review")
        record.scroll_into_view_if_needed(timeout=120_000)
        page.get_by_label("Reviewer (optional)").fill(f"Chair {width}")
        record.click()
        dialog = page.get_by_role("dialog")
        in_view(dialog.get_by_text("Record ⚪ Not started for action"), width, height)
        in_view(dialog.get_by_role("button", name="Confirm"), width, height)  # the question next to the button
        page.screenshot(path=str(ARTIFACTS / f"hat-confirm-{width}x{height}.png"))
        dialog.get_by_role("button", name="Confirm").click()
        toast = page.locator("[data-testid='stToast']")
        in_view(toast.get_by_text("Recorded ⚪ Not started for action", exact=False), width, height)

        # correct it: the picker names the review by date, action, status and reviewer, never by id
        picker = page.get_by_role("combobox", name="Correct an earlier review")
        option = page.get_by_role("option", name=re.compile(f"Chair {width}"))
        for _ in range(5):  # the page may still be rerunning after the confirm: open the list once it is settled
            picker.scroll_into_view_if_needed()
            picker.click()
            try:
                option.wait_for(timeout=10_000)
                break
            except Exception:  # noqa: BLE001 - the list closed with a rerun: open it again
                page.keyboard.press("Escape")
        option.click()
        page.get_by_label("Reason for the correction").fill("Recorded against the wrong status")
        page.get_by_role("button", name="Record correction").click()
        dialog = page.get_by_role("dialog")
        in_view(dialog.get_by_text("It corrects the review of", exact=False), width, height)
        in_view(dialog.get_by_role("button", name="Confirm"), width, height)
        dialog.get_by_role("button", name="Confirm").click()
        in_view(toast.get_by_text("It corrects the review of", exact=False).first, width, height)
        page.get_by_text("Review history", exact=True).wait_for(timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / f"hat-corrected-{width}x{height}.png"), full_page=True)
        text = page.locator("[data-testid='stMain']").inner_text()
        assert MACHINE.findall(text) == [], MACHINE.findall(text)
    finally:
        page.close()
    assert outside == [], f"requests left the machine: {outside}"


LEAFLET_ZOOM = "() => { const k = Object.keys(window).find(n => n.startsWith('map_') && window[n].getZoom); " \
               "return k ? window[k].getZoom() : null; }"


def zoom_of(page: object) -> float | None:
    """The map's Leaflet zoom level (the map is redrawn after each rerun: read the current one)."""
    try:
        return map_frame(page).evaluate(LEAFLET_ZOOM)
    except Exception:  # noqa: BLE001 - the frame is replaced while Streamlit reruns
        return None


def test_present_and_step_zooms_to_the_action_at_1366x768(hat_url: str, browser: object) -> None:
    width, height = 1366, 768
    page = browser.new_page(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
    outside = block_internet(page)
    try:
        page.goto(f"{hat_url}/plan?plan={TW}")
        map_frame(page, timeout_s=180)
        page.get_by_text("Presentation mode (for meetings)").click()
        forward = page.get_by_role("button", name="Next action ▼")
        in_view(forward, width, height)
        time.sleep(3)
        whole = zoom_of(page)
        forward.click()
        deadline = time.time() + 90
        while time.time() < deadline and (zoom_of(page) or 0) <= (whole or 0):
            time.sleep(1)
        assert (zoom_of(page) or 0) > (whole or 99), f"stepping did not zoom in: {whole} -> {zoom_of(page)}"
        title = page.locator("[data-testid='stMain'] strong", has_text=re.compile(r"^Action 1\.1:"))
        in_view(title.first, width, height)
        assert not title.first.inner_text().endswith(("...", "…"))
        legend = map_frame(page).locator(".hiap-legend details")
        assert legend.get_attribute("open") is None  # folded to its title: the action's areas stay in view
        box = screen_box(page, ".hiap-legend")
        assert box["y"] + box["height"] <= height
        in_view(forward, width, height)
        in_view(page.get_by_role("button", name="▲ Previous action"), width, height)
        page.screenshot(path=str(ARTIFACTS / "hat-present-step-1366x768.png"))
    finally:
        page.close()
    assert outside == [], f"requests left the machine: {outside}"

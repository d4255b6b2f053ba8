"""The HAT chair's journey in a real browser (issues 23 and 25), on a 1366x768 projector and a 1920x1080 screen:
record a review, confirm it, correct it; present the plan and step to an action, the map zoomed to its areas;
every control the chair needs is in the window when needed (never below the screen, never scrolled to), each
tab's controls and main content are in view when it opens, and the page shows no machine text. A filter or
colour change keeps the map where the user has it and sends no geometry. Every request that leaves 127.0.0.1 is
aborted and recorded."""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser_support import ARTIFACTS, app_server, block_internet, map_box, map_frame
from tests.test_map_speed_browser import (
    CLICKABLE_AREA,
    SWITCH_MESSAGE_LIMIT,
    Recorder,
    geometry_probe,
    map_state,
    same_view,
    settle,
)

TW = "tunbridge-wells-2023-25"
VIEWPORTS = [(1366, 768), (1920, 1080)]
MACHINE = re.compile(r"\b(?:nan|NaN|None|NaT)\b|[0-9a-f]{8}-[0-9a-f]{4}-|sqlite:|postgresql|\b1 (?:LSOA|area|ward|"
                     r"action|target)s\b")
SHOTS = Path("/work/shots/plan")
"""Screenshots are also copied here when the folder exists (the lead's review of the layout)."""


def shot(page: object, name: str, **options: object) -> None:
    path = ARTIFACTS / name
    page.screenshot(path=str(path), **options)  # type: ignore[attr-defined]
    if SHOTS.is_dir():
        shutil.copy(path, SHOTS / name)


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


def no_machine_text(page: object) -> None:
    text = page.locator("[data-testid='stMain']").inner_text()  # type: ignore[attr-defined]
    assert MACHINE.findall(text) == [], MACHINE.findall(text)


def open_tab(page: object, name: str, width: int, height: int) -> None:
    tab = page.get_by_role("tab", name=name)  # type: ignore[attr-defined]
    in_view(tab, width, height)
    tab.click(timeout=180_000)


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_record_confirm_and_correct_with_every_control_in_view(hat_url: str, browser: object, width: int,
                                                              height: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
    outside = block_internet(page)
    try:
        page.goto(f"{hat_url}/plan?plan={TW}")
        map_frame(page, timeout_s=180)
        open_tab(page, "Progress (HAT)", width, height)
        record = page.get_by_role("button", name="Record review")
        in_view(record, width, height)  # the form's button in view as the tab opens: no scrolling
        reviewer = page.get_by_label("Reviewer (optional)")
        in_view(reviewer, width, height)
        in_view(page.get_by_label("Note", exact=True), width, height)
        reviewer.fill(f"Chair {width}")
        shot(page, f"hat-progress-{width}x{height}.png")
        record.click()
        dialog = page.get_by_role("dialog")
        in_view(dialog.get_by_text("Record ⚪ Not started for action"), width, height)
        in_view(dialog.get_by_role("button", name="Confirm"), width, height)  # the question next to the button
        shot(page, f"hat-confirm-{width}x{height}.png")
        dialog.get_by_role("button", name="Confirm").click()
        toast = page.locator("[data-testid='stToast']")
        in_view(toast.get_by_text("Recorded ⚪ Not started for action", exact=False), width, height)

        # correct it: the picker names the review by date, action, status and reviewer, never by id; in view
        picker = page.get_by_role("combobox", name="Correct an earlier review")
        in_view(picker, width, height)
        option = page.get_by_role("option", name=re.compile(f"Chair {width}"))
        for _ in range(5):  # the page may still be rerunning after the confirm: open the list once it is settled
            picker.click()
            try:
                option.wait_for(timeout=10_000)
                break
            except Exception:  # noqa: BLE001 - the list closed with a rerun: open it again
                page.keyboard.press("Escape")
        option.click()
        reason = page.get_by_label("Reason for the correction")
        in_view(reason, width, height)
        reason.fill("Recorded against the wrong status")
        correct = page.get_by_role("button", name="Record correction")
        in_view(correct, width, height)
        correct.click()
        dialog = page.get_by_role("dialog")
        in_view(dialog.get_by_text("It corrects the review of", exact=False), width, height)
        in_view(dialog.get_by_role("button", name="Confirm"), width, height)
        dialog.get_by_role("button", name="Confirm").click()
        in_view(toast.get_by_text("It corrects the review of", exact=False).first, width, height)
        page.get_by_text("Review history", exact=True).wait_for(timeout=60_000)
        shot(page, f"hat-corrected-{width}x{height}.png")
        no_machine_text(page)

        # the other panels: each tab's controls and its main finding in view when it opens
        open_tab(page, "Coverage", width, height)
        in_view(page.get_by_text("Count as deprived", exact=True), width, height)
        in_view(page.get_by_text("Deprived areas no action names", exact=True), width, height)
        in_view(page.locator("[data-testid='stMarkdownContainer']", has_text="deprived LSOAs").first, width, height)
        shot(page, f"hat-coverage-{width}x{height}.png")
        no_machine_text(page)
        open_tab(page, "Plan check", width, height)
        in_view(page.get_by_role("button", name="Download the report (CSV)"), width, height)
        in_view(page.locator("[data-testid='stMarkdownContainer']", has_text="plan file line").first, width, height)
        shot(page, f"hat-check-{width}x{height}.png")
        no_machine_text(page)
    finally:
        page.close()
    assert outside == [], f"requests left the machine: {outside}"


def zoom_of(page: object) -> float:
    view = map_state(page)["view"]
    return json.loads(view)["zoom"] if view else 0.0


def wait_for(check: object, timeout_s: float = 90) -> None:
    deadline = time.time() + timeout_s
    while time.time() < deadline and not check():  # type: ignore[operator]
        time.sleep(0.5)


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_present_and_step_zooms_to_the_action(hat_url: str, browser: object, width: int, height: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
    outside = block_internet(page)
    try:
        page.goto(f"{hat_url}/plan?plan={TW}&action=3.3")  # a link to action 3.3 (district-wide): the next is 3.4
        map_frame(page, timeout_s=180)
        page.get_by_text("Presentation mode (for meetings)").click()
        forward = page.get_by_role("button", name="Next action ▼")
        in_view(forward, width, height)
        settle(page, 3)
        whole = zoom_of(page)
        page.mouse.click(width // 2, 10)  # focus on the page, not in a box
        page.keyboard.press("ArrowDown")  # the chair's key: to action 3.4, five LSOAs
        wait_for(lambda: len((map_state(page)["selected"] or "").split(",")) == 5)
        assert len(map_state(page)["selected"].split(",")) == 5, map_state(page)["selected"]
        wait_for(lambda: zoom_of(page) > whole)
        assert zoom_of(page) > whole, f"stepping did not zoom in: {whole} -> {zoom_of(page)}"
        title = page.locator("[data-testid='stMain'] strong", has_text=re.compile(r"^Action 3\.4:"))
        in_view(title.first, width, height)
        assert not title.first.inner_text().endswith(("...", "…"))
        in_view(page.get_by_text(re.compile(r"^Tunbridge Wells \d{3}[A-Z], .+ ward$")).first, width, height)
        box = map_box(page)
        assert box["y"] + box["height"] <= height + 1, f"the map runs off a {width}x{height} screen: {box}"
        legend = map_frame(page).eval_on_selector(".hiap-legend", "e => e.getBoundingClientRect().bottom")
        assert legend <= height
        in_view(forward, width, height)
        in_view(page.get_by_role("button", name="▲ Previous action"), width, height)
        shot(page, f"hat-present-step-{width}x{height}.png")
        no_machine_text(page)
    finally:
        page.close()
    assert outside == [], f"requests left the machine: {outside}"


def test_a_filter_or_colour_keeps_the_zoom_and_sends_no_geometry(hat_url: str, browser: object) -> None:
    """Issue 25 on the Plan page: zoomed in, a priority filter and a colour change recolour the map where it is,
    with no geometry in any message and no map file fetched again; choosing an action frames its areas; a click on
    an area lists the actions that reach it, as on the Map explorer."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    outside = block_internet(page)
    record = Recorder(page)
    try:
        page.goto(f"{hat_url}/plan?plan={TW}")
        map_frame(page, timeout_s=180)
        page.wait_for_selector("[data-drawn]", state="attached", timeout=60_000)
        settle(page, 2)
        files = record.map_files_since(0)
        areas_url = next(u for u in files if "/geometry-" in u)
        probe = geometry_probe(page, areas_url)
        strokes = map_frame(page).eval_on_selector_all("path.leaflet-interactive",
                                                       "ps => ps.map(p => p.getAttribute('stroke'))")
        assert strokes.count("#ff7f00") == 5, "the areas the actions name are outlined by code (action 3.4's five)"
        box = map_box(page)
        page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + min(box["height"], 768 - box["y"]) * 0.5)
        page.mouse.wheel(0, -300)
        settle(page)
        before = map_state(page)

        def switched(what: str) -> None:
            nonlocal before
            settle(page, 3)
            after = map_state(page)
            assert same_view(before["view"], after["view"]), f"{what} moved the map: {before} -> {after}"
            frames = record.frames_since(t0)
            assert frames and max(len(f) for f in frames) < SWITCH_MESSAGE_LIMIT
            assert not [f for f in frames if probe in f], f"geometry travelled with {what}"
            assert record.map_files_since(t0) == [], f"a map file was fetched again after {what}"
            print(f"Plan page, {what}: {sum(len(f) for f in frames):,} bytes in {len(frames)} messages")
            before = after

        t0 = time.perf_counter()
        page.get_by_role("combobox", name="Priorities").click()
        page.get_by_role("option", name=re.compile(r"^3: ")).click()
        page.keyboard.press("Escape")
        switched("a priority filter")
        t0 = time.perf_counter()
        page.get_by_role("combobox", name="Colour areas by").click()
        page.get_by_role("option", name="Number of actions naming each area").click()
        switched("a colour change")
        assert before["fills"]

        target = page.evaluate(CLICKABLE_AREA)  # a click lists the actions that reach the area
        assert target, "no area of the map is in view to click"
        page.mouse.click(target["x"], target["y"])
        page.get_by_text("Actions that name this area", exact=False).wait_for(timeout=60_000)
        wait_for(lambda: map_state(page)["selected"])
        clicked = map_state(page)
        legend = map_frame(page).text_content(".hiap-legend") or ""  # folded or open
        assert clicked["selected"] and f"Selected: {clicked['selected']}" in legend
        assert same_view(before["view"], clicked["view"]), "a click must not reframe the map"

        page.get_by_role("combobox", name="Action or list to highlight").click()  # an action: its areas framed
        page.get_by_role("option", name=re.compile(r"^Action 3\.4:")).click()
        wait_for(lambda: len((map_state(page)["selected"] or "").split(",")) == 5)
        wait_for(lambda: map_state(page)["view"] != before["view"])
        assert map_state(page)["view"] != before["view"], "the chosen action's areas were not framed"
        shot(page, "plan-map-action-1366x768.png")
        page.set_viewport_size({"width": 1920, "height": 1080})
        settle(page, 2)
        shot(page, "plan-map-action-1920x1080.png")
        no_machine_text(page)
    finally:
        page.close()
    assert outside == [], f"requests left the machine: {outside}"

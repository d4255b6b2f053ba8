"""WCAG 2.2 AA in a real browser (issue 26): axe-core on every page and in presentation mode, reflow at 320 CSS px,
the page language, headings in order, and a map found and read without a mouse.

axe-core comes inside the ``axe-playwright-python`` package (no download); Chromium is Debian's; every request that
leaves 127.0.0.1 is aborted and recorded (none may). One page per test, each app page loaded once.
"""

from __future__ import annotations

import time

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.browser_support import ARTIFACTS, block_internet
from tests.test_meeting_in_browser import SIDEBAR, map_drawn, settled

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
"""The WCAG 2.0, 2.1 and 2.2 A and AA rules, as a public body's audit runs them; no rule is switched off."""

PAGES = {  # path: (the page's heading, whether it draws a map)
    "": ("Map explorer", True),
    "indicators": ("Indicators", True),
    "targeting": ("Targeting", True),
    "profile": ("Area profile", False),
    "plan": ("Plan", True),
    "plan-editor": ("Plan editor", False),
    "data": ("Data sources", False),
    "accessibility": ("Accessibility statement", False),
}

_AXE = Axe()


def axe_violations(page: Page, where: str) -> list[str]:
    """Every axe violation on the page and in its frames (the folium maps' iframes: axe goes into a frame only where
    it is loaded), one readable line per element: rule, impact, element, what to fix."""
    for frame in page.frames[1:]:
        frame.evaluate(_AXE.axe_script)
    result = _AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    lines = []
    for violation in result.response["violations"]:
        for node in violation["nodes"]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"{where}: {violation['id']} ({violation['impact']}) at {' '.join(node['target'])}: "
                         f"{node['html'][:120]} -- {summary[:240]}")
    return lines


def heading_problems(page: Page, where: str) -> list[str]:
    """Headings in order: one h1, first; never a level skipped on the way down (h1 then h3)."""
    levels = page.eval_on_selector_all(
        "[data-testid='stMain'] :is(h1,h2,h3,h4,h5,h6)", "hs => hs.filter(h => h.offsetParent !== null)"
        ".map(h => [Number(h.tagName[1]), h.textContent.trim()])")
    problems = []
    if not levels or levels[0][0] != 1 or sum(1 for level, _ in levels if level == 1) != 1:
        problems.append(f"{where}: the page should open with its one h1, has {levels[:3]}")
    for (before, _), (level, text) in zip(levels, levels[1:], strict=False):
        if level > before + 1:
            problems.append(f"{where}: heading h{level} '{text}' follows an h{before} (a level skipped)")
    return problems


def ready(page: Page, heading: str, has_map: bool) -> None:
    page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=120_000)
    settled(page)
    if has_map:
        map_drawn(page)
    time.sleep(0.5)  # the last layout after the run (columns, the legend's size)


def test_no_axe_violation_on_any_page_nor_in_presentation_mode(app_url: str, browser: object) -> None:
    """Each page at 1366x768 after it settled, then in presentation mode: axe finds nothing; the page language is
    English and its headings are in order; on the Plan page the step to the next action is announced politely."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    outside = block_internet(page)
    problems: list[str] = []
    for path, (heading, has_map) in PAGES.items():
        page.goto(f"{app_url}/{path}")
        ready(page, heading, has_map)
        where = f"/{path}"
        if page.evaluate("document.documentElement.lang") != "en":
            problems.append(f"{where}: the page language is not set to English")
        problems += heading_problems(page, where)
        problems += axe_violations(page, where)
        page.locator(SIDEBAR).get_by_text("Presentation mode (for meetings)").click()
        page.get_by_role("button", name="Leave presentation").wait_for(timeout=60_000)
        settled(page)
        if has_map:
            map_drawn(page)
        problems += axe_violations(page, f"{where} in presentation mode")
        if path == "plan":  # the chair steps to the next action: the live region says which areas are outlined
            before = page.locator(".hiap-live").first.text_content()
            page.keyboard.press("ArrowDown")
            deadline = time.time() + 60
            while page.locator(".hiap-live").first.text_content() == before and time.time() < deadline:
                time.sleep(0.5)
            if "Outlined: " not in page.locator(".hiap-live").first.text_content():
                problems.append(f"/plan: stepping to an action is not announced: {before!r}")
    page.close()
    assert outside == [], f"requests left the machine: {outside}"
    assert not problems, f"{len(problems)} accessibility problems:\n" + "\n".join(problems)


PAGE_WIDTH = ("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth, "
              "document.querySelector('[data-testid=stMain]').scrollWidth)")
"""How wide the page's content is: Streamlit scrolls its main area, not the body, so that is measured too."""


REFLOW_SIZES = [(320, 640), (683, 384)]
"""320 CSS px (1280 px at 400% zoom, WCAG 1.4.10), then a 1366x768 screen at 200% zoom (WCAG 1.4.4)."""


def test_every_page_reflows_at_320_css_pixels_and_200_percent_zoom(app_url: str, browser: object) -> None:
    """At 320 CSS px wide, and at 200% zoom of a 1366x768 screen, the page never scrolls sideways (a map or a data
    table may scroll inside itself) and the page's heading is shown."""
    page = browser.new_page(viewport={"width": 320, "height": 640})
    outside = block_internet(page)
    problems: list[str] = []
    for path, (heading, has_map) in PAGES.items():
        page.goto(f"{app_url}/{path}")
        ready(page, heading, has_map)
        for width, height in REFLOW_SIZES:  # a resize reflows the page; Streamlit does not rerun
            page.set_viewport_size({"width": width, "height": height})
            time.sleep(0.5)
            wide = page.evaluate(PAGE_WIDTH)
            if wide > width:
                what = page.evaluate(
                    f"[...document.querySelectorAll('[data-testid=stMain] *')].filter(e => e.getBoundingClientRect()"
                    f".right > {width + 1} && !e.closest('[data-testid=stDataFrame], .hiap-map')).slice(0, 3)"
                    ".map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))")
                problems.append(f"/{path}: the page is {wide} px wide at {width} px: {what}")
            if not page.get_by_role("heading", name=heading, exact=True).is_visible():
                problems.append(f"/{path}: the heading is not shown at {width} px")
            page.screenshot(path=str(ARTIFACTS / f"reflow-{width}-{path or 'map'}.png"))
        page.set_viewport_size({"width": 320, "height": 640})
    page.close()
    assert outside == [], f"requests left the machine: {outside}"
    assert not problems, "\n".join(problems)


def focused(page: Page) -> dict[str, str]:
    """What has the keyboard focus: its role, accessible label and text."""
    return page.evaluate("(() => { const e = document.activeElement; return e ? {tag: e.tagName, "
                         "role: e.getAttribute('role') || '', label: e.getAttribute('aria-label') || '', "
                         "text: (e.innerText || '').trim().slice(0, 80)} : {}; })()")


def tab_to(page: Page, matches: object, most: int = 160, back: bool = False) -> None:
    """Press Tab (Shift+Tab ``back``) until the focused element matches (the way a keyboard user gets there)."""
    for _ in range(most):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if matches(focused(page)):
            return
    raise AssertionError(f"{most} presses of Tab never reached it; the focus is on {focused(page)}")


FOCUS_SHOWN = ("(() => { const e = document.activeElement, s = getComputedStyle(e); "
               "return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none' "
               "|| parseFloat(s.strokeWidth) >= 3; })()")
"""Whether the focused element shows a focus indicator (an outline, a ring, or a map area's thick edge)."""


def live_region(page: Page) -> str:
    return page.locator(".hiap-map-live").first.inner_text()


def test_find_an_area_read_it_and_open_its_profile_by_keyboard_alone(app_url: str, browser: object) -> None:
    """No mouse: Tab to the decile filter and narrow it (the live region says what the map now shows), Tab to an area
    on the map (named) and select it with Enter, back to "Find an area", type a name, read the area's panel beside the
    map, Tab to its profile link and open it."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    outside = block_internet(page)
    page.goto(app_url)
    ready(page, "Map explorer", True)
    assert live_region(page).startswith("The map shows Index of Multiple Deprivation: national decile for 69 LSOAs")
    assert "are in deciles 1 and 2" in page.locator("[data-testid='stMain']").inner_text()  # the map in words

    tab_to(page, lambda f: f["label"] == "Show only deciles 1 to")
    for _ in range(8):  # from 10 down to 2
        page.keyboard.press("ArrowLeft")
    deadline = time.time() + 60
    while "outside the band" not in live_region(page) and time.time() < deadline:
        time.sleep(0.5)
    assert "outside the band" in live_region(page), live_region(page)  # said politely, without moving the focus

    tab_to(page, lambda f: f["role"] == "button" and f["label"].startswith("E01"))  # an area on the map, named
    code = focused(page)["label"].split()[0]
    assert page.evaluate(FOCUS_SHOWN), "the focused area on the map shows no focus"
    page.keyboard.press("Enter")  # selects it, as a click does
    page.get_by_role("heading", name=code).wait_for(timeout=60_000)
    settled(page)

    tab_to(page, lambda f: f["label"] == "Find an area", back=True)
    page.keyboard.type("Tunbridge Wells 005A")
    page.keyboard.press("Enter")
    panel = page.get_by_role("heading", name="E01024840 Tunbridge Wells 005A")
    panel.wait_for(timeout=60_000)
    settled(page)
    info = page.locator("[data-testid='stColumn']", has=panel).inner_text()
    assert "Index of Multiple Deprivation" in info and "decile" in info, info[:400]

    tab_to(page, lambda f: "Open its profile" in f["text"])
    assert page.evaluate(FOCUS_SHOWN), "the focused link shows no focus"
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Area profile", exact=True).wait_for(timeout=60_000)
    page.get_by_role("heading", name="Tunbridge Wells 005A (E01024840)").wait_for(timeout=120_000)
    page.screenshot(path=str(ARTIFACTS / "keyboard-profile.png"))
    page.locator("[data-testid='stImage'] img").wait_for(timeout=60_000)
    assert axe_violations(page, "a profile") == []  # its map has a text alternative, its tables are read
    page.close()
    assert outside == [], f"requests left the machine: {outside}"


def area(f: dict[str, str]) -> bool:
    """Whether the focus is on an area of the map (a named button)."""
    return f.get("tag") == "path" and f["role"] == "button" and f["label"].startswith("E01")


def test_the_maps_areas_are_one_tab_stop_walked_with_arrows_and_keep_the_focus_when_chosen(
        app_url: str, browser: object) -> None:
    """Targeting at 1366x768 by keyboard: Tab reaches the map's areas once (69 Tab stops before, to get past the
    map), the arrow keys move from area to area, Enter chooses one and the focus stays on it through the rerun, so
    the next arrow or Tab carries on from there."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    outside = block_internet(page)
    page.goto(f"{app_url}/targeting")
    ready(page, "Targeting", True)
    page.get_by_role("heading", name="Targeting", exact=True).click()  # start the Tab order at the top of the page
    tab_to(page, area)
    first = focused(page)["label"]
    page.keyboard.press("Tab")
    assert not area(focused(page)), "a second Tab stop inside the map's areas"
    page.keyboard.press("Shift+Tab")
    assert focused(page)["label"] == first  # back on the same area
    page.keyboard.press("ArrowRight")
    second = focused(page)
    assert area(second) and second["label"] != first
    page.keyboard.press("Enter")  # choose it: the page reruns, the area is outlined and said above the map
    page.locator("[data-testid='stMarkdownContainer']", has_text="Selected:").first.wait_for(timeout=60_000)
    settled(page)
    assert focused(page)["label"].split(":")[0] == second["label"].split(":")[0], "the focus left the chosen area"
    assert page.evaluate(FOCUS_SHOWN), "the chosen area shows no focus"
    page.keyboard.press("ArrowLeft")
    assert focused(page)["label"] == first
    assert outside == [], f"requests left the machine: {outside}"
    page.close()


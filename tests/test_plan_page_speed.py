"""The Plan page opens quickly (issue 25): only the open tab runs, the choices made in a closed tab are kept, a link
can open a tab, and the page's modules load without the libraries only a download or a closed tab needs."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from hiap_geo.core import settings
from hiap_geo.views import plan as pm
from tests.test_plan_page import plan_page

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]


def test_the_plan_pages_modules_load_without_matplotlib_or_the_plan_check() -> None:
    """matplotlib (the PNG download, about 0.4-0.9 s to import) and the plan check's figure tables (pandera) are
    loaded when a map image is asked for or the Plan check tab opens, not on a first visit to the map."""
    code = ("import sys, app.plan_data, app.plan_map_panel, app.plan_progress, app.plan_widgets, app.plan_pack, "
            "hiap_geo.views.plan_page, hiap_geo.views.plan_map; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'matplotlib', 'pandera', 'reportlab', 'docx'}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=str(ROOT))
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'progress.sqlite'}"
    monkeypatch.setenv("HIAP_PROGRESS_DB", url)
    return url


def labels(at: AppTest) -> set[str]:
    return {w.label for w in (*at.radio, *at.selectbox, *at.slider, *at.toggle, *at.multiselect)}


def test_a_first_visit_runs_the_map_tab_alone(kent: str, db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Map tab opens; the coverage, the plan check and the review form are not worked out until their tab is."""
    worked_out: list[str] = []
    monkeypatch.setattr(pm, "plan_coverage", lambda *a, **k: worked_out.append("coverage"))
    at = plan_page()
    assert "Action or list to highlight" in labels(at) and "Geography" in labels(at)
    assert not {"Count as deprived", "History of", "Action"} & labels(at)
    assert not any("Figures the document states" in s.value for s in at.subheader)
    assert worked_out == []  # the default colours (actions or deprivation) need no coverage


@pytest.mark.parametrize(("tab", "shows"), [("Coverage", "Count as deprived"), ("Progress (HAT)", "History of"),
                                            ("Plan check", None)])
def test_each_tab_runs_when_open(kent: str, db: str, tab: str, shows: str | None) -> None:
    at = plan_page(plan_tab=tab)
    assert "Action or list to highlight" not in labels(at)
    if shows:
        assert shows in labels(at)
    else:
        assert any("Figures the document states" in s.value for s in at.subheader)


def test_choices_in_a_closed_tab_are_kept(kent: str, db: str) -> None:
    """Streamlit forgets the value of a widget it does not draw: the page keeps them across the other tabs."""
    at = plan_page(plan_tab="Coverage")
    at.slider(key="plan_cov_decile").set_value(2).run()
    at.toggle(key="plan_cov_local").set_value(True).run()
    at.session_state["plan_tab"] = "Map"
    at.run()
    at.radio(key="plan_level").set_value("ward").run()
    at.session_state["plan_tab"] = "Progress (HAT)"
    at.run()
    at.session_state["plan_tab"] = "Coverage"
    at.run()
    assert not at.exception, at.exception
    assert at.slider(key="plan_cov_decile").value == 2 and at.toggle(key="plan_cov_local").value
    at.session_state["plan_tab"] = "Map"
    at.run()
    assert at.radio(key="plan_level").value == "ward"


def test_the_map_coloured_by_coverage_follows_the_coverage_tabs_threshold(kent: str, db: str) -> None:
    """Colouring by coverage works the coverage out at the Coverage tab's threshold, while that tab is closed."""
    at = plan_page(plan_tab="Coverage")
    at.slider(key="plan_cov_decile").set_value(1).run()
    at.session_state["plan_tab"] = "Map"
    at.run()
    at.selectbox(key="plan_colour").set_value("coverage").run()
    assert not at.exception, at.exception
    shown = "\n".join(m.value for m in at.markdown)
    assert "10% most deprived" in shown or "decile 1" in shown.lower(), shown[:2000]
    assert not at.warning or all("coverage threshold cannot" not in w.value for w in at.warning)


def test_a_link_opens_a_tab(kent: str, db: str) -> None:
    at = AppTest.from_file(str(settings.PROJECT_ROOT / "app.py"), default_timeout=180)
    at.run()
    at.query_params["tab"] = "Coverage"
    at.switch_page("app/pages/plan.py").run()
    assert not at.exception, at.exception
    assert "Count as deprived" in labels(at)


def test_a_linked_plan_is_the_lists_choice_in_every_run(kent: str, db: str) -> None:
    """A browser draws a list from whichever run reaches it first, so every run names the linked plan (and the
    review's action) as the list's choice, not only the run that chose it: a tab clicked before the first run was on
    screen showed the first plan of the list, and sent it back (the team browser test, on a loaded CI machine)."""
    at = AppTest.from_file(str(settings.PROJECT_ROOT / "app.py"), default_timeout=180)
    at.run()
    at.query_params["plan"] = "tunbridge-wells-2023-25"
    at.switch_page("app/pages/plan.py").run()
    chosen = at.selectbox(key="plan_choice")
    assert chosen.value == "file:tunbridge-wells-2023-25.yaml" and chosen.index > 0  # not the list's first
    at.session_state["plan_tab"] = "Progress (HAT)"
    at.run()
    assert not at.exception, at.exception
    again = at.selectbox(key="plan_choice")
    assert again.value == chosen.value and again.proto.default == chosen.index
    at.session_state["plan_review_action"] = "3.4"  # as a click on action 3.4's areas sets it
    at.session_state["plan_review_note"] = "Clinics booked"
    at.run()
    action = at.selectbox(key="plan_review_action")
    assert action.value == "3.4" and action.proto.default == action.options.index(action.format_func("3.4")) > 0


@pytest.mark.browser
def test_a_switch_on_the_plan_map_keeps_the_zoom_and_sends_no_geometry(app_url: str, browser: object) -> None:
    """Issue 25 on the Plan page at 1366x768: a colour switch keeps the user's zoom; it and a highlighted action send
    colours and codes, no geometry, and fetch no map file again; a switch in the Coverage tab sends none either."""
    from tests.browser_support import block_internet, map_box, map_frame
    from tests.test_map_speed_browser import (
        SWITCH_MESSAGE_LIMIT,
        Recorder,
        geometry_probe,
        legend_text,
        map_state,
        same_view,
        settle,
        wait_for_legend,
    )

    page = browser.new_page(viewport={"width": 1366, "height": 768})
    outside = block_internet(page)
    record = Recorder(page)
    page.goto(f"{app_url}/plan?plan=tunbridge-wells-2023-25")
    map_frame(page, timeout_s=120)
    page.wait_for_selector("[data-drawn]", state="attached", timeout=60_000)
    settle(page)
    files = record.map_files_since(0)
    probe = geometry_probe(page, next(u for u in files if "/geometry-" in u))
    box = map_box(page)  # zoom in with the wheel, as a person does
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + min(box["height"], 768 - box["y"]) * 0.5)
    page.mouse.wheel(0, -300)
    settle(page)
    before = map_state(page)

    def sent_no_geometry(t0: float, what: str) -> None:
        frames = record.frames_since(t0)
        assert frames, f"{what}: the rerun sent nothing"
        assert max(len(f) for f in frames) < SWITCH_MESSAGE_LIMIT, (what, sorted(len(f) for f in frames)[-3:])
        assert not [f for f in frames if probe in f], f"{what}: geometry travelled with the rerun"
        assert record.map_files_since(t0) == [], f"{what}: a map file was fetched again"

    legend, t0 = legend_text(page), time.perf_counter()
    page.get_by_role("combobox", name="Colour areas by").click()
    page.locator("[role=option][aria-selected=false]").first.click()  # another colour than the one shown
    wait_for_legend(page, legend)
    settle(page, 2)
    after = map_state(page)
    assert same_view(before["view"], after["view"]), f"the colour switch moved the map: {before} -> {after}"
    sent_no_geometry(t0, "colour")

    legend, t0 = legend_text(page), time.perf_counter()
    page.get_by_role("combobox", name="Action or list to highlight").click()
    page.keyboard.type("Action 3.4")  # the list is long: typed, as a chair may
    page.get_by_role("option", name="Action 3.4", exact=False).first.click()
    wait_for_legend(page, legend, containing="Areas of action 3.4")
    settle(page, 2)
    sent_no_geometry(t0, "highlight")

    page.get_by_role("tab", name="Coverage").click()
    local = page.get_by_text("Local deciles", exact=True)  # the plan's areas are IoD 2019's: deciles only
    local.wait_for(timeout=60_000)
    t0 = time.perf_counter()
    local.click()
    page.get_by_text("within-district", exact=False).first.wait_for(timeout=60_000)
    settle(page, 2)
    frames = record.frames_since(t0)
    assert frames and not [f for f in frames if probe in f] and record.map_files_since(t0) == []
    assert outside == [], f"requests left the machine: {outside}"
    page.close()

"""The Plan page: its library (hiap_geo.views.plan, plan_map and plan_reviews) on the real Tunbridge Wells plan,
every widget and bad state through AppTest, and the page in a real browser with no internet."""

from __future__ import annotations

import json
import re
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from hiap_geo.core import settings
from hiap_geo.core.text import escape_markdown
from hiap_geo.geo.layers import load_layer
from hiap_geo.indicators.compare import compare
from hiap_geo.indicators.readers import load_indicators
from hiap_geo.plans.bundle import ImportReport
from hiap_geo.plans.check import check_plan, discrepancies_frame
from hiap_geo.plans.figures.claims import CLAIM_COLUMNS
from hiap_geo.plans.load import parse_plan, read_plan
from hiap_geo.plans.progress import ProgressStore
from hiap_geo.plans.schema import PLANS_DIR, PlanFileError, TargetError
from hiap_geo.views import plan as pm
from hiap_geo.views import plan_map as pmap
from hiap_geo.views import plan_reviews as rv
from hiap_geo.views.explorer import MISSING_CELL, areas_of
from hiap_geo.views.tables import blank_cells

pytestmark = pytest.mark.integration

TW_PLAN = PLANS_DIR / "tunbridge-wells-2023-25.yaml"
TW = "E07000116"
# The LSOAs the Tunbridge Wells plan lists as its areas of deprivation (E01024841 is listed twice).
TW_DEPRIVED = {"E01024831", "E01024841", "E01024842", "E01024843", "E01024840"}
SCRIPT = "<script>alert('x')</script>"


def plan_yaml(*, plan_id: str = "test-plan", title: str = "A test plan",
              area: tuple[str, str] = (TW, "Tunbridge Wells"), action_title: str = "Stop smoking clinics",
              list_title: str = "Deprived areas") -> str:
    """A small valid plan: one action on two named LSOAs, one naming no place, one list of areas."""
    q = json.dumps
    return f"""schema_version: 1
id: {plan_id}
title: {q(title)}
area: {{code: {area[0]}, name: {q(area[1])}}}
period: 2024-25
edition: 2019
source: {{title: A test document, publisher: Tests}}
transcription: {{by: tests, date: 2026-01-01}}
priorities:
  - {{id: "1", title: Smoking}}
  - {{id: "2", title: Activity}}
area_lists:
  - id: deprived
    title: {q(list_title)}
    ref: page 1
    entries:
      - {{text: E01024840, code: E01024840}}
actions:
  - id: "1.1"
    priority: "1"
    title: {q(action_title)}
    partners: [One You Kent]
    ref: row 1
    target_areas: [{{kind: codes, codes: [E01024840, E01024831]}}]
  - id: "2.1"
    priority: "2"
    title: Walks
    ref: row 2
    target_areas: [{{kind: district, specified: false}}]
"""


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh progress database for the test, used by the page through HIAP_PROGRESS_DB."""
    url = f"sqlite:///{tmp_path / 'progress.sqlite'}"
    monkeypatch.setenv("HIAP_PROGRESS_DB", url)
    return url


@pytest.fixture(scope="module")
def tw_reach(kent: str) -> pm.PlanReach:
    return pm.plan_reach(read_plan(TW_PLAN).plan)


# ---------------------------------------------------------------------------------------------
# The library
# ---------------------------------------------------------------------------------------------


def test_markdown_escaping_shows_html_as_text() -> None:
    assert escape_markdown(SCRIPT) == "&lt;script&gt;alert\\('x'\\)&lt;/script&gt;"
    assert escape_markdown("*bold* [link](http://x) # 1.2") == "\\*bold\\* \\[link\\]\\(http\\:\u2060//x\\) \\# 1\\.2"


def test_every_status_has_a_text_label_beside_its_symbol() -> None:
    assert [rv.status_text(s) for s in ("not_started", "on_track", "at_risk", "done", None)] == [
        "⚪ Not started", "🟢 On track", "🟠 At risk", "✅ Done", "— No status"]


def test_action_3_4_reaches_the_deprived_lsoas_the_plan_lists(tw_reach: pm.PlanReach) -> None:
    lsoa = tw_reach.lsoa
    assert set(lsoa.loc[lsoa["action_id"] == "3.4", "code"]) == TW_DEPRIVED
    assert (lsoa.loc[lsoa["action_id"] == "3.4", "reach"] == "lsoa").all()
    assert lsoa.loc[lsoa["action_id"] == "1.1", "code"].nunique() == 68  # names no place: the whole district
    wards = tw_reach.lookup.loc[tw_reach.lookup["lsoa_code"].isin(TW_DEPRIVED), "ward_code"]
    ward = tw_reach.ward
    assert set(ward.loc[ward["action_id"] == "3.4", "code"]) == set(wards) and len(set(wards)) == 3
    assert set(ward.loc[ward["action_id"] == "3.4", "reach"]) == {"lsoa"}  # names some of their LSOAs
    assert tw_reach.unresolved == ()

    counts = pm.area_counts(lsoa, tw_reach.lookup["lsoa_code"], set(lsoa["action_id"]))
    assert set(counts.index[counts["named"] == 1]) == TW_DEPRIVED
    assert counts["named"].sum() == 5 and (counts["district_wide"] == 36).all()
    assert counts.at["E01024840", "named_ids"] == "3.4"
    none_shown = pm.area_counts(lsoa, tw_reach.lookup["lsoa_code"], ["1.1"])
    assert none_shown["named"].sum() == 0 and (none_shown["district_wide"] == 1).all()


def test_actions_at_an_area_put_the_actions_naming_it_first(tw_reach: pm.PlanReach) -> None:
    actions = rv.actions_table(tw_reach.plan, rv.empty_history())
    here = pm.actions_at(tw_reach, "lsoa", "E01024840", actions)
    assert here.iloc[0]["action_id"] == "3.4" and bool(here.iloc[0]["specific"])
    assert "areas-of-deprivation" in here.iloc[0]["how"]
    assert len(here) == 37 and int((~here["specific"]).sum()) == 36
    elsewhere = pm.actions_at(tw_reach, "lsoa", "E01024795", actions)  # deprived but in no list
    assert not elsewhere["specific"].any()
    sherwood = tw_reach.lookup.set_index("lsoa_code").at["E01024840", "ward_code"]
    by_ward = pm.actions_at(tw_reach, "ward", sherwood, actions[actions["priority_id"] == "3"])
    assert by_ward["action_id"].tolist()[0] == "3.4" and "its LSOA E010248" in by_ward.iloc[0]["how"]
    with pytest.raises(pm.PlanPageError, match="not an LSOA of the plan's area"):
        pm.actions_at(tw_reach, "lsoa", "E01000001", actions)


def test_filters_by_priority_partner_and_status(tw_reach: pm.PlanReach) -> None:
    plan = tw_reach.plan
    history = pd.DataFrame({"review_id": ["a", "b"], "action_id": ["3.4", "3.4"],
                            "review_date": [date(2024, 1, 1), date(2024, 4, 1)], "status": ["on_track", "at_risk"],
                            "status_label": ["", ""], "note": ["first", "second"], "reviewer": [None, None],
                            "recorded_at": [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-04-01")]})
    actions = rv.actions_table(plan, history)
    assert rv.filter_actions(actions, priorities=["3"])["action_id"].tolist() == ["3.1", "3.2", "3.3", "3.4", "3.5"]
    assert rv.filter_actions(actions, partners=["Change Grow Live (CGL)"])["action_id"].tolist() == ["3.5"]
    at_risk = rv.filter_actions(actions, statuses=["🟠 At risk"])
    assert at_risk["action_id"].tolist() == ["3.4"] and at_risk.iloc[0]["note"] == "second"  # the latest review
    assert len(rv.filter_actions(actions, statuses=["— No status"])) == 36
    assert rv.filter_actions(actions, priorities=["1"], partners=["Change Grow Live (CGL)"]).empty
    assert "Change Grow Live (CGL)" in rv.partner_options(actions)


def test_highlights_and_the_areas_of_an_action(tw_reach: pm.PlanReach) -> None:
    assert pmap.highlight(tw_reach, "lsoa", "action:3.4").codes == TW_DEPRIVED
    listed = pmap.highlight(tw_reach, "lsoa", "list:areas-of-deprivation")
    assert listed.codes == TW_DEPRIVED and listed.label.startswith("Listed in the document: Areas of deprivation")
    assert len(pmap.highlight(tw_reach, "ward", "list:areas-of-deprivation").codes) == 3
    table = pm.action_areas(tw_reach, "lsoa", "3.4")
    assert set(table["code"]) == TW_DEPRIVED and table["how"].str.contains("areas-of-deprivation").all()
    assert (pm.action_areas(tw_reach, "lsoa", "1.1")["how"] == "whole district").all()
    for bad in ("action:9.9", "list:nope", "rule:x"):
        with pytest.raises(pm.PlanPageError):
            pmap.highlight(tw_reach, "lsoa", bad)


def test_coverage_follows_the_filters_and_the_documents_own_threshold(tw_reach: pm.PlanReach) -> None:
    plan = tw_reach.plan
    threshold = pm.default_threshold(plan)
    assert threshold == pm.CoverageThreshold("imd", 4, "national")  # "the 40% most deprived", as the document says
    every = pm.plan_coverage(tw_reach, [a.id for a in plan.actions], threshold)
    assert set(every.deprived["lsoa_code"]) == TW_DEPRIVED | {"E01024795"}
    assert every.uncovered["lsoa_code"].tolist() == ["E01024795"]  # the LSOA the plan check says the list omits
    only_walks = pm.plan_coverage(tw_reach, ["4.5"], threshold)
    assert len(only_walks.uncovered) == 6 and only_walks.placeless_actions["action_id"].tolist() == ["4.5"]
    table = pm.coverage_export(every.deprived)
    assert set(table.loc[table["named by an action"] == "yes", "LSOA"]) == TW_DEPRIVED
    assert (table["district-wide actions"] == 36).all()
    assert pm.default_threshold(parse_plan(plan_yaml()).plan) == pm.CoverageThreshold()


def worse_than_england(indicator: str, level: str, district: str = TW) -> set[str]:
    """The district's LSOAs that indicators.compare marks worse than England: the Indicators page's long format,
    not the plan code."""
    data = load_indicators([district])
    rows = data[(data["indicator_id"] == indicator) & (data["area_type"] == "lsoa")]
    compared = compare(rows, data[data["area_type"] == "england"], level=level)
    return set(compared.loc[compared["comparison"] == "worse", "area_code"])


def test_coverage_by_an_indicator_worse_than_england(kent: str, tw_reach: pm.PlanReach) -> None:
    assert set(pm.coverage_indicators()) == {"census21_disability", "census21_hh_deprived_1plus",
                                             "census21_hh_deprived_2plus"}  # per LSOA, with limits and polarity
    plan = parse_plan(plan_yaml().replace("edition: 2019", "edition: 2025")).plan
    reach = pm.plan_reach(plan)
    threshold = pm.CoverageThreshold(indicator="census21_disability")
    cover = pm.plan_coverage(reach, ["1.1", "2.1"], threshold)
    worse = worse_than_england("census21_disability", "95")
    assert cover.basis == "indicator" and set(cover.deprived["lsoa_code"]) == worse
    assert "significantly worse than England (95%) on Disabled under the Equality Act" in cover.threshold
    named = worse & {"E01024840", "E01024831"}  # action 1.1 names these two LSOAs
    assert named and set(cover.uncovered["lsoa_code"]) == worse - named
    table = pm.coverage_export(cover.deprived)
    assert {"value", "England value", "compared with England"} <= set(table.columns) and "decile" not in table
    assert set(table["compared with England"]) == {"Worse (95%)"}
    assert set(table.loc[table["named by an action"] == "yes", "LSOA"]) == named
    strict = pm.plan_coverage(reach, ["1.1", "2.1"], pm.CoverageThreshold(indicator="census21_disability", level=99.8))
    assert set(strict.deprived["lsoa_code"]) == worse_than_england("census21_disability", "998") < worse

    layer = areas_of(load_layer(kent, "lsoa", 2025, display=True), "lsoa", 2025, (TW,))
    drawn = pmap.plan_map(layer, "lsoa", "coverage", reach, ["1.1", "2.1"], cover=cover).areas.set_index("code")
    assert set(drawn.index[drawn["value"] != "Not deprived at this threshold"]) == worse
    assert drawn.loc[sorted(named), "value"].eq("Deprived; an action names it").all()

    # The Tunbridge Wells plan is on IoD 2019 areas (LSOA 2011): refused, saying what to do.
    with pytest.raises(TargetError, match="'edition: 2025' at the top of the file"):
        pm.plan_coverage(tw_reach, ["3.4"], threshold)
    with pytest.raises(pm.PlanPageError, match="99.8"):
        pm.plan_coverage(reach, ["1.1"], pm.CoverageThreshold(indicator="census21_disability", level=90))


def test_plan_map_colours_outlines_and_escapes(kent: str, tw_reach: pm.PlanReach) -> None:
    layer = areas_of(load_layer(kent, "lsoa", 2019, display=True), "lsoa", 2019, (TW,))
    ids = [a.id for a in tw_reach.plan.actions]
    chosen = pmap.highlight(tw_reach, "lsoa", "action:3.4")
    drawn = pmap.plan_map(layer, "lsoa", "count", tw_reach, ids, chosen=chosen)
    assert len(drawn.areas) == 68
    assert drawn.areas.set_index("code").loc[sorted(TW_DEPRIVED), "value"].eq("1 action").all()
    assert (drawn.areas["value"] == "0: no action names it").sum() == 63
    view = pmap.plan_map_view(drawn).payload  # the recolouring map's payload: codes outlined, no geometry
    assert "Areas of action 3.4" in view["legend"] and view["highlight"]["color"] == pmap.HIGHLIGHT_COLOUR
    assert sorted(drawn.areas["code"].iloc[view["selected"]]) == sorted(TW_DEPRIVED)
    assert "https://" not in json.dumps({k: v for k, v in view.items() if k != "basemap"})

    cover = pm.plan_coverage(tw_reach, ids, pm.CoverageThreshold("imd", 4))
    by_cover = pmap.plan_map(layer, "lsoa", "coverage", tw_reach, ids, cover=cover).areas.set_index("code")["value"]
    assert by_cover["E01024795"] == "Deprived; no action names it"
    assert by_cover["E01024840"] == "Deprived; an action names it"
    deprivation = pmap.plan_map(layer, "lsoa", "deprivation", tw_reach, ids).areas.set_index("code")["value"]
    assert deprivation["E01024840"] == 2
    with pytest.raises(pm.PlanPageError, match="by LSOA"):
        pmap.plan_map(layer, "ward", "coverage", tw_reach, ids, cover=cover)

    hostile = parse_plan(plan_yaml(list_title=SCRIPT)).plan
    reach = pm.plan_reach(hostile)
    shown = pmap.plan_map(layer, "lsoa", "count", reach, ["1.1"], chosen=pmap.highlight(reach, "lsoa", "list:deprived"))
    html = pmap.plan_map_view(shown).payload["legend"]  # the only HTML the map is sent; names travel as text
    assert SCRIPT not in html and "&lt;script&gt;" in html
    assert pmap.area_clicked(shown, 0.0, 0.0) is None
    centre = shown.areas.set_index("code").at["E01024840", "geometry"].representative_point()
    assert pmap.area_clicked(shown, centre.y, centre.x) == "E01024840"


def test_reviews_are_added_never_overwritten_and_export_round_trips(kent: str, tmp_path: Path) -> None:
    loaded = read_plan(TW_PLAN)
    store = ProgressStore(f"sqlite:///{tmp_path / 'a.sqlite'}")
    rv.record_review(store, loaded, "3.4", "on_track", date(2024, 1, 16), "Clinics booked")
    rv.record_review(store, loaded, "3.4", "at_risk", date(2024, 4, 16), "Venue lost", "HAT chair")
    with pytest.raises(pm.PlanPageError, match="no action '9.9'"):
        rv.record_review(store, loaded, "9.9", "done", date(2024, 4, 16))
    history = store.history(loaded.plan.id)
    assert history["status"].tolist() == ["on_track", "at_risk"]
    status = rv.current_status(loaded.plan, history).set_index("action_id")
    assert status.at["3.4", "status_text"] == "🟠 At risk" and status.at["3.4", "reviews"] == 2
    exported = rv.history_export(history, loaded.plan)
    assert exported["status"].tolist() == ["🟢 On track", "🟠 At risk"] and exported["title"].str.startswith(
        "Target stop smoking").all()

    bundle = rv.export_bytes(store, loaded)
    other = ProgressStore(f"sqlite:///{tmp_path / 'b.sqlite'}")
    report = other.import_bundle(bundle, "export.json")
    assert report.reviews_added == 2
    imported = other.history(loaded.plan.id)
    assert (imported["imported_by"] == "local user").all()  # an import says who imported each review
    assert imported.drop(columns=["recorded_at", "imported_by"]).equals(history.drop(columns=["recorded_at",
                                                                                            "imported_by"]))


def test_the_page_texts_come_from_the_views(tw_reach: pm.PlanReach) -> None:
    plan = tw_reach.plan
    assert pm.plan_caption(plan).endswith("Areas are those of IoD 2019 (LSOA 2011, wards 2019).")
    with pytest.raises(PlanFileError) as bad:
        parse_plan("title: [unclosed", "bad.yaml")
    assert all(line.startswith("line ") for line in pm.problem_lines(bad.value))
    cover = pm.plan_coverage(tw_reach, [a.id for a in plan.actions], pm.default_threshold(plan))
    summary = pm.coverage_summary(cover, plan.edition)
    assert summary.startswith("**Deprived LSOAs: ") and f"**{len(cover.uncovered)} named by none**" in summary
    assert pmap.colour_modes("ward") == ["count", "deprivation"] and "coverage" in pmap.colour_modes("lsoa")
    lines, note = pmap.highlight_listing(pm.action_areas(tw_reach, "lsoa", "3.4"), "lsoa")
    assert len(lines) == len(TW_DEPRIVED) and note is None
    lines, note = pmap.highlight_listing(pm.action_areas(tw_reach, "lsoa", "1.1"), "lsoa")
    assert lines == [] and note is not None and "whole district" in note
    assert rv.default_review_action(plan, "action:3.4") == "3.4"
    assert rv.default_review_action(plan, "list:areas-of-deprivation") == rv.default_review_action(plan) == "1.1"
    recorded = rv.review_message("3.4", "at_risk", date(2024, 4, 16))
    assert recorded == "Recorded 🟠 At risk for action 3\\.4 on 16 April 2024."
    imported = rv.import_message(ImportReport("other-plan", 1, 2, 0), "tunbridge-wells-2023-25")
    assert imported.endswith("Choose 'other\\-plan' in the plan list above to see it.")
    history = pd.DataFrame({"review_id": ["a", "b"], "action_id": ["3.4", "1.1"], "review_date": [date(2024, 1, 1)] * 2,
                            "status": ["done", "at_risk"], "status_label": ["Done", "At risk"], "note": ["", ""],
                            "reviewer": [None, None], "recorded_at": [None, None]})
    assert rv.history_export(history, plan, "3.4")["action"].tolist() == ["3.4"]


def test_plan_choices_list_shipped_stored_and_upload(kent: str) -> None:
    choices = pm.plan_choices(["tunbridge-wells-2023-25", "imported-plan"])
    keys = [c.key for c in choices]
    assert keys[-1] == pm.UPLOAD and "stored:imported-plan" in keys
    assert "stored:tunbridge-wells-2023-25" not in keys  # the shipped file is used for a shipped plan
    assert pm.choice_for(choices, None, [TW]) == "file:tunbridge-wells-2023-25.yaml"
    assert pm.choice_for(choices, "imported-plan", [TW]) == "stored:imported-plan"
    assert pm.choice_for(choices, None, ["E07000111"]).startswith("file:sevenoaks")
    with pytest.raises(pm.PlanPageError):
        pm.plan_text("nothing:here")


# ---------------------------------------------------------------------------------------------
# The page through AppTest
# ---------------------------------------------------------------------------------------------


def plan_page(**state: object) -> AppTest:
    at = AppTest.from_file(str(settings.PROJECT_ROOT / "app.py"), default_timeout=180)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page("app/pages/plan.py").run()
    assert not at.exception, at.exception
    return at


def open_tab(at: AppTest, name: str) -> AppTest:
    """Open one of the page's tabs (only the open tab's body runs)."""
    at.session_state["plan_tab"] = name
    at.run()
    assert not at.exception, at.exception
    return at


PROGRESS = "Progress (HAT)"


def plain(markdown: str) -> str:
    """Markdown source as a reader sees it: backslash escapes removed (HTML entities stay, as the page sends them)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")  # and the word joiners after colons


def texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.title, *at.header, *at.subheader, *at.markdown, *at.caption)]
    parts += [e.value for e in (*at.warning, *at.info, *at.error, *at.success)]
    parts += [e.label for e in at.expander]
    return plain("\n".join(str(p) for p in parts))


def error(at: AppTest) -> str:
    return plain(at.error[0].value)


def success(at: AppTest) -> str:
    return plain(at.success[0].value)


def frames(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


def record_button(at: AppTest) -> object:
    return next(b for b in at.button if b.label in ("Record review", "Record correction"))


def record_and_confirm(at: AppTest) -> AppTest:
    """The form's button asks first; Confirm records."""
    record_button(at).click().run()
    assert not at.exception, at.exception
    at.button(key="plan_review_confirm").click().run()
    assert not at.exception, at.exception
    return at


def upload_plan(at: AppTest, content: bytes, name: str = "plan.yaml") -> AppTest:
    at.selectbox(key="plan_choice").set_value(pm.UPLOAD).run()
    at.file_uploader(key="plan_upload").upload(name, content, "application/yaml").run()
    assert not at.exception, at.exception
    return at


def test_page_opens_on_the_tunbridge_wells_plan(kent: str, db: str) -> None:
    at = plan_page()
    shown = texts(at)
    assert at.selectbox(key="plan_choice").value == "file:tunbridge-wells-2023-25.yaml"
    assert at.header[0].value == "Health Inequalities Action Plan 2023\\-25"
    assert "Showing 37 of 37 actions; 36 of them name no place" in shown
    assert "Click an area on the map" in shown
    assert "Download actions (CSV)" in [b.label for b in at.get("download_button")]
    shown = texts(open_tab(at, "Plan check"))
    assert "**4 discrepancies**" in shown and "Decile the IMD does not give" in shown
    assert "Download the report (CSV)" in [b.label for b in at.get("download_button")]
    assert "**1 named by none**" in texts(open_tab(at, "Coverage"))
    deprived = [f for f in frames(at) if "named by an action" in f]
    assert deprived[0]["LSOA"].tolist() == ["E01024795"] and len(deprived[1]) == 6
    assert [b.label for b in at.get("download_button")].count("Download (CSV)") == 4
    open_tab(at, PROGRESS)
    assert "Download the plan with its history (JSON)" in [b.label for b in at.get("download_button")]
    assert ProgressStore(db).counts() == {"plans": 0, "plan_versions": 0, "reviews": 0}  # viewing stores nothing


def test_no_district_in_the_sidebar_still_maps_the_plans_own_area(kent: str, db: str) -> None:
    at = plan_page(districts=[])
    assert at.selectbox(key="plan_choice").value.startswith("file:")
    assert "Showing" in texts(at) and "Click an area on the map" in texts(at)


def test_filters_narrow_the_actions_and_the_coverage(kent: str, db: str) -> None:
    at = plan_page(plan_tab="Coverage")
    at.multiselect(key="plan_priorities").set_value(["3"]).run()
    assert "Showing 5 of 37 actions" in texts(at)
    at.multiselect(key="plan_partners").set_value(["Change Grow Live (CGL)"]).run()
    assert "Showing 1 of 37 actions" in texts(at)
    assert "**6 named by none**" in texts(at)  # action 3.5 names no place: no deprived area is named
    at.multiselect(key="plan_partners").set_value([]).run()
    at.multiselect(key="plan_statuses").set_value(["🟢 On track"]).run()
    assert "Showing 0 of 37 actions" in texts(at) and not at.exception


def test_coverage_controls_by_indicator(kent: str, db: str) -> None:
    at = plan_page(plan_tab="Coverage")  # Tunbridge Wells: IoD 2019 areas, so no indicator is offered
    assert at.radio(key="plan_cov_basis").options == ["Deciles of the IMD or a domain"]  # never a dead end
    assert "published for LSOA 2021 areas, which are not the same, so deprived areas are counted here by deciles " \
           "only" in texts(at)
    assert not at.warning and not at.exception

    upload_plan(at, plan_yaml().replace("edition: 2019", "edition: 2025").encode())
    at.radio(key="plan_cov_basis").set_value("indicator").run()
    assert not at.exception and not at.warning
    worse = worse_than_england("census21_disability", "95")
    shown = texts(at)
    assert "**LSOAs significantly worse than England (95%) on Disabled under the Equality Act" in shown
    every = next(f for f in frames(at) if "compared with England" in f and len(f) == len(worse))
    assert set(every["LSOA"]) == worse and set(every["compared with England"]) == {"Worse (95%)"}
    at.radio(key="plan_cov_level").set_value(99.8).run()
    strict = worse_than_england("census21_disability", "998")
    assert any(set(f.get("LSOA", [])) == strict and "compared with England" in f for f in frames(at))
    at.selectbox(key="plan_cov_indicator").set_value("census21_hh_deprived_2plus").run()
    deprived = worse_than_england("census21_hh_deprived_2plus", "998")
    assert any(set(f.get("LSOA", [])) == deprived and "compared with England" in f for f in frames(at))
    open_tab(at, "Map").selectbox(key="plan_colour").set_value("coverage").run()  # the map colours the same LSOAs
    assert not at.exception and not at.warning
    open_tab(at, "Coverage").radio(key="plan_cov_basis").set_value("decile").run()
    assert "Deprived LSOAs" in texts(at) and not at.exception


@pytest.mark.parametrize(("level", "mode"), [("lsoa", "count"), ("lsoa", "coverage"), ("lsoa", "deprivation"),
                                             ("ward", "count"), ("ward", "deprivation")])
def test_every_level_and_colour(kent: str, db: str, level: str, mode: str) -> None:
    at = plan_page(plan_level=level)
    at.selectbox(key="plan_colour").set_value(mode).run()
    assert not at.exception
    if level == "ward":
        assert "coverage" not in at.selectbox(key="plan_colour").options


def test_choosing_an_action_lists_and_outlines_its_areas(kent: str, db: str) -> None:
    at = plan_page()
    at.selectbox(key="plan_highlight").set_value("action:3.4").run()
    shown = texts(at)
    assert "Areas of action 3.4: 5 LSOAs" in shown
    listed = pm.action_areas(pm.plan_reach(read_plan(TW_PLAN).plan), "lsoa", "3.4")
    assert set(listed["code"]) == set(TW_DEPRIVED)
    for area in listed.itertuples():  # by name and ward (issue 23), not the resolver's "code E01... (LSOA 2011)"
        assert f"{area.name}, {area.ward} ward" in shown
    at.selectbox(key="plan_highlight").set_value("list:areas-of-deprivation").run()
    assert "Listed in the document" in texts(at) and not at.exception


def test_a_clicked_area_lists_the_actions_that_reach_it(kent: str, db: str) -> None:
    at = plan_page(plan_area="E01024840")  # what a click on Sherwood's most deprived LSOA stores
    shown = texts(at)
    assert "### E01024840 Tunbridge Wells 005A" in shown
    assert "**Actions that name this area: 1**" in shown and "**3.4** Target stop smoking" in shown
    assert "36 more reach it only as part of the whole district" in shown
    at = plan_page(plan_area="E01024795")
    assert "**Actions that name this area: 0**" in texts(at)


def test_another_plan_can_be_chosen(kent: str, db: str) -> None:
    at = plan_page()
    at.selectbox(key="plan_choice").set_value("file:sevenoaks-mind-the-gap-2013-15.yaml").run()
    assert not at.exception
    assert "MIND THE GAP" in at.header[0].value
    assert "Showing 58 of 58 actions" in texts(at)


def test_a_bad_plan_upload_names_line_and_field_and_stores_nothing(kent: str, db: str) -> None:
    at = plan_page()
    upload_plan(at, b"schema_version: 1\nid: x\ntitle: [unclosed\n")
    assert "line" in error(at) and "bad YAML" in error(at)
    assert "nothing from it was stored" in error(at)
    unknown = plan_yaml().replace("period: 2024-25", "period: 2024-25\ncolour: red").encode()
    upload_plan(at, unknown)
    assert "line 6, colour: unknown field 'colour'" in error(at)
    wrong_type = plan_yaml().replace("edition: 2019", "edition: twenty").encode()
    upload_plan(at, wrong_type)
    assert "line 6, edition: Input should be 2019 or 2025 (got 'twenty')" in error(at)
    upload_plan(at, b"\xff\xfe not text")
    assert "not UTF-8" in error(at)
    assert ProgressStore(db).counts() == {"plans": 0, "plan_versions": 0, "reviews": 0}


def test_script_in_plan_text_shows_as_text(kent: str, db: str) -> None:
    at = plan_page()
    upload_plan(at, plan_yaml(title=SCRIPT, action_title=f"<b>bold</b> {SCRIPT}").encode())
    assert not at.error
    assert at.header[0].value == escape_markdown(SCRIPT)
    at.session_state["plan_area"] = "E01024840"
    at.run()
    shown = texts(at)
    assert "&lt;b&gt;bold&lt;/b&gt; &lt;script&gt;" in shown
    assert "<script>" not in shown and "<b>" not in shown


def test_a_plan_for_a_district_without_layers_still_shows_coverage_and_check(kent: str, db: str) -> None:
    at = plan_page()
    hartlepool = plan_yaml(area=("E06000001", "Hartlepool")).replace("E01024840, E01024831", "E01011950")
    upload_plan(at, hartlepool.replace("{text: E01024840, code: E01024840}", "{text: x, code: E01011950}").encode())
    assert "No map layers are built for Hartlepool (E06000001)" in texts(at)  # named, not a bare code
    assert "Deprived LSOAs" in texts(open_tab(at, "Coverage")) and not at.error
    assert "Figures the document states, checked" in texts(open_tab(at, "Plan check")) and not at.error


def test_a_plan_whose_area_has_no_lsoas_is_a_clear_error(kent: str, db: str) -> None:
    at = plan_page()
    upload_plan(at, plan_yaml(area=("E07999999", "Nowhere")).encode())
    assert "cannot be placed on the map" in error(at) and "E07999999" in error(at)


def test_recording_reviews_keeps_every_one(kent: str, db: str) -> None:
    at = plan_page(plan_tab=PROGRESS, plan_highlight="action:3.4")
    assert at.selectbox(key="plan_review_action").value == "3.4"  # the highlighted action is offered first
    at.radio(key="plan_review_status").set_value("on_track")
    at.date_input(key="plan_review_date").set_value(date.today() - timedelta(days=90))
    at.text_area(key="plan_review_note").input("Clinics booked")
    record_and_confirm(at)
    assert "Recorded 🟢 On track for action 3.4" in success(at)
    at.radio(key="plan_review_status").set_value("at_risk")
    at.text_area(key="plan_review_note").input("Venue lost")
    at.text_input(key="plan_review_reviewer").input("HAT chair")
    record_and_confirm(at)
    assert not at.exception
    history = next(f for f in frames(at) if "recorded at (UTC)" in f)
    assert history["status"].tolist() == ["🟢 On track", "🟠 At risk"]
    assert history["note"].tolist() == ["Clinics booked", "Venue lost"]
    status = next(f for f in frames(at) if "last review" in f and "reviews" in f).set_index("action")
    assert status.at["3.4", "status"] == "🟠 At risk" and status.at["3.4", "reviews"] == 2
    assert ProgressStore(db).counts() == {"plans": 1, "plan_versions": 1, "reviews": 2}
    at.multiselect(key="plan_statuses").set_value(["🟠 At risk"]).run()
    assert "Showing 1 of 37 actions" in texts(at)
    at.selectbox(key="plan_history_action").set_value("1.1").run()
    assert "No reviews recorded yet." in texts(at)


def test_a_review_the_store_refuses_is_not_recorded(kent: str, db: str) -> None:
    at = plan_page(plan_tab=PROGRESS)
    at.text_area(key="plan_review_note").input("x" * 10_001)
    record_and_confirm(at)
    assert "The review was not recorded" in error(at) and "limit is 10,000" in error(at)
    assert ProgressStore(db).counts()["reviews"] == 0


def test_an_upload_with_a_stored_plans_id_needs_the_confirm_step(kent: str, db: str) -> None:
    """Issue 10 item 5: an uploaded file with a stored plan's id is not made current silently; the page names
    what changes and offers a confirm button; reviews of the dropped action stay visible."""
    store = ProgressStore(db)
    original = parse_plan(plan_yaml(plan_id="team-plan"), "team-plan.yaml")
    rv.record_review(store, original, "2.1", "on_track", date(2024, 1, 16), "Walks started")
    hijack = plan_yaml(plan_id="team-plan").replace("  - id: \"2.1\"", "  - id: \"2.9\"").replace(
        "title: Walks", "title: Runs")
    at = upload_plan(plan_page(plan_tab=PROGRESS), hijack.encode(), "hijack.yaml")
    shown = texts(at).replace("\u2060", "")  # word joiners the escaping may add after colons
    assert "removes 1 action(s): 2.1 'Walks'" in shown and "adds 1 action(s): 2.9" in shown
    assert not any(b.label == "Record review" for b in at.button)  # reviews go to the stored version only
    with pytest.raises(rv.PlanChangeNeedsConfirmation):
        rv.record_review(store, parse_plan(hijack, "hijack.yaml"), "1.1", "done", date(2024, 2, 1))
    assert len(store.plan("team-plan").actions) == 2
    at.button(key="plan_confirm_version").click().run()
    assert "is now the current version" in success(at)
    assert [a.id for a in store.plan("team-plan").actions] == ["1.1", "2.9"]
    earlier = next(f for f in frames(at) if "last note" in f and (f["action"] == "2.1").any())
    assert earlier.set_index("action").at["2.1", "last note"] == "Walks started"
    history = next(f for f in frames(at) if "recorded at (UTC)" in f)
    assert history["title"].tolist() == [rv.EARLIER_ACTION] and history["imported by"].isna().all()


def test_import_of_a_bad_bundle_leaves_the_database_unchanged(kent: str, db: str) -> None:
    store = ProgressStore(db)
    loaded = read_plan(TW_PLAN)
    rv.record_review(store, loaded, "3.4", "on_track", date(2024, 1, 16), "Clinics booked")
    before = store.counts()
    good = json.loads(rv.export_bytes(store, loaded))
    tampered = {**good, "reviews": [{**good["reviews"][0], "review_id": "11111111-1111-1111-1111-111111111111",
                                     "action_id": "9.9"}]}
    at = plan_page(plan_tab=PROGRESS)
    at.button(key="plan_import").click().run()
    assert "Choose an export file" in error(at)
    for name, content, expected in [
        ("broken.json", b"{not json", "not valid JSON"),
        ("other.json", b'{"format": "something else"}', "not a HIAP Geo plan export"),
        ("tampered.json", json.dumps(tampered).encode(), "action '9.9' is in no version of the plan"),
    ]:
        at.file_uploader(key="plan_import_file").upload(name, content, "application/json").run()
        at.button(key="plan_import").click().run()
        assert "the database is unchanged" in error(at) and expected in error(at)
        assert store.counts() == before
        at.file_uploader(key="plan_import_file").clear().run()


def test_export_then_import_into_another_database_round_trips(kent: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    source = ProgressStore(f"sqlite:///{tmp_path / 'meeting.sqlite'}")
    loaded = parse_plan(plan_yaml(plan_id="imported-plan"), "imported.yaml")
    rv.record_review(source, loaded, "1.1", "on_track", date(2024, 1, 16), "Clinics booked")
    rv.record_review(source, loaded, "1.1", "done", date(2024, 6, 1), "All sessions run")
    bundle = rv.export_bytes(source, loaded)

    target = f"sqlite:///{tmp_path / 'office.sqlite'}"
    monkeypatch.setenv("HIAP_PROGRESS_DB", target)
    at = plan_page(plan_tab=PROGRESS)
    at.file_uploader(key="plan_import_file").upload("imported-plan-progress.json", bundle, "application/json").run()
    at.button(key="plan_import").click().run()
    assert "2 new review(s)" in success(at) and "imported-plan" in success(at)
    # the imported plan can now be chosen
    assert "Choose 'Tunbridge Wells: A test plan' in the plan list" in success(at)
    assert "Tunbridge Wells: A test plan (saved in the progress database)" in at.selectbox(key="plan_choice").options
    at.selectbox(key="plan_choice").set_value("stored:imported-plan").run()
    assert at.header[0].value == "A test plan"
    history = next(f for f in frames(at) if "recorded at (UTC)" in f)
    assert history["status"].tolist() == ["🟢 On track", "✅ Done"]
    at.file_uploader(key="plan_import_file").upload("again.json", bundle, "application/json").run()
    at.button(key="plan_import").click().run()
    assert "0 new review(s), 2 already present" in success(at)
    assert ProgressStore(target).counts()["reviews"] == 2


def test_one_click_asks_and_only_confirm_records(kent: str, db: str) -> None:
    """Issue 13: one click on "Record review" used to record "Not started" at once."""
    at = plan_page(plan_tab=PROGRESS, plan_highlight="action:3.4")
    record_button(at).click().run()
    assert ProgressStore(db).counts()["reviews"] == 0  # one click records nothing...
    question = plain(at.warning[-1].value)
    assert question.startswith(f"Record ⚪ Not started for action 3.4 on {date.today():%-d %B %Y}?")
    at.button(key="plan_review_cancel").click().run()
    assert "Nothing was recorded." in texts(at) and ProgressStore(db).counts()["reviews"] == 0
    assert not any(b.key == "plan_review_confirm" for b in at.button)
    at.radio(key="plan_review_status").set_value("on_track")
    record_button(at).click().run()
    assert "Record 🟢 On track for action 3.4" in plain(at.warning[-1].value)
    at.button(key="plan_review_confirm").click().run()  # ...Confirm records one review
    assert "Recorded 🟢 On track for action 3.4" in success(at)
    assert ProgressStore(db).counts()["reviews"] == 1
    at.run()  # nothing is pending any more: a rerun records nothing
    assert ProgressStore(db).counts()["reviews"] == 1 and not any(b.key == "plan_review_confirm" for b in at.button)


def test_a_wrong_review_is_corrected_with_a_reason_and_both_stay(kent: str, db: str) -> None:
    at = plan_page(plan_tab=PROGRESS, plan_highlight="action:3.4")
    at.radio(key="plan_review_status").set_value("done")
    at.text_area(key="plan_review_note").input("Done, by mistake")
    record_and_confirm(at)
    wrong = ProgressStore(db).history("tunbridge-wells-2023-25")["review_id"].iloc[0]
    at.selectbox(key="plan_review_action").set_value("1.1")
    at.selectbox(key="plan_review_corrects").set_value(wrong).run()
    assert at.selectbox(key="plan_review_action").value == "3.4"  # the form starts from the corrected review
    assert at.radio(key="plan_review_status").value == "done" and record_button(at).label == "Record correction"
    at.radio(key="plan_review_status").set_value("at_risk")
    record_button(at).click().run()  # no reason: refused before the question
    assert "A correction needs a reason" in error(at) and ProgressStore(db).counts()["reviews"] == 1
    at.text_input(key="plan_review_reason").input("The meeting said at risk")
    record_button(at).click().run()
    assert "It corrects the review" in plain(at.warning[-1].value)
    at.button(key="plan_review_confirm").click().run()
    assert "It corrects the review of" in success(at) and not at.exception
    history = next(f for f in frames(at) if "recorded at (UTC)" in f)
    assert history["status"].tolist() == ["✅ Done", "🟠 At risk"]
    assert history["corrected"].iloc[0].startswith(f"corrected by the review of {date.today():%-d %B %Y}")
    assert history["corrects"].iloc[1].startswith(f"corrects the review of {date.today():%-d %B %Y}")
    assert pd.isna(history["corrected"].iloc[1]) and pd.isna(history["corrects"].iloc[0])  # blank, shown as a dash
    assert history["reason"].iloc[1] == "The meeting said at risk"
    status = next(f for f in frames(at) if "last review" in f and "reviews" in f).set_index("action")
    assert status.at["3.4", "status"] == "🟠 At risk" and status.at["3.4", "reviews"] == 1
    assert at.selectbox(key="plan_review_corrects").value is None  # back to a new review
    assert wrong not in at.selectbox(key="plan_review_corrects").options  # corrected once; correct the correction


def test_presentation_mode_steps_through_the_actions(kent: str, db: str) -> None:
    at = plan_page(presentation=True, plan_priorities=["3"])
    assert not at.exception
    assert [e.label for e in at.expander][0] == "Plan, filters and map settings"
    assert not at.title  # the page's title gives way to the map
    assert "arrow keys step through the 5 actions shown" in texts(at)
    at.button(key="plan_next_action").click().run()
    first = at.session_state["plan_highlight"]
    assert first == "action:3.1" and at.selectbox(key="plan_highlight").value == first
    assert "Areas of action 3.1" in texts(at)
    at.button(key="plan_next_action").click().run()
    assert at.session_state["plan_highlight"] == "action:3.2" and not at.exception
    at.button(key="plan_previous_action").click().run()
    at.button(key="plan_previous_action").click().run()  # wraps round to the last action shown
    assert at.session_state["plan_highlight"] == "action:3.5" and not at.exception
    at.button(key="plan_next_action").click().run()
    assert at.session_state["plan_highlight"] == "action:3.1"
    assert "Download map (PNG)" in [b.label for b in at.get("download_button")]
    at.button(key="leave_presentation").click().run()  # leaving keeps the page's choices
    assert not at.exception and at.title and at.session_state["plan_highlight"] == "action:3.1"
    assert at.multiselect(key="plan_priorities").value == ["3"]


def test_the_plan_map_says_it_follows_the_plans_edition(kent: str, db: str) -> None:
    at = plan_page()
    shown = texts(at)
    assert ("Areas of IoD 2019 geography (LSOA 2011, wards 2019), the plan's own, whatever the Map explorer shows "
            "(it is set to IoD 2025).") in shown
    assert "Download map (PNG)" in [b.label for b in at.get("download_button")]


def test_the_plan_map_as_a_png(kent: str, tw_reach: pm.PlanReach) -> None:
    layer = areas_of(load_layer(kent, "lsoa", 2019, display=True), "lsoa", 2019, (TW,))
    drawn = pmap.plan_map(layer, "lsoa", "count", tw_reach, [a.id for a in tw_reach.plan.actions],
                          chosen=pmap.highlight(tw_reach, "lsoa", "action:3.4"))
    assert drawn.selected_label == "Areas of action 3.4"  # the PNG draws what the page outlines
    png = pmap.png_download(drawn, "Plan")()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    assert pmap.step_highlight(["action:1", "list:x", "action:2"], None, -1) == "action:2"
    assert pmap.step_highlight(["action:1", "action:2"], "action:2", 1) == "action:1"
    assert pmap.step_highlight(["list:x"], None, 1) is None


def test_blank_cells_are_missing_values_words_stay() -> None:
    frame = pd.DataFrame({"text": ["None", None, "nan", " ", "none", "Clinics booked"],
                          "number": [1.0, float("nan"), 2.0, 3.0, 4.0, 5.0]})
    shown = blank_cells(frame)
    assert shown["text"].isna().tolist() == [True, True, True, True, False, False]  # "none" is an answer
    assert shown["number"].equals(frame["number"]) and frame["text"].iloc[0] == "None"  # the input is untouched


def shows_none(at: AppTest) -> list[str]:
    """Every table on the page whose blank cells would read "None" (or "nan"): one without the dash placeholder,
    or a text cell that says so."""
    problems = []
    for table in at.dataframe:
        frame = table.value
        if table.proto.placeholder != MISSING_CELL and frame.isna().any().any():
            problems.append(f"blank cells shown as 'None' in {list(frame.columns)}")
        for column in frame.columns:
            cells = frame[column].dropna()
            words = cells[cells.map(lambda v: isinstance(v, str) and v.strip() in {"None", "nan", "NaN", "<NA>"})]
            if len(words):
                problems.append(f"{column!r} says {words.iloc[0]!r}")
    return problems


def test_no_table_on_the_plan_page_shows_none(kent: str, db: str) -> None:
    at = plan_page(plan_area="E01024840")
    at.selectbox(key="plan_highlight").set_value("action:3.4").run()
    record_and_confirm(open_tab(at, PROGRESS))  # the history now has reviews with no reviewer, correction or reason
    tables = 0
    for plan in ("file:tunbridge-wells-2023-25.yaml", "file:sevenoaks-mind-the-gap-2013-15.yaml"):
        at.selectbox(key="plan_choice").set_value(plan).run()
        for tab in ("Map", PROGRESS, "Coverage", "Plan check"):
            open_tab(at, tab)
            tables += len(at.dataframe)
            assert shows_none(at) == [], (plan, tab)
    assert tables >= 20


def test_plan_check_findings_lead_with_the_action_or_list(kent: str, tw_reach: pm.PlanReach) -> None:
    plan = tw_reach.plan
    report = discrepancies_frame(check_plan(read_plan(TW_PLAN)))
    items = pm.check_items(report, plan)
    assert items[0].startswith("**The document's list 'Areas of deprivation")
    assert "entry 5\\:\u2060 'E01024841 \\- Broadwater 3rd'" in items[1]  # the entry's own words
    assert all(not i.startswith("**line") for i in items) and items[1].endswith(":small[\\(plan file line 59\\)]")
    table = pm.check_table(report, plan)
    assert table.columns[0] == "concerns" and table.columns[-1] == "plan file line"
    assert table["plan file line"].tolist() == [49, 59, 59, 59]

    text = plan_yaml().replace("codes: [E01024840, E01024831]", "codes: [E01024840, E01024840]").replace(
        'title: "Stop smoking clinics"', 'title: "Stop smoking clinics"\n    printed_id: "A.1"')
    loaded = parse_plan(text, "plan.yaml")
    found = discrepancies_frame(check_plan(loaded))
    assert found["where"].tolist() == ["action 1.1, target 1 (codes)"]  # the plan file's words (the CLI keeps them)
    assert pm.finding_subject(loaded.plan, found["where"].iat[0]) == (
        "Action A.1: Stop smoking clinics, where it names area codes")
    assert pm.finding_subject(loaded.plan, "somewhere else") == "somewhere else"
    unplaced = parse_plan(plan_yaml().replace("codes: [E01024840, E01024831]", "codes: [E01999999]"), "plan.yaml")
    assert pm.plan_reach(unplaced.plan).unresolved[0].startswith(  # the map's list of what it cannot place
        "Action 1.1: Stop smoking clinics, where it names area codes: ")
    assert pm.claims_table(pd.DataFrame(columns=CLAIM_COLUMNS)).columns[0] == "the document's words"


def test_the_plan_check_tab_speaks_of_actions_and_lists(kent: str, db: str) -> None:
    at = plan_page(plan_tab="Plan check")
    findings = [m.value for m in at.markdown if "plan file line" in m.value]
    assert len(findings) == 4 and all(f.startswith("**The document's list") for f in findings)
    shown = [f for f in frames(at) if "concerns" in f]
    assert shown and "line" not in shown[0].columns and shown[0]["concerns"].str.startswith("The document's").all()
    claims = [f for f in frames(at) if "verdict" in f]
    assert claims and claims[0].columns[0] == "the document's words" and "figure_id" not in claims[0]
    listed = [f for f in frames(at) if "how it was matched" in f]
    assert listed and listed[0]["entry"].min() == 1  # entries counted as the document counts them
    for frame in (*shown, *claims, *listed):
        assert not [c for c in frame.columns if "_" in c], list(frame.columns)  # no file or code names


def test_the_default_map_shows_need_under_the_areas_the_actions_name(
        kent: str, tw_reach: pm.PlanReach, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = [a.id for a in tw_reach.plan.actions]
    assert pmap.default_colour(tw_reach, "lsoa", ids) == "deprivation"  # 5 of 68 LSOAs named: a count map is blank
    layer = areas_of(load_layer(kent, "lsoa", 2019, display=True), "lsoa", 2019, (TW,))
    drawn = pmap.plan_map(layer, "lsoa", "deprivation", tw_reach, ids)
    assert drawn.marked is not None and sorted(drawn.marked.codes) == sorted(TW_DEPRIVED)  # by code: no geometry
    assert pmap.NAMED_LABEL in pmap.plan_map_view(drawn).payload["legend"]  # in the legend
    assert pmap.district_wide_note(tw_reach, "lsoa", ids, "deprivation") is None
    note = pmap.district_wide_note(tw_reach, "lsoa", ["1.1", "1.2"], "count")
    assert note.startswith("All 2 actions shown reach the whole of Tunbridge Wells") and "counts 0" in note
    assert pmap.plan_map(layer, "lsoa", "deprivation", tw_reach, ["1.1"]).marked is None
    district = areas_of(load_layer(kent, "district", 2019, display=True), "district", 2019, (TW,)).geometry
    wide = pmap.plan_map(layer, "lsoa", "deprivation", tw_reach, ids, districts=district,
                         chosen=pmap.highlight(tw_reach, "lsoa", "action:1.1"))
    pink = [o for o in wide.outlines if o.colour == pmap.HIGHLIGHT_COLOUR]  # not all 68 LSOAs: the district's line
    assert [o.label for o in pink] == ["Areas of action 1.1: the whole district"] and len(pink[0].geometry) == 1
    monkeypatch.setattr(pmap, "COUNT_SHARE", 0.05)
    assert pmap.default_colour(tw_reach, "lsoa", ids) == "count"


def test_a_plan_of_district_wide_actions_says_so_above_the_map(kent: str, db: str) -> None:
    at = plan_page()
    assert at.selectbox(key="plan_colour").value == "deprivation"
    assert not [i for i in at.info if "whole of" in i.value]
    at.selectbox(key="plan_choice").set_value("file:sevenoaks-2019-22.yaml").run()
    assert not at.exception and at.selectbox(key="plan_colour").value == "deprivation"
    notes = [plain(i.value) for i in at.info if "whole of" in i.value]
    assert len(notes) == 1 and notes[0].startswith("All 42 actions shown reach the whole of Sevenoaks")


# ---------------------------------------------------------------------------------------------
# In a real browser, offline
# ---------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_plan_page_in_a_browser(
    kent: str, real_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, browser: object
) -> None:
    from tests.browser_support import ARTIFACTS, app_server, block_internet, map_frame

    monkeypatch.setenv("HIAP_PROGRESS_DB", f"sqlite:///{tmp_path / 'browser.sqlite'}")
    with app_server(real_data) as url:  # a server of its own: it reads this test's progress database
        page = browser.new_page(viewport={"width": 1500, "height": 1800})
        failed = block_internet(page)
        page.goto(f"{url}/plan?plan=tunbridge-wells-2023-25&action=3.4")
        frame = map_frame(page, timeout_s=120)
        assert frame.eval_on_selector("[data-area-count]", "e => e.dataset.areaCount") == "68"  # LSOA 2011
        time.sleep(1)
        assert len(frame.query_selector_all(f'path[stroke="{pmap.HIGHLIGHT_COLOUR}"]')) == 5  # action 3.4's LSOAs
        assert "Areas of action 3.4" in (frame.text_content(".hiap-legend") or "")
        listed = pm.action_areas(pm.plan_reach(read_plan(TW_PLAN).plan), "lsoa", "3.4")
        for area in listed.itertuples():  # the deprived LSOAs the plan lists, by name and ward beside the map
            page.get_by_text(f"{area.name}, {area.ward} ward", exact=False).first.wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "plan.png"), full_page=True)
        assert failed == [], f"requests that needed the internet: {failed}"

        frame.query_selector_all("path.leaflet-interactive")[10].click(force=True)
        page.get_by_text("Actions that name this area").wait_for(timeout=60_000)
        page.get_by_role("tab", name="Coverage").click()
        page.get_by_text("Deprived areas no action names", exact=True).wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "plan-coverage.png"), full_page=True)
        page.close()


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)])
def test_plan_page_in_presentation_mode_in_a_browser(
    kent: str, real_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, browser: object, width: int,
    height: int,
) -> None:
    """Issue 13: the chair presents the plan: the map and its legend fit the screen; the down and up arrow keys
    step through the actions, outlining each one's areas."""
    from tests.browser_support import ARTIFACTS, app_server, block_internet, map_box, map_frame, screen_box

    monkeypatch.setenv("HIAP_PROGRESS_DB", f"sqlite:///{tmp_path / 'browser.sqlite'}")
    with app_server(real_data) as url:
        page = browser.new_page(viewport={"width": width, "height": height})
        failed = block_internet(page)
        page.goto(f"{url}/plan?plan=tunbridge-wells-2023-25")
        map_frame(page, timeout_s=120)
        page.get_by_text("Presentation mode (for meetings)").click()
        page.get_by_role("button", name="Next action ▼").wait_for(timeout=60_000)
        time.sleep(2)
        legend = screen_box(page, ".hiap-legend")  # the map is in the page: its legend's place on the screen
        assert legend["y"] + legend["height"] <= height, f"legend cut off: {legend} on {width}x{height}"
        page.mouse.click(width // 2, 10)  # focus on the page, not in a box
        page.keyboard.press("ArrowDown")
        page.get_by_text("Action 1.1:", exact=False).first.wait_for(timeout=60_000)
        page.keyboard.press("ArrowDown")
        page.get_by_text("Action 1.2:", exact=False).first.wait_for(timeout=60_000)
        page.keyboard.press("ArrowUp")
        page.get_by_text("Action 1.1:", exact=False).first.wait_for(timeout=60_000)
        time.sleep(3)
        drawn, legend = map_box(page), screen_box(page, ".hiap-legend")
        assert drawn["y"] + drawn["height"] <= height + 1, f"the map runs off a {width}x{height} screen: {drawn}"
        assert legend["y"] + legend["height"] <= height
        page.screenshot(path=str(ARTIFACTS / f"plan-presentation-{width}x{height}.png"))
        assert failed == [], f"requests that needed the internet: {failed}"
        page.close()

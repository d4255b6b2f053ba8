"""The Plan editor's model (hiap_geo.views.plan_editor) on the real lookups and IoD files, and the page through
AppTest: starting, picking areas, problems at the field, gaps, saving with the concurrency guard, drafts."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app import editor_state
from hiap_geo.core import settings
from hiap_geo.core.access import LOCAL_USER, User
from hiap_geo.core.text import escape_markdown
from hiap_geo.geo.layers import load_layer
from hiap_geo.plans import editor as plan_edits
from hiap_geo.plans.drafts import PlanChangedSinceOpened
from hiap_geo.plans.load import plan_files
from hiap_geo.plans.progress import ProgressStore
from hiap_geo.views import plan as plan_view
from hiap_geo.views import plan_editor as editor_view
from hiap_geo.views import plan_editor_map as editor_map
from hiap_geo.views import plan_editor_words as words
from hiap_geo.views.explorer import areas_of

pytestmark = pytest.mark.integration

TW = "E07000116"
DEPRIVED_2025 = ["E01024795", "E01024840"]  # Tunbridge Wells' LSOAs in IMD 2025 deciles 1-2
SCRIPT = "<script>alert('x')</script>"
OTHER = User("colleague@council.gov.uk", "A Colleague", "admin")


@pytest.fixture
def store(tmp_path: Path) -> ProgressStore:
    return ProgressStore(f"sqlite:///{tmp_path / 'progress.sqlite'}")


def new_editing(real_data: Path, plan_id: str = "tw-next") -> editor_view.Editing:
    return editor_view.start_new(plan_id, "Next plan", TW, "2026-28", 2025, LOCAL_USER)


@pytest.mark.parametrize("path", plan_files(), ids=lambda p: p.stem)
def test_transcribed_plans_open_and_write_back_byte_identical(path: Path, real_data: Path,
                                                              store: ProgressStore) -> None:
    text = path.read_text(encoding="utf-8")
    editing = editor_view.open_plan(f"file:{path.name}", store, LOCAL_USER)
    assert editing.yaml() == text
    saved, result = editor_view.save_version(store, editing, LOCAL_USER)  # saved unchanged: the file, byte for byte
    assert result.saved and store.version_text(editing.plan.id) == text
    stored = editor_view.open_plan(f"file:{path.name}", store, LOCAL_USER)  # a stored plan opens its stored version
    assert stored.base_sha == store.current_sha(editing.plan.id) == saved.base_sha
    assert stored.yaml() == text
    assert not editor_view.save_version(store, stored, LOCAL_USER)[1].saved  # nothing changed: no new version


def test_picking_two_lsoas_closes_the_gap_at_the_default_threshold(real_data: Path) -> None:
    editing = new_editing(real_data)
    threshold = plan_view.CoverageThreshold()  # IMD deciles 1-2
    before = editor_view.plan_gaps(editing.plan, threshold)
    assert sorted(before.uncovered["lsoa_code"]) == DEPRIVED_2025
    plan = editor_view.set_picked(editing.plan, "1.1", "lsoa", DEPRIVED_2025)
    assert editor_view.picked_codes(plan, "1.1", "lsoa") == frozenset(DEPRIVED_2025)
    after = editor_view.plan_gaps(plan, threshold)
    assert after.uncovered.empty
    assert "**0 named by none**" in editor_view.gap_line(after, 2025)
    matrix = plan_view.priority_matrix_table(after, plan)  # the Plan page's and the CSV's too
    assert list(matrix.columns[:2]) == ["LSOA", "name"]
    assert matrix.loc[matrix["LSOA"] == DEPRIVED_2025[0], "1: First priority"].iat[0] == 1
    reach = plan_edits.action_reach(plan, "1.1")
    assert editor_view.reach_lines(reach)[0].startswith("**Reaches 2 LSOAs in 2 wards")
    assert list(editor_view.reach_table(reach)["LSOA"]) == DEPRIVED_2025
    # the list beside the map removes one as a click would
    assert editor_view.picked_codes(editor_view.set_picked(plan, "1.1", "lsoa", DEPRIVED_2025[:1]), "1.1", "lsoa") == \
        frozenset(DEPRIVED_2025[:1])


def test_targets_are_added_and_removed_in_place_of_the_placeholder(real_data: Path) -> None:
    plan = new_editing(real_data).plan
    plan = editor_view.add_target(plan, "1.1", plan_edits.decile_target(4))
    assert editor_view.target_lines(plan, "1.1") == [
        "Rule: LSOAs in national Index of Multiple Deprivation 2025 deciles 1-4"]
    plan = editor_view.add_target(plan, "1.1", plan_edits.district_target(True))
    assert len(plan.action("1.1").target_areas) == 2
    plan = editor_view.remove_target(editor_view.remove_target(plan, "1.1", 0), "1.1", 0)
    assert editor_view.target_lines(plan, "1.1") == [
        "No place named yet (counts as the whole of Tunbridge Wells until one is)"]
    picked = editor_view.set_picked(plan, "1.1", "lsoa", DEPRIVED_2025)
    assert editor_view.target_lines(picked, "1.1") == [  # issue 23: areas by name and ward, never codes alone
        "2 LSOAs picked: Tunbridge Wells 010A, Pantiles ward; "
        "Tunbridge Wells 005A, Sherwood ward"]
    with pytest.raises(editor_view.EditorPageError):
        editor_view.remove_target(plan, "1.1", 5)


def test_problems_are_shown_at_the_field_they_concern(real_data: Path) -> None:
    plan = plan_edits.toggle_code(new_editing(real_data).plan, "1.1", "E01999999")
    plan = plan_edits.add_action(plan, "1.2", "1", "Rule that selects nothing", targets=[plan_edits.decile_target(1)])
    problems = plan_edits.plan_problems(plan)
    at = editor_view.action_problems(problems, "1.1")
    assert list(at) == ["target_areas[0]"] and "E01999999" in at["target_areas[0]"][0].message
    assert "target_areas[0]" in editor_view.action_problems(problems, "1.2")
    assert editor_view.problem_counts(problems) == {"1.1": 1, "1.2": 1}
    assert editor_view.action_label(plan, "1.1", 1).endswith("⚠ 1 problem")
    assert editor_view.field_key("target_areas[3].rule.decile_max") == "target_areas[3]"
    assert editor_view.field_key("title") == "title" and editor_view.field_key(None) == ""
    assert editor_view.plan_problem_lines(at["target_areas[0]"])[0].startswith("**Action 1\\.1, target 1**: ")
    # the list beside the map shows only the map's areas: a code it does not show is kept, never dropped
    kept = editor_view.set_picked(plan, "1.1", "lsoa", DEPRIVED_2025[:1], shown=DEPRIVED_2025)
    assert editor_view.picked_codes(kept, "1.1", "lsoa") == {"E01999999", DEPRIVED_2025[0]}


def test_the_picking_map_outlines_the_picked_and_the_reached_areas(kent: str) -> None:
    started = editor_view.start_new("tw-map", "Map", TW, "2026-28", 2025, LOCAL_USER)
    plan = editor_view.set_picked(started.plan, "1.1", "lsoa", DEPRIVED_2025[:1])
    plan = editor_view.add_target(plan, "1.1", plan_edits.decile_target(2))
    layer = areas_of(load_layer(kent, "lsoa", 2025, display=True), "lsoa", 2025, (TW,))
    reached = editor_map.reached_codes(plan_view.plan_reach(plan), "lsoa", "1.1")
    assert reached == frozenset(DEPRIVED_2025)
    drawn = editor_map.pick_map(layer, "lsoa", plan, "1.1", reached)
    assert drawn.picked == frozenset(DEPRIVED_2025[:1]) and len(drawn.areas) == len(layer)
    payload = drawn.view.payload
    codes = drawn.areas["code"].tolist()
    assert [codes[i] for i in payload["selected"]] == DEPRIVED_2025[:1]  # picked: the highlight colour
    assert [codes[i] for i in payload["marked"]] == DEPRIVED_2025[1:]  # reached by the rule only: orange
    assert editor_map.PICKED_LABEL in payload["legend"] and editor_map.REACHED_LABEL in payload["legend"]
    assert "picked for this action: click to remove it" in payload["v"][codes.index(DEPRIVED_2025[0])]
    assert "'geometry'" not in str(payload) and "coordinates" not in str(payload)  # it travels in the map's files
    point = drawn.areas.geometry.iloc[codes.index(DEPRIVED_2025[1])].representative_point()
    assert drawn.code_at(point.y, point.x) == DEPRIVED_2025[1]
    with pytest.raises(plan_view.PlanPageError):
        editor_map.pick_map(layer, "district", plan, "1.1")


def test_plan_check_findings_of_a_transcribed_plan(real_data: Path) -> None:
    path = next(p for p in plan_files() if p.stem == "tunbridge-wells-2023-25")
    editing = editor_view.open_plan(f"file:{path.name}", None, LOCAL_USER)
    found = editor_view.check_findings(editing.yaml())
    assert found.discrepancies >= 1  # E01024841 listed under Broadwater, among others
    assert any("Broadwater" in line for line in editor_view.check_lines(found, editing.plan))
    broken = editor_view.check_findings("title: [unclosed")
    assert broken.report is None and broken.unreadable


def test_a_draft_survives_and_a_second_save_is_told_who_changed_what(real_data: Path, store: ProgressStore) -> None:
    editing = new_editing(real_data, "tw-save")
    editing = editing.edited(editor_view.set_picked(editing.plan, "1.1", "lsoa", DEPRIVED_2025))
    editor_view.autosave(store, editing, LOCAL_USER, [])
    choices = editor_view.open_choices(store, LOCAL_USER)
    assert choices["draft:tw-save"].startswith("Your draft of Tunbridge Wells: Next plan, 2026-28 (IoD 2025), saved ")
    assert "tw-save" not in choices["draft:tw-save"]  # by its title, never its id
    resumed = editor_view.resume(store, "tw-save", LOCAL_USER)
    assert resumed is not None and resumed.plan == editing.plan

    mine, result = editor_view.save_version(store, resumed, LOCAL_USER)
    assert result.saved and store.draft("tw-save", user=LOCAL_USER) is None
    assert "Saved a version of **Next plan**" in editor_view.saved_message(result, "Next plan", 2025)
    theirs = editor_view.open_plan("stored:tw-save", store, OTHER)
    assert theirs.base_sha == mine.base_sha

    # both edit the version they opened; the colleague saves first
    retitled = plan_edits.update_action(theirs.plan, "1.1", title=f"Clinics {SCRIPT}")
    _, saved = editor_view.save_version(store, theirs.edited(retitled), OTHER)
    assert saved.saved
    with pytest.raises(PlanChangedSinceOpened) as refused:
        led = plan_edits.update_action(mine.plan, "1.1", lead="Public health")
        editor_view.save_version(store, mine.edited(led), LOCAL_USER)
    message = editor_view.changed_message(refused.value, "Next plan", 2025)
    assert "A Colleague" in message and "colleague" in message
    assert "retitled" in message and "&lt;script&gt;" in message and SCRIPT not in message
    assert editor_view.open_plan("stored:tw-save", store, LOCAL_USER).plan.action("1.1").title == f"Clinics {SCRIPT}"


def test_a_taken_id_is_refused_and_areas_are_named(real_data: Path, store: ProgressStore) -> None:
    with pytest.raises(editor_view.EditorPageError, match="exists already"):
        editor_view.start_new("tunbridge-wells-2023-25", "x", TW, "2026-28", 2019, LOCAL_USER, store)
    source = editor_view.open_plan("file:tunbridge-wells-2023-25.yaml", store, LOCAL_USER).plan
    draft = editor_view.start_next_period(source, "tunbridge-wells-2025-27", "2025-27", LOCAL_USER, store)
    assert len(draft.plan.actions) == len(source.actions)
    assert all(a.status is None and a.carried_from.action == b.id
               for a, b in zip(draft.plan.actions, source.actions, strict=True))
    assert editor_view.area_name(2025, TW) == "Tunbridge Wells"
    assert editor_view.plan_areas(2019)["E10000016"].startswith("Kent (county")
    assert editor_view.lines(" a \n\n b ") == ["a", "b"]


# ---------------------------------------------------------------------------------------------
# The page through AppTest
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'progress.sqlite'}"
    monkeypatch.setenv("HIAP_PROGRESS_DB", url)
    return url


def editor_page() -> AppTest:
    at = AppTest.from_file(str(settings.PROJECT_ROOT / "app.py"), default_timeout=240)
    at.run()
    at.switch_page("app/pages/plan_editor.py").run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.title, *at.header, *at.subheader, *at.markdown, *at.caption)]
    parts += [e.value for e in (*at.warning, *at.info, *at.error, *at.success)]
    parts += [e.label for e in at.expander]
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts)).replace("\u2060", "")


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, at.exception
    return at


def test_the_editor_opens_on_the_sidebars_plan_with_the_plan_pages_gaps(kent: str, db: str) -> None:
    """The officer and the HAT see the same plan and the same gaps: the list opens on Tunbridge Wells' plan (the
    sidebar's district, not the first in the list), and the gaps at the threshold its document states."""
    options = {"file:sevenoaks-2019-22.yaml": "Sevenoaks", "file:tunbridge-wells-2023-25.yaml": "Tunbridge Wells"}
    assert editor_view.open_default(options, ()) == "file:tunbridge-wells-2023-25.yaml"  # straight here: no choice
    assert editor_view.open_default(options, ("E07000111",)) == "file:sevenoaks-2019-22.yaml"
    assert editor_view.open_default({"draft:x": "Your draft", **options}, ()) == "draft:x"
    at = editor_page()
    choice = at.selectbox(key="editor_open_choice")
    assert choice.value == "file:tunbridge-wells-2023-25.yaml", choice.value
    click(at, "Open")
    plan = at.session_state[editor_state.EDITING].plan
    default = plan_view.default_threshold(plan)
    assert (at.slider(key="editor_gap_decile").value, at.toggle(key="editor_gap_local").value) == (
        default.decile_max, default.decile_type == "local")
    cover = editor_view.plan_gaps(plan, default)  # as the Plan page counts them on opening
    assert f"{len(cover.deprived)} LSOAs; " in texts(at) and f"{len(cover.uncovered)} named by none" in texts(at)


def test_page_writes_a_plan_keeps_markup_as_text_and_refuses_an_overwrite(kent: str, db: str) -> None:
    at = editor_page()
    at.radio(key="editor_start").set_value("New plan").run()
    at.text_input(key="editor_new_id").input("tw-page")
    at.text_input(key="editor_new_title").input(f"Plan {SCRIPT}")
    at.text_input(key="editor_new_period").input("2026-28")
    click(at, "Start the plan")
    assert at.header[0].value == escape_markdown(f"Plan {SCRIPT}")
    shown = texts(at)
    assert "Draft saved" in shown and "2 named by none" in shown
    status = next(s for s in at.selectbox if s.label == "Status")
    assert status.format_func(status.value) == "No status yet"  # never Streamlit's "Choose an option"

    # the picked LSOAs (the map's list) close the gap; the action's reach is beside it
    at.multiselect(key="editor_picked_lsoa").set_value(DEPRIVED_2025).run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "0 named by none" in shown and "Reaches 2 LSOAs in 2 wards" in shown

    store = ProgressStore(db)
    click(at, "Save version")
    assert "Saved a version of" in texts(at) and "The first version, with 1 action." in texts(at)

    # someone else saves meanwhile: the page's save is refused, naming them and what they changed
    loaded = store.current_version("tw-page")
    theirs = plan_edits.update_action(loaded.plan, "1.1", title="Their title")
    store.save_plan(plan_edits.plan_yaml(theirs, original=loaded), user=OTHER, base_sha=store.current_sha("tw-page"))
    form_title = next(t for t in at.text_area if t.label == "Title")
    form_title.input("My title")
    click(at, "Apply changes to the action")
    click(at, "Save version")
    refused = "\n".join(e.value for e in at.error)
    assert "Not saved" in refused and "A Colleague" in refused and "Their title" in refused
    assert store.current_version("tw-page").plan.action("1.1").title == "Their title"
    assert store.draft("tw-page", user=LOCAL_USER).yaml_text.count("My title") == 1  # kept as the draft


def test_page_lists_problems_and_saves_a_plan_with_problems_only_as_a_draft(kent: str, db: str) -> None:
    at = editor_page()
    at.radio(key="editor_start").set_value("New plan").run()
    at.text_input(key="editor_new_id").input("tw-problems")
    at.text_input(key="editor_new_title").input("Plan")
    at.text_input(key="editor_new_period").input("2026-28")
    click(at, "Start the plan")
    at.radio(key="editor_target_way").set_value("Naming areas").run()
    at.text_area(key="editor_names").input(f"Nowhere {SCRIPT}")
    click(at, "Add the named areas")
    shown = texts(at)
    assert "1 problem stops this plan being saved as a version" in shown
    assert f"No ward named 'Nowhere {SCRIPT}'" in shown.replace("&lt;", "<").replace("&gt;", ">")
    assert next(b for b in at.button if b.label == "Save version").disabled
    assert "⚠ 1 problem" in at.selectbox(key="editor_action").format_func("1.1")  # marked in the picker
    draft = ProgressStore(db).draft("tw-problems", user=LOCAL_USER)
    assert draft is not None and not draft.final  # kept as a draft, with its problem


def test_a_plan_of_200_actions_opens_with_one_action_form(kent: str, db: str) -> None:
    plan = plan_edits.new_plan("tw-big", "Big plan", TW, "Tunbridge Wells", "2026-28", 2025, author="tests")
    for i in range(2, 201):
        target = plan_edits.codes_target([DEPRIVED_2025[i % 2]]) if i % 3 else plan_edits.decile_target(3)
        title = f"Action {i} {SCRIPT} " + "long words " * 40
        plan = plan_edits.add_action(plan, f"1.{i}", "1", title, targets=[target])
    ProgressStore(db).save_draft("tw-big", plan_edits.plan_yaml(plan), user=LOCAL_USER)
    at = editor_page()
    at.selectbox(key="editor_open_choice").set_value("draft:tw-big").run()
    started = time.time()
    click(at, "Open")
    assert time.time() - started < 60
    assert len(at.selectbox(key="editor_action").options) == 200
    assert [t.label for t in at.text_area].count("Title") == 1  # one action's form, not 200
    at.selectbox(key="editor_action").set_value("1.150").run()
    assert not at.exception, at.exception
    assert next(t for t in at.text_area if t.label == "Title").value.startswith(f"Action 150 {SCRIPT}")
    assert len(at.selectbox(key="editor_action").format_func("1.150")) < 100  # long titles shortened


def test_an_actions_reach_and_the_lines_of_a_move_name_every_code(real_data: Path) -> None:
    """Issue 23: no code without its name where the officer reads (the reach, what changed, a problem)."""
    plan = editor_view.set_picked(new_editing(real_data).plan, "1.1", "lsoa", DEPRIVED_2025)
    lines = editor_view.reach_lines(plan_edits.action_reach(plan, "1.1"))
    assert any("Tunbridge Wells 005A, Sherwood ward" in line for line in lines), lines
    assert not any(re.search(r"E0[15]\d{6}", line) for line in lines), lines
    names = words.AreaNames(2025)
    assert names.named("E01024840 moved") == "E01024840 (Tunbridge Wells 005A, Sherwood ward) moved"
    assert names.named("E01999999 is unknown") == "E01999999 is unknown"  # the line says what is wrong
    assert words.first_version("Plan 'tw-x' added with 1 action(s).") == "The first version, with 1 action."


def test_a_shipped_plan_says_where_it_came_from_in_words_not_its_file_path(tmp_path: Path) -> None:
    """The caption under the plan's title said 'Opened from data/plans/sevenoaks-2019-22.yaml': machine text."""
    store = ProgressStore(f"sqlite:///{tmp_path / 'progress.sqlite'}")
    for path in plan_files():
        editing = editor_view.open_plan(f"file:{path.name}", store, LOCAL_USER)
        assert "data/plans" not in editing.opened_from and ".yaml" not in editing.opened_from
        assert editing.opened_from == "the plans that come with HIAP Geo"
    assert editor_view.open_plan("file:sevenoaks-2019-22.yaml", None, LOCAL_USER).opened_from == (
        "the plans that come with HIAP Geo")

"""Attacks on the plan editor and the map component that once got through: each test failed before its fix.

Unicode digits taken as area codes, an edit that makes a plan of many megabytes (seconds of YAML per
megabyte before the size check), a draft that no longer reads locking its user out of the plan, thousands of
problems listed one by one on the page, and the map files' folder (a file emptied by a race, no byte bound).
"""

from __future__ import annotations

import io
import os
import re
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from hiap_geo.core import settings
from hiap_geo.core.access import LOCAL_USER, User
from hiap_geo.plans import editor as E
from hiap_geo.plans.load import read_plan
from hiap_geo.plans.progress import ProgressStore
from hiap_geo.plans.schema import MAX_PLAN_BYTES, PLANS_DIR, CodesTarget, Plan, PlanError, PlanFileError
from hiap_geo.views import plan_editor as editor_view

TW_FILE = PLANS_DIR / "tunbridge-wells-2023-25.yaml"
EDITOR = User("e@council.gov.uk", "Eve", "editor")
ADMIN = User("a@council.gov.uk", "Ann", "admin")


def small_plan() -> Plan:
    return E.new_plan("tw-attack", "Plan", "E07000116", "Tunbridge Wells", "2026-28", 2019, author="tests")


@pytest.mark.parametrize("code", ["E01\u0660\u0662\u0664\u0668\u0664\u0660", "E01\uff10\uff12\uff14\uff18\uff14\uff10",
                                  "E05\u0967\u0968\u0969\u096a\u096b\u096c"])
def test_codes_of_other_scripts_digits_are_refused(code: str) -> None:
    with pytest.raises(PlanError, match="not an LSOA or ward code"):
        E.codes_target([code])
    with pytest.raises(ValueError, match="pattern"):  # the file format too (pydantic's "\d" is Unicode)
        CodesTarget.model_validate({"kind": "codes", "codes": [code]})


def test_codes_with_spaces_and_lower_case_are_cleaned() -> None:
    assert E.codes_target([" e01024840 ", "E05005026\t"]).codes == ["E01024840", "E05005026"]


def test_an_edit_making_a_plan_of_megabytes_is_refused_at_once() -> None:
    plan = small_plan()
    started = time.perf_counter()
    with pytest.raises(E.InvalidEdit, match=f"limited to {MAX_PLAN_BYTES:,} bytes"):
        E.update_action(plan, "1.1", partners=["A partner of the council"] * 300_000)
    with pytest.raises(E.InvalidEdit, match="limited to"):
        E.update_priority(plan, "1", aims=["x" * 9_000] * 200)
    assert time.perf_counter() - started < 3, "refused before the YAML is written"
    just_under = E.update_action(plan, "1.1", partners=["A partner"] * 1_000)
    assert len(just_under.action("1.1").partners) == 1_000


def test_an_unreadable_draft_does_not_lock_its_user_out(tmp_path: Path) -> None:
    store = ProgressStore(f"sqlite:///{tmp_path / 'progress.sqlite'}")
    loaded = read_plan(TW_FILE)
    store.save_plan(loaded, user=ADMIN, base_sha=None, check_data=False)
    # a draft kept before the format changed: it no longer reads as a plan
    store.save_draft(loaded.plan.id, loaded.text.replace("schema_version: 1", "schema_version: 99"),
                     user=EDITOR, base_sha=store.current_sha(loaded.plan.id), problems=[])
    with pytest.raises(PlanFileError):
        editor_view.resume(store, loaded.plan.id, EDITOR)
    for choice in (f"draft:{loaded.plan.id}", f"stored:{loaded.plan.id}"):
        editing = editor_view.open_plan(choice, store, EDITOR)
        assert editing.plan == loaded.plan and editing.base_sha == store.current_sha(loaded.plan.id)
        assert "no longer reads as a plan" in editing.opened_from
    with pytest.raises(PlanFileError):  # a draft of a plan never stored has nothing to fall back to
        store.save_draft("never-stored", "id: never-stored\nschema_version: 99\n", user=EDITOR, base_sha=None,
                         problems=[])
        editor_view.open_plan("draft:never-stored", store, EDITOR)


def test_thousands_of_problems_are_listed_up_to_a_bound() -> None:
    problems = [E.Problem(f"No LSOA E01{n:06d} <b>", "unknown_code", "target_areas[0]", "1.1", value=str(n))
                for n in range(5_000)]
    lines = editor_view.plan_problem_lines(problems)
    assert len(lines) == editor_view.PROBLEMS_SHOWN + 1 and "4,960 more problems" in lines[-1]
    assert all("<b>" not in line for line in lines)
    shown, more = editor_view.first_problems(problems, 5)
    assert len(shown) == 5 and more == 4_995
    assert editor_view.plan_problem_lines(problems[:3]) == editor_view.plan_problem_lines(problems[:3], limit=3)


def test_a_map_file_removed_between_check_and_touch_is_written_again(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from app.map_component import write_assets
    from hiap_geo.render.map_component import MapAsset

    asset = MapAsset("areas-0123456789abcdef0123.json", b'{"geometry":[]}')
    write_assets((asset,), tmp_path)
    target = tmp_path / asset.name
    target.write_bytes(b"")  # what Path.touch left when another session removed the file in between
    write_assets((asset,), tmp_path)
    assert target.read_bytes() == asset.body, "a file of the wrong size is written again"
    # the race itself: the file goes after it is found; the rerun must not leave an empty file behind
    import app.map_component as component

    real_utime = os.utime

    def vanishing_utime(path: Path, *args: object) -> None:  # another session removes it just then
        Path(path).unlink()
        real_utime(path, *args)

    monkeypatch.setattr(component.os, "utime", vanishing_utime)
    write_assets((asset,), tmp_path)
    monkeypatch.undo()
    assert target.read_bytes() == asset.body


def test_map_files_are_bounded_in_bytes_as_well_as_count(tmp_path: Path) -> None:
    from app.map_component import write_assets
    from hiap_geo.render.map_component import MapAsset

    for n in range(5):
        write_assets((MapAsset(f"areas-{n:020d}.json", b"x" * 1000),), tmp_path, keep=100, keep_bytes=2500)
        os.utime(tmp_path / f"areas-{n:020d}.json", (n + 1, n + 1))
    names = sorted(f.name for f in tmp_path.iterdir())
    assert names == [f"areas-{n:020d}.json" for n in (3, 4)]
    big = MapAsset("areas-big.json", b"x" * 10_000)  # the rerun's own file stays, however big
    write_assets((big,), tmp_path, keep=100, keep_bytes=2500)
    assert (tmp_path / big.name).is_file()


def test_the_map_script_keeps_only_a_few_parsed_files() -> None:
    script = (Path(__file__).parent.parent / "app" / "map_frontend" / "hiap_map.js").read_text(encoding="utf-8")
    assert "KEEP_PARSED" in script and "files.delete(old)" in script



@pytest.mark.parametrize("text", ["a\x85b", "x\x85", "one\x85two\nthree", "a\u2028b\u2029c", "\x85"])
def test_next_line_characters_round_trip(text: str) -> None:
    from hiap_geo.plans.load import parse_plan

    plan = E.update_action(small_plan(), "1.1", title=text, lead=text, partners=[text])
    assert parse_plan(E.plan_yaml(plan)).plan == plan
    loaded = read_plan(TW_FILE)  # an edit of a shipped file goes through the splice
    edited = E.update_action(loaded.plan, loaded.plan.actions[0].id, title=text)
    assert parse_plan(E.plan_yaml(edited, original=loaded)).plan == edited


def test_a_session_never_holds_a_plan_that_cannot_be_written(monkeypatch: pytest.MonkeyPatch) -> None:
    editing = editor_view.Editing(small_plan(), None, None, "tests")

    def unwritable(plan: Plan, *, original: object = None) -> str:
        raise PlanError("cannot be written")

    monkeypatch.setattr(E, "plan_yaml", unwritable)
    with pytest.raises(PlanError):
        editing.edited(E.update_plan(editing.plan, title="Another"))


def test_a_new_priority_takes_the_next_free_number() -> None:
    plan = small_plan()
    assert E.next_priority_id(plan) == "2"
    plan = E.add_priority(plan, "7", "Seventh")
    plan = E.add_priority(plan, "health-1", "Named")
    assert E.next_priority_id(plan) == "8"
    assert E.add_priority(plan, E.next_priority_id(plan), "Next").priorities[-1].id == "8"


def test_drafts_are_bounded_per_user_and_in_their_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hiap_geo.plans import drafts
    from hiap_geo.plans.schema import ProgressError

    store = ProgressStore(f"sqlite:///{tmp_path / 'progress.sqlite'}")
    text = E.plan_yaml(small_plan())
    many = [E.Problem(f"note {n}", "spelling", blocking=False) for n in range(3_000)]
    many.append(E.Problem("No LSOA E01999999", "unknown_code", "target_areas[0]", "1.1"))
    saved = store.save_draft("tw-attack", text, user=EDITOR, problems=many)
    assert len(saved.problems) == drafts.MAX_STORED_PROBLEMS and not saved.final, "the blocking one is kept"
    again = store.draft("tw-attack", user=EDITOR)
    assert again is not None and again.problems == saved.problems
    monkeypatch.setattr(drafts, "MAX_DRAFTS_PER_USER", 3)
    for n in range(2):
        store.save_draft(f"tw-attack-{n}", text, user=EDITOR, problems=[])
    store.save_draft("tw-attack", text, user=EDITOR, problems=[])  # replacing one is not another
    with pytest.raises(ProgressError, match="3 drafts"):
        store.save_draft("tw-attack-9", text, user=EDITOR, problems=[])
    store.save_draft("tw-attack-9", text, user=ADMIN, problems=[])  # per user
    assert store.discard_draft("tw-attack-0", user=EDITOR)
    store.save_draft("tw-attack-9", text, user=EDITOR, problems=[])


def test_map_file_is_strict_json_with_a_missing_name_and_keeps_markup_as_data() -> None:
    import json

    import geopandas as gpd
    from shapely.geometry import box

    from hiap_geo.render.map_component import names_asset

    names = ["<img src=x onerror=alert(1)>", float("nan")]  # NaN: a name missing after a join
    areas = gpd.GeoDataFrame({"code": ["E01000001", "E01000002"], "name": names,
                              "ward": ["W", None], "district": ["D", "D"], "value": [1.0, 2.0]},
                             geometry=[box(0, 51, 0.01, 51.01), box(0.01, 51, 0.02, 51.01)], crs=4326)
    asset = names_asset(areas)

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    body = json.loads(asset.body, parse_constant=refuse)  # as strict as the browser's JSON.parse
    assert body["areas"]["name"] == ["<img src=x onerror=alert(1)>", ""]  # data: the browser writes it as text
    assert asset.name.startswith("names-") and asset.name.removeprefix("names-").removesuffix(".json").isalnum()


def test_a_text_box_longer_than_a_plan_is_refused_before_it_is_split() -> None:
    with pytest.raises(editor_view.EditorPageError, match="limited to"):
        editor_view.lines("A partner\n" * 200_000)
    assert editor_view.lines(" a \n\n b\u2028c ") == ["a", "b", "c"]


def test_a_refresh_reopens_the_draft_then_the_stored_plan_and_nothing_for_a_hostile_id(tmp_path: Path) -> None:
    store = ProgressStore(f"sqlite:///{tmp_path / 'progress.sqlite'}")
    loaded = read_plan(TW_FILE)
    plan_id = loaded.plan.id
    assert editor_view.reopen_choice(plan_id, store, EDITOR, True) == next(
        c.key for c in editor_view.plan_view.plan_choices() if c.plan_id == plan_id)
    store.save_plan(loaded, user=ADMIN, base_sha=None, check_data=False)
    assert editor_view.reopen_choice(plan_id, store, EDITOR, True) == f"stored:{plan_id}"
    store.save_draft(plan_id, loaded.text, user=EDITOR, problems=[])
    assert editor_view.reopen_choice(plan_id, store, EDITOR, True) == f"draft:{plan_id}"
    assert editor_view.reopen_choice(plan_id, store, EDITOR, False) == f"stored:{plan_id}"  # a viewer has no drafts
    for hostile in ("../../etc/passwd", "x" * 10_000, "<script>", ""):
        assert editor_view.reopen_choice(hostile, store, EDITOR, True) is None

# ---------------------------------------------------------------------------------------------
# The page (AppTest): hostile text everywhere, thousands of wrong codes, an unreadable draft
# ---------------------------------------------------------------------------------------------

HOSTILE = ("<script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3)) "
           '=HYPERLINK("http://e","a") {{ x }} *a* &a !!python/object \u202e $x$')


def open_draft(plan_id: str) -> AppTest:
    """The Plan editor page (AppTest) with the local user's draft of ``plan_id`` opened."""
    at = AppTest.from_file(str(settings.PROJECT_ROOT / "app.py"), default_timeout=600)
    at.run()
    at.switch_page("app/pages/plan_editor.py").run()
    at.selectbox(key="editor_open_choice").set_value(f"draft:{plan_id}").run()
    next(b for b in at.button if b.label == "Open").click().run()
    return at


@pytest.mark.integration
def test_page_shows_hostile_text_as_text_and_bounds_thousands_of_problems(kent: str, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    db = f"sqlite:///{tmp_path / 'progress.sqlite'}"
    monkeypatch.setenv("HIAP_PROGRESS_DB", db)
    plan = E.new_plan("tw-hostile", HOSTILE, "E07000116", "Tunbridge Wells", "2026-28", 2025, author="tests")
    plan = E.update_priority(plan, "1", title=HOSTILE, aims=[HOSTILE])
    wrong = [f"E01{n:06d}" for n in range(2_000)]  # none is in Tunbridge Wells
    plan = E.update_action(plan, "1.1", title=HOSTILE, lead=HOSTILE, partners=[HOSTILE, "=1+1"],
                           target_areas=[E.codes_target(wrong, quote=HOSTILE), E.names_target("ward", [HOSTILE])])
    ProgressStore(db).save_draft("tw-hostile", E.plan_yaml(plan), user=LOCAL_USER)
    at = open_draft("tw-hostile")
    assert not at.exception, at.exception
    markdown = [str(e.value) for e in (*at.title, *at.header, *at.subheader, *at.markdown, *at.caption,
                                       *at.warning, *at.info, *at.error, *at.success)]
    joined = "\n".join(markdown)
    for raw in ("<script>", "<img", "](javascript", "*a*", "$x$"):
        assert raw not in joined, f"{raw} reached the page as Markdown"
    assert "Tunbridge Wells" in joined
    assert len(at.error) <= 10, "problems at a field are bounded"
    assert re.search(r"and [\d,]+ more problems", joined)
    assert len(joined) < 200_000



@pytest.mark.integration
@pytest.mark.parametrize("wanted", ["../../etc/passwd", "x" * 10_000, "<script>alert(1)</script>"])
def test_page_opened_with_a_hostile_plan_parameter_shows_the_start(kent: str, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  wanted: str) -> None:
    monkeypatch.setenv("HIAP_PROGRESS_DB", f"sqlite:///{tmp_path / 'progress.sqlite'}")
    at = AppTest.from_file(str(settings.PROJECT_ROOT / "app.py"), default_timeout=300)
    at.run()
    at.query_params["plan"] = wanted
    at.switch_page("app/pages/plan_editor.py").run()
    assert not at.exception, at.exception
    assert at.radio(key="editor_start") is not None
    assert all("<script>" not in str(e.value) for e in (*at.markdown, *at.error, *at.caption))


@pytest.mark.integration
def test_word_export_of_thousands_of_priorities_draws_a_bounded_number_of_maps(real_data: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import geopandas as gpd
    from shapely.geometry import box

    from hiap_geo.render import plan_document

    plan = small_plan()
    for n in range(2, 2_001):
        plan = plan.model_copy(update={"priorities": [*plan.priorities,
                                                      plan.priorities[0].model_copy(update={"id": str(n)})]})
    actions = [plan.actions[0].model_copy(update={"id": f"{n}.1", "priority": str(n)}) for n in range(1, 61)]
    plan = plan.model_copy(update={"actions": actions})
    drawn: list[str] = []
    png = _tiny_png()

    def counted(plan: Plan, priority: object, *args: object) -> bytes:
        drawn.append(priority.id)  # type: ignore[attr-defined]
        return png

    monkeypatch.setattr(plan_document, "priority_map_png", counted)
    lsoas = gpd.GeoDataFrame({"code": ["E01024840"]}, geometry=[box(0, 51, 0.01, 51.01)], crs=4326)
    started = time.perf_counter()
    data = plan_document.plan_docx(plan, lsoas)
    assert drawn == [str(n) for n in range(1, plan_document.MAX_MAPS + 1)], "no map for a priority with no action"
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert f"maps of the first {plan_document.MAX_MAPS} priorities" in text
    assert time.perf_counter() - started < 120


def _tiny_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.integration
def test_a_plan_of_hundreds_of_priorities_shows_one_priority_form(kent: str, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    db = f"sqlite:///{tmp_path / 'progress.sqlite'}"
    monkeypatch.setenv("HIAP_PROGRESS_DB", db)
    plan = small_plan()
    plan = plan.model_copy(update={"priorities": [plan.priorities[0].model_copy(update={"id": str(n), "title": HOSTILE})
                                                  for n in range(1, 301)]})
    ProgressStore(db).save_draft(plan.id, E.plan_yaml(plan), user=LOCAL_USER)
    at = open_draft(plan.id)
    assert not at.exception, at.exception
    assert [t.label for t in at.text_input].count("Title") == 1, "one priority form, not 300"
    at.selectbox(key="editor_priority").set_value("250").run()
    assert not at.exception, at.exception
    assert any(m.value.startswith("**Priority 250**") for m in at.markdown)
    next(b for b in at.button if b.label == "Remove with its actions").click().run()
    assert not at.exception, at.exception
    assert len(at.selectbox(key="editor_priority").options) == 299

"""The plan editor's library: edits, YAML that round-trips, problems at the field, reach, drafts and safe saves.

The three transcribed plans are the fixtures of the YAML tests (no official data needed); problems and reach
use the real data (``real_data``: integration); the store tests run on SQLite files and on a real PostgreSQL
server (integration).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from hiap_geo.cli import main
from hiap_geo.core.access import AccessDenied, User
from hiap_geo.plans import editor as E
from hiap_geo.plans.drafts import PlanChangedSinceOpened, PlanNotFinal
from hiap_geo.plans.load import LoadedPlan, parse_plan, plan_files, read_plan
from hiap_geo.plans.progress import ProgressStore
from hiap_geo.plans.schema import MAX_TEXT_CHARS, PLANS_DIR, CodesTarget, DistrictTarget, Plan, ProgressError

TW_FILE = PLANS_DIR / "tunbridge-wells-2023-25.yaml"
HOSTILE = [
    "<script>alert('x')</script> & <b>bold</b>",
    "=cmd|' /C calc'!A0",
    "+SUM(A1:A2)",
    "yes",
    "on",
    "1:20",
    "1.10",
    "2024-01-01",
    "null",
    "~",
    "# not a comment",
    "- not a list",
    "key: value",
    "{not: flow}",
    "[not, flow]",
    "&anchor *alias !tag %directive @at `tick`",
    '"double" and \'single\' quotes',
    "  leading and trailing spaces  ",
    "line one\nline two\n\nline four",
    "tab\there",
    "unicode line\u2028separator and \u00a0nbsp, emoji \U0001f600, \u202eRTL override",
    "trailing colon:",
    "control \x00 \x07 \x1b[31m red \x7f \ufeff bom",
    "\r\n windows line \r end",
    "x" * MAX_TEXT_CHARS,
    ("word " * 2000).strip(),
]


def _round_trip(plan: Plan, original: LoadedPlan | None = None) -> str:
    out = E.plan_yaml(plan, original=original)
    assert parse_plan(out).plan == plan
    return out


# -- YAML ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", plan_files(), ids=lambda p: p.stem)
def test_transcribed_plans_write_back_byte_identical(path: Path) -> None:
    loaded = read_plan(path)
    assert E.plan_yaml(loaded.plan, original=loaded) == path.read_text(encoding="utf-8")
    # an edit undone is no change either
    first = loaded.plan.actions[0]
    undone = E.update_action(E.update_action(loaded.plan, first.id, title="changed"), first.id, title=first.title)
    assert E.plan_yaml(undone, original=loaded) == loaded.text
    # written afresh (no original) it reads back to the same plan
    _round_trip(loaded.plan)


@pytest.mark.parametrize("path", plan_files(), ids=lambda p: p.stem)
def test_edits_read_back_and_keep_untouched_parts(path: Path) -> None:
    loaded = read_plan(path)
    plan = loaded.plan
    first, second, last = plan.actions[0], plan.actions[1], plan.actions[-1]
    priority = plan.priorities[0].id
    edited = E.update_action(plan, first.id, title="Retitled: with a colon", lead="Public Health Team",
                             partners=["NHS Kent", "=HYPERLINK(\"x\")"], timescale="By March 2027",
                             indicators=["Smoking prevalence"], progress_targets=["Down 2%"])
    edited = E.remove_action(edited, second.id)
    new_id = E.next_action_id(edited, priority)
    edited = E.add_action(edited, new_id, priority, "A new action", targets=[E.decile_target(2)])
    edited = E.add_priority(edited, "new-priority", "A new priority", aims=["An aim"])
    edited = E.update_priority(edited, priority, title="Renamed priority")
    edited = E.update_plan(edited, period="2026-29")
    out = _round_trip(edited, loaded)
    head = loaded.text[: loaded.text.index("schema_version")]
    assert out.startswith(head), "the header comments stay"
    untouched = loaded.text[loaded.text.index(f'id: "{last.id}"'):].rstrip("\n")
    assert untouched in out, "an action the edits did not touch is copied byte for byte"
    assert f"title: {second.title}\n" not in out or any(a.title == second.title for a in edited.actions)
    assert out.count("\n") < loaded.text.count("\n") + 40, "the edits rewrote only what changed"


def test_an_area_list_edit_rewrites_only_the_entries_that_changed() -> None:
    loaded = read_plan(TW_FILE)
    lists = [lst.model_dump(mode="python", exclude_unset=True) for lst in loaded.plan.area_lists]
    lists[0]["entries"][1]["ward"] = "Broadwater"
    lists[0]["entries"].append({"text": "E01024800 - added", "code": "E01024800"})
    out = _round_trip(E.update_plan(loaded.plan, area_lists=lists), loaded)
    changed = [line for line in out.splitlines() if line not in loaded.text.splitlines()]
    assert len(changed) == 2 and "E01024800 - added" in changed[1] and "ward: Broadwater, decile: 4" in changed[0]


def test_clearing_a_field_the_file_states_empty_is_no_change() -> None:
    text_ = TW_FILE.read_text(encoding="utf-8").replace(
        "    title: Mental Health First Aid training for frontline staff.\n",
        "    title: Mental Health First Aid training for frontline staff.\n    partners: []\n    lead: null\n")
    loaded = parse_plan(text_)
    assert E.plan_yaml(E.update_action(loaded.plan, "1.4", partners=[], lead=None), original=loaded) == text_


def test_a_file_with_windows_line_ends_keeps_them() -> None:
    crlf = TW_FILE.read_text(encoding="utf-8").replace("\n", "\r\n")
    loaded = parse_plan(crlf)
    assert E.plan_yaml(loaded.plan, original=loaded) == crlf
    out = _round_trip(E.add_action(E.update_action(loaded.plan, "1.1", how=["a", "b"]), "1.9", "1", "new"), loaded)
    assert out.count("\n") == out.count("\r\n") and out.startswith(crlf[:200])


def test_new_plan_is_minimal_valid_and_says_where_it_was_written() -> None:
    plan = E.new_plan("tw-2026-29", "Health Inequalities Action Plan 2026-29", "E07000116", "Tunbridge Wells",
                      "2026-29", 2025, author="Jo Bloggs", publisher="Tunbridge Wells Borough Council",
                      today=date(2026, 11, 30))
    assert [p.id for p in plan.priorities] == ["1"] and [a.id for a in plan.actions] == ["1.1"]
    assert plan.actions[0].target_areas == [DistrictTarget(kind="district", specified=False)]
    assert plan.source.publisher == "Tunbridge Wells Borough Council"
    assert plan.transcription.by == "Jo Bloggs" and plan.transcription.date == date(2026, 11, 30)
    assert "plan editor" in plan.source.note and "plan editor" in plan.transcription.notes[0]
    out = _round_trip(plan)
    assert out.startswith("# ") and "schema_version: 1\n" in out
    loaded = parse_plan(out)
    assert E.plan_yaml(loaded.plan, original=loaded) == out


def test_next_period_draft_resets_statuses_and_links_each_action() -> None:
    old = read_plan(TW_FILE).plan
    old = E.update_action(E.update_action(old, "1.1", status="done"), "3.4", status="at_risk")
    draft = E.next_period_draft(old, "tunbridge-wells-2026-29", "2026-29", author="Jo")
    assert draft.id == "tunbridge-wells-2026-29" and draft.period == "2026-29"
    assert draft.title == "Health Inequalities Action Plan 2026-29"
    assert [a.id for a in draft.actions] == [a.id for a in old.actions]
    assert [p.id for p in draft.priorities] == [p.id for p in old.priorities]
    assert all(a.status is None for a in draft.actions)
    assert all(a.carried_from is not None and a.carried_from.plan == old.id and a.carried_from.action == a.id
               for a in draft.actions)
    assert draft.action("3.4").target_areas == old.action("3.4").target_areas
    assert draft.area_lists == old.area_lists and draft.edition == old.edition
    assert draft.transcription.by == "Jo"
    out = _round_trip(draft)
    assert "carried_from: {plan: tunbridge-wells-2023-25, action: \"3.4\"}" in out or "carried_from:" in out


def test_toggle_code_adds_and_removes_an_area() -> None:
    plan = read_plan(TW_FILE).plan
    one = E.toggle_code(plan, "1.1", "e01024840 ")
    assert one.action("1.1").target_areas == [CodesTarget(kind="codes", codes=["E01024840"])], \
        "a click replaces the placeholder that names no place"
    two = E.toggle_code(one, "1.1", "E01024841")
    assert two.action("1.1").target_areas[0].codes == ["E01024840", "E01024841"]
    back = E.toggle_code(two, "1.1", "E01024840")
    assert back.action("1.1").target_areas[0].codes == ["E01024841"]
    empty = E.toggle_code(back, "1.1", "E01024841")
    assert empty.action("1.1").target_areas == [DistrictTarget(kind="district", specified=False)]
    # an action with a rule keeps it and gains a codes target
    ruled = E.set_targets(plan, "1.2", [E.decile_target(4)])
    clicked = E.toggle_code(ruled, "1.2", "E01024840")
    assert [t.kind for t in clicked.action("1.2").target_areas] == ["rule", "codes"]
    _round_trip(clicked, read_plan(TW_FILE))


def test_unknown_ids_and_invalid_edits_raise_named_errors() -> None:
    plan = read_plan(TW_FILE).plan
    with pytest.raises(E.UnknownItem, match=r"no action '9\.9'.*1\.1, 1\.2"):
        E.update_action(plan, "9.9", title="x")
    with pytest.raises(E.UnknownItem, match="no priority 'nope'"):
        E.add_action(plan, "9.1", "nope", "x")
    with pytest.raises(E.UnknownItem, match="no priority"):
        E.remove_priority(plan, "nope")
    with pytest.raises(E.DuplicateId, match="already has an action '1.2'"):
        E.update_action(plan, "1.1", id="1.2")
    with pytest.raises(E.DuplicateId):
        E.add_priority(plan, "1", "again")
    with pytest.raises(E.InvalidEdit, match="title"):
        E.update_action(plan, "1.1", title="")
    with pytest.raises(E.InvalidEdit, match="target_areas"):
        E.update_action(plan, "1.1", target_areas=[])
    with pytest.raises(E.InvalidEdit, match="status"):
        E.update_action(plan, "1.1", status="finished")
    with pytest.raises(E.PlanEditError, match="'E0102484' is not an LSOA or ward code"):
        E.toggle_code(plan, "1.1", "E0102484")
    with pytest.raises(E.InvalidEdit, match=r"target_areas\[0\]\.list: area list 'nope' is not in area_lists"):
        E.set_targets(plan, "1.1", [{"kind": "list", "list": "nope"}])
    with pytest.raises(E.InvalidEdit, match=r"area list 'areas-of-deprivation' is not in area_lists"):
        E.update_plan(plan, area_lists=[])
    with pytest.raises(E.InvalidEdit, match=r"target_areas\[0\]\.rule\.decile_max"):
        E.set_targets(plan, "1.1", [{"kind": "rule", "rule": {"rule": "lsoa_decile", "decile_max": 11}}])
    with pytest.raises(E.PlanEditError, match="Unknown action field"):
        E.update_action(plan, "1.1", colour="red")
    with pytest.raises(E.PlanEditError, match="still has 7 action"):
        E.remove_priority(plan, "1")
    moved = E.remove_priority(plan, "1", move_actions_to="2")
    assert {a.priority for a in moved.actions if a.id.startswith("1.")} == {"2"}
    fewer = E.remove_priority(plan, "1", remove_actions=True)
    assert not any(a.priority == "1" for a in fewer.actions)
    renamed = E.update_priority(plan, "1", id="mental-health")
    assert {a.priority for a in renamed.actions if a.id.startswith("1.")} == {"mental-health"}
    single = E.new_plan("p", "P", "E07000116", "Tunbridge Wells", "2026", 2025, author="a")
    with pytest.raises(E.PlanEditError, match="only action"):
        E.remove_action(single, "1.1")
    with pytest.raises(E.PlanEditError, match="only priority"):
        E.remove_priority(single, "1")


def test_plan_diff_says_what_changed() -> None:
    plan = read_plan(TW_FILE).plan
    new = E.update_action(plan, "1.1", title="New title", lead="Lead org")
    new = E.toggle_code(new, "3.4", "E01024840")
    new = E.remove_action(new, "5.6")
    new = E.add_action(new, "5.7", "5", "Added")
    new = E.update_priority(new, "2", title="Isolation")
    lines = E.plan_diff(plan, new)
    assert "Action 5.7 'Added' added." in lines
    assert any(line.startswith("Action 5.6 ") and line.endswith("removed.") for line in lines)
    assert any(line.startswith("Action 1.1 retitled from") and "'New title'" in line for line in lines)
    assert "Action 1.1: lead changed." in lines
    assert any(line.startswith("Action 3.4 targets changed") and "E01024840" in line for line in lines)
    assert "Priority 2 retitled from 'Loneliness and isolation' to 'Isolation'." in lines
    assert E.plan_diff(plan, plan) == []


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_round_trips(value: str) -> None:
    loaded = read_plan(TW_FILE)
    plan = E.update_action(loaded.plan, "1.1", title=value, partners=[value, "NHS"], how=[value])
    plan = E.update_priority(plan, "2", title=value, aims=[value])
    plan = E.update_plan(plan, notes=[value])
    spliced = _round_trip(plan, loaded)
    assert spliced.startswith(loaded.text[: loaded.text.index("actions:")].split("priorities:")[0]), \
        "written into the original, not afresh"
    _round_trip(plan)
    fresh = E.new_plan("hostile", value, "E07000116", value, value, 2025, author=value)
    out = _round_trip(fresh)
    assert out.startswith("# A Health Inequalities Action Plan"), "no text escapes into the header comment"


def test_two_hundred_actions_round_trip() -> None:
    loaded = read_plan(TW_FILE)
    plan = loaded.plan
    for n in range(200):
        plan = E.add_action(plan, f"9.{n}", "5", f"Action number {n} <i>{'x' * (n % 7)}</i>",
                            targets=[E.codes_target(["E01024840"])] if n % 2 else None, lead=f"=cmd{n}")
    assert len(plan.actions) == 237
    spliced = _round_trip(plan, loaded)
    assert spliced.startswith(loaded.text[: loaded.text.index("actions:")]), "everything before the actions stays"
    _round_trip(plan)
    fewer = E.remove_action(parse_plan(spliced).plan, "9.100")
    _round_trip(fewer, parse_plan(spliced))


# -- problems and reach (official data) ----------------------------------------------------------------


def _tw2025() -> Plan:
    plan = E.new_plan("tw-2026-29", "Plan", "E07000116", "Tunbridge Wells", "2026-29", 2025, author="Jo")
    plan = E.add_priority(plan, "2", "Second")
    plan = E.add_action(plan, "2.1", "2", "Clicked areas", targets=[E.codes_target(["E01024840", "E01024841"])])
    return E.add_action(plan, "2.2", "2", "Deciles", targets=[E.decile_target(4)])


def test_problems_are_given_at_the_field(real_data: Path) -> None:
    from hiap_geo.plans.resolve import Resolver

    plan = _tw2025()
    assert E.blocking(E.plan_problems(plan)) == []
    bad = E.toggle_code(plan, "2.1", "E01024801")  # an LSOA 2011 code, gone from LSOA 2021
    bad = E.toggle_code(bad, "2.1", "E01033000")  # Hounslow
    empty_rule = E.decile_target(1, decile_min=1, measure="imd")
    assert Resolver(plan).rule(empty_rule.rule).empty, "precondition: no Tunbridge Wells LSOA in IMD 2025 decile 1"
    bad = E.set_targets(bad, "2.2", [empty_rule])
    bad = E.update_action(bad, "1.1", priority="2")
    problems = E.blocking(E.plan_problems(bad))
    by_value = {p.value: p for p in problems}
    vintage = by_value["E01024801"]
    assert (vintage.action_id, vintage.field, vintage.kind) == ("2.1", "target_areas[0]", "unknown_code")
    assert "IoD 2019" in vintage.message
    outside = by_value["E01033000"]
    assert (outside.action_id, outside.kind) == ("2.1", "outside_area") and "Hounslow" in outside.message
    rule = next(p for p in problems if p.kind == "empty_rule")
    assert (rule.action_id, rule.field) == ("2.2", "target_areas[0]")
    assert len(problems) == 3
    # a broken cross reference is reported at its field too
    orphan = E.remove_priority(bad, "1", move_actions_to="2")
    orphan_data = orphan.model_dump(mode="python", exclude_unset=True)
    orphan_data["actions"][0]["priority"] = "gone"
    found = E.plan_problems(Plan.model_validate(orphan_data))
    ref = next(p for p in found if p.kind == "reference")
    assert (ref.action_id, ref.field) == ("1.1", "priority") and "'gone' is not in priorities" in ref.message
    # a code listed twice is reported at its action, not blocking (a transcription keeps the document's)
    twice = E.set_targets(plan, "2.1", [E.codes_target(["E01024840", "E01024840"])])
    duplicate = [p for p in E.plan_problems(twice) if p.action_id == "2.1"]
    assert [(p.kind, p.blocking) for p in duplicate] == [("duplicate_target", False)]
    # an entry naming no area, in a list an action targets, blocks at the entry
    lists = [lst.model_dump(mode="python", exclude_unset=True) for lst in read_plan(TW_FILE).plan.area_lists]
    lists[0]["entries"].append({"text": "Nowhere", "code": "E01999999"})
    listed = E.update_plan(read_plan(TW_FILE).plan, area_lists=lists)
    entry = next(p for p in E.blocking(E.plan_problems(listed)))
    assert (entry.kind, entry.field, entry.value) == ("unknown_code", "area_lists[0].entries[6]", "'Nowhere'")
    # a next-period draft moved to the IoD 2025 geography: the 2019 wards its list names are reported
    moved = E.next_period_draft(read_plan(TW_FILE).plan, "tw-next", "2026-29", author="Jo", edition=2025)
    assert moved.edition == 2025
    assert any(p.kind == "unknown_ward" and "'Rusthall'" in p.message for p in E.plan_problems(moved))
    # the transcribed plans have their document's claims reported, none blocking
    for path in plan_files():
        assert E.blocking(E.plan_problems(read_plan(path))) == []


def test_a_plan_written_from_scratch_passes_plan_check(tmp_path: Path, real_data: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    plan = E.new_plan("tw-2026-29", "Health Inequalities Action Plan 2026-29", "E07000116", "Tunbridge Wells",
                      "2026-29", 2025, author="Jo", publisher="Tunbridge Wells Borough Council")
    plan = E.update_priority(plan, "1", title="Mental health")
    plan = E.add_priority(plan, "2", "Healthy weight")
    plan = E.update_action(plan, "1.1", title="Clinics in two neighbourhoods", lead="Public Health",
                           partners=["NHS Kent and Medway"], timescale="By March 2027")
    plan = E.toggle_code(E.toggle_code(plan, "1.1", "E01024840"), "1.1", "E01024841")
    plan = E.add_action(plan, "1.2", "1", "Outreach in the most deprived areas", targets=[E.decile_target(4)])
    plan = E.add_action(plan, "2.1", "2", "Active travel across the borough",
                        targets=[E.district_target(True, quote="across the borough")])
    assert E.blocking(E.plan_problems(plan)) == []
    path = tmp_path / "tw-2026-29.yaml"
    path.write_text(E.plan_yaml(plan), encoding="utf-8")
    assert main(["plan", "check", str(path)]) == 0, capsys.readouterr().out
    assert "no discrepancies" in capsys.readouterr().out


def test_action_reach_counts_areas_people_and_deciles(real_data: Path) -> None:
    from hiap_geo.geo.deprivation import load_iod
    from hiap_geo.plans.resolve import Resolver, area_lookup

    plan = _tw2025()
    iod = load_iod(2025).set_index("lsoa_code")
    clicked = E.action_reach(plan, "2.1")
    assert sorted(clicked.lsoas["lsoa_code"]) == ["E01024840", "E01024841"]
    assert clicked.people == pytest.approx(iod.loc[["E01024840", "E01024841"], "population"].sum())
    assert sum(clicked.deciles.values()) == 2 and not clicked.district_wide
    assert clicked.deciles[int(iod.loc["E01024840", "imd_decile"])] >= 1
    ruled = E.action_reach(plan, "2.2")
    expected = Resolver(plan).rule(E.decile_target(4).rule)
    assert sorted(ruled.lsoas["lsoa_code"]) == sorted(expected["lsoa_code"]) and len(expected) > 0
    assert sum(ruled.deciles[d] for d in range(5, 11)) == 0
    assert str(len(expected)) in ruled.targets[0]
    whole = E.action_reach(plan, "1.1")
    assert whole.district_wide and whole.n_lsoas == len(area_lookup(plan))
    assert whole.n_wards == area_lookup(plan)["ward_code"].nunique()
    # one bad code does not hide the good one
    bad = E.action_reach(E.toggle_code(plan, "2.1", "E01024801"), "2.1")
    assert bad.n_lsoas == 2 and [p.value for p in bad.problems] == ["E01024801"]


# -- drafts and versions in the progress database --------------------------------------------------------

ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)]
ADMIN_A = User("a@council.gov.uk", "Ann", "admin")
ADMIN_B = User("b@council.gov.uk", "Bob", "admin")
EDITOR = User("e@council.gov.uk", "Eve", "editor")
VIEWER = User("v@council.gov.uk", "Vic", "viewer")


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    if request.param == "sqlite":
        numbers = itertools.count()
        return lambda: f"sqlite:///{tmp_path / f'editor-{next(numbers)}.sqlite'}"
    return request.getfixturevalue("postgres").new_database


def test_second_editor_is_told_who_changed_what(db_url: Callable[[], str]) -> None:
    url = db_url()
    loaded = read_plan(TW_FILE)
    first = ProgressStore(url).save_plan(loaded, user=ADMIN_A, base_sha=None, check_data=False)
    assert first.saved and first.saved_by == "Ann <a@council.gov.uk>"
    opened = ProgressStore(url).current_sha(loaded.plan.id)
    assert opened == first.sha256
    ann, bob = ProgressStore(url), ProgressStore(url)
    ann_text = E.plan_yaml(E.update_action(loaded.plan, "1.1", title="Ann's title"), original=loaded)
    bob_text = E.plan_yaml(E.remove_action(loaded.plan, "5.6"), original=loaded)
    saved = ann.save_plan(ann_text, user=ADMIN_A, base_sha=opened, check_data=False)
    assert saved.saved and any("Ann's title" in line for line in saved.changes)
    with pytest.raises(PlanChangedSinceOpened) as told:
        bob.save_plan(bob_text, user=ADMIN_B, base_sha=opened, check_data=False)
    assert told.value.saved_by == "Ann <a@council.gov.uk>" and told.value.saved_at is not None
    assert any("Action 1.1 retitled" in line and "Ann's title" in line for line in told.value.changes)
    assert "Ann" in str(told.value) and "Nothing was saved" in str(told.value)
    assert bob.current_version(loaded.plan.id).text == ann_text, "Bob's save stored nothing"
    # Bob reopens the current version and saves on top of it
    current = parse_plan(bob.version_text(loaded.plan.id))
    merged = E.plan_yaml(E.remove_action(current.plan, "5.6"), original=current)
    again = bob.save_plan(merged, user=ADMIN_B, base_sha=bob.current_sha(loaded.plan.id), check_data=False)
    assert again.saved and any("5.6" in line for line in again.changes)
    versions = bob.versions(loaded.plan.id)
    assert list(versions["version"]) == [1, 2, 3]
    assert list(versions["saved_by"]) == ["Ann <a@council.gov.uk>", "Ann <a@council.gov.uk>", "Bob <b@council.gov.uk>"]
    assert any("5.6" in line for line in versions["changes"].iloc[2])
    unchanged = bob.save_plan(merged, user=ADMIN_B, base_sha=bob.current_sha(loaded.plan.id), check_data=False)
    assert not unchanged.saved and len(bob.versions(loaded.plan.id)) == 3
    # opened from the database and saved without a change: the same text, no new version
    stored = bob.current_version(loaded.plan.id)
    assert E.plan_yaml(stored.plan, original=stored) == stored.text == merged


def test_two_saves_at_once_store_one_and_tell_the_other(db_url: Callable[[], str]) -> None:
    url = db_url()
    loaded = read_plan(TW_FILE)
    ProgressStore(url).save_plan(loaded, user=ADMIN_A, base_sha=None, check_data=False)
    opened = ProgressStore(url).current_sha(loaded.plan.id)
    texts = {ADMIN_A: E.plan_yaml(E.update_action(loaded.plan, "1.1", title="from A"), original=loaded),
             ADMIN_B: E.plan_yaml(E.update_action(loaded.plan, "1.2", title="from B"), original=loaded)}
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def save(user: User) -> None:
        store = ProgressStore(url)
        barrier.wait(timeout=30)
        try:
            outcomes[user.name] = store.save_plan(texts[user], user=user, base_sha=opened, check_data=False)
        except PlanChangedSinceOpened as exc:
            outcomes[user.name] = exc

    threads = [threading.Thread(target=save, args=(u,)) for u in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    kinds = sorted(type(o).__name__ for o in outcomes.values())
    assert kinds == ["PlanChangedSinceOpened", "SaveResult"]
    told = next(o for o in outcomes.values() if isinstance(o, PlanChangedSinceOpened))
    winner = next(name for name, o in outcomes.items() if not isinstance(o, PlanChangedSinceOpened))
    assert told.saved_by.startswith(winner) and any(f"from {winner[0]}" in line for line in told.changes)
    assert len(ProgressStore(url).versions(loaded.plan.id)) == 2


def test_drafts_survive_a_new_store_and_may_be_invalid(db_url: Callable[[], str]) -> None:
    url = db_url()
    loaded = read_plan(TW_FILE)
    ProgressStore(url).save_plan(loaded, user=ADMIN_A, base_sha=None, check_data=False)
    sha = ProgressStore(url).current_sha(loaded.plan.id)
    broken = loaded.text.replace('    title: Mental Health\n', '    title: ""\n')
    saved = ProgressStore(url).save_draft(loaded.plan.id, broken, user=EDITOR, base_sha=sha)
    assert not saved.final and saved.problems[0].priority_id == "1" and saved.problems[0].field == "title"
    again = ProgressStore(url).draft(loaded.plan.id, user=EDITOR)
    assert again is not None and again.yaml_text == broken and again.base_sha == sha
    assert again.problems == saved.problems and not again.final
    assert ProgressStore(url).draft(loaded.plan.id, user=ADMIN_A) is None, "drafts are per user"
    with pytest.raises(PlanNotFinal, match="title"):
        ProgressStore(url).save_plan(broken, user=ADMIN_A, base_sha=sha, check_data=False)
    fixed = ProgressStore(url).save_draft(loaded.plan.id, loaded.text, user=EDITOR, base_sha=sha)
    assert fixed.final and ProgressStore(url).draft(loaded.plan.id, user=EDITOR).yaml_text == loaded.text
    assert ProgressStore(url).drafts(user=EDITOR)["plan_id"].tolist() == [loaded.plan.id]
    with pytest.raises(AccessDenied, match="editor"):
        ProgressStore(url).save_draft(loaded.plan.id, loaded.text, user=VIEWER, base_sha=sha)
    with pytest.raises(AccessDenied, match="admin"):
        ProgressStore(url).save_plan(loaded, user=EDITOR, base_sha=sha, check_data=False)
    assert ProgressStore(url).discard_draft(loaded.plan.id, user=EDITOR)
    assert ProgressStore(url).draft(loaded.plan.id, user=EDITOR) is None
    assert not ProgressStore(url).discard_draft(loaded.plan.id, user=EDITOR)
    with pytest.raises(ProgressError, match="not a plan id"):
        ProgressStore(url).save_draft("../<script>", "x", user=EDITOR, base_sha=None)
    new_draft = ProgressStore(url).save_draft("brand-new", "id: brand-new\n", user=EDITOR, base_sha=None)
    assert any("missing required field" in p.message for p in new_draft.problems)


def test_a_plan_with_wrong_targets_is_saved_only_as_a_draft(tmp_path: Path, real_data: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    plan = E.toggle_code(_tw2025(), "2.1", "E01024801")
    text_ = E.plan_yaml(plan)
    store = ProgressStore(url)
    with pytest.raises(PlanNotFinal, match="E01024801") as refused:
        store.save_plan(text_, user=ADMIN_A, base_sha=None)
    assert refused.value.problems[0].action_id == "2.1"
    assert store.counts()["plan_versions"] == 0
    kept = store.save_draft(plan.id, text_, user=ADMIN_A, base_sha=None, problems=E.plan_problems(plan))
    assert not kept.final and ProgressStore(url).draft(plan.id, user=ADMIN_A).problems[0].value == "E01024801"
    assert store.save_plan(E.plan_yaml(_tw2025()), user=ADMIN_A, base_sha=None).saved


def test_a_schema_3_database_is_upgraded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    ProgressStore(url).save_plan(read_plan(TW_FILE), base_sha=None, check_data=False)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE plan_drafts"))
        for column in ("imported_by", "claimed_by", "claimed_at", "history_only"):  # schema 5's
            connection.execute(text(f"ALTER TABLE plan_registrations DROP COLUMN {column}"))
        connection.execute(text("UPDATE hiap_schema SET version = 3"))
    engine.dispose()
    store = ProgressStore(url)
    assert store.schema_version() == 5
    assert store.plan("tunbridge-wells-2023-25").id == "tunbridge-wells-2023-25"
    assert store.save_draft("tunbridge-wells-2023-25", "x", base_sha=None).yaml_text == "x"


# -- CLI ---------------------------------------------------------------------------------------------


def test_cli_new_next_period_and_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    new = tmp_path / "new.yaml"
    args = ["plan", "new", "--id", "tw-2026-29", "--title", "Plan 2026-29", "--area", "E07000116",
            "--area-name", "Tunbridge Wells", "--period", "2026-29", "--author", "Jo", "-o", str(new)]
    assert main(args) == 0
    written = read_plan(new).plan
    assert written.id == "tw-2026-29" and written.transcription.by == "Jo" and written.edition == 2025
    assert main(args) == 2
    assert capsys.readouterr().err.count("\n") == 1, "one line: the file exists"
    assert main([*args, "--force"]) == 0

    nxt = tmp_path / "next.yaml"
    assert main(["plan", "next-period", str(TW_FILE), "--id", "tw-next", "--period", "2026-29", "-o", str(nxt)]) == 0
    draft = read_plan(nxt).plan
    assert draft.id == "tw-next" and all(a.carried_from.plan == "tunbridge-wells-2023-25" for a in draft.actions)

    assert main(["plan", "register", str(TW_FILE), "--db", db]) == 0
    from_db = tmp_path / "from-db.yaml"
    assert main(["plan", "next-period", "tunbridge-wells-2023-25", "--id", "tw-db", "--period", "2026-29",
                 "-o", str(from_db), "--db", db]) == 0
    assert read_plan(from_db).plan.actions == read_plan(nxt).plan.actions

    exported = tmp_path / "exported.yaml"
    assert main(["plan", "export", "tunbridge-wells-2023-25", "--to", str(exported), "--db", db]) == 0
    assert exported.read_bytes() == TW_FILE.read_bytes()
    capsys.readouterr()
    assert main(["plan", "export", "no-such-plan", "--to", str(tmp_path / "x.yaml"), "--db", db]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: No plan 'no-such-plan'") and not (tmp_path / "x.yaml").exists()
    assert main(["plan", "new", "--id", "bad id", "--title", "t", "--area", "E07000116", "--area-name", "TW",
                 "--period", "p", "--author", "a", "-o", str(tmp_path / "bad.yaml")]) == 2
    assert "Cannot start the plan" in capsys.readouterr().err

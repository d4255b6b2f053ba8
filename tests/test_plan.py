"""Plan files: the schema, loading errors that name the line and field, and the shipped transcriptions.

No official data is needed here: these tests only parse YAML.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from hiap_geo.core.errors import HiapGeoError
from hiap_geo.plans.load import load_plan, parse_plan, plan_files, read_plan
from hiap_geo.plans.schema import (
    MAX_PLAN_BYTES,
    PLANS_DIR,
    CodesTarget,
    DecileRule,
    DistrictTarget,
    IndicatorRule,
    ListTarget,
    PlanFileError,
)

MINIMAL = """\
schema_version: 1
id: test-plan
title: A test plan
area: {code: E07000116, name: Tunbridge Wells}
period: 2023-25
edition: 2019
source: {title: Test document, publisher: Test publisher}
transcription: {by: a test, date: 2026-01-01}
priorities:
  - {id: "1", title: Mental Health}
actions:
  - id: "1.1"
    priority: "1"
    title: Bring providers together
    ref: test
    target_areas: [{kind: district, specified: false}]
"""


def _problem_lines(exc: PlanFileError) -> list[int | None]:
    return [line for line, _, _ in exc.problems]


def _line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle`` (so tests do not hard-code line numbers)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the test text")


def test_minimal_plan_loads_with_its_fields() -> None:
    plan = parse_plan(MINIMAL).plan
    assert plan.id == "test-plan"
    assert plan.edition == 2019
    assert [a.id for a in plan.actions] == ["1.1"]
    target = plan.actions[0].target_areas[0]
    assert isinstance(target, DistrictTarget) and target.specified is False


def test_unknown_field_is_named_with_its_line() -> None:
    text = MINIMAL.replace("    ref: test\n", "    ref: test\n    colour: red\n")
    with pytest.raises(PlanFileError) as err:
        parse_plan(text)
    (line, path, message) = err.value.problems[0]
    assert line == _line_of(text, "colour: red")
    assert path == "actions[0].colour"
    assert "unknown field 'colour'" in message
    assert f"line {line}" in str(err.value)


def test_unknown_top_level_field() -> None:
    text = MINIMAL + "owner: someone\n"
    with pytest.raises(PlanFileError) as err:
        parse_plan(text)
    assert _problem_lines(err.value) == [_line_of(text, "owner:")]
    assert "unknown field 'owner'" in str(err.value)


def test_wrong_type_names_field_and_line_and_suggests_quotes() -> None:
    text = MINIMAL.replace('    priority: "1"\n', "    priority: 1.5\n")
    with pytest.raises(PlanFileError) as err:
        parse_plan(text)
    (line, path, message) = err.value.problems[0]
    assert (line, path) == (_line_of(text, "priority: 1.5"), "actions[0].priority")
    assert "put it in quotes" in message


def test_missing_required_field_is_named() -> None:
    text = MINIMAL.replace("    title: Bring providers together\n", "")
    with pytest.raises(PlanFileError) as err:
        parse_plan(text)
    assert any(path == "actions[0].title" and "missing" in msg for _, path, msg in err.value.problems)


def test_every_problem_is_reported_not_just_the_first() -> None:
    text = MINIMAL.replace("edition: 2019", "edition: 2011").replace("    ref: test\n", "    ref: test\n    x: 1\n")
    with pytest.raises(PlanFileError) as err:
        parse_plan(text)
    paths = {path for _, path, _ in err.value.problems}
    assert {"edition", "actions[0].x"} <= paths


def test_bad_yaml_reports_the_line() -> None:
    text = MINIMAL.replace("area: {code: E07000116, name: Tunbridge Wells}", "area: {code: E07000116, name: [")
    with pytest.raises(PlanFileError) as err:
        parse_plan(text)
    (line, _, message) = err.value.problems[0]
    assert message.startswith("bad YAML")
    assert line is not None and line >= _line_of(text, "area: {code")


def test_duplicate_keys_are_an_error_not_silently_the_last() -> None:
    text = MINIMAL.replace("title: A test plan\n", "title: A test plan\ntitle: Another title\n")
    with pytest.raises(PlanFileError) as err:
        parse_plan(text)
    assert _problem_lines(err.value) == [_line_of(text, "title: Another title")]
    assert "appears twice" in str(err.value)


def test_yaml_aliases_are_refused() -> None:
    text = MINIMAL.replace("title: A test plan", "title: &t A test plan\nnotes: [*t]")
    with pytest.raises(PlanFileError, match="aliases"):
        parse_plan(text)


def test_huge_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    padding = "# " + "x" * 98 + "\n"
    path.write_text(MINIMAL + padding * (MAX_PLAN_BYTES // len(padding) + 1), encoding="utf-8")
    with pytest.raises(PlanFileError) as err:
        read_plan(path)
    assert f"{MAX_PLAN_BYTES:,} bytes" in str(err.value)
    assert err.value.problems[0][0] is None


def test_not_utf8_names_the_line() -> None:
    raw = MINIMAL.replace("A test plan", "A test plan").encode("utf-8").replace(b"Mental", b"M\xe9ntal")
    with pytest.raises(PlanFileError) as err:
        parse_plan(raw)
    assert err.value.problems[0][0] == _line_of(MINIMAL, "Mental Health")
    assert "UTF-8" in str(err.value)


@pytest.mark.parametrize("text", ["", "- a list\n- not a plan\n", "just text\n"])
def test_empty_or_non_mapping_files(text: str) -> None:
    with pytest.raises(PlanFileError):
        parse_plan(text)


def test_missing_file_is_a_plan_error(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError, match="cannot read"):
        load_plan(tmp_path / "absent.yaml")
    assert issubclass(PlanFileError, HiapGeoError)


def test_script_in_a_title_is_kept_as_text() -> None:
    hostile = '<script>alert("x")</script> & <b>bold</b>'
    text = MINIMAL.replace("title: Bring providers together", f"title: '{hostile}'")
    plan = parse_plan(text).plan
    assert plan.actions[0].title == hostile  # stored as given: no escaping, no stripping


def test_rule_kinds_are_a_closed_set() -> None:
    good = "[{kind: rule, rule: {rule: lsoa_decile, decile_max: 4}}]"
    plan = parse_plan(MINIMAL.replace("[{kind: district, specified: false}]", good)).plan
    assert plan.actions[0].target_areas[0].rule.decile_min == 1
    bad = "[{kind: rule, rule: {rule: worst_wards, decile_max: 4}}]"
    with pytest.raises(PlanFileError, match="worst_wards"):
        parse_plan(MINIMAL.replace("[{kind: district, specified: false}]", bad))
    reversed_range = "[{kind: rule, rule: {rule: lsoa_decile, decile_min: 5, decile_max: 2}}]"
    with pytest.raises(PlanFileError, match="greater than decile_max"):
        parse_plan(MINIMAL.replace("[{kind: district, specified: false}]", reversed_range))


def test_indicator_rules_are_a_rule_kind_with_validated_fields() -> None:
    def targets(flow: str) -> list:
        return parse_plan(MINIMAL.replace("[{kind: district, specified: false}]", flow)).plan.actions[0].target_areas

    (only,) = targets("[{kind: rule, rule: {rule: indicator_vs_england, indicator: census21_disability}}]")
    assert isinstance(only.rule, IndicatorRule)
    assert (only.rule.area_type, only.rule.comparison, only.rule.level) == ("lsoa", "worse", 95)
    decile, indicator = targets(
        "[{kind: rule, rule: {rule: lsoa_decile, decile_max: 2}},"
        " {kind: rule, rule: {rule: indicator_vs_england, indicator: x, area_type: ward, comparison: better,"
        " level: 99.8}}]"
    )
    assert isinstance(decile.rule, DecileRule) and isinstance(indicator.rule, IndicatorRule)
    assert (indicator.rule.area_type, indicator.rule.comparison, indicator.rule.level) == ("ward", "better", 99.8)
    # Each bad field is named with its line: a level Fingertips does not use, a comparison that is not one of
    # better/similar/worse, an area type the rule cannot select, a field of the other rule kind, no indicator.
    for field, bad in [
        ("level", "level: 90"),
        ("comparison", "comparison: higher"),
        ("area_type", "area_type: msoa"),
        ("decile_max", "decile_max: 2"),
        ("indicator", "indicator: '<script>'"),
    ]:
        body = MINIMAL.replace(
            "    target_areas: [{kind: district, specified: false}]\n",
            "    target_areas:\n      - kind: rule\n        rule:\n          rule: indicator_vs_england\n"
            + ("" if field == "indicator" else "          indicator: census21_disability\n")
            + f"          {bad}\n",
        )
        with pytest.raises(PlanFileError) as err:
            parse_plan(body)
        assert any(path and field in path for _, path, _ in err.value.problems), (field, err.value.problems)
        assert _line_of(body, bad) in _problem_lines(err.value), (field, err.value.problems)
    with pytest.raises(PlanFileError, match="indicator"):
        targets("[{kind: rule, rule: {rule: indicator_vs_england}}]")


def test_unknown_target_kind_and_bad_code_pattern() -> None:
    with pytest.raises(PlanFileError, match="kind"):
        parse_plan(MINIMAL.replace("kind: district, specified: false", "kind: county"))
    text = MINIMAL.replace("[{kind: district, specified: false}]", "[{kind: codes, codes: [E0102484]}]")
    with pytest.raises(PlanFileError) as err:
        parse_plan(text)
    assert "E0102484" in str(err.value)


def test_an_action_must_say_what_it_targets() -> None:
    with pytest.raises(PlanFileError, match="target_areas"):
        parse_plan(MINIMAL.replace("[{kind: district, specified: false}]", "[]"))


def test_cross_references_are_checked_with_lines() -> None:
    text = MINIMAL.replace('    priority: "1"\n', '    priority: "9"\n')
    with pytest.raises(PlanFileError) as err:
        parse_plan(text)
    assert err.value.problems[0][0] == _line_of(text, 'priority: "9"')
    assert "priority '9' is not in priorities" in str(err.value)
    listed = MINIMAL.replace("[{kind: district, specified: false}]", "[{kind: list, list: nowhere}]")
    with pytest.raises(PlanFileError, match="area list 'nowhere'"):
        parse_plan(listed)
    doubled = MINIMAL + MINIMAL[MINIMAL.index('  - id: "1.1"') :]
    with pytest.raises(PlanFileError, match="used twice"):
        parse_plan(doubled)


def test_area_entries_need_a_code_or_a_name_with_its_type() -> None:
    base = MINIMAL + "area_lists:\n  - id: l\n    title: t\n    ref: r\n    entries:\n"
    with pytest.raises(PlanFileError, match="code or a name"):
        parse_plan(base + "      - {text: nothing}\n")
    with pytest.raises(PlanFileError, match="area_type"):
        parse_plan(base + "      - {text: Sherwood, name: Sherwood}\n")
    with pytest.raises(PlanFileError, match="is a lsoa code"):
        parse_plan(base + "      - {text: x, code: E01024840, area_type: ward}\n")
    ok = parse_plan(base + "      - {text: 'E01024841 - Sherwood 4th', code: E01024841, ward: Sherwood, decile: 4}\n")
    assert ok.plan.area_lists[0].entries[0].kind == "lsoa"


# -- the shipped transcriptions -------------------------------------------------------------------


def test_shipped_plans_are_the_three_documents() -> None:
    names = {p.name for p in plan_files()}
    assert names >= {
        "tunbridge-wells-2023-25.yaml",
        "sevenoaks-mind-the-gap-2013-15.yaml",
        "sevenoaks-2019-22.yaml",
    }


def test_tunbridge_wells_transcription() -> None:
    plan = load_plan(PLANS_DIR / "tunbridge-wells-2023-25.yaml")
    assert [p.title for p in plan.priorities] == [
        "Mental Health",
        "Loneliness and isolation",
        "Addictions",
        "Obesity and Physical Inactivity",
        "People with disabilities and older people",
    ]
    counts = {p.id: sum(a.priority == p.id for a in plan.actions) for p in plan.priorities}
    assert counts == {"1": 7, "2": 9, "3": 5, "4": 10, "5": 6}  # 1.1-1.7, 2.1-2.9, 3.1-3.5, 4.1-4.10, 5.1-5.6
    assert plan.actions[0].id == "1.1" and plan.actions[-1].id == "5.6"
    deprived = plan.area_list("areas-of-deprivation")
    assert [(e.code, e.ward, e.decile) for e in deprived.entries] == [
        ("E01024831", "Rusthall", 4),
        ("E01024841", "Sherwood", 4),
        ("E01024842", "Sherwood", 4),
        ("E01024843", "Southborough and High Brooms", 4),
        ("E01024841", "Broadwater", 3),  # as the document prints it: the same code twice
        ("E01024840", "Sherwood", 2),
    ]
    targeted = [a.id for a in plan.actions if not all(isinstance(t, DistrictTarget) for t in a.target_areas)]
    assert targeted == ["3.4"]
    assert isinstance(plan.action("3.4").target_areas[0], ListTarget)


def test_sevenoaks_mind_the_gap_transcription() -> None:
    plan = load_plan(PLANS_DIR / "sevenoaks-mind-the-gap-2013-15.yaml")
    assert [o.id for o in plan.objectives] == ["1", "2", "3", "4", "5", "6"]
    assert len(plan.priorities) == 22
    assert len(plan.actions) == 58
    assert all(a.lead or a.partners for a in plan.actions)
    topics = {lst.topic for lst in plan.area_lists}
    assert {"Smoking", "Obesity", "Hospital admissions", "Road casualties"} <= topics
    smoking = plan.area_list("smoking-prevalence-wards")
    assert [e.name for e in smoking.entries] == ["Swanley St Marys", "Swanley White Oak"]  # as printed
    assert plan.action("1.2.2").printed_id == "1.2.1"
    # No action names a place, so none targets anything but the district.
    assert all(isinstance(t, DistrictTarget) for a in plan.actions for t in a.target_areas)


def test_sevenoaks_2019_22_transcription() -> None:
    plan = load_plan(PLANS_DIR / "sevenoaks-2019-22.yaml")
    assert [o.id for o in plan.objectives] == ["1", "2", "3", "4", "5", "6"]
    assert len(plan.actions) == 42
    assert not any(isinstance(t, CodesTarget) for a in plan.actions for t in a.target_areas)


def test_shipped_plans_round_trip_through_yaml_unchanged() -> None:
    for path in plan_files():
        loaded = read_plan(path)
        assert yaml.safe_load(loaded.text)["id"] == loaded.plan.id
        assert loaded.line_of("actions", 0, "title") is not None


DOCUMENTS = PLANS_DIR.parent.parent.parent / "shared" / "plan-documents"
TRANSCRIBED = {
    "tunbridge-wells-2023-25.yaml": "tunbridge-wells-hiap-2023-25.txt",
    "sevenoaks-mind-the-gap-2013-15.yaml": "sevenoaks-mind-the-gap-hiap-2013-15.txt",
    "sevenoaks-2019-22.yaml": "sevenoaks-health-wellbeing-action-plan-2019-22.txt",
}


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(("plan_file", "document"), sorted(TRANSCRIBED.items()))
def test_transcriptions_quote_their_documents_word_for_word(plan_file: str, document: str) -> None:
    """List entries, quotes, and the titles and steps of actions on one undamaged line are in the document."""
    source = DOCUMENTS / document
    if not source.is_file():
        pytest.fail(f"The plan documents are needed at {DOCUMENTS} (shared/plan-documents beside the project).")
    text = _flat(source.read_text(encoding="utf-8"))
    plan = load_plan(PLANS_DIR / plan_file)
    for lst in plan.area_lists:
        for piece in (lst.quote or "").split("[...]"):
            assert _flat(piece) in text, piece
        for entry in lst.entries:
            assert _flat(entry.text) in text, entry.text
    repaired = ("restored", "Joined")  # text the notes say was mended from a damaged copy
    single_line = [
        a
        for a in plan.actions
        if re.search(r"\(line \d+\)$", a.ref) and not any(word in n for n in a.notes for word in repaired)
    ]
    assert len(single_line) >= len(plan.actions) // 2
    for action in single_line:
        assert _flat(action.title) in text, (action.id, action.title)
        for step in action.how:
            assert _flat(step) in text, (action.id, step)


def test_actions_frame_for_filters() -> None:
    from hiap_geo.plans.coverage import actions_frame

    plan = load_plan(PLANS_DIR / "sevenoaks-mind-the-gap-2013-15.yaml")
    frame = actions_frame(plan)
    assert frame["action_id"].tolist() == [a.id for a in plan.actions]
    row = frame.set_index("action_id").loc["6.2.1"]
    assert row["lead"] == "KCHT Stop Smoking Team" and "Schools" in row["organisations"]
    assert row["target_quotes"] == "particularly in areas of deprivation" and not row["names_a_place"]
    assert frame.set_index("action_id").loc["6.2.3", "names_a_place"]  # "across the district", as printed
    by_partner = frame[frame["organisations"].apply(lambda orgs: "Sencio" in orgs)]
    assert set(by_partner["action_id"]) == {a.id for a in plan.actions if "Sencio" in [a.lead, *a.partners]}
    assert frame.set_index("action_id").loc["1.2.2", "printed_id"] == "1.2.1"

"""``plan check`` on deliberately wrong plans and on the shipped transcriptions (real data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiap_geo.cli import main
from hiap_geo.geo.deprivation import load_iod
from hiap_geo.geo.lookups import ward_lookup
from hiap_geo.plans.check import Discrepancy, check_plan, discrepancies_frame
from hiap_geo.plans.schema import PLANS_DIR

pytestmark = pytest.mark.integration

HEAD = """\
schema_version: 1
id: wrong
title: A deliberately wrong plan
area: {code: E07000116, name: Tunbridge Wells}
period: test
edition: 2019
source: {title: t, publisher: t}
transcription: {by: t, date: 2026-01-01}
priorities: [{id: "1", title: p}]
"""


def _write(tmp_path: Path, body: str, name: str = "plan.yaml") -> tuple[Path, str]:
    text = HEAD + body
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path, text


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def _kinds(found: list[Discrepancy]) -> list[str]:
    return [d.kind for d in found if d.severity == "discrepancy"]


def _one(found: list[Discrepancy], kind: str) -> Discrepancy:
    hits = [d for d in found if d.kind == kind]
    assert len(hits) == 1, f"expected one {kind}, got {found}"
    return hits[0]


def test_nonexistent_code(tmp_path: Path, real_data: Path) -> None:
    path, text = _write(
        tmp_path,
        """\
area_lists:
  - id: l
    title: deprived
    ref: r
    entries:
      - {text: "E01099999 - Nowhere 1st", code: E01099999, decile: 1}
actions:
  - id: "1.1"
    priority: "1"
    title: a
    ref: r
    target_areas: [{kind: codes, codes: [E01024840, E01099998]}]
""",
    )
    found = check_plan(path)
    assert _kinds(found) == ["unknown_code", "unknown_code"]
    listed, targeted = found
    assert listed.line == _line(text, "E01099999 - Nowhere")
    assert listed.document == "'E01099999 - Nowhere 1st'"
    assert "E01099999 is not an LSOA code of LSOA 2011" in listed.data
    assert targeted.where.startswith("action 1.1") and "E01099998" in targeted.data


def test_code_listed_under_the_wrong_ward(tmp_path: Path, real_data: Path) -> None:
    lookup = ward_lookup(2019).set_index("lsoa_code")
    actual_ward = lookup.loc["E01024840", "ward_name"]
    path, text = _write(
        tmp_path,
        """\
area_lists:
  - id: l
    title: deprived
    ref: r
    entries:
      - {text: "E01024840 - Broadwater", code: E01024840, ward: Broadwater}
      - {text: "E01024831 - Atlantis", code: E01024831, ward: Atlantis}
actions:
  - {id: "1.1", priority: "1", title: a, ref: r, target_areas: [{kind: list, list: l}]}
""",
    )
    found = check_plan(path)
    assert _kinds(found) == ["wrong_ward", "unknown_ward"]
    wrong = _one(found, "wrong_ward")
    assert wrong.line == _line(text, "E01024840 - Broadwater")
    assert "(ward: Broadwater)" in wrong.document
    assert f"is in {actual_ward} ({lookup.loc['E01024840', 'ward_code']})" in wrong.data
    assert "No ward named 'Atlantis'" in _one(found, "unknown_ward").data


def test_decile_the_imd_does_not_give(tmp_path: Path, real_data: Path) -> None:
    iod = load_iod(2019).set_index("lsoa_code")
    actual = int(iod.loc["E01024840", "imd_decile"])
    claimed = 5 if actual != 5 else 6
    path, text = _write(
        tmp_path,
        f"""\
area_lists:
  - id: l
    title: deprived
    ref: r
    entries:
      - {{text: "E01024840 - Sherwood {claimed}th", code: E01024840, ward: Sherwood, decile: {claimed}}}
      - {{text: "E01024831 - right", code: E01024831, decile: {int(iod.loc["E01024831", "imd_decile"])}}}
actions:
  - {{id: "1.1", priority: "1", title: a, ref: r, target_areas: [{{kind: list, list: l}}]}}
""",
    )
    found = check_plan(path)
    assert _kinds(found) == ["wrong_decile"]
    wrong = found[0]
    assert wrong.line == _line(text, "E01024840 - Sherwood")
    assert f"(IMD decile {claimed})" in wrong.document
    assert f"IMD 2019 decile {actual} (rank {int(iod.loc['E01024840', 'imd_rank']):,}" in wrong.data


def test_duplicates_in_a_list_and_in_a_target(tmp_path: Path, real_data: Path) -> None:
    path, text = _write(
        tmp_path,
        """\
area_lists:
  - id: l
    title: deprived
    ref: r
    entries:
      - {text: first, code: E01024842}
      - {text: second, code: E01024842}
actions:
  - id: "1.1"
    priority: "1"
    title: a
    ref: r
    target_areas:
      - {kind: codes, codes: [E01024843, E01024843]}
      - {kind: names, area_type: ward, names: [Sherwood, sherwood]}
""",
    )
    found = check_plan(path)
    assert _kinds(found) == ["duplicate", "duplicate", "duplicate"]
    in_list = found[0]
    assert in_list.line == _line(text, "text: second")
    assert in_list.document == "'second' (entry 2) and 'first' (entry 1)"
    assert "names it twice" in in_list.data


def test_code_outside_the_plan_area_and_empty_rule(tmp_path: Path, real_data: Path) -> None:
    lookup = ward_lookup(2019)
    sevenoaks_lsoa = lookup.loc[lookup["lad_code"] == "E07000111", "lsoa_code"].iloc[0]
    iod = load_iod(2019)
    best = int(iod.loc[iod["lad_code"] == "E07000116", "imd_decile"].min())
    assert best > 1, "Tunbridge Wells has no LSOA in IMD 2019 decile 1 (so a decile-1 rule selects nothing)"
    path, _ = _write(
        tmp_path,
        f"""\
actions:
  - id: "1.1"
    priority: "1"
    title: a
    ref: r
    target_areas:
      - {{kind: codes, codes: [{sevenoaks_lsoa}]}}
      - {{kind: rule, rule: {{rule: lsoa_decile, decile_max: 1}}, quote: the most deprived 10%}}
""",
    )
    found = check_plan(path)
    assert _kinds(found) == ["outside_area", "empty_rule"]
    assert "Sevenoaks" in found[0].data
    assert found[1].document == "the most deprived 10%"


def test_list_that_omits_what_its_own_description_covers(tmp_path: Path, real_data: Path) -> None:
    path, _ = _write(
        tmp_path,
        """\
area_lists:
  - id: l
    title: 40% most deprived
    ref: r
    quote: in the 40% most deprived areas of the country
    claim: {rule: lsoa_decile, decile_max: 4}
    entries:
      - {text: "E01024840", code: E01024840}
actions:
  - {id: "1.1", priority: "1", title: a, ref: r, target_areas: [{kind: list, list: l}]}
""",
    )
    found = check_plan(path)
    iod = load_iod(2019)
    expected = set(iod.loc[(iod["lad_code"] == "E07000116") & (iod["imd_decile"] <= 4), "lsoa_code"]) - {"E01024840"}
    missing = [d for d in found if d.kind == "missing_from_list"]
    assert {d.data.split()[0] for d in missing} == expected
    assert all("in the 40% most deprived areas of the country" in d.document for d in missing)
    assert set(_kinds(found)) == {"missing_from_list"}


def test_rules_and_claims_on_the_other_edition_are_reported_not_compared(tmp_path: Path, real_data: Path) -> None:
    # An IoD 2025 rule selects LSOAs 2021; comparing them with a 2019 plan's LSOAs 2011 would report every
    # listed area as missing or outside. The check says instead that the rule cannot be used on this plan.
    path, text = _write(
        tmp_path,
        """\
area_lists:
  - id: l
    title: 20% most deprived
    ref: r
    claim: {rule: lsoa_decile, decile_max: 2, edition: 2025}
    entries:
      - {text: "E01024840", code: E01024840}
actions:
  - id: "1.1"
    priority: "1"
    title: a
    ref: r
    target_areas:
      - {kind: rule, rule: {rule: lsoa_decile, decile_max: 2, edition: 2025}}
""",
    )
    found = check_plan(path)
    assert _kinds(found) == ["no_data", "no_data"]
    assert [d.line for d in found] == [_line(text, "claim:"), _line(text, "- {kind: rule")]
    assert all("Remove 'edition: 2025' from the rule" in d.data for d in found)


def test_indicator_rules_that_cannot_be_used_are_reported_at_their_field(tmp_path: Path, real_data: Path) -> None:
    body = """\
actions:
  - id: "1.1"
    priority: "1"
    title: a
    ref: r
    target_areas:
      - kind: rule
        quote: wards with high disability
        rule:
          rule: indicator_vs_england
          area_type: ward
          indicator: census21_disabilty
      - kind: rule
        rule:
          rule: indicator_vs_england
          indicator: census21_disability
"""
    # On a 2025 plan: the misspelt id is named at its line, with the id meant; the good rule selects no
    # Tunbridge Wells ward (none is significantly worse than England on disability), which is reported too.
    path, text = _write(tmp_path, body)
    path.write_text(text.replace("edition: 2019", "edition: 2025"), encoding="utf-8")
    found = check_plan(path)
    unknown = _one(found, "unknown_indicator")
    assert unknown.line == _line(text, "indicator: census21_disabilty")
    assert "Rule field 'indicator'" in unknown.data and "Did you mean: census21_disability" in unknown.data
    assert _kinds(found) == ["unknown_indicator"]  # the LSOA rule selects LSOAs: nothing else to report
    wards = text.replace("          indicator: census21_disability\n", "          indicator: census21_disability\n"
                         "          area_type: ward\n")
    path.write_text(wards.replace("edition: 2019", "edition: 2025"), encoding="utf-8")
    empty = _one(check_plan(path), "empty_rule")
    assert empty.data.startswith("No ward of Tunbridge Wells (E07000116) meets 'wards significantly worse")

    # On a 2019 plan the indicator's geography (LSOA 2021, wards 2024) is not the plan's: refused with what to do.
    path, text = _write(tmp_path, body.replace("census21_disabilty", "census21_disability"), "p2019.yaml")
    found = check_plan(path)
    assert _kinds(found) == ["no_data", "no_data"]
    assert [d.line for d in found] == [i for i, line in enumerate(text.splitlines(), start=1)
                                       if "indicator: census21_disability" in line]
    assert all("'edition: 2025' at the top of the file" in d.data for d in found)
    assert found[0].document.startswith("wards significantly worse than England (95%) on Disabled under the Equality")
    assert main(["plan", "check", str(path)]) == 1


def test_the_tunbridge_wells_plan_as_published(real_data: Path) -> None:
    path = PLANS_DIR / "tunbridge-wells-2023-25.yaml"
    found = check_plan(path)
    assert sorted(_kinds(found)) == ["duplicate", "missing_from_list", "wrong_decile", "wrong_ward"]
    text = path.read_text(encoding="utf-8")
    broadwater_line = _line(text, "E01024841 - Broadwater 3rd")
    assert {d.line for d in found if d.kind != "missing_from_list"} == {broadwater_line}
    lookup = ward_lookup(2019).set_index("lsoa_code")
    iod = load_iod(2019).set_index("lsoa_code")
    assert "'E01024841 - Broadwater 3rd'" in _one(found, "duplicate").document
    assert "'E01024841 - Sherwood 4th'" in _one(found, "duplicate").document
    assert f"is in {lookup.loc['E01024841', 'ward_name']}" in _one(found, "wrong_ward").data
    assert f"decile {int(iod.loc['E01024841', 'imd_decile'])}" in _one(found, "wrong_decile").data
    assert _one(found, "missing_from_list").data.startswith("E01024795")
    table = discrepancies_frame(found)
    assert list(table.columns) == ["severity", "kind", "title", "where", "line", "document", "data"]
    assert len(table) == 4


def test_the_sevenoaks_plans_agree_with_the_data_apart_from_spelling(real_data: Path) -> None:
    found = check_plan(PLANS_DIR / "sevenoaks-mind-the-gap-2013-15.yaml")
    assert _kinds(found) == []
    notes = [d.document for d in found if d.severity == "note"]
    assert "'Edenbridge South & West (23 cases)'" in notes
    assert "'Swanley St Marys'" in notes
    assert check_plan(PLANS_DIR / "sevenoaks-2019-22.yaml") == []


def test_cli_exit_status_and_output(tmp_path: Path, real_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "check", str(PLANS_DIR / "tunbridge-wells-2023-25.yaml")]) == 1
    out = capsys.readouterr().out
    assert "document: 'E01024841 - Broadwater 3rd'" in out
    assert "data:     E01024841 Tunbridge Wells 005B is in Sherwood" in out
    assert "4 discrepancies" in out
    assert main(["plan", "check", str(PLANS_DIR / "sevenoaks-2019-22.yaml")]) == 0
    assert "no discrepancies" in capsys.readouterr().out
    bad, _ = _write(tmp_path, "actions: [\n", name="bad.yaml")
    assert main(["plan", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad YAML" in err and "line" in err
    assert main(["plan", "check", str(tmp_path / "absent.yaml")]) == 2

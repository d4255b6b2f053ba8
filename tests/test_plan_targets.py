"""Target resolution and coverage on the real official data (integration: fails without the mirror)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hiap_geo.core.errors import UnmatchedCodes
from hiap_geo.geo.deprivation import load_iod, local_deciles
from hiap_geo.geo.lookups import district_counties, ward_lookup
from hiap_geo.indicators.compare import compare
from hiap_geo.indicators.readers import load_indicators
from hiap_geo.plans.coverage import coverage
from hiap_geo.plans.load import load_plan, parse_plan
from hiap_geo.plans.resolve import Resolver, lsoa_reach, resolve_area_lists, resolve_targets
from hiap_geo.plans.schema import (
    PLANS_DIR,
    DecileRule,
    IndicatorRule,
    PlanError,
    PlanResolutionError,
    TargetError,
)

pytestmark = pytest.mark.integration

TW = "E07000116"
SEVENOAKS = "E07000111"


def _plan(targets: str, *, area: str = TW, name: str = "Tunbridge Wells", edition: int = 2019, extra: str = ""):
    text = f"""\
schema_version: 1
id: t
title: t
area: {{code: {area}, name: {name}}}
period: x
edition: {edition}
source: {{title: t, publisher: t}}
transcription: {{by: t, date: 2026-01-01}}
priorities: [{{id: "1", title: p}}]
actions:
  - {{id: "1.1", priority: "1", title: a, ref: r, target_areas: {targets}}}
{extra}"""
    return parse_plan(text).plan


def test_deprived_tunbridge_wells_lsoas_the_plan_lists_resolve(real_data: Path) -> None:
    plan = load_plan(PLANS_DIR / "tunbridge-wells-2023-25.yaml")
    listed = [e.code for e in plan.area_list("areas-of-deprivation").entries]
    resolved = resolve_targets(plan)
    reached = resolved[resolved["action_id"] == "3.4"]
    # Every code the document lists resolves, each once (the document lists E01024841 twice).
    assert sorted(reached["area_code"]) == sorted(set(listed))
    assert set(reached["area_type"]) == {"lsoa"} and set(reached["vintage"]) == {"LSOA 2011"}
    lookup = ward_lookup(2019).set_index("lsoa_code")
    assert set(lookup.loc[reached["area_code"], "lad_code"]) == {TW}
    names = dict(zip(reached["area_code"], reached["area_name"], strict=True))
    assert names["E01024840"] == lookup.loc["E01024840", "lsoa_name"] == "Tunbridge Wells 005A"
    iod = load_iod(2019).set_index("lsoa_code")
    assert int(iod.loc["E01024840", "imd_decile"]) == 2  # the document's "Sherwood 2nd" agrees with IMD 2019
    assert (iod.loc[reached["area_code"], "imd_decile"] <= 4).all()
    # Actions whose document names no place reach the whole district, marked as unspecified.
    wide = resolved[resolved["target_kind"] == "district"]
    assert set(wide["area_code"]) == {TW} and not wide["specified"].any()
    assert len(wide) == len(plan.actions) - 1


def test_area_list_entries_resolve_keeping_duplicates(real_data: Path) -> None:
    plan = load_plan(PLANS_DIR / "tunbridge-wells-2023-25.yaml")
    table = resolve_area_lists(plan)
    assert len(table) == 6
    assert table["area_code"].tolist().count("E01024841") == 2
    assert table.loc[table["entry_index"] == 4, "stated_ward"].item() == "Broadwater"


def test_sevenoaks_ward_names_resolve_in_their_district(real_data: Path) -> None:
    plan = load_plan(PLANS_DIR / "sevenoaks-mind-the-gap-2013-15.yaml")
    table = resolve_area_lists(plan)
    lookup = ward_lookup(2019).drop_duplicates("ward_code").set_index("ward_code")
    assert (table["area_type"] == "ward").all()
    assert set(lookup.loc[table["area_code"], "lad_code"]) == {SEVENOAKS}
    # "Swanley St Marys" (as printed) is Swanley St Mary's; the looser match is said, not hidden.
    smoking = table[table["list_id"] == "smoking-prevalence-wards"]
    first = smoking.iloc[0]
    assert first["area_name"] == "Swanley St Mary's"
    assert "ignoring punctuation" in first["how_resolved"]
    assert "ignoring" not in smoking.iloc[1]["how_resolved"]


def test_unknown_name_suggests_and_wrong_vintage_is_unknown(real_data: Path) -> None:
    resolver = Resolver(_plan("[{kind: district, specified: false}]"))
    with pytest.raises(TargetError) as err:
        resolver.name("Sherwod", "ward")
    assert err.value.kind == "unknown_name"
    assert "Sherwood" in err.value.suggestions
    # High Brooms is a 2024 ward: unknown on the 2019 lookup, known on the 2025 one.
    with pytest.raises(TargetError):
        resolver.name("High Brooms", "ward")
    area = Resolver(_plan("[{kind: district, specified: false}]", edition=2025)).name("High Brooms", "ward")
    lookup25 = ward_lookup(2025)
    assert area.code in set(lookup25.loc[lookup25["lad_code"] == TW, "ward_code"])


def test_ambiguous_name_lists_its_candidates(real_data: Path) -> None:
    counties = district_counties()
    kent = counties.loc[counties["county_code"] == "E10000016", "lad_code"].tolist()
    wards = ward_lookup(2019)
    wards = wards[wards["lad_code"].isin(kent)].drop_duplicates("ward_code")
    repeated = wards[wards["ward_name"].duplicated(keep=False)]
    assert not repeated.empty, "expected at least one ward name used in two Kent districts"
    name = repeated["ward_name"].iloc[0]
    expected = set(repeated.loc[repeated["ward_name"] == name, "ward_code"])
    plan = _plan(f"[{{kind: names, area_type: ward, names: ['{name}']}}]", area="E10000016", name="Kent")
    with pytest.raises(PlanResolutionError) as err:
        resolve_targets(plan)
    (_, target_error), *_ = err.value.errors
    assert target_error.kind == "ambiguous_name"
    assert {c.split()[0] for c in target_error.candidates} == expected
    assert all(code in str(err.value) for code in expected)


def test_codes_outside_the_area_or_vintage_are_errors(real_data: Path) -> None:
    resolver = Resolver(_plan("[{kind: district, specified: false}]"))
    sevenoaks_lsoa = ward_lookup(2019).query("lad_code == @SEVENOAKS")["lsoa_code"].iloc[0]
    with pytest.raises(TargetError) as err:
        resolver.code(sevenoaks_lsoa)
    assert err.value.kind == "outside_area" and "Sevenoaks" in str(err.value)
    with pytest.raises(TargetError) as err:
        resolver.code("E01099999")
    assert err.value.kind == "unknown_code"
    new_2021 = sorted(set(ward_lookup(2025)["lsoa_code"]) - set(ward_lookup(2019)["lsoa_code"]))[0]
    with pytest.raises(TargetError) as err:
        resolver.code(new_2021)
    assert "IoD 2025" in str(err.value)


def test_rules_are_evaluated_on_the_data(real_data: Path) -> None:
    plan = _plan("[{kind: rule, rule: {rule: lsoa_decile, measure: imd, decile_max: 4}}]")
    resolved = resolve_targets(plan)
    iod = load_iod(2019)
    expected = set(iod.loc[(iod["lad_code"] == TW) & (iod["imd_decile"] <= 4), "lsoa_code"])
    assert set(resolved["area_code"]) == expected
    assert "E01024795" in expected  # Broadwater, decile 3: a rule finds what the printed list left out
    # A domain and local deciles work the same way.
    resolver = Resolver(plan)
    income = resolver.rule(DecileRule(rule="lsoa_decile", measure="income", decile_max=3))
    assert set(income["lsoa_code"]) == set(iod.loc[(iod["lad_code"] == TW) & (iod["income_decile"] <= 3), "lsoa_code"])
    local = resolver.rule(DecileRule(rule="lsoa_decile", decile_max=1, decile_type="local"))
    tw = iod[iod["lad_code"] == TW].copy()
    tw["local"] = local_deciles(tw)["imd_local_decile"]
    assert set(local["lsoa_code"]) == set(tw.loc[tw["local"] == 1, "lsoa_code"])
    assert 0 < len(local) < len(tw)


def test_a_rule_on_the_other_edition_is_refused_not_mislabelled(real_data: Path) -> None:
    # IoD 2025 deciles belong to LSOAs 2021; a 2019 plan's areas are LSOAs 2011 (some split, merged or
    # redrawn since), so the rule is refused with what to do, rather than giving codes of the wrong vintage.
    plan = _plan("[{kind: rule, rule: {rule: lsoa_decile, decile_max: 2, edition: 2025}}]")
    with pytest.raises(TargetError, match="Remove 'edition: 2025' from the rule") as err:
        Resolver(plan).rule(plan.actions[0].target_areas[0].rule)
    assert err.value.kind == "no_data" and "LSOA 2011" in str(err.value)
    with pytest.raises(PlanResolutionError, match="IoD 2025 deciles"):
        resolve_targets(plan)
    assert resolve_targets(plan, strict=False).empty
    # Naming the plan's own edition is the same as naming none.
    same = _plan("[{kind: rule, rule: {rule: lsoa_decile, decile_max: 2, edition: 2019}}]")
    rule = same.actions[0].target_areas[0].rule
    assert Resolver(same).rule(rule).equals(Resolver(same).rule(rule.model_copy(update={"edition": None})))
    assert len(resolve_targets(same)) > 0


def test_lsoa_reach_reports_codes_not_in_the_plans_lookup(real_data: Path) -> None:
    plan = _plan("[{kind: codes, codes: [E01024840]}]")
    resolved = resolve_targets(plan)
    assert set(lsoa_reach(plan, resolved)["lsoa_code"]) == {"E01024840"}
    # An LSOA 2021 code (E01035012 was split from E01024801 in 2021) and another district's ward are named, not lost.
    other = resolved.assign(area_code="E01035012")
    ward = resolved.assign(area_code="E05005031", area_type="ward")
    with pytest.raises(UnmatchedCodes, match=r"E01035012 \(lsoa\)") as err:
        lsoa_reach(plan, pd.concat([resolved, other, ward], ignore_index=True))
    assert err.value.left_only == ["E01035012 (lsoa)", "E05005031 (ward)"]


def test_lsoa_reach_expands_wards_and_districts(real_data: Path) -> None:
    plan = _plan("[{kind: names, area_type: ward, names: [Sherwood]}, {kind: district, specified: false}]")
    reach = lsoa_reach(plan)
    lookup = ward_lookup(2019)
    tw_lsoas = set(lookup.loc[lookup["lad_code"] == TW, "lsoa_code"])
    sherwood = set(lookup.loc[(lookup["lad_code"] == TW) & (lookup["ward_name"] == "Sherwood"), "lsoa_code"])
    assert set(reach["lsoa_code"]) == tw_lsoas and len(tw_lsoas) == 68
    by_ward = reach[reach["reach"] == "ward"]
    assert set(by_ward["lsoa_code"]) == sherwood  # the more specific way wins over 'district'
    assert len(reach) == len(tw_lsoas)


def test_coverage_of_the_tunbridge_wells_plan(real_data: Path) -> None:
    plan = load_plan(PLANS_DIR / "tunbridge-wells-2023-25.yaml")
    result = coverage(plan, decile_max=4)
    iod = load_iod(2019)
    deprived = set(iod.loc[(iod["lad_code"] == TW) & (iod["imd_decile"] <= 4), "lsoa_code"])
    listed = {e.code for e in plan.area_list("areas-of-deprivation").entries}
    assert set(result.deprived["lsoa_code"]) == deprived
    assert set(result.uncovered["lsoa_code"]) == deprived - listed == {"E01024795"}
    covered = result.deprived[result.deprived["covered"]]
    assert set(covered["targeted_by"]) == {"3.4"}
    assert (result.deprived["district_wide"] != "").all()  # district-wide actions are counted apart
    placeless = set(result.placeless_actions["action_id"])
    assert "3.4" not in placeless and len(placeless) == len(plan.actions) - 1
    matrix = result.matrix.set_index("lsoa_code")
    assert list(matrix.columns) == ["lsoa_name", "1", "2", "3", "4", "5"]
    assert matrix.loc["E01024840", "3"] == 1 and matrix.loc["E01024795", "3"] == 0
    # A tighter threshold leaves only decile 1-2 LSOAs; a CSV export is a plain DataFrame call.
    tight = coverage(plan, decile_max=2)
    assert set(tight.deprived["lsoa_code"]) == set(
        iod.loc[(iod["lad_code"] == TW) & (iod["imd_decile"] <= 2), "lsoa_code"]
    )
    assert isinstance(tight.matrix, pd.DataFrame) and tight.matrix.to_csv(index=False).startswith("lsoa_code,")


def test_coverage_when_no_action_names_a_place(real_data: Path) -> None:
    plan = load_plan(PLANS_DIR / "sevenoaks-mind-the-gap-2013-15.yaml")
    result = coverage(plan, measure="income", decile_max=5)
    iod = load_iod(2019)
    expected = set(iod.loc[(iod["lad_code"] == SEVENOAKS) & (iod["income_decile"] <= 5), "lsoa_code"])
    assert set(result.deprived["lsoa_code"]) == expected
    assert set(result.uncovered["lsoa_code"]) == expected  # district-wide actions do not count as targeting
    specified = {a.id for a in plan.actions if any(getattr(t, "specified", False) for t in a.target_areas)}
    assert set(result.placeless_actions["action_id"]) == {a.id for a in plan.actions} - specified
    assert int(result.matrix.drop(columns=["lsoa_code", "lsoa_name"]).to_numpy().sum()) == 0


def _compared(district: str, indicator: str, area_type: str, level: str) -> pd.DataFrame:
    """The indicator's rows for the district's areas with Fingertips' comparison with England, straight from
    the long format the Indicators page loads (not through the plan code)."""
    data = load_indicators([district])
    rows = data[(data["indicator_id"] == indicator) & (data["area_type"] == area_type)]
    return compare(rows, data[data["area_type"] == "england"], level=level)


def test_an_indicator_rule_selects_what_compare_marks_worse(real_data: Path) -> None:
    plan = _plan("[{kind: rule, rule: {rule: indicator_vs_england, indicator: census21_disability}}]", edition=2025)
    resolved = resolve_targets(plan)
    compared = _compared(TW, "census21_disability", "lsoa", "95")
    worse = set(compared.loc[compared["comparison"] == "worse", "area_code"])
    assert len(worse) >= 3 and len(compared) == 69  # some, not all, of Tunbridge Wells' 69 LSOAs 2021
    assert set(resolved["area_code"]) == worse and len(resolved) == len(worse)
    assert set(resolved["area_type"]) == {"lsoa"} and set(resolved["vintage"]) == {"LSOA 2021"}
    lookup = ward_lookup(2025).set_index("lsoa_code")
    assert dict(zip(resolved["area_code"], resolved["area_name"], strict=True)) == {
        c: lookup.at[c, "lsoa_name"] for c in worse
    }
    england = compared["comparator_value"].iloc[0]
    assert resolved["how_resolved"].str.contains(f"vs England {england:.1f}%: Worse \\(95%\\)").all()
    # Stricter level, other comparisons: still exactly what compare() says, evaluated on the data each time.
    resolver = Resolver(plan)
    for level, key in ((99.8, "998"), (95, "95")):
        compared = _compared(TW, "census21_disability", "lsoa", key)
        for comparison in ("worse", "similar", "better"):
            rule = IndicatorRule(rule="indicator_vs_england", indicator="census21_disability", level=level,
                                 comparison=comparison)
            expected = set(compared.loc[compared["comparison"] == comparison, "area_code"])
            assert set(resolver.indicator_rule(rule)["code"]) == expected, (level, comparison)
    assert len(resolver.indicator_rule(IndicatorRule(rule="indicator_vs_england", indicator="census21_disability",
                                                     level=99.8))) < len(worse)


def test_an_indicator_rule_on_wards_reaches_their_lsoas(real_data: Path) -> None:
    thanet = "E07000114"
    rule = "{rule: indicator_vs_england, indicator: census21_disability, area_type: ward}"
    plan = _plan(f"[{{kind: rule, rule: {rule}}}]", area=thanet, name="Thanet", edition=2025)
    resolved = resolve_targets(plan)
    compared = _compared(thanet, "census21_disability", "ward", "95")
    worse = set(compared.loc[compared["comparison"] == "worse", "area_code"])
    assert worse and set(resolved["area_code"]) == worse and set(resolved["area_type"]) == {"ward"}
    lookup = ward_lookup(2025)
    reach = lsoa_reach(plan, resolved)
    assert set(reach["lsoa_code"]) == set(lookup.loc[lookup["ward_code"].isin(worse), "lsoa_code"])
    assert set(reach["reach"]) == {"ward"}
    # Tunbridge Wells has no ward significantly worse than England on it: the rule selects none (plan check
    # reports that), while 'similar' picks exactly the wards compare() calls similar.
    tw = _plan(f"[{{kind: rule, rule: {rule}}}]", edition=2025)
    assert resolve_targets(tw).empty
    similar = Resolver(tw).indicator_rule(IndicatorRule(rule="indicator_vs_england", indicator="census21_disability",
                                                        area_type="ward", comparison="similar"))
    compared = _compared(TW, "census21_disability", "ward", "95")
    assert set(similar["code"]) == set(compared.loc[compared["comparison"] == "similar", "area_code"]) != set()


def test_an_indicator_rule_on_a_2019_plan_is_refused_with_what_to_do(real_data: Path) -> None:
    plan = _plan("[{kind: rule, rule: {rule: indicator_vs_england, indicator: census21_disability}}]")
    with pytest.raises(TargetError) as err:
        Resolver(plan).indicator_rule(plan.actions[0].target_areas[0].rule)
    assert err.value.kind == "no_data" and err.value.field == "indicator"
    message = str(err.value)
    assert "IoD 2019 geography (LSOA 2011" in message and "LSOA 2021" in message
    assert "Use an lsoa_decile rule" in message and "'edition: 2025' at the top of the file" in message
    with pytest.raises(PlanResolutionError, match="Rule field 'indicator'"):
        resolve_targets(plan)
    assert resolve_targets(plan, strict=False).empty
    with pytest.raises(TargetError, match="edition: 2025"):
        coverage(plan, indicator=IndicatorRule(rule="indicator_vs_england", indicator="census21_disability"))


@pytest.mark.parametrize(
    ("rule", "kind", "field", "words"),
    [
        ("indicator: census21_disabilty", "unknown_indicator", "indicator", "not an indicator this tool has"),
        ("indicator: iod25_cidr", "no_data", "indicator", "has no confidence limits"),
        ("indicator: census21_bad_health", "no_data", "area_type", "published for msoa, district, england"),
        ("indicator: iod25_income_people", "no_data", "indicator", "has no confidence limits"),
    ],
)
def test_an_indicator_rule_that_cannot_be_evaluated_names_its_field(
    real_data: Path, rule: str, kind: str, field: str, words: str
) -> None:
    plan = _plan(f"[{{kind: rule, rule: {{rule: indicator_vs_england, {rule}}}}}]", edition=2025)
    with pytest.raises(TargetError) as err:
        list(Resolver(plan).target(plan.actions[0].target_areas[0]))
    assert (err.value.kind, err.value.field) == (kind, field)
    assert f"Rule field '{field}'" in str(err.value) and words in str(err.value)
    assert "census21_disability" in str(err.value)  # the indicators that can be used are listed
    if kind == "unknown_indicator":
        assert "census21_disability" in err.value.suggestions


def test_coverage_by_indicator_counts_the_lsoas_worse_than_england(real_data: Path) -> None:
    plan = _plan("[{kind: codes, codes: [E01024840]}, {kind: district, specified: false}]", edition=2025)
    rule = IndicatorRule(rule="indicator_vs_england", indicator="census21_hh_deprived_1plus")
    result = coverage(plan, indicator=rule)
    compared = _compared(TW, "census21_hh_deprived_1plus", "lsoa", "95")
    worse = compared[compared["comparison"] == "worse"]
    assert set(result.deprived["lsoa_code"]) == set(worse["area_code"]) and "E01024840" in set(worse["area_code"])
    assert result.basis == "indicator" and "significantly worse than England (95%)" in result.threshold
    assert result.deprived["value"].is_monotonic_decreasing  # most adverse first (low is good)
    assert set(result.deprived.loc[result.deprived["covered"], "lsoa_code"]) == {"E01024840"}
    assert set(result.uncovered["lsoa_code"]) == set(worse["area_code"]) - {"E01024840"}
    assert result.deprived["decile"].isna().all() and result.deprived["criterion"].str.contains("vs England").all()
    with pytest.raises(PlanError, match="by LSOA"):
        coverage(plan, indicator=rule.model_copy(update={"area_type": "ward"}))

"""Progress against baseline (plans.baseline), checked by hand on the real files for Tunbridge Wells.

The Tunbridge Wells plan targets areas through one action: 3.4 'Target stop smoking work for areas of
deprivation', whose list names five LSOAs 2011 (one twice), all unchanged in 2021. Every other action names no
place. The matched areas are the untargeted LSOAs of the South East outside Tunbridge Wells in the same 2019
deciles (2 and 4).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hiap_geo.geo.deprivation import compare_editions, load_iod
from hiap_geo.geo.lookups import district_regions, lsoa_crosswalk
from hiap_geo.indicators import stats
from hiap_geo.indicators.readers import health_index_indicators
from hiap_geo.plans.baseline import (
    NOTES,
    Progress,
    Selection,
    _change_words,
    district_sii,
    indicator_progress,
    progress_against_baseline,
)
from hiap_geo.plans.load import load_plan
from hiap_geo.plans.schema import PLANS_DIR, IndicatorLink, Plan, PlanError

TUNBRIDGE_WELLS = "E07000116"
SOUTH_EAST = "E12000008"
TARGETED = ["E01024831", "E01024840", "E01024841", "E01024842", "E01024843"]


@pytest.fixture(scope="module")
def plan(real_data: object) -> Plan:
    return load_plan(PLANS_DIR / "tunbridge-wells-2023-25.yaml")


@pytest.fixture(scope="module")
def progress(plan: Plan) -> Progress:
    return progress_against_baseline(plan)


def test_the_targeted_lsoas_are_the_five_the_plan_lists_with_their_2019_and_2025_deciles(progress: Progress) -> None:
    iod19 = load_iod(2019).set_index("lsoa_code")
    iod25 = load_iod(2025).set_index("lsoa_code")
    links = lsoa_crosswalk().set_index("lsoa11_code")
    assert (links.loc[TARGETED, "change"] == "U").all()  # unchanged in 2021: the same codes
    targeted = progress.targeted.set_index("lsoa21_code")
    assert sorted(targeted.index) == TARGETED
    assert targeted["imd2019_decile"].astype(int).to_dict() == iod19.loc[TARGETED, "imd_decile"].astype(int).to_dict()
    assert targeted["imd2025_decile"].astype(int).to_dict() == iod25.loc[TARGETED, "imd_decile"].astype(int).to_dict()
    assert sorted(iod19.loc[TARGETED, "imd_decile"]) == [2, 4, 4, 4, 4]

    group = progress.groups.set_index("group")
    assert group.at["targeted", "lsoas"] == 5 and group.at["targeted", "left_out"] == 0
    assert group.at["targeted", "imd2019_decile"] == pytest.approx(np.mean(iod19.loc[TARGETED, "imd_decile"]))
    assert group.at["targeted", "imd2025_decile"] == pytest.approx(np.mean(iod25.loc[TARGETED, "imd_decile"]))
    assert group.at["targeted", "imd2025_score"] == pytest.approx(np.mean(iod25.loc[TARGETED, "imd_score"]))
    moved = iod25.loc[TARGETED, "imd_decile"] - iod19.loc[TARGETED, "imd_decile"]
    assert (group.at["targeted", "more_deprived"], group.at["targeted", "same_decile"],
            group.at["targeted", "less_deprived"]) == ((moved < 0).sum(), (moved == 0).sum(), (moved > 0).sum())
    # residents (Census 2021) in deciles 1-2: only E01024840 (decile 2 in both editions)
    pop = iod25.loc[TARGETED, "population"]
    in_1_2 = pop[iod25.loc[TARGETED, "imd_decile"] <= 2].sum() / pop.sum() * 100
    assert group.at["targeted", "deprived_share_2025"] == pytest.approx(in_1_2)


def test_the_rest_of_the_district_is_its_other_lsoas(progress: Progress) -> None:
    iod25 = load_iod(2025)
    district = iod25[iod25["lad_code"] == TUNBRIDGE_WELLS]
    table = compare_editions()
    comparable = table[(table["lad_code"] == TUNBRIDGE_WELLS) & table["comparable"]]
    group = progress.groups.set_index("group")
    assert group.at["rest", "lsoas"] == len(comparable) - 5
    assert group.at["rest", "lsoas"] + group.at["rest", "left_out"] == len(district) - 5


def test_matched_areas_are_the_south_east_peers_of_the_same_2019_decile_weighted_to_the_targeted_mix(
    progress: Progress,
) -> None:
    regions = district_regions()
    south_east = set(regions.loc[regions["region_code"] == SOUTH_EAST, "lad_code"])
    assert TUNBRIDGE_WELLS in south_east
    table = compare_editions()
    peers = table[table["lad_code"].isin(south_east - {TUNBRIDGE_WELLS}) & table["comparable"]
                  & table["imd2019_decile"].isin([2, 4])]
    by_decile = peers["imd2019_decile"].value_counts()
    matched = progress.matched
    assert sorted(matched["lsoa21_code"]) == sorted(peers["lsoa21_code"])
    assert not set(matched["lsoa21_code"]) & set(TARGETED)
    assert progress.region == "South East"
    # each decile's peers together weigh as many targeted LSOAs as it has: decile 2 one, decile 4 four
    weights = matched.groupby("imd2019_decile")["weight"].sum()
    assert weights.to_dict() == pytest.approx({2: 1.0, 4: 4.0})
    expected = (1 * peers.loc[peers["imd2019_decile"] == 2, "imd2025_decile"].mean()
                + 4 * peers.loc[peers["imd2019_decile"] == 4, "imd2025_decile"].mean()) / 5
    group = progress.groups.set_index("group")
    assert group.at["matched", "imd2025_decile"] == pytest.approx(expected)
    assert group.at["matched", "imd2019_decile"] == pytest.approx(3.6)  # the targeted mix, by construction
    assert group.at["matched", "lsoas"] == len(peers) == by_decile.sum()


def test_a_priority_whose_actions_name_no_place_has_no_targeted_areas_and_says_so(plan: Plan) -> None:
    progress = progress_against_baseline(plan, Selection("priority", "1"))
    assert not progress.has_targets
    assert "name no LSOA" in progress.notes["targeted"]
    assert progress.groups.set_index("group").at["rest", "lsoas"] > 60
    one = progress_against_baseline(plan, Selection("action", "3.4"))
    assert sorted(one.targeted["lsoa21_code"]) == TARGETED
    with pytest.raises(PlanError, match="no priority '9'"):
        progress_against_baseline(plan, Selection("priority", "9"))


def _by_hand_sii(year: int) -> float:
    """The SII of IMD score across the district's within-district tenths, by the closed form of test_stats."""
    iod = load_iod(year)
    district = iod[iod["lad_code"] == TUNBRIDGE_WELLS].sort_values(["imd_rank", "lsoa_code"]).reset_index(drop=True)
    district["tenth"] = np.floor(np.arange(len(district)) * 10 / len(district)) + 1
    tenths = district.groupby("tenth").apply(
        lambda t: pd.Series({"pop": t["population"].sum(),
                             "value": np.average(t["imd_score"], weights=t["population"])}),
        include_groups=False)
    a = tenths["pop"].to_numpy() / tenths["pop"].sum()
    b = stats.quantile_midpoints(tenths["pop"])
    y = tenths["value"].to_numpy()
    b_bar, y_bar = (a * b).sum(), (a * y).sum()
    slope = (a * (b - b_bar) * (y - y_bar)).sum() / (a * (b - b_bar) ** 2).sum()
    return -slope  # signed so that more deprivation at the deprived end is a positive gap


@pytest.mark.parametrize("year", [2019, 2025])
def test_district_sii_in_both_editions_equals_the_weighted_regression(real_data: object, year: int) -> None:
    result = district_sii([TUNBRIDGE_WELLS], year)
    assert result["sii"] == pytest.approx(_by_hand_sii(year), rel=1e-9)
    assert result["tenths"] == 10
    assert result["sii_lower_95"] < result["sii"] < result["sii_upper_95"]
    assert result["rii"] > 1
    assert district_sii([TUNBRIDGE_WELLS], year) == result  # repeatable (seeded)


def test_the_sii_table_has_both_editions_and_a_change_in_words(progress: Progress) -> None:
    sii = progress.sii
    assert sii["edition"].tolist() == [2019, 2025]
    assert sii["lsoas"].tolist() == [len(load_iod(y).query("lad_code == @TUNBRIDGE_WELLS")) for y in (2019, 2025)]
    assert sii["change"].iloc[1] in ("a wider gap than in 2019", "a narrower gap than in 2019",
                                     "no clear change (the 95% limits overlap)")


def test_linked_indicators_show_baseline_and_latest_from_the_health_index_with_their_limits(
    progress: Progress, plan: Plan,
) -> None:
    rows = progress.indicators.set_index("indicator_id")
    assert list(rows.index) == [link.indicator for link in plan.indicators]
    raw = health_index_indicators([TUNBRIDGE_WELLS])
    smoking = raw[raw["indicator_id"] == "hi_smoking"].sort_values("period")
    assert rows.at["hi_smoking", "baseline_period"] == smoking["period"].iloc[0] == "2015"
    assert rows.at["hi_smoking", "latest_period"] == smoking["period"].iloc[-1] == "2021"
    assert rows.at["hi_smoking", "baseline_value"] == pytest.approx(smoking["value"].iloc[0])
    assert rows.at["hi_smoking", "latest_value"] == pytest.approx(smoking["value"].iloc[-1])
    assert "not tested" in rows.at["hi_smoking", "change"]  # the Health Index publishes no intervals
    assert "before the plan began (2023)" in rows.at["hi_smoking", "caveat"]
    assert rows.at["hi_smoking", "actions"] == "3.4"


def test_an_unknown_indicator_is_reported_not_refused(plan: Plan) -> None:
    rows = indicator_progress(plan, [IndicatorLink(measure="x", indicator="no_such_thing", actions=["99"])])
    assert rows["change"].iloc[0] == "not in the data"
    assert "no action 99" in rows["caveat"].iloc[0]


def _row(period: str, value: float, lower: float = np.nan, upper: float = np.nan) -> pd.Series:
    return pd.Series({"period": period, "value": value, "lower_95": lower, "upper_95": upper,
                      "polarity": "low_is_good"})


def test_a_change_within_the_intervals_is_no_clear_change() -> None:
    assert _change_words(_row("2015", 10, 8, 12), _row("2022", 11, 9, 13)).startswith("no clear change")
    outside = _change_words(_row("2015", 10, 9, 11), _row("2022", 14, 13, 15))
    assert outside == "higher (worse): outside the 95% intervals"
    assert "not tested" in _change_words(_row("2015", 10), _row("2022", 9))


def test_no_note_uses_causal_wording() -> None:
    text = " ".join(NOTES.values()).lower()
    for word in ("because of the plan", "due to", "led to", "resulted in", "impact of", "caused by"):
        assert word not in text


def test_the_indicators_field_round_trips_through_the_editor_byte_for_byte() -> None:
    from hiap_geo.plans.editor import plan_yaml, update_action, update_plan
    from hiap_geo.plans.load import parse_plan, read_plan

    loaded = read_plan(PLANS_DIR / "tunbridge-wells-2023-25.yaml")
    block = loaded.text[loaded.text.index("\nindicators:"):]
    assert plan_yaml(loaded.plan, original=loaded) == loaded.text
    edited = plan_yaml(update_action(loaded.plan, "1.1", title="A new title"), original=loaded)
    assert edited.endswith(block)  # the untouched links keep their comments and layout
    links = [*loaded.plan.indicators[:1], IndicatorLink(measure="Digital inclusion", indicator="hi_internet_access",
                                                        actions=["5.3"])]
    rewritten = parse_plan(plan_yaml(update_plan(loaded.plan, indicators=links), original=loaded)).plan
    assert [link.indicator for link in rewritten.indicators] == ["hi_smoking", "hi_internet_access"]


def test_an_indicator_link_with_a_typo_is_a_schema_error() -> None:
    from hiap_geo.plans.load import parse_plan
    from hiap_geo.plans.schema import PlanFileError

    text = (PLANS_DIR / "tunbridge-wells-2023-25.yaml").read_text(encoding="utf-8")
    with pytest.raises(PlanFileError, match="indicatr"):
        parse_plan(text.replace("    indicator: hi_smoking", "    indicatr: hi_smoking"))
    with pytest.raises(PlanFileError, match="actions"):
        parse_plan(text.replace('    actions: ["3.4"]', "    actions: []"))


def test_an_edition_without_the_district_says_why_instead_of_stopping(plan: Plan,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import hiap_geo.plans.baseline as baseline

    real = baseline.district_sii

    def only_2025(codes: list[str], year: int, repetitions: int = 1000) -> dict[str, object]:
        if year == 2019:
            raise PlanError("No IoD 2019 LSOAs for E07000116: the district's code is of another year.")
        return real(codes, year, repetitions)

    monkeypatch.setattr(baseline, "district_sii", only_2025)
    table = baseline._sii_table(plan)
    assert table["change"].iloc[0].startswith("not computed: No IoD 2019 LSOAs")
    assert np.isnan(table["sii"].iloc[0]) and table["sii"].iloc[1] > 0 and table["change"].iloc[1] == ""


def test_one_actions_progress_lists_only_its_own_indicators_and_the_cli_prints_it(
    plan: Plan, capsys: pytest.CaptureFixture[str],
) -> None:
    from hiap_geo.cli import main

    one = progress_against_baseline(plan, Selection("action", "3.4"))
    assert one.indicators["indicator_id"].tolist() == ["hi_smoking"]
    assert main(["plan", "progress", str(PLANS_DIR / "tunbridge-wells-2023-25.yaml"), "--action", "3.4"]) == 0
    out = capsys.readouterr().out
    assert "Areas the plan targets" in out and "stop smoking (action 3.4)" in out and "weight management" not in out


def test_plan_check_reports_a_link_to_an_unknown_indicator_action_or_words_by_line(real_data: object) -> None:
    from hiap_geo.plans.check import check_plan
    from hiap_geo.plans.load import parse_plan

    text = (PLANS_DIR / "tunbridge-wells-2023-25.yaml").read_text(encoding="utf-8")
    assert not [d for d in check_plan(parse_plan(text)) if d.where.startswith("indicator link")]
    bad = (text.replace("    indicator: hi_smoking", "    indicator: hi_smokin")
               .replace('    actions: ["4.1"]', '    actions: ["4.1", "9.9"]')
               .replace("  - measure: active travel", "  - measure: cycle lanes"))
    found = {d.kind: d for d in check_plan(parse_plan(bad)) if d.where.startswith("indicator link")}
    assert set(found) == {"unknown_indicator", "unknown_action", "measure_not_in_action"}
    lines = bad.splitlines()
    assert lines[found["unknown_indicator"].line - 1].strip() == "indicator: hi_smokin"
    assert found["unknown_action"].document == "action 9.9"
    assert "Action 4.4 does not print these words" in found["measure_not_in_action"].data

"""Need score, thresholds and indicator-by-area tables: small frames computed by hand, then real data."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from hiap_geo.geo.msoa import msoa_areas
from hiap_geo.indicators import need
from hiap_geo.indicators.stats import SIIResult
from hiap_geo.render.maps import area_map, classify
from hiap_geo.views import indicators as iv
from hiap_geo.views import targeting as tv

# Four areas. IMD score: higher = more deprived; decile: 1 = most deprived; "green": high is good, B missing.
FRAME = pd.DataFrame({
    "code": ["A", "B", "C", "D"],
    "imd_score": [40.0, 20.0, 10.0, 30.0],
    "imd_decile": [1, 5, 9, 3],
    "green": [50.0, np.nan, 70.0, 60.0],
})
IMD = need.Component("imd_score", "IMD score", 2.0, True)
GREEN = need.Component("green", "Green space", 1.0, False)


def col(score: need.NeedScore, name: str) -> list[float]:
    return score.table[name].astype(float).tolist()


def close(actual: list[float], expected: list[float]) -> bool:
    return all((math.isnan(a) and math.isnan(e)) or math.isclose(a, e, abs_tol=1e-12)
               for a, e in zip(actual, expected, strict=True))


def test_rank_scaled_with_weights_orientation_and_a_missing_value_rescaled() -> None:
    score = need.need_score(FRAME, [IMD, GREEN], "rank", "rescale")
    # IMD ranks 4,2,1,3 -> (r-1)/3; green is high-is-good, so negated: ranks 3,-,1,2 -> (r-1)/2.
    assert close(col(score, "imd_score__standardised"), [1, 1 / 3, 0, 2 / 3])
    assert close(col(score, "green__standardised"), [1, math.nan, 0, 0.5])
    # Weights 2:1 -> shares 2/3 and 1/3; B has no green value, so IMD carries all its weight.
    assert close(col(score, "imd_score__weight"), [2 / 3, 1, 2 / 3, 2 / 3])
    assert close(col(score, "green__weight"), [1 / 3, math.nan, 1 / 3, 1 / 3])
    assert close(col(score, "need_score"), [1, 1 / 3, 0, 4 / 9 + 1 / 6])
    assert score.table["need_rank"].tolist() == [1, 3, 4, 2]
    assert score.table["components_used"].tolist() == [2, 1, 2, 2]
    contributions = score.table[["imd_score__contribution", "green__contribution"]].sum(axis=1, min_count=1)
    assert close(contributions.tolist(), col(score, "need_score"))  # the score is the sum of what is shown
    assert score.notes == ("Green space: no value for 1 of 4 areas.",)


def test_missing_values_can_exclude_an_area() -> None:
    score = need.need_score(FRAME, [IMD, GREEN], "rank", "exclude")
    assert close(col(score, "need_score"), [1, math.nan, 0, 4 / 9 + 1 / 6])
    assert score.table["need_rank"].tolist()[0] == 1 and pd.isna(score.table["need_rank"].iloc[1])
    assert "1 area(s) have no score (a component is missing)" in score.notes[-1]
    assert "leave the area unscored" in score.describe()


def test_an_area_with_no_value_at_all_is_unscored_and_the_table_keeps_its_order() -> None:
    frame = FRAME.assign(green=[50.0, np.nan, 70.0, 60.0], imd_score=[40.0, np.nan, 10.0, 30.0]).set_index("code")
    score = need.need_score(frame, [IMD, GREEN], "zscore", "rescale")
    assert score.table.index.tolist() == ["A", "B", "C", "D"]  # the areas' own index, for the map and the table
    assert pd.isna(score.table.at["B", "need_score"]) and pd.isna(score.table.at["B", "need_rank"])
    assert score.table["components_used"].tolist() == [2, 0, 2, 2]
    assert score.notes[-1] == "1 area(s) have no score (no component has a value)."
    assert score.table.columns.tolist() == [
        "need_rank", "need_score", "components_used", "imd_score__value", "green__value",
        "imd_score__standardised", "imd_score__weight", "imd_score__contribution",
        "green__standardised", "green__weight", "green__contribution"]


def test_a_decile_is_oriented_so_that_decile_1_is_most_need() -> None:
    decile = need.need_score(FRAME, [need.Component("imd_decile", "IMD decile", 1, False)])
    assert close(col(decile, "need_score"), [1, 1 / 3, 0, 2 / 3])
    assert decile.table["need_rank"].tolist() == [1, 3, 4, 2]


def test_z_scores_use_the_population_sd_and_weights_that_do_not_sum_to_one() -> None:
    score = need.need_score(FRAME, [need.Component("imd_score", "IMD", 5, True)], "zscore")
    sd = math.sqrt((15**2 + 5**2 + 15**2 + 5**2) / 4)  # mean 25
    assert close(col(score, "imd_score__standardised"), [15 / sd, -5 / sd, -15 / sd, 5 / sd])
    assert close(col(score, "need_score"), [15 / sd, -5 / sd, -15 / sd, 5 / sd])  # one component: share 1


def test_standardise_ties_single_values_and_no_spread() -> None:
    assert need.standardise(pd.Series([10, 10, 20]), "rank", True).tolist() == [0.25, 0.25, 1.0]
    assert need.standardise(pd.Series([7.0, np.nan]), "rank", True).tolist()[0] == 0.5
    assert need.standardise(pd.Series([3, 3, 3]), "rank", True).tolist() == [0.5, 0.5, 0.5]
    assert need.standardise(pd.Series([3, 3, 3]), "zscore", False).tolist() == [0.0, 0.0, 0.0]
    assert need.standardise(pd.Series([np.nan, np.nan]), "rank", True).isna().all()
    with pytest.raises(need.NeedScoreError, match="Unknown method"):
        need.standardise(pd.Series([1, 2]), "quantile", True)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("components", "message"),
    [
        ([], "at least one component"),
        ([IMD, IMD], "chosen twice"),
        ([need.Component("nope", "Nothing", 1, True)], "Not in the areas table: Nothing"),
        ([need.Component("imd_score", "IMD", -1, True)], "zero or more"),
        ([need.Component("imd_score", "IMD", 0, True)], "above zero"),
    ],
)
def test_bad_components_are_refused_with_a_reason(components: list[need.Component], message: str) -> None:
    with pytest.raises(need.NeedScoreError, match=message):
        need.need_score(FRAME, components)


def test_a_zero_weight_component_is_shown_but_does_not_count() -> None:
    score = need.need_score(FRAME, [IMD, need.Component("green", "Green", 0, False)])
    assert close(col(score, "need_score"), [1, 1 / 3, 0, 2 / 3])
    assert close(col(score, "green__contribution"), [0, math.nan, 0, 0])


def test_thresholds_are_inclusive_and_missing_values_fail() -> None:
    frame = FRAME.assign(vs=["worse", "similar", None, "worse"])
    deciles = need.NeedThreshold("imd_decile", "IMD decile 1-4", 1, 4)
    worse = need.NeedThreshold("vs", "worse than England", allowed=frozenset({"worse"}))
    green = need.NeedThreshold("green", "green at least 60", minimum=60)
    out = need.apply_thresholds(frame, [deciles, worse, green])
    assert out["meets: IMD decile 1-4"].tolist() == [True, False, False, True]
    assert out["meets: worse than England"].tolist() == [True, False, False, True]
    assert out["meets: green at least 60"].tolist() == [False, False, True, True]  # B has no value: fails
    assert out["meets_all"].tolist() == [False, False, False, True]
    assert need.apply_thresholds(frame, [])["meets_all"].all()
    with pytest.raises(need.NeedScoreError, match="not in the areas table"):
        need.NeedThreshold("absent", "absent").test(frame)


def test_ranked_table_names_every_component_and_sorts_by_need() -> None:
    frame = need.apply_thresholds(FRAME.assign(name=list("abcd"), ward="", district="X"),
                                [need.NeedThreshold("imd_decile", "IMD decile 1-4", 1, 4)])
    score = need.need_score(frame, [IMD, GREEN])
    table = tv.ranked_table(frame, score)
    assert table["code"].tolist() == ["A", "D", "B", "C"]
    assert table["meets every threshold"].tolist() == ["yes", "yes", "no", "no"]  # words, not True and False
    assert {"IMD score: value", "IMD score: standardised", "IMD score: weight share", "IMD score: contribution",
            "Green space: contribution", "need rank", "need score", "meets: IMD decile 1-4"} <= set(table.columns)
    subset = tv.ranked_table(frame[frame["meets_all"]], score)
    assert subset["code"].tolist() == ["A", "D"] and subset["need rank"].tolist() == [1, 2]


def test_the_ranking_csv_gives_figures_as_a_reader_quotes_them() -> None:
    frame = need.apply_thresholds(FRAME.assign(name=list("abcd"), ward="", district="X"),
                                [need.NeedThreshold("imd_decile", "IMD decile 1-4", 1, 4)])
    score = need.need_score(frame, [IMD, GREEN])
    table = tv.ranked_table(frame, score)
    csv = tv.ranking_export_table(table, score, [], pd.DataFrame({"indicator_id": [], "source": []}), [], "lsoa")
    text = csv.to_csv(index=False)
    assert "True" not in text and "False" not in text and "meets_all" not in text
    assert not re.search(r"\d\.\d{5,}", text), "a figure with more than four decimals"
    assert str(csv[tv.RANK_OF_ALL].dtype) == "Int64" and "weight share" in text


def test_a_filtered_ranking_is_numbered_without_gaps_and_keeps_the_rank_of_all() -> None:
    score = need.need_score(FRAME, [IMD, GREEN])  # ranks A 1, B 3, C 4, D 2
    shown = tv.ranked_table(FRAME.loc[[0, 2]].assign(name=["a", "c"], ward="", district="X"), score)  # A and C
    assert shown["code"].tolist() == ["A", "C"]
    assert shown["need rank"].tolist() == [1, 2]  # was 1, 4: numbers skipped after filtering
    assert shown[tv.RANK_OF_ALL].tolist() == [1, 4]
    assert list(shown.columns).index("need rank") < list(shown.columns).index(tv.RANK_OF_ALL)


def test_measures_for_indicators_and_comparisons() -> None:
    worse_high = iv.indicator_measure("Smoking", "%", "low_is_good")
    assert worse_high.higher_is_more_deprived and worse_high.ends == ("worst", "best")
    assert worse_high.label == "Smoking (%)"
    assert not iv.indicator_measure("Life expectancy", "years", "high_is_good").higher_is_more_deprived
    assert iv.indicator_measure("Count", None, "no_judgement").ends == ("highest", "lowest")
    comp = iv.comparison_measure("Smoking (%)", "low_is_good", "england", "998")
    assert [label for label, _ in comp.categories] == ["Worse (99.8%)", "Similar", "Better (99.8%)", "Not compared"]
    assert [c for _, c in comp.categories] == ["#C00000", "#FFC000", "#92D050", "#C9C9C9"]
    assert "compared with England (99.8% confidence)" in comp.label
    higher = iv.comparison_measure("Count", "no_judgement", "district", "95")
    assert [label for label, _ in higher.categories][0] == "Higher (95%)"


def test_a_category_map_uses_the_given_colours_labels_and_tooltips() -> None:
    import geopandas as gpd
    import shapely

    comp = iv.comparison_measure("Smoking (%)", "low_is_good", "england", "95")
    values = pd.Series(["Worse (95%)", "Similar", None, "Better (95%)"])
    classes = classify(values, comp)
    assert classes.index.tolist() == [0, 1, -1, 2]
    assert classes.labels[0] == "Worse (95%)" and classes.colours[0] == "#C00000"
    areas = gpd.GeoDataFrame({"code": list("ABCD"), "name": list("abcd"), "ward": "", "district": "X",
                              "value": values},
                             geometry=[shapely.box(i, 0, i + 1, 1) for i in range(4)], crs="EPSG:4326")
    html = area_map(areas, comp, tooltip_values=["12.0% · England: Worse (95%)", "b", "c", "d"]).get_root().render()
    assert "12.0% \\u00b7 England: Worse (95%)" in html or "12.0% · England: Worse (95%)" in html
    assert "Worse (95%)" in html and "#C00000" in html
    with pytest.raises(ValueError, match="tooltip_values"):
        area_map(areas, comp, tooltip_values=["only one"])


def test_sii_sentence_says_which_end_is_worse() -> None:
    result = SIIResult(-6.7, 0.63, -7.4, -6.0, -7.8, -5.6, 10, 100_000, "simulation")
    text = tv.sii_sentence(result, "Disability", "%", "Tunbridge Wells", "low_is_good")
    assert "6.70 percentage points higher at the most deprived end" in text
    assert "95% confidence interval -7.40 to -6.00" in text and "worse where deprivation is greatest" in text
    # the headline and the sentence give the same signed figure and say what the sign means
    assert tv.sii_headline(result) == "-6.70" and "(SII -6.70: least deprived end minus most deprived end" in text
    assert "negative means higher at the most deprived end" in text and tv.SII_CONVENTION in tv.SII_LABEL
    positive = SIIResult(2.5, 1.1, 1.0, 4.0, 0.5, 4.5, 10, 100_000, "simulation")
    assert tv.sii_headline(positive) == "+2.50" and "SII +2.50" in tv.sii_sentence(positive, "X", "", "Y", "x")
    assert "positive means lower at the most deprived end" in tv.sii_sentence(positive, "X", "", "Y", "x")
    flat = SIIResult(0.0, 1.0, math.nan, math.nan, math.nan, math.nan, 10, 0, "none")
    assert "flat" in tv.sii_sentence(flat, "X", "", "Y", "low_is_good")
    good = SIIResult(2.0, 1.1, math.nan, math.nan, math.nan, math.nan, 10, 0, "none")
    assert "better where deprivation is greatest" in tv.sii_sentence(good, "X", "score", "Y", "low_is_good")
    assert "no confidence interval" in tv.sii_sentence(good, "X", "score", "Y", "low_is_good")


# --- real data ------------------------------------------------------------------------------------

TW = "E07000116"


@pytest.fixture(scope="module")
def tw(kent: str) -> dict[str, object]:
    from hiap_geo.geo.layers import load_layer
    from hiap_geo.indicators.readers import load_indicators
    from hiap_geo.views.explorer import areas_of

    layers = {(lv, y): iv.standard_areas(areas_of(load_layer(kent, lv, y, display=True), lv, y, (TW,)), lv)
              for lv in ("lsoa", "ward") for y in (2025, 2019)}
    return {"data": load_indicators([TW]), "layers": layers}


@pytest.mark.integration
def test_lsoa_comparisons_with_england_and_district_follow_the_limits(tw: dict[str, object]) -> None:
    data, lsoas = tw["data"], tw["layers"][("lsoa", 2025)]
    values = iv.area_values(data, "census21_disability", "lsoa", "2021", lsoas, "95")
    assert len(values) == 69 and values["value"].notna().all()
    england = data[(data["indicator_id"] == "census21_disability") & (data["area_type"] == "england")].iloc[0]
    assert math.isclose(england["value"], 100 * england["count"] / england["denominator"])
    assert (values["england_value"] == england["value"]).all()
    worse = values["lower"] > england["value"]  # low is good: the whole interval above England is worse
    better = values["upper"] < england["value"]
    assert (values.loc[worse, "vs_england"] == "worse").all() and worse.any()
    assert (values.loc[better, "vs_england"] == "better").all() and better.any()
    assert (values.loc[~worse & ~better, "vs_england"] == "similar").all()
    district = data[(data["indicator_id"] == "census21_disability") & (data["area_code"] == TW)]["value"].iat[0]
    assert (values["district_value"] == district).all()
    strict = iv.area_values(data, "census21_disability", "lsoa", "2021", lsoas, "998")
    assert (strict["vs_england"] != "similar").sum() <= (values["vs_england"] != "similar").sum()
    assert set(strict["vs_england_label"]) <= {"Better (99.8%)", "Worse (99.8%)", "Similar"}
    table = iv.indicator_export_table(values, "lsoa", "LSOA 2021")
    assert {"source", "vintage", "compared with England", "lower limit", "count", "denominator",
            "attribution"} <= set(table)
    assert table["attribution"].str.contains("Open Government Licence").all()
    assert table["source"].str.contains("Census 2021").all() and table["geography"].iat[0] == "LSOA (LSOA 2021)"
    assert str(table["count"].dtype) == "Int64" and str(table["denominator"].dtype) == "Int64"  # 1250, not 1250.0
    assert not re.search(r"\d\.\d{5,}", table.to_csv(index=False)), "a figure with more than four decimals"


@pytest.mark.integration
def test_values_without_limits_are_not_compared(tw: dict[str, object]) -> None:
    values = iv.area_values(tw["data"], "iod25_cidr", "ward", "IoD 2025", tw["layers"][("ward", 2025)], "95")
    assert len(values) == 14 and not iv.has_limits(values)
    assert set(values["vs_england"]) == {"not compared"} and set(values["vs_district"]) == {"not compared"}
    assert "England: Not compared" in iv.tooltip_texts(values)[0]
    with pytest.raises(iv.IndicatorViewError, match="no LSOA values for 1999"):
        iv.area_values(tw["data"], "iod25_cidr", "lsoa", "1999", tw["layers"][("lsoa", 2025)])


@pytest.mark.integration
def test_msoas_are_dissolved_from_lsoas_and_dwp_finds_its_2011_msoas(tw: dict[str, object]) -> None:
    data = tw["data"]
    msoa21 = msoa_areas(tw["layers"][("lsoa", 2025)], 2021)
    msoa11 = msoa_areas(tw["layers"][("lsoa", 2019)], 2011, msoa21)
    census = set(data.loc[(data["indicator_id"] == "census21_bad_health") & (data["area_type"] == "msoa"),
                          "area_code"])
    assert set(msoa21["code"]) == census and len(msoa21) == 14
    assert (msoa21["district_code"] == TW).all() and (msoa11["district_code"] == TW).all()
    assert msoa21.geometry.is_valid.all() and (msoa21.geom_type == "Polygon").all()
    assert math.isclose(msoa21.to_crs(27700).area.sum(), tw["layers"][("lsoa", 2025)].to_crs(27700).area.sum(),
                        rel_tol=1e-6)
    dwp = data.loc[(data["indicator_id"] == "dwp_children_low_income_pct") & (data["area_type"] == "msoa"),
                   "area_code"]
    name, _ = iv.best_layer(dwp, {"MSOA 2021": lambda: msoa21, "MSOA 2011": lambda: msoa11})
    assert set(dwp) <= set(msoa11["code"])
    assert name == ("MSOA 2021" if set(dwp) <= set(msoa21["code"]) else "MSOA 2011")
    values = iv.area_values(data, "dwp_children_low_income_pct", "msoa", "2020/21", msoa11)
    assert values["value"].notna().all() and iv.has_limits(values)


@pytest.mark.integration
def test_targeting_frame_on_real_wards(tw: dict[str, object]) -> None:
    wards = tw["layers"][("ward", 2025)]
    frame = tv.targeting_frame(wards, tw["data"], "ward", ["census21_disability"], "95")
    lowest = frame.set_index("code")["imd_lowest_decile"]
    for code, row in wards.set_index("code").iterrows():  # by hand: the first decile holding an LSOA
        first = next(d for d in range(1, 11) if row[f"imd_decile_{d}_lsoas"] > 0)
        assert lowest[code] == first
    assert set(frame["census21_disability__vs_england"]) <= {"better", "similar", "worse"}
    options = tv.deprivation_components(frame, "ward")
    assert "imd_score" in options and options["imd_score"][1] is True
    score = need.need_score(frame, [need.Component("imd_score", "IMD", 1, True)])
    top = frame.loc[score.table["need_rank"] == 1, "code"].iat[0]
    assert top == wards.loc[wards["imd_score"].idxmax(), "code"]
    with pytest.raises(tv.TargetingError, match="no Ward values"):
        tv.targeting_frame(wards, tw["data"], "ward", ["census21_bad_health"])
    with pytest.raises(tv.TargetingError, match="ranks wards or LSOAs"):
        tv.targeting_frame(wards, tw["data"], "msoa", [])


def test_best_layer_holds_most_codes_and_prefers_the_first_on_a_tie() -> None:
    new = pd.DataFrame({"code": ["E02000001", "E02000002"]})
    old = pd.DataFrame({"code": ["E02000001", "E02000003", "E02000004"]})
    loaded: list[str] = []

    def loader(name: str, frame: pd.DataFrame):  # noqa: ANN202
        return lambda: loaded.append(name) or frame

    both = ["E02000001", "E02000003"]
    assert iv.best_layer(both, {"MSOA 2021": loader("new", new), "MSOA 2011": loader("old", old)})[0] == "MSOA 2011"
    assert loaded == ["new", "old"]
    loaded.clear()
    assert iv.best_layer(["E02000001"], {"MSOA 2021": loader("new", new), "MSOA 2011": loader("old", old)})[0] \
        == "MSOA 2021"
    assert loaded == ["new"]  # the newest layer holds every code: the older one is never read
    with pytest.raises(iv.IndicatorViewError, match="No map layer"):
        iv.best_layer(["E02000001"], {})


def test_a_cached_classification_draws_the_same_legend_as_a_category_map() -> None:
    measure = iv.indicator_measure("Smoking", "%", "low_is_good")
    values = pd.Series([5.0, 10.0, np.nan, 20.0, 40.0])
    classes = classify(values, measure)
    category, labels = iv.as_categories(measure, classes)
    assert category.kind == "category" and category.label == measure.label
    assert [label for label, _ in category.categories] == classes.labels and classes.labels[0].endswith("(worst)")
    assert labels[2] is None and labels[4] == classes.labels[classes.index[4]]
    again = classify(labels, category)
    assert again.index.tolist() == classes.index.tolist() and again.colours == classes.colours


def test_indicator_options_are_marked_by_origin_and_uploads_come_first() -> None:
    data = pd.DataFrame({"indicator_id": ["b", "upload:x", "ft1", "a"],
                         "indicator_name": ["Beta", "Mine", "Obesity", "alpha"],
                         "origin": ["official", "upload", "fingertips", "official"], "area_type": "lsoa", "value": 1.0})
    labels = iv.option_labels(data)
    assert labels == {"b": "Beta", "upload:x": "Mine — your upload", "ft1": "Obesity — Fingertips", "a": "alpha"}
    assert iv.indicator_order(data, labels) == ["upload:x", "a", "b", "ft1"]
    assert iv.option_labels(data.drop(columns="origin"))["upload:x"] == "Mine"  # no origin: official


def test_the_pages_thresholds_in_words() -> None:
    assert tv.chosen_thresholds("imd_decile", (1, 10), [], {}, "95") == []
    both = tv.chosen_thresholds("imd_decile", (1, 4), ["x"], {"x": "Smoking"}, "998")
    assert [t.label for t in both] == ["IMD decile 1-4", "Smoking: worse than England (99.8%)"]
    assert both[1].key == "x__vs_england" and both[1].allowed == frozenset({"worse"})


def test_the_indicator_list_comes_from_the_catalogue_as_from_the_data(real_data: object) -> None:
    """Targeting's first visit lists the indicators without reading them (the list was made from every indicator's
    data, seconds of a first visit): the catalogue's list is the one the data gives, names, polarity and limits."""
    from hiap_geo.indicators.readers import load_indicators

    data = load_indicators(["E07000116", "E07000111"])
    columns = ["indicator_id", "indicator_name", "polarity", "has_limits"]
    for level in tv.TARGET_LEVELS:
        from_data = tv.target_indicators(data, level)[columns]
        pd.testing.assert_frame_equal(tv.catalogue_target_indicators(level)[columns], from_data)
        assert tv.indicator_choices(tv.catalogue_target_indicators(level)) == tv.indicator_choices(from_data)
    assert tv.no_indicator_data().empty and tv.target_indicators(tv.no_indicator_data(), "ward").empty


def test_values_equal_but_for_float_noise_share_one_class_and_a_short_label() -> None:
    """Rank-scaled scores of five areas, two equal but for the order of a sum: four classes, four decimals at most
    (the walk-through's PNG said '0.893382' twice, in two colours)."""
    values = pd.Series([0.977941, 0.974265, 0.904412, 0.893382, 0.893382 + 1e-12])
    measure, labels = tv.need_colouring(pd.DataFrame({"need_score": values}), "rank")
    legend = [label for label, _ in measure.categories]
    assert len(legend) == 4 and labels.nunique() == 4 and labels.iat[3] == labels.iat[4]
    assert all(len(label.split(" ")[0].split(".")[1]) <= 4 for label in legend), legend


@pytest.mark.integration
def test_the_need_maps_png_draws_every_area_those_left_out_grey(tw: dict[str, object],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from hiap_geo.render import static_map

    drawn: dict[str, object] = {}
    monkeypatch.setattr(static_map, "page_map_png", lambda areas, chosen, title, **kw: drawn.update(
        areas=areas, chosen=chosen, title=title, **kw) or b"png")
    lsoas = tw["layers"][("lsoa", 2025)]
    frame = tv.targeting_frame(lsoas, tw["data"], "lsoa", [], "95")
    score = need.need_score(frame, [need.Component("imd_score", "IMD", 1, True)])
    thresholds = tv.chosen_thresholds("imd_decile", (1, 2), [], {}, "95")
    frame, selected = tv.scored_areas(frame, score, thresholds)
    measure, classes = tv.need_colouring(selected, "rank")
    png = tv.need_map_download(frame, selected, measure, classes, geometry=lsoas.geometry,
                               district_lines=lsoas.geometry.iloc[:1], kinds="LSOAs", thresholds=True)
    assert png() == b"png"
    assert len(drawn["areas"]) == len(lsoas) == 69  # framed on the district, not on the areas selected
    assert drawn["areas"]["value"].isna().sum() == 69 - len(selected) > 0  # the rest grey, named in the legend
    assert drawn["chosen"].missing_label == tv.NOT_SELECTED
    assert drawn["title"] == f"Need score: {len(selected)} of 69 LSOAs meet every threshold"


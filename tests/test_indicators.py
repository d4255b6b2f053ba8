"""Indicator long format: schema, aggregation and comparison on small frames; loaders on real data.

Integration tests use the real official files (``real_data`` fixture) and recompute ward and
district figures by hand from the raw files, not through the module's own tables.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hiap_geo.core.areas import ENGLAND_CODE
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.indicators import aggregate, catalogue, compare, readers, schema, stats

TW, SEVENOAKS = "E07000116", "E07000111"
SHERWOOD = "E05015813"  # Tunbridge Wells ward (2024) holding E01024840, "Tunbridge Wells 005A"


def good_frame() -> pd.DataFrame:
    limits = stats.proportion([30, 800], [200, 4000])
    return pd.DataFrame(
        {
            "indicator_id": ["census21_disability", "census21_disability"],
            "indicator_name": ["Disabled", "Disabled"],
            "area_code": ["E01024840", ENGLAND_CODE],
            "area_type": ["lsoa", "england"],
            "period": ["2021", "2021"],
            "value": limits["value"],
            "lower_95": limits["lower_95"],
            "upper_95": limits["upper_95"],
            "lower_998": limits["lower_998"],
            "upper_998": limits["upper_998"],
            "count": [30.0, 800.0],
            "denominator": [200.0, 4000.0],
            "unit": ["%", "%"],
            "polarity": ["low_is_good", "low_is_good"],
            "source": ["Census 2021", "Census 2021"],
            "vintage": ["2021", "2021"],
        }
    )


# --- Schema ----------------------------------------------------------------------------------


def test_schema_accepts_the_long_format() -> None:
    out = schema.validate_indicators(good_frame())
    assert list(out.columns[: len(schema.COLUMNS)]) == schema.COLUMNS


def test_origin_is_optional_with_a_default_and_checked_when_given() -> None:
    assert schema.validate_indicators(good_frame())["origin"].tolist() == ["official", "official"]
    kept = schema.validate_indicators(good_frame().assign(origin=["upload", None]))
    assert kept["origin"].tolist() == ["upload", "official"]


@pytest.mark.parametrize(
    ("change", "column"),
    [
        (lambda f: f.drop(columns="polarity"), "polarity"),
        (lambda f: f.assign(area_code=["E05015813", ENGLAND_CODE]), "area_code/area_type"),
        (lambda f: f.assign(polarity=["low_is_good", "sideways"]), "polarity"),
        (lambda f: f.assign(count=[-1.0, 800.0]), "count"),
        (lambda f: f.assign(lower_95=[99.0, 1.0]), "lower_95/value"),
        (lambda f: f.assign(area_type=["lsoa", "country"]), "area_type"),
        (lambda f: f.assign(value=["fifteen", 20.0]), "value"),
        (lambda f: pd.concat([f, f.iloc[[0]]], ignore_index=True), "indicator_id"),
        (lambda f: f.assign(origin=["official", "rumour"]), "origin"),
    ],
)
def test_schema_rejects_bad_frames_naming_the_problem(change, column: str) -> None:
    with pytest.raises(schema.IndicatorSchemaError) as info:
        schema.validate_indicators(change(good_frame()))
    assert column in set(info.value.problems["column"])
    assert "not in the expected format" in str(info.value)


def test_schema_error_lists_rows_for_a_code_that_does_not_fit_its_type() -> None:
    frame = good_frame().assign(area_code=["E02000001", ENGLAND_CODE])
    with pytest.raises(schema.IndicatorSchemaError, match="area_code does not fit area_type"):
        schema.validate_indicators(frame)


# --- Aggregation on a small frame ------------------------------------------------------------

PROPORTION = catalogue.IndicatorSpec("p", "P", "%", "low_is_good", "proportion", "census2021_residents", "2021",
                               count="x", denominator="n", multiplier=100)  # fmt: skip
SCORE = catalogue.IndicatorSpec("s", "S", "score", "low_is_good", "value", "iod2025_indicators", "IoD 2025",
                          value="v", weight="population")  # fmt: skip


def small_wide() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["a", "b", "c", "d"],
            "ward": ["w1", "w1", "w2", "w2"],
            "x": [10.0, 20.0, 5.0, np.nan],
            "n": [100.0, 300.0, 50.0, 60.0],
            "v": [1.0, 3.0, 2.0, np.nan],
            "population": [1000.0, 3000.0, 500.0, 600.0],
        }
    )


def test_aggregate_sums_counts_and_weights_values() -> None:
    out = aggregate.aggregate(small_wide(), small_wide()["ward"], [PROPORTION, SCORE]).set_index("group_code")
    assert out.loc["w1", "x"] == 30 and out.loc["w1", "n"] == 400
    assert np.isnan(out.loc["w2", "x"])  # one LSOA's count is missing: no partial sum
    assert out.loc["w1", "v"] == pytest.approx((1 * 1000 + 3 * 3000) / 4000)
    assert out.loc["w2", "v"] == pytest.approx(2.0)  # the LSOA with a value, and the method says so
    assert out.loc["w2", "_agg_s"].startswith("mean of 1 of 2 LSOAs weighted by Census 2021 usual residents")
    assert out.loc["w1", "_agg_p"] == "counts summed over 2 LSOAs; value recomputed from the sums"


# --- Comparison ------------------------------------------------------------------------------


def test_compare_against_england_gives_category_label_and_colour() -> None:
    frame = good_frame()
    local = frame.iloc[[0]]  # 15% (Wilson 95% 10.7-20.6) against England 20%
    out = compare.compare(local, frame[frame["area_type"] == "england"])
    assert out["comparison"].tolist() == ["similar"]
    high = frame.assign(value=[15.0, 25.0])
    out = compare.compare(frame.iloc[[0]], high[high["area_type"] == "england"])
    assert out["comparison"].tolist() == ["better"]
    assert out["comparison_label"].tolist() == ["Better (95%)"]
    assert out["comparison_colour"].tolist() == ["#92D050"]


# --- Real data -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def raw(real_data: Path) -> dict[str, pd.DataFrame]:
    """Raw official tables read directly, for hand computations."""
    from hiap_geo.acquire.registry import dataset_path

    return {
        "lookup": pd.read_csv(dataset_path("lookup_lsoa21_ward24"), dtype=str),
        "ts038": pd.read_csv(dataset_path("census2021_residents"), dtype={"LSOA21CD": str}),
        "ts011": pd.read_csv(dataset_path("census2021_household_deprivation"), dtype={"LSOA21CD": str}),
        "file8": pd.read_csv(dataset_path("iod2025_indicators"), dtype={"lsoa21_code": str}),
        "file10": pd.read_csv(dataset_path("iod2025_district_summaries"), dtype={"ltla24_code": str}),
    }


@pytest.mark.integration
@pytest.mark.parametrize(("district", "lsoas"), [(TW, 69), (SEVENOAKS, 75)])
def test_lsoa_loaders_give_every_lsoa_of_the_district(real_data: Path, district: str, lsoas: int) -> None:
    rows = readers.lsoa_indicators([district])
    per_indicator = rows.groupby("indicator_id")["area_code"].nunique()
    assert set(per_indicator) == {lsoas}
    assert len(per_indicator) == len(catalogue.LSOA_SPECS)
    schema.validate_indicators(rows)


@pytest.mark.integration
def test_ward_values_equal_hand_computation_from_their_lsoas(real_data: Path, raw: dict[str, pd.DataFrame]) -> None:
    members = raw["lookup"].loc[raw["lookup"]["WD24CD"] == SHERWOOD, "LSOA21CD"]
    assert "E01024840" in set(members) and len(members) == 5
    ts038 = raw["ts038"][raw["ts038"]["LSOA21CD"].isin(members)]
    disabled = ts038["Disability: Disabled under the Equality Act"].sum()
    residents = ts038["Disability: Total: All usual residents"].sum()
    ts011 = raw["ts011"][raw["ts011"]["LSOA21CD"].isin(members)]
    households = ts011["Household deprivation: Total: All households"].sum()
    not_deprived = ts011["Household deprivation: Household is not deprived in any dimension"].sum()
    f8 = raw["file8"][raw["file8"]["lsoa21_code"].isin(members)].merge(
        ts038, left_on="lsoa21_code", right_on="LSOA21CD"
    )
    weights = f8["Disability: Total: All usual residents"]
    cidr = (f8["comparative_illness_and_disability_ratio_indicator"] * weights).sum() / weights.sum()

    wards = aggregate.ward_indicators([TW]).set_index(["indicator_id", "area_code"])
    row = wards.loc[("census21_disability", SHERWOOD)]
    assert row["count"] == disabled and row["denominator"] == residents
    assert row["value"] == pytest.approx(100 * disabled / residents)
    lo, hi = stats.wilson_limits([disabled], [residents], 0.95)
    assert (row["lower_95"], row["upper_95"]) == pytest.approx((100 * lo[0], 100 * hi[0]))
    assert "counts summed over 5 LSOAs" in row["method"]

    hh = wards.loc[("census21_hh_deprived_1plus", SHERWOOD)]
    assert hh["value"] == pytest.approx(100 * (households - not_deprived) / households)
    assert wards.loc[("iod25_cidr", SHERWOOD), "value"] == pytest.approx(cidr)
    assert np.isnan(wards.loc[("iod25_cidr", SHERWOOD), "lower_95"])
    assert set(wards.index.get_level_values("area_code")) == set(
        raw["lookup"].loc[raw["lookup"]["LAD24CD"] == TW, "WD24CD"]
    )


@pytest.mark.integration
@pytest.mark.parametrize("district", [TW, SEVENOAKS])
def test_district_income_matches_the_published_district_summary(
    real_data: Path, raw: dict[str, pd.DataFrame], district: str
) -> None:
    # IoD 2025 File 10 publishes each district's population-weighted average income score (3 dp)
    # and its income scale (number of people income deprived).
    published = raw["file10"].set_index("ltla24_code").loc[district]
    rows = aggregate.district_indicators([district]).set_index("indicator_id")
    assert round(rows.loc["iod25_income_rate", "value"] / 100, 3) == pytest.approx(published["income_average_score"])
    lsoas = len(readers.lsoa_indicators([district], specs=[catalogue.LSOA_SPECS[0]]))
    # numerators are published rounded to the nearest 5: the sum is within 2.5 per LSOA
    assert abs(rows.loc["iod25_income_people", "value"] - published["income_scale"]) <= 2.5 * lsoas


@pytest.mark.integration
def test_england_is_aggregated_like_wards(real_data: Path, raw: dict[str, pd.DataFrame]) -> None:
    england = aggregate.england_indicators().set_index("indicator_id")
    ts038 = raw["ts038"][raw["ts038"]["LSOA21CD"].str.startswith("E01")]
    disabled = ts038["Disability: Disabled under the Equality Act"].sum()
    residents = ts038["Disability: Total: All usual residents"].sum()
    assert england.loc["census21_disability", "value"] == pytest.approx(100 * disabled / residents)
    assert (england["area_code"] == ENGLAND_CODE).all()
    assert "of 33755 LSOAs" in england.loc["iod25_entry_to_he", "method"]  # some LSOAs have no value


@pytest.mark.integration
def test_england_is_built_once_and_each_caller_gets_its_own_copy(real_data: Path) -> None:
    aggregate._england_indicators.cache_clear()
    first = aggregate.england_indicators()
    first["value"] = -1.0  # a caller changing its rows changes no one else's
    again = aggregate.england_indicators()
    one = aggregate.england_indicators([catalogue.LSOA_SPECS[3]])  # one indicator's row: from the same table
    one["value"] = -1.0
    info = aggregate._england_indicators.cache_info()
    assert info.misses == 1 and info.hits == 2
    assert (aggregate.england_indicators()["value"] != -1.0).all() and len(again) == len(catalogue.LSOA_SPECS)
    pd.testing.assert_frame_equal(aggregate.england_indicators([catalogue.LSOA_SPECS[3]]),
                                  again[again["indicator_id"] == catalogue.LSOA_SPECS[3].id].reset_index(drop=True))


@pytest.mark.integration
def test_county_values_come_from_all_the_county_lsoas(real_data: Path, raw: dict[str, pd.DataFrame]) -> None:
    from hiap_geo.acquire.registry import dataset_path

    counties = pd.read_csv(dataset_path("lookup_district_county"), dtype=str)
    kent_districts = set(counties.loc[counties["UTLA23CD"] == "E10000016", "LTLA23CD"])
    assert TW in kent_districts and len(kent_districts) == 12
    members = raw["lookup"].loc[raw["lookup"]["LAD24CD"].isin(kent_districts), "LSOA21CD"]
    ts038 = raw["ts038"][raw["ts038"]["LSOA21CD"].isin(members)]
    disabled = ts038["Disability: Disabled under the Equality Act"].sum()
    residents = ts038["Disability: Total: All usual residents"].sum()

    rows = aggregate.county_indicators([TW])
    assert set(rows["area_code"]) == {"E10000016"} and set(rows["area_type"]) == {"county"}
    row = rows.set_index("indicator_id").loc["census21_disability"]
    assert row["count"] == disabled and row["denominator"] == residents
    assert f"counts summed over {members.nunique()} LSOAs" in row["method"]
    schema.validate_indicators(rows)
    assert aggregate.county_indicators(["E06000035"]).empty  # Medway is a unitary authority: no county above it


@pytest.mark.integration
def test_indicators_of_a_chosen_group_of_lsoas_are_made_as_wards_are(
    real_data: Path, raw: dict[str, pd.DataFrame]
) -> None:
    members = raw["lookup"].loc[raw["lookup"]["WD24CD"] == SHERWOOD, "LSOA21CD"]
    group = aggregate.indicators_for_lsoas(members, area_code="my bid").set_index("indicator_id")
    ward = aggregate.ward_indicators([TW])
    ward = ward[ward["area_code"] == SHERWOOD].set_index("indicator_id")
    assert set(group["area_code"]) == {"my bid"} and set(group["area_type"]) == {"group"}
    numbers = ["value", "lower_95", "upper_95", "count", "denominator"]
    pd.testing.assert_frame_equal(group[numbers], ward.loc[group.index, numbers])
    with pytest.raises(HiapGeoError, match="E01099999"):
        aggregate.indicators_for_lsoas([*members, "E01099999"])


@pytest.mark.integration
def test_msoa_census_dwp_and_health_index_rows(real_data: Path) -> None:
    census = readers.msoa_census_indicators([TW, SEVENOAKS])
    msoa = census[census["area_type"] == "msoa"]
    assert msoa.groupby("indicator_id")["area_code"].nunique().tolist() == [14 + 15] * 2
    assert msoa["count"].isna().all() and msoa["lower_95"].isna().all()  # percentages only
    assert set(census.loc[census["area_type"] == "district", "area_code"]) == {TW, SEVENOAKS}

    dwp = readers.dwp_indicators([TW])
    counts = dwp[(dwp["indicator_id"] == catalogue.DWP_COUNT.id) & (dwp["area_type"] == "msoa")]
    assert counts.groupby("period")["area_code"].nunique().eq(14).all() and counts["period"].nunique() == 8
    pct = dwp[dwp["indicator_id"] == catalogue.DWP_PCT.id]
    assert set(pct["period"]) == {"2020/21"}
    tw = pct[pct["area_code"] == TW].iloc[0]
    local = pct[pct["area_type"] == "msoa"]
    assert tw["count"] == local["count"].sum() and tw["denominator"] == local["denominator"].sum()
    assert tw["lower_95"] < tw["value"] < tw["upper_95"]

    hi = readers.health_index_indicators([TW])
    assert hi["indicator_id"].nunique() == 56 and set(hi["period"]) == {str(y) for y in range(2015, 2022)}
    life = hi[(hi["indicator_id"] == "hi_life_expectancy")]
    assert (life["polarity"] == "high_is_good").all() and (life["unit"] == "years").all()


@pytest.mark.integration
def test_load_indicators_validates_and_compares_wards_with_england(real_data: Path) -> None:
    table = readers.load_indicators([TW])
    assert set(table["area_type"]) == set(schema.AREA_TYPES)
    assert (table["origin"] == "official").all()
    for rows in (readers.lsoa_indicators([TW]), readers.health_index_indicators([TW]), aggregate.ward_indicators([TW])):
        assert (rows["origin"] == "official").all()  # the readers say so themselves, before validation
    wards = table[(table["area_type"] == "ward") & (table["indicator_id"] == "census21_disability")]
    out = compare.compare(wards, table[table["area_type"] == "england"])
    assert len(out) == 14 and set(out["comparison"]) <= {"better", "similar", "worse"}
    assert out["comparison_label"].str.len().gt(0).all()
    by_district = compare.compare(wards, table[table["area_type"] == "district"], comparator_code=TW, level="998")
    assert by_district["comparator_value"].notna().all()
    assert set(catalogue.catalogue()["indicator_id"]) >= set(table["indicator_id"])


@pytest.mark.integration
def test_slope_index_across_local_deciles(real_data: Path) -> None:
    result = compare.slope_index("census21_disability", TW, repetitions=5000)
    assert result.quantiles == 10
    assert result.sii_lower_95 < result.sii < result.sii_upper_95
    assert result.sii < 0  # disability is commoner in the district's more deprived tenths
    with pytest.raises(HiapGeoError, match="is a count"):
        compare.slope_index("iod25_income_people", TW)


@pytest.mark.integration
def test_standardised_measures_england_is_its_reference_and_areas_say_what_they_are(real_data: Path) -> None:
    """CIDR and acute morbidity are ratios to England (= 100): a population-weighted mean of the LSOA ratios
    comes out at 113 and 105.5 for England, so England is shown as 100 and areas as means of LSOA ratios."""
    specs = {s.id: s for s in catalogue.LSOA_SPECS if s.standardised}
    assert set(specs) == {"iod25_cidr", "iod25_acute_morbidity", "iod25_ypll", "iod25_mental_health",
                          "iod25_housing_affordability", "iod25_digital_connectivity"}
    england = aggregate.england_indicators().set_index("indicator_id")
    assert england.loc["iod25_cidr", "value"] == 100.0
    assert england.loc["iod25_acute_morbidity", "value"] == 100.0
    for score in ("iod25_mental_health", "iod25_housing_affordability", "iod25_digital_connectivity"):
        assert england.loc[score, "value"] == 0.0
    assert np.isnan(england.loc["iod25_ypll", "value"])  # England's standardised rate is not in File 8
    assert "by definition" in england.loc["iod25_cidr", "method"]

    # Why: the weighted mean of the LSOA ratios is not England's ratio; the scores do average 0 over LSOAs.
    base = readers.lsoa_base()
    weighted = aggregate.aggregate(base, pd.Series(ENGLAND_CODE, index=base.index), list(specs.values()))
    assert weighted[specs["iod25_cidr"].value].iat[0] == pytest.approx(113.3, abs=0.05)
    assert weighted[specs["iod25_acute_morbidity"].value].iat[0] == pytest.approx(105.5, abs=0.05)
    for score in ("iod25_mental_health", "iod25_housing_affordability", "iod25_digital_connectivity"):
        assert abs(base[specs[score].value].mean()) < 1e-4

    district = aggregate.district_indicators([TW]).set_index("indicator_id")
    ward = aggregate.ward_indicators([TW])
    for table in (district.reset_index(), ward):
        rows = table[table["indicator_id"] == "iod25_cidr"]
        assert (rows["unit"] == "population-weighted mean of LSOA ratios (not a standardised ratio)").all()
        assert rows["method"].str.contains("not a standardised ratio of the area").all()
    lsoa = readers.lsoa_indicators([TW])
    assert (lsoa.loc[lsoa["indicator_id"] == "iod25_cidr", "unit"] == "standardised ratio (100 = England)").all()
    table = catalogue.catalogue().set_index("indicator_id")
    assert "England = 100 by definition" in table.loc["iod25_cidr", "aggregation"]
    # No England value of a ratio-to-England other than 100, anywhere the app loads indicators.
    loaded = readers.load_indicators([TW])
    ratios = loaded[loaded["indicator_id"].isin(["iod25_cidr", "iod25_acute_morbidity"])]
    assert (ratios.loc[ratios["area_type"] == "england", "value"] == 100.0).all()


@pytest.mark.integration
def test_spine_leaves_out_means_of_ratios_set_against_englands_ratio(real_data: Path) -> None:
    from hiap_geo.indicators import spine

    data = readers.load_indicators([TW])
    ward = data.loc[(data["area_type"] == "ward"), "area_code"].iloc[0]
    ranges = spine.england_ranges(data)
    rows = spine.spine_rows(data, ward, "ward", ranges, TW)
    assert "iod25_cidr" not in set(rows["indicator_id"])
    lsoa = data.loc[(data["area_type"] == "lsoa"), "area_code"].iloc[0]
    assert "iod25_cidr" in set(spine.spine_rows(data, lsoa, "lsoa", ranges, TW)["indicator_id"])


def test_a_blank_method_reads_as_supplied_not_nan() -> None:
    from hiap_geo.views.indicators import method_text

    assert method_text(pd.Series({"method": np.nan})) == "as supplied"
    assert method_text(pd.Series({"method": "  "})) == "as supplied"
    assert method_text(pd.Series({"value": 1.0})) == "as supplied"
    assert method_text(pd.Series({"method": "Directly standardised"})) == "Directly standardised"


@pytest.mark.integration
def test_one_indicators_rows_are_load_indicators_validated_rows_for_it(real_data: Path, kent_layers: str) -> None:
    """Issue 25: the Indicators page reads the chosen LSOA indicator's rows alone (LSOA, ward, district, England:
    one indicator's aggregates, not 38), and without putting them through the schema again; for every LSOA
    indicator of every built district they are the rows the full, validated load gives for it, county rows apart."""
    from hiap_geo.views.explorer import built_districts
    from hiap_geo.views.indicators import source_rows

    districts = built_districts(kent_layers)
    assert TW in districts and SEVENOAKS in districts
    full = readers.load_indicators(districts)
    key = ["area_type", "area_code", "period"]
    for spec in catalogue.LSOA_SPECS:
        ours = source_rows(districts, "lsoa", spec.id)
        theirs = full[(full["indicator_id"] == spec.id) & (full["area_type"] != "county")]
        assert set(ours["indicator_id"]) == {spec.id}
        assert set(ours["area_type"]) == {"lsoa", "ward", "district", "england"}
        pd.testing.assert_frame_equal(ours.sort_values(key).reset_index(drop=True),
                                      theirs.sort_values(key).reset_index(drop=True)[ours.columns])
        pd.testing.assert_frame_equal(ours, schema.validate_indicators(ours)[ours.columns])


@pytest.mark.integration
def test_the_lsoa_table_is_kept_once_made_and_made_anew_when_a_file_changes(
        real_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 25: a new server reads the LSOA indicators' table from the cache directory (the same table, to the
    dtype), and a changed source file gives a new copy, never a stale one."""
    import os

    from hiap_geo.acquire.registry import dataset_path
    from hiap_geo.indicators import tables

    made = tables._make_lsoa_base()
    calls: list[int] = []
    monkeypatch.setattr(tables, "_make_lsoa_base", lambda: calls.append(1) or made)
    folder = real_data / tables.KEPT_DIR
    for old in folder.glob("lsoa_base-*.parquet"):
        old.unlink()
    tables.lsoa_base.cache_clear()
    first = tables.lsoa_base()
    tables.lsoa_base.cache_clear()
    kept = tables.lsoa_base()
    assert calls == [1] and len(list(folder.glob("lsoa_base-*.parquet"))) == 1
    pd.testing.assert_frame_equal(kept, made)
    assert first is made
    source = dataset_path("census2021_residents")
    stat = source.stat()
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    try:
        tables.lsoa_base.cache_clear()
        tables.lsoa_base()
        assert calls == [1, 1]  # made anew, and the stale copy removed
        assert len(list(folder.glob("lsoa_base-*.parquet"))) == 1
    finally:
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        tables.lsoa_base.cache_clear()
    for _ in range(2):  # made, then read back from the kept copy: the published table either way
        tables.health_index_base.cache_clear()
        pd.testing.assert_frame_equal(tables.health_index_base(), pd.read_csv(
            dataset_path("health_index_indicators"), dtype={"ltla21_code": str}))
    assert len(list(folder.glob("health_index-*.parquet"))) == 1


@pytest.mark.integration
def test_england_rows_of_an_indicator_the_catalogue_lacks_are_refused_by_name(real_data: Path) -> None:
    from dataclasses import replace

    stranger = replace(catalogue.LSOA_SPECS[0], id="not_in_the_catalogue")
    with pytest.raises(HiapGeoError, match="not_in_the_catalogue"):
        aggregate.england_indicators([catalogue.LSOA_SPECS[0], stranger])

"""Confidence limits, benchmark comparison and SII against PHEindicatormethods' published examples.

Expected numbers are the printed output of the PHEindicatormethods vignette "Introduction to
PHEindicatormethods" (ukhsa-collaboration/PHEindicatormethods, vignettes/Introduction to
PHEindicatormethods.html, section "Execute phe_proportion and phe_rate"), whose example data
frame is obs = 24, 6, 68, 95, 46, 56, 76, 18 and pop = 162, 120, 173, 146, 143, 132, 183, 149.
Each value is checked to the precision R printed it (half a unit in the last printed digit).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hiap_geo.indicators import stats

OBS = [24, 6, 68, 95, 46, 56, 76, 18]
POP = [162, 120, 173, 146, 143, 132, 183, 149]

# phe_proportion(df, obs, pop): value, lowercl, uppercl (95%)
PROPORTION_95 = [
    ("0.1481481", "0.10162049", "0.2109760"),
    ("0.0500000", "0.02311436", "0.1048029"),
    ("0.3930636", "0.32336123", "0.4674118"),
    ("0.6506849", "0.57038874", "0.7232550"),
    ("0.3216783", "0.25064630", "0.4020403"),
    ("0.4242424", "0.34324611", "0.5095234"),
    ("0.4153005", "0.34636288", "0.4877211"),
    ("0.1208054", "0.07779726", "0.1828745"),
]
# phe_proportion(df, obs, pop, confidence=99.8, multiplier=100)
PERCENTAGE_998 = [
    ("14.81481", "8.166047", "25.38084"),
    ("5.00000", "1.533517", "15.10069"),
    ("39.30636", "28.680466", "51.05106"),
    ("65.06849", "52.294492", "75.99232"),
    ("32.16783", "21.543623", "45.02461"),
    ("42.42424", "30.088158", "55.78251"),
    ("41.53005", "30.968023", "52.93222"),
    ("12.08054", "6.046514", "22.68239"),
]
# phe_rate(df, obs, pop): rate per 100,000, 95%; method Exact for obs < 10, else Byars
RATE_95 = [
    ("14814.81", "9489.334", "22044.21", "Byar's"),
    ("5000.00", "1834.912", "10882.90", "Exact Poisson"),
    ("39306.36", "30521.553", "49830.92", "Byar's"),
    ("65068.49", "52642.965", "79543.66", "Byar's"),
    ("32167.83", "23548.788", "42908.37", "Byar's"),
    ("42424.24", "32044.793", "55092.43", "Byar's"),
    ("41530.05", "32719.746", "51981.74", "Byar's"),
    ("12080.54", "7156.037", "19093.45", "Byar's"),
]
# phe_rate(df, obs, pop, confidence=99.8, multiplier=100)
RATE_998 = [
    ("14.81481", "7.1693910", "26.77154"),
    ("5.00000", "0.9225872", "15.05136"),
    ("39.30636", "26.1925701", "56.39516"),
    ("65.06849", "46.3595418", "88.46988"),
    ("32.16783", "19.4573177", "49.71192"),
    ("42.42424", "27.0186592", "63.05222"),
    ("41.53005", "28.3382512", "58.47473"),
    ("12.08054", "5.1176169", "23.75627"),
]


def assert_printed(actual: float, printed: str) -> None:
    """``actual`` rounds to what R printed: within half a unit of the last printed digit."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    assert abs(actual - float(printed)) <= 0.5 * 10**-decimals + 1e-12, (actual, printed)


def test_proportion_matches_phe_proportion_95() -> None:
    out = stats.proportion(OBS, POP, multiplier=1)
    for row, (value, lower, upper) in zip(out.itertuples(), PROPORTION_95, strict=True):
        assert_printed(row.value, value)
        assert_printed(row.lower_95, lower)
        assert_printed(row.upper_95, upper)
    assert set(out["ci_method"]) == {"Wilson score"}


def test_percentage_matches_phe_proportion_998() -> None:
    out = stats.proportion(OBS, POP, multiplier=100)
    for row, (value, lower, upper) in zip(out.itertuples(), PERCENTAGE_998, strict=True):
        assert_printed(row.value, value)
        assert_printed(row.lower_998, lower)
        assert_printed(row.upper_998, upper)


def test_rate_matches_phe_rate_95_with_exact_method_below_ten() -> None:
    out = stats.rate(OBS, POP, multiplier=100_000)
    for row, (value, lower, upper, method) in zip(out.itertuples(), RATE_95, strict=True):
        assert_printed(row.value, value)
        assert_printed(row.lower_95, lower)
        assert_printed(row.upper_95, upper)
        assert row.ci_method == method


def test_rate_matches_phe_rate_998() -> None:
    out = stats.rate(OBS, POP, multiplier=100)
    for row, (value, lower, upper) in zip(out.itertuples(), RATE_998, strict=True):
        assert_printed(row.value, value)
        assert_printed(row.lower_998, lower)
        assert_printed(row.upper_998, upper)


def test_zero_count_has_exact_limits_from_zero() -> None:
    lower, upper = stats.count_limits([0, 0], 0.95)
    assert lower.tolist() == [0.0, 0.0]
    # the exact 95% upper limit for 0 events is -ln(0.025) = 3.689 (chi-squared, 2 df, / 2)
    assert upper[0] == pytest.approx(-np.log(0.025), rel=1e-9)


def test_byars_negative_lower_limit_is_missing_as_in_r() -> None:
    lower, upper = stats.byars_limits([1, 100], 0.998)
    assert np.isnan(lower[0]) and lower[1] > 0 and upper[0] > 1


def test_missing_inputs_give_missing_outputs_not_errors() -> None:
    out = stats.proportion(pd.Series([5, np.nan]), pd.Series([10, 20]))
    assert out["value"].iloc[0] == pytest.approx(50) and np.isnan(out["value"].iloc[1])
    assert np.isnan(out["lower_95"].iloc[1]) and out["ci_method"].iloc[1] == ""


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: stats.proportion([11], [10]), "exceeds its denominator"),
        (lambda: stats.proportion([-1], [10]), "zero or more"),
        (lambda: stats.rate([5], [0]), "greater than zero"),
        (lambda: stats.wilson_limits([1], [10], 0.5), "between 0.9 and 1"),
    ],
)
def test_bad_inputs_raise_named_errors(call, message: str) -> None:
    with pytest.raises(stats.StatisticsError, match=message):
        call()


def test_confidence_can_be_given_as_a_percentage() -> None:
    assert stats.z_value(95) == pytest.approx(1.959964, abs=1e-6)
    assert stats.z_value(0.998) == pytest.approx(3.090232, abs=1e-6)


# --- Benchmark comparison --------------------------------------------------------------------


def test_comparison_uses_comparator_outside_interval_and_polarity() -> None:
    lower = pd.Series([10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, np.nan])
    upper = pd.Series([12.0, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0])
    comparator = [9.0, 9.0, 9.0, 13.0, 13.0, 13.0, 11.0, 11.0]
    polarity = ["high_is_good", "low_is_good", "no_judgement", "high_is_good", "low_is_good", "no_judgement",
                "low_is_good", "low_is_good"]  # fmt: skip
    result = stats.compare_with_benchmark(lower, upper, comparator, polarity)
    assert result.tolist() == ["better", "worse", "higher", "worse", "better", "lower", "similar", "not compared"]


def test_comparator_on_the_limit_is_similar_and_missing_comparator_is_not_compared() -> None:
    assert stats.compare_with_benchmark([10.0], [12.0], 10.0, "low_is_good").tolist() == ["similar"]
    assert stats.compare_with_benchmark([10.0], [12.0], None, "low_is_good").tolist() == ["not compared"]


def test_unknown_polarity_is_rejected() -> None:
    with pytest.raises(stats.StatisticsError, match="polarity"):
        stats.compare_with_benchmark([1.0], [2.0], 3.0, "bigger_is_better")


def test_every_category_has_a_fingertips_colour_and_a_text_label() -> None:
    assert stats.BENCHMARK_STYLES["better"].colour == "#92D050"
    assert stats.BENCHMARK_STYLES["similar"].colour == "#FFC000"
    assert stats.BENCHMARK_STYLES["worse"].colour == "#C00000"
    for style in stats.BENCHMARK_STYLES.values():
        assert style.label and style.symbol and style.colour.startswith("#")
    labels = stats.benchmark_labels(pd.Series(["better", "similar", "lower", "not compared"]), "998")
    assert labels.tolist() == ["Better (99.8%)", "Similar", "Lower (99.8%)", "Not compared"]


# --- Slope index of inequality ---------------------------------------------------------------


def test_relative_rank_is_the_midpoint_of_cumulative_population() -> None:
    # phe_sii documentation: "If quantile 1 then contains 12 percent of the total population, its
    # relative rank is 0.12/2 ... If quantile 2 includes 10 percent ... 0.12+(0.10/2)=0.17".
    mids = stats.quantile_midpoints([12, 10, 78])
    assert mids[:2] == pytest.approx([0.06, 0.17])


def test_sii_recovers_an_exact_line_and_rii() -> None:
    pop = np.array([900, 1100, 1000, 950, 1050, 1000, 980, 1020, 990, 1010], float)
    mids = stats.quantile_midpoints(pop)
    values = 50 + 20 * mids
    result = stats.slope_index_of_inequality(list(range(1, 11)), pop, values, repetitions=1000)
    assert result.sii == pytest.approx(20)
    assert result.rii == pytest.approx(70 / 50)
    assert np.isnan(result.sii_lower_95) and result.repetitions == 0


# The example data of phe_sii's documentation (Area1).
SII_POP = [7291, 7997, 6105, 7666, 5790, 6934, 5918, 5974, 7147, 7534]
SII_VALUE = [75.9, 78.3, 83.8, 83.6, 80.5, 81.1, 81.7, 84.2, 80.6, 86.3]
SII_LOWER = [72.7, 75.3, 80.9, 80.2, 77.1, 78, 79, 81.4, 75.8, 83.2]
SII_UPPER = [79.1, 81.4, 86.8, 87.1, 83.8, 84.2, 84.4, 86.9, 85.4, 89.4]
SII_SE = [1.64, 1.58, 1.51, 1.78, 1.7, 1.56, 1.37, 1.4, 2.43, 1.57]


def test_sii_on_the_phe_sii_example_equals_the_weighted_regression() -> None:
    # No printed phe_sii output was found, so the expected SII is the closed-form weighted
    # least-squares slope (weights = population shares) of value on relative rank.
    a = np.array(SII_POP) / sum(SII_POP)
    b = stats.quantile_midpoints(SII_POP)
    y = np.array(SII_VALUE)
    b_bar, y_bar = (a * b).sum(), (a * y).sum()
    slope = (a * (b - b_bar) * (y - y_bar)).sum() / (a * (b - b_bar) ** 2).sum()
    result = stats.slope_index_of_inequality(range(1, 11), SII_POP, SII_VALUE, se=SII_SE, repetitions=20_000)
    assert result.sii == pytest.approx(slope, rel=1e-10)
    assert result.sii_lower_998 < result.sii_lower_95 < result.sii < result.sii_upper_95 < result.sii_upper_998


def test_sii_limits_are_repeatable_and_se_from_limits_is_close_to_given_se() -> None:
    kwargs = dict(repetitions=20_000, seed=7)
    with_se = stats.slope_index_of_inequality(range(1, 11), SII_POP, SII_VALUE, se=SII_SE, **kwargs)
    again = stats.slope_index_of_inequality(range(1, 11), SII_POP, SII_VALUE, se=SII_SE, **kwargs)
    from_limits = stats.slope_index_of_inequality(
        range(1, 11), SII_POP, SII_VALUE, lower_95=SII_LOWER, upper_95=SII_UPPER, **kwargs
    )
    assert with_se == again
    # phe_sii's documentation: supplying the standard error instead of the limits "gives the same result"
    assert from_limits.sii_lower_95 == pytest.approx(with_se.sii_lower_95, abs=0.3)
    assert from_limits.sii_upper_95 == pytest.approx(with_se.sii_upper_95, abs=0.3)


def test_sii_orders_quantiles_and_validates() -> None:
    shuffled = stats.slope_index_of_inequality([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], SII_POP[::-1], SII_VALUE[::-1])
    ordered = stats.slope_index_of_inequality(range(1, 11), SII_POP, SII_VALUE)
    assert shuffled.sii == pytest.approx(ordered.sii)
    with pytest.raises(stats.StatisticsError, match="between 5 and 100"):
        stats.slope_index_of_inequality([1, 2, 3, 4], [1, 1, 1, 1], [1, 2, 3, 4])
    with pytest.raises(stats.StatisticsError, match="population above zero"):
        stats.slope_index_of_inequality(range(1, 6), [1, 0, 1, 1, 1], [1, 2, 3, 4, 5])


def test_the_indicator_pages_load_without_scipy() -> None:
    """scipy takes about a second to load: only the exact Poisson limits and the SII need it, so the Indicators and
    Targeting pages' modules (and the normal quantiles) do not load it on a first visit."""
    import subprocess
    import sys

    code = ("import sys, hiap_geo.indicators.stats as s, hiap_geo.views.targeting, app.indicator_sections; "
            "assert round(s.z_value(95), 4) == 1.96; print(sorted(m for m in sys.modules if m.startswith('scipy')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=str(Path(__file__).resolve().parents[1]))
    assert result.stdout.strip() == "[]"

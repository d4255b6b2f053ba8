"""Confidence limits, benchmark comparison and the slope index of inequality, as Fingertips does them.

The methods follow PHEindicatormethods (the R package OHID/UKHSA use to produce Fingertips
indicators), so a figure here matches the figure an analyst gets from Fingertips or from R:

- proportions: Wilson score interval (``phe_proportion``);
- rates and counts: Byar's approximation, or the exact Poisson interval when the count is below
  10 (``phe_rate``: Byar's method is poor for small counts);
- benchmark comparison: an area is significantly different from its comparator when the
  comparator lies outside the area's interval, and "better" or "worse" follows the polarity;
- slope index of inequality: the weighted regression of ``phe_sii`` on population mid-points of
  deprivation quantiles, with confidence limits by simulation.

Every function is vectorised over numpy arrays or pandas Series.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from hiap_geo.core.errors import HiapGeoError

Polarity = Literal["high_is_good", "low_is_good", "no_judgement"]
POLARITIES: tuple[str, ...] = ("high_is_good", "low_is_good", "no_judgement")

CONFIDENCE_LEVELS: dict[str, float] = {"95": 0.95, "998": 0.998}
"""The two levels Fingertips shows; keys are the suffixes of the ``lower_*``/``upper_*`` columns."""

CONFIDENCE_LABELS: dict[str, str] = {"95": "95%", "998": "99.8%"}
"""How each level is written for people."""

CONFIDENCE_KEYS: dict[float, str] = {95: "95", 99.8: "998"}
"""The key of a level given as a percentage (as plans write it: ``level: 99.8``)."""

EXACT_BELOW = 10
"""PHEindicatormethods uses the exact Poisson interval for counts below this, Byar's above."""


class StatisticsError(HiapGeoError):
    """Inputs a statistic cannot be computed from (negative counts, numerators above denominators...)."""


def _as_float(values: ArrayLike) -> np.ndarray:
    return np.asarray(pd.to_numeric(pd.Series(np.ravel(np.asarray(values, dtype=object))), errors="coerce"), float)


def _check_confidence(confidence: float) -> float:
    """Accept 0.95 or 95 (as PHEindicatormethods does) and return a fraction."""
    level = confidence / 100 if confidence >= 90 else confidence
    if not 0.9 <= level < 1:
        raise StatisticsError(f"Confidence level {confidence} must be between 0.9 and 1 (or 90 and 100).")
    return level


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile: 1.96 for 95%, 3.09 for 99.8%."""
    level = _check_confidence(confidence)
    return NormalDist().inv_cdf(level + (1 - level) / 2)  # the standard library's: scipy loads in about a second


def _check_counts(x: np.ndarray, n: np.ndarray | None = None, proportion: bool = False) -> None:
    if np.any(x < 0):
        raise StatisticsError("Counts (numerators) must be zero or more.")
    if n is not None and np.any(n <= 0):
        raise StatisticsError("Denominators must be greater than zero.")
    if proportion and n is not None and np.any(x > n):
        bad = np.flatnonzero(x > n)[:5].tolist()
        raise StatisticsError(f"A proportion's numerator exceeds its denominator (rows {bad}).")


def wilson_limits(x: ArrayLike, n: ArrayLike, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits of the proportion x/n (as fractions 0-1); NaN where x or n is missing."""
    xs, ns = _as_float(x), _as_float(n)
    valid = ~(np.isnan(xs) | np.isnan(ns))
    _check_counts(xs[valid], ns[valid], proportion=True)
    z = z_value(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = 2 * xs + z**2
        spread = z * np.sqrt(z**2 + 4 * xs * (1 - xs / ns))
        denom = 2 * (ns + z**2)
        return (centre - spread) / denom, (centre + spread) / denom


def byars_limits(x: ArrayLike, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximation to the Poisson limits of a count; a negative lower limit is NaN (as in R)."""
    xs = _as_float(x)
    _check_counts(xs[~np.isnan(xs)])
    z = z_value(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = xs * (1 - 1 / (9 * xs) - z / (3 * np.sqrt(xs))) ** 3
        upper = (xs + 1) * (1 - 1 / (9 * (xs + 1)) + z / (3 * np.sqrt(xs + 1))) ** 3
    lower = np.where(lower < 0, np.nan, lower)
    return lower, upper


def exact_poisson_limits(x: ArrayLike, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (chi-squared) Poisson limits of a count; the lower limit of 0 is 0."""
    xs = _as_float(x)
    _check_counts(xs[~np.isnan(xs)])
    level = _check_confidence(confidence)
    from scipy import stats as sps  # here: scipy takes about a second to load, and only these limits need it

    with np.errstate(invalid="ignore"):
        lower = np.where(xs == 0, 0.0, sps.chi2.ppf((1 - level) / 2, 2 * xs) / 2)
        upper = sps.chi2.ppf(level + (1 - level) / 2, 2 * xs + 2) / 2
    return np.where(np.isnan(xs), np.nan, lower), upper


def count_limits(x: ArrayLike, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Limits of a count as ``phe_rate`` makes them: exact below 10 events, Byar's from 10."""
    xs = _as_float(x)
    exact_lo, exact_hi = exact_poisson_limits(xs, confidence)
    byar_lo, byar_hi = byars_limits(xs, confidence)
    small = xs < EXACT_BELOW
    return np.where(small, exact_lo, byar_lo), np.where(small, exact_hi, byar_hi)


def _frame(
    value: np.ndarray, limits: dict[str, tuple[np.ndarray, np.ndarray]], method: np.ndarray, index
) -> pd.DataFrame:
    out = pd.DataFrame({"value": value}, index=index)
    for key, (lo, hi) in limits.items():
        out[f"lower_{key}"] = lo
        out[f"upper_{key}"] = hi
    out["ci_method"] = method
    return out


def _index_of(values: ArrayLike):
    return values.index if isinstance(values, pd.Series) else None


def proportion(x: ArrayLike, n: ArrayLike, multiplier: float = 100.0) -> pd.DataFrame:
    """``phe_proportion``: value = x/n * multiplier with Wilson limits at 95% and 99.8%.

    Returns columns ``value, lower_95, upper_95, lower_998, upper_998, ci_method``.
    """
    xs, ns = _as_float(x), _as_float(n)
    limits = {}
    for key, level in CONFIDENCE_LEVELS.items():
        lo, hi = wilson_limits(xs, ns, level)
        limits[key] = (lo * multiplier, hi * multiplier)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = xs / ns * multiplier
    method = np.where(np.isnan(value), "", "Wilson score")
    return _frame(value, limits, method, _index_of(x))


def rate(x: ArrayLike, n: ArrayLike, multiplier: float = 100_000.0) -> pd.DataFrame:
    """``phe_rate``: value = x/n * multiplier; limits from the count (exact below 10, else Byar's).

    Returns columns ``value, lower_95, upper_95, lower_998, upper_998, ci_method``.
    """
    xs, ns = _as_float(x), _as_float(n)
    valid = ~(np.isnan(xs) | np.isnan(ns))
    _check_counts(xs[valid], ns[valid])
    limits = {}
    for key, level in CONFIDENCE_LEVELS.items():
        lo, hi = count_limits(xs, level)
        limits[key] = (lo / ns * multiplier, hi / ns * multiplier)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = xs / ns * multiplier
    method = np.where(~valid, "", np.where(xs < EXACT_BELOW, "Exact Poisson", "Byar's"))
    return _frame(value, limits, method, _index_of(x))


# --- Benchmarking ---------------------------------------------------------------------------

Comparison = Literal["better", "similar", "worse", "higher", "lower", "not compared"]


@dataclass(frozen=True)
class BenchmarkStyle:
    """How a comparison is shown: Fingertips' fill colour, a text label and a symbol (never colour alone)."""

    colour: str
    label: str
    symbol: str


# Colours are the Fingertips palette (fingertipscharts' scale_fill_phe: Better #92D050,
# Similar #FFC000, Worse #C00000, Higher #BED2FF, Lower #5555E6, Not compared #C9C9C9).
BENCHMARK_STYLES: dict[str, BenchmarkStyle] = {
    "better": BenchmarkStyle("#92D050", "Better", "▲"),
    "similar": BenchmarkStyle("#FFC000", "Similar", "●"),
    "worse": BenchmarkStyle("#C00000", "Worse", "▼"),
    "higher": BenchmarkStyle("#BED2FF", "Higher", "↑"),
    "lower": BenchmarkStyle("#5555E6", "Lower", "↓"),
    "not compared": BenchmarkStyle("#C9C9C9", "Not compared", "–"),
}


def compare_with_benchmark(
    lower: ArrayLike,
    upper: ArrayLike,
    comparator: ArrayLike | float,
    polarity: ArrayLike | str,
) -> pd.Series:
    """Fingertips' comparison of areas with a benchmark value, one category per area.

    An area is significantly higher when the comparator lies below its lower limit and
    significantly lower when it lies above its upper limit; otherwise "similar". The polarity
    turns higher/lower into better/worse ("no_judgement" keeps higher/lower). Areas without
    limits or without a comparator are "not compared". Pass the 95% or 99.8% limits to
    compare at that level.
    """
    lo, hi = _as_float(lower), _as_float(upper)
    if np.ndim(comparator) == 0:
        comp = np.full(lo.shape, np.nan if comparator is None else float(comparator))  # type: ignore[arg-type]
    else:
        comp = _as_float(comparator)
    pol = np.broadcast_to(np.asarray(polarity, dtype=object), lo.shape)
    unknown = set(pd.unique(pol.ravel())) - set(POLARITIES)
    if unknown:
        raise StatisticsError(f"Unknown polarity {sorted(map(str, unknown))}; use one of {', '.join(POLARITIES)}.")
    missing = np.isnan(lo) | np.isnan(hi) | np.isnan(comp)
    higher = ~missing & (comp < lo)
    lower_ = ~missing & (comp > hi)
    result = np.full(lo.shape, "similar", dtype=object)
    result[missing] = "not compared"
    high_good, low_good = pol == "high_is_good", pol == "low_is_good"
    result[higher] = np.where(high_good[higher], "better", np.where(low_good[higher], "worse", "higher"))
    result[lower_] = np.where(high_good[lower_], "worse", np.where(low_good[lower_], "better", "lower"))
    index = lower.index if isinstance(lower, pd.Series) else None
    return pd.Series(result, index=index, name="comparison", dtype=object)


def benchmark_labels(categories: pd.Series, level: str = "95") -> pd.Series:
    """Text for each comparison, e.g. 'Better (95%)', 'Similar', 'Not compared'."""
    pct = CONFIDENCE_LABELS[level]

    def text(cat: str) -> str:
        style = BENCHMARK_STYLES[cat]
        return f"{style.label} ({pct})" if cat not in ("similar", "not compared") else style.label

    return categories.map(text)


# --- Slope index of inequality --------------------------------------------------------------

ValueType = Literal["normal", "rate", "proportion"]


@dataclass(frozen=True)
class SIIResult:
    """The SII (and RII) of one set of quantiles, with simulated confidence limits."""

    sii: float
    rii: float
    sii_lower_95: float
    sii_upper_95: float
    sii_lower_998: float
    sii_upper_998: float
    quantiles: int
    repetitions: int
    method: str


def quantile_midpoints(population: ArrayLike) -> np.ndarray:
    """Relative rank of each quantile: the mid-point of its share of the cumulative population."""
    pop = _as_float(population)
    share = pop / pop.sum()
    return np.cumsum(share) - share / 2


def _regression_matrix(population: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = population / population.sum()
    sqrt_a = np.sqrt(a)
    design = np.column_stack([sqrt_a, quantile_midpoints(population) * sqrt_a])
    return sqrt_a, design


def slope_index_of_inequality(
    quantile: Sequence[int] | ArrayLike,
    population: ArrayLike,
    value: ArrayLike,
    lower_95: ArrayLike | None = None,
    upper_95: ArrayLike | None = None,
    se: ArrayLike | None = None,
    value_type: ValueType = "normal",
    multiplier: float = 1.0,
    repetitions: int = 100_000,
    seed: int | None = 1,
) -> SIIResult:
    """``phe_sii``: slope and relative index of inequality across ordered quantiles.

    Quantiles are ordered ascending (for IMD deciles: 1, most deprived, first), so the SII is
    the modelled value in the least deprived minus that in the most deprived. The fit is
    ``y*sqrt(a) ~ sqrt(a) + b*sqrt(a)`` without intercept (a: population share, b: relative
    rank). Confidence limits come from ``repetitions`` normal draws of each quantile's value
    with its standard error (given, or from its 95% limits; on the log scale for rates and
    the logit scale for proportions, as ``phe_sii`` does). Results are repeatable for a seed.
    """
    order = np.argsort(_as_float(quantile), kind="stable")
    pop = _as_float(population)[order]
    val = _as_float(value)[order]
    n_q = len(pop)
    if not 5 <= n_q <= 100:
        raise StatisticsError(f"The SII needs between 5 and 100 quantiles; got {n_q}.")
    if np.any(~(pop > 0)):
        raise StatisticsError("Every quantile needs a population above zero to compute an SII.")
    if np.any(np.isnan(val)):
        raise StatisticsError("Every quantile needs a value to compute an SII.")
    if repetitions < 1000:
        raise StatisticsError("Use at least 1,000 repetitions for the SII confidence limits.")

    def transform(v: np.ndarray) -> np.ndarray:
        if value_type == "rate":
            return np.log(v)
        if value_type == "proportion":
            return np.log(v / (1 - v))
        return v

    def untransform(v: np.ndarray) -> np.ndarray:
        if value_type == "rate":
            return np.exp(v)
        if value_type == "proportion":
            return np.exp(v) / (1 + np.exp(v))
        return v

    if se is not None:
        se_t = _as_float(se)[order]
    elif lower_95 is not None and upper_95 is not None:
        lo_t, hi_t = transform(_as_float(lower_95)[order]), transform(_as_float(upper_95)[order])
        se_t = (hi_t - lo_t) / NormalDist().inv_cdf(0.975) / 2
    else:
        se_t = None

    sqrt_a, design = _regression_matrix(pop)
    coef, *_ = np.linalg.lstsq(design, val * sqrt_a, rcond=None)
    intercept, slope = coef
    sii = multiplier * slope
    rii = (intercept + slope) / intercept
    if multiplier < 0:
        rii = 1 / rii

    limits = {"95": (np.nan, np.nan), "998": (np.nan, np.nan)}
    method = "no confidence limits (no standard errors)"
    if se_t is not None and not np.any(np.isnan(se_t)):
        rng = np.random.default_rng(seed)
        draws = rng.normal(transform(val)[:, None], se_t[:, None], size=(n_q, repetitions))
        sims = np.linalg.lstsq(design, untransform(draws) * sqrt_a[:, None], rcond=None)[0][1] * multiplier
        for key, level in CONFIDENCE_LEVELS.items():
            limits[key] = tuple(np.quantile(sims, [(1 - level) / 2, level + (1 - level) / 2]))  # type: ignore[assignment]
        method = f"simulation, {repetitions:,} repetitions"
    return SIIResult(
        sii=float(sii),
        rii=float(rii),
        sii_lower_95=float(limits["95"][0]),
        sii_upper_95=float(limits["95"][1]),
        sii_lower_998=float(limits["998"][0]),
        sii_upper_998=float(limits["998"][1]),
        quantiles=n_q,
        repetitions=repetitions if se_t is not None else 0,
        method=method,
    )

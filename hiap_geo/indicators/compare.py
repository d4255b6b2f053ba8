"""Comparisons of indicator values: each area against a comparator (Fingertips' better / similar / worse)
and the slope index of inequality across a district's deprivation deciles."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hiap_geo.core.areas import ENGLAND_CODE
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.geo.deprivation import LOCAL_DECILE_MIN_LSOAS, local_deciles
from hiap_geo.indicators import stats
from hiap_geo.indicators.aggregate import aggregate, long_rows
from hiap_geo.indicators.catalogue import LSOA_SPECS
from hiap_geo.indicators.tables import filter_districts, lsoa_base

COMPARATOR_KEY = ("indicator_id", "period", "area_code")
"""What names a comparator's value: an indicator, a period and the comparator area."""


def compare(
    frame: pd.DataFrame, comparators: pd.DataFrame, comparator_code: str | pd.Series = ENGLAND_CODE, level: str = "95"
) -> pd.DataFrame:
    """Add Fingertips' comparison of each row with a comparator area's value.

    ``comparator_code`` is one code (England by default) or a Series aligned with ``frame``
    (e.g. each ward's district). Adds ``comparator_value``, ``comparison`` (better / similar /
    worse / higher / lower / not compared), ``comparison_label`` and ``comparison_colour``.
    """
    if level not in stats.CONFIDENCE_LEVELS:
        raise HiapGeoError(f"Level must be one of {', '.join(stats.CONFIDENCE_LEVELS)} (95% or 99.8%).")
    # Looked up in a dictionary, not a pandas MultiIndex (a third of an Indicators rerun's area values); the columns
    # through NumPy, as iterating pandas' Arrow strings makes one Python string at a time.
    keys = list(zip(*(comparators[c].to_numpy(dtype=object) for c in COMPARATOR_KEY), strict=True))
    if len(set(keys)) < len(keys):
        raise HiapGeoError("The comparator table has more than one value per indicator, period and area.")
    keyed = dict(zip(keys, comparators["value"].astype(float).to_numpy(), strict=True))
    codes = (comparator_code.reindex(frame.index).to_numpy(dtype=object) if isinstance(comparator_code, pd.Series)
             else [comparator_code] * len(frame))
    wanted = zip(frame["indicator_id"].to_numpy(dtype=object), frame["period"].to_numpy(dtype=object), codes,
                 strict=True)
    comp = np.array([keyed.get(key, np.nan) for key in wanted], dtype=float)
    result = stats.compare_with_benchmark(
        frame[f"lower_{level}"].reset_index(drop=True),
        frame[f"upper_{level}"].reset_index(drop=True),
        comp,
        frame["polarity"].to_numpy(),
    )
    result.index = frame.index
    out = frame.assign(comparator_value=comp, comparison=result)
    out["comparison_label"] = stats.benchmark_labels(out["comparison"], level)
    out["comparison_colour"] = out["comparison"].map(lambda c: stats.BENCHMARK_STYLES[c].colour)
    return out


def slope_index(indicator_id: str, district: str, repetitions: int = 100_000, seed: int | None = 1) -> stats.SIIResult:
    """Slope index of inequality of an LSOA indicator across a district's local IMD 2025 deciles.

    Deciles are within-district (so each holds about a tenth of the district's LSOAs; decile 1
    is the most deprived), the indicator is aggregated to deciles exactly as to wards, and the
    SII is ``phe_sii``'s: the gap between the least and most deprived ends of the fitted line.
    Value-only indicators get the SII without confidence limits.
    """
    specs = {s.id: s for s in LSOA_SPECS}
    if indicator_id not in specs:
        raise HiapGeoError(f"'{indicator_id}' is not an LSOA indicator; the SII needs LSOA values.")
    spec = specs[indicator_id]
    if spec.statistic == "count":
        raise HiapGeoError(f"'{spec.name}' is a count; the SII needs a rate, proportion or score.")
    base = filter_districts(lsoa_base(), "lad_code", [district])
    deciles = local_deciles(base)["imd_local_decile"]
    if deciles.isna().all():
        raise HiapGeoError(f"{district} has fewer than {LOCAL_DECILE_MIN_LSOAS} LSOAs: no local deciles, so no SII.")
    deciles = deciles.astype(int)
    wide = aggregate(base, deciles, [spec], "LSOAs")
    rows = long_rows(wide, "group_code", "district", spec, "by local decile")
    population = wide[spec.denominator if spec.statistic in ("proportion", "rate") else spec.weight]
    value_type: stats.ValueType = "normal"
    value = rows["value"]
    lower, upper = rows["lower_95"], rows["upper_95"]
    if spec.statistic == "proportion":
        value_type = "proportion"
        value, lower, upper = value / spec.multiplier, lower / spec.multiplier, upper / spec.multiplier
    elif spec.statistic == "rate":
        value_type = "rate"
    has_limits = bool(lower.notna().all() and upper.notna().all())
    return stats.slope_index_of_inequality(
        wide["group_code"],
        population,
        value,
        lower if has_limits else None,
        upper if has_limits else None,
        value_type=value_type,
        multiplier=spec.multiplier if value_type == "proportion" else 1.0,
        repetitions=repetitions,
        seed=seed,
    )

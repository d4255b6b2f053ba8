"""How a figure is made for an area or a group of areas from a wide source table, and the LSOA-built levels.

:func:`long_rows` turns a wide table (one area per row) into long-format rows of one indicator, with
limits where counts exist; :func:`aggregate` sums or averages members into groups. Ward, district,
county and England values of the LSOA indicators are built from LSOAs with the ONS best-fit LSOA 2021
-> ward 2024 -> LAD 2024 lookup (districts to counties: ONS LTLA-UTLA 2023): counts and denominators
are summed and the proportion recomputed (with its limits) where counts exist; otherwise the value is
the population-weighted mean of the LSOA values (no limits). A summed count is missing when any of
its LSOAs' counts is missing (suppressed), rather than silently covering part of the area; a weighted
mean uses the LSOAs that have a value and its ``method`` says how many that was.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Literal

import numpy as np
import pandas as pd

from hiap_geo.core.areas import CODE_PATTERNS, ENGLAND_CODE
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.geo.lookups import district_counties
from hiap_geo.indicators import stats
from hiap_geo.indicators.catalogue import (
    LSOA_SPECS,
    STANDARDISED_NOUNS,
    WEIGHT_LABELS,
    IndicatorSpec,
    dataset_titles,
    standardised_unit,
)
from hiap_geo.indicators.schema import concat_indicators
from hiap_geo.indicators.tables import filter_districts, lsoa_base


def long_rows(
    wide: pd.DataFrame, code_col: str, area_type: str, spec: IndicatorSpec, method: str | pd.Series
) -> pd.DataFrame:
    """Rows of the long format for one indicator from a wide table (one area per row)."""
    nan = np.full(len(wide), np.nan)
    count = wide[spec.count].astype(float).to_numpy() if spec.count else nan
    denom = wide[spec.denominator].astype(float).to_numpy() if spec.denominator else nan
    if spec.statistic == "proportion":
        figures = stats.proportion(count, denom, spec.multiplier)
    elif spec.statistic == "rate":
        figures = stats.rate(count, denom, spec.multiplier)
    else:
        base = count if spec.statistic == "count" else wide[spec.value].astype(float).to_numpy() * spec.multiplier
        figures = pd.DataFrame(
            {"value": base, "lower_95": nan, "upper_95": nan, "lower_998": nan, "upper_998": nan, "ci_method": ""}
        )
    title, vintage = dataset_titles()[spec.dataset]
    period = wide["period"].to_numpy() if "period" in wide and not spec.period else spec.period
    ci = figures["ci_method"].to_numpy()
    method_text = np.asarray(method if isinstance(method, str) else method.to_numpy(), dtype=object)
    full_method = np.where(ci == "", method_text, method_text + "; limits: " + ci.astype(object))
    out = pd.DataFrame(
        {
            "indicator_id": spec.id,
            "indicator_name": spec.name,
            "area_code": wide[code_col].to_numpy(),
            "area_type": area_type,
            "period": period,
            "value": figures["value"].to_numpy(),
            "lower_95": figures["lower_95"].to_numpy(),
            "upper_95": figures["upper_95"].to_numpy(),
            "lower_998": figures["lower_998"].to_numpy(),
            "upper_998": figures["upper_998"].to_numpy(),
            "count": count,
            "denominator": denom,
            "unit": spec.unit,
            "polarity": spec.polarity,
            "source": title,
            "vintage": vintage,
            "method": full_method,
            "origin": "official",
        }
    )
    if spec.standardised and area_type != "lsoa":
        out = standardised_above_lsoa(out, spec, area_type)
    return out


def standardised_above_lsoa(rows: pd.DataFrame, spec: IndicatorSpec, area_type: str) -> pd.DataFrame:
    """Rows of a standardised measure above LSOA, said for what they are.

    England gets its value by definition (100 for a ratio to England, 0 for a score centred on England) or
    none; any other area keeps the weighted mean of its LSOA values, with a unit and method saying that it
    is such a mean and not a standardised figure of the area (File 8 gives no expected counts to make one).
    """
    noun, plural = STANDARDISED_NOUNS[spec.standardised]
    rows = rows.copy()
    if area_type == "england":
        if spec.england_reference is not None:
            rows["value"] = spec.england_reference * 1.0
            rows["method"] = (
                f"England = {spec.england_reference:g} by definition of the {noun} (the LSOA values are "
                "standardised to England); a mean of the LSOA values is not England's value"
            )
        else:
            rows["value"] = np.nan
            rows["method"] = f"England's {noun} is not in the source; a mean of the LSOA {plural} would not be it"
        return rows
    rows["unit"] = standardised_unit(spec)
    rows["method"] = (
        rows["method"].astype(str).str.replace("mean of ", f"mean of the LSOA {plural} of ", n=1, regex=False)
        + f"; not a {noun} of the area"
        + ("; England's LSOAs average 0" if spec.standardised == "score" else ", and not comparable with England's")
    )
    return rows


def aggregate(
    wide: pd.DataFrame, groups: pd.Series, specs: Iterable[IndicatorSpec], unit_label: str = "LSOAs"
) -> pd.DataFrame:
    """Aggregate a wide per-area table into groups (wards, districts, England, deciles...).

    Counts and denominators are summed, and a group's sum is missing when any member's is;
    published values become weighted means (weight named by each spec) of the members that
    have a value, and the method text says when that is not all of them.
    Returns one row per group with the spec columns, ``members`` and an ``_agg_<id>`` method text
    per indicator.
    """
    specs = list(specs)
    keys = groups.rename("group_code")
    grouped = wide.groupby(keys, sort=True)
    out = pd.DataFrame({"members": grouped.size()})
    summed: set[str] = set()
    for spec in specs:
        for col in (spec.count, spec.denominator):
            if col and col not in summed:
                gaps = wide[col].isna().groupby(keys).any()
                out[col] = grouped[col].sum().where(~gaps)
                summed.add(col)
        if spec.weight and spec.weight not in summed:
            out[spec.weight] = grouped[spec.weight].sum().where(~wide[spec.weight].isna().groupby(keys).any())
            summed.add(spec.weight)
    for spec in specs:
        n = out["members"].astype(str)
        if spec.statistic == "value":
            assert spec.value and spec.weight
            v, w = wide[spec.value].astype(float), wide[spec.weight].astype(float)
            present = v.notna() & w.notna()
            used = present.groupby(keys).sum()
            vw = (v * w).where(present)
            out[spec.value] = (vw.groupby(keys).sum() / w.where(present).groupby(keys).sum()).where(used > 0)
            label = WEIGHT_LABELS.get(spec.weight, spec.weight)
            of = np.where(used < out["members"], used.astype(str) + " of ", "")
            out[f"_agg_{spec.id}"] = "mean of " + of + n + f" {unit_label} weighted by {label}"
            if (used < out["members"]).any():
                out.loc[used < out["members"], f"_agg_{spec.id}"] += " (the others have no published value)"
        else:
            out[f"_agg_{spec.id}"] = (
                "counts summed over "
                + n
                + f" {unit_label}"
                + ("; value recomputed from the sums" if spec.statistic in ("proportion", "rate") else "")
            )
    return out.reset_index()


def _counties_of(base: pd.DataFrame) -> pd.Series:
    """The county (E10/E11) of each row's district (``lad_code``), from the ONS LTLA-UTLA 2023 lookup.

    Missing for unitary, metropolitan and London districts, which are their own upper tier. A district
    the lookup does not have raises, naming it.
    """
    lookup = district_counties()
    unknown = sorted(set(base["lad_code"]) - set(lookup["lad_code"]))
    if unknown:
        raise HiapGeoError(f"District(s) not in the ONS district-to-county lookup: {', '.join(unknown)}.")
    two_tier = lookup[lookup["county_code"].str.match(CODE_PATTERNS["county"].pattern)]
    return base["lad_code"].map(dict(zip(two_tier["lad_code"], two_tier["county_code"], strict=True)))


def _aggregated(
    level: Literal["ward", "district", "county", "england"],
    districts: Sequence[str] | None,
    specs: Sequence[IndicatorSpec] | None,
) -> pd.DataFrame:
    base = lsoa_base()
    specs = list(specs or LSOA_SPECS)
    if level == "england":
        groups = pd.Series(ENGLAND_CODE, index=base.index)
    elif level == "county":
        counties = _counties_of(base)
        chosen = counties.loc[filter_districts(base, "lad_code", districts).index].dropna()
        base = base[counties.isin(chosen)]
        if base.empty:
            return concat_indicators([])
        groups = counties.loc[base.index]
    else:
        base = filter_districts(base, "lad_code", districts)
        groups = base["ward_code" if level == "ward" else "lad_code"]
    wide = aggregate(base, groups, specs)
    return concat_indicators([long_rows(wide, "group_code", level, s, wide[f"_agg_{s.id}"]) for s in specs])


def ward_indicators(
    districts: Sequence[str] | None = None, specs: Sequence[IndicatorSpec] | None = None
) -> pd.DataFrame:
    """Ward (2024) rows of the LSOA indicators, built from each ward's LSOAs (best-fit lookup)."""
    return _aggregated("ward", districts, specs)


def district_indicators(
    districts: Sequence[str] | None = None, specs: Sequence[IndicatorSpec] | None = None
) -> pd.DataFrame:
    """District (LAD 2024) rows of the LSOA indicators, built from the district's LSOAs."""
    return _aggregated("district", districts, specs)


def county_indicators(
    districts: Sequence[str] | None = None, specs: Sequence[IndicatorSpec] | None = None
) -> pd.DataFrame:
    """County (E10, upper tier 2023) rows of the LSOA indicators, built from all of the county's LSOAs.

    For the counties the districts lie in (every county when ``districts`` is None); unitary,
    metropolitan and London districts have no county above them, so none for them.
    """
    return _aggregated("county", districts, specs)


def england_indicators(specs: Sequence[IndicatorSpec] | None = None) -> pd.DataFrame:
    """England rows of the LSOA indicators (``specs``' alone when given), built from all English LSOAs the same
    way as wards.

    Every indicator's row is built once per process (from all 33,755 LSOAs, about 0.3 s, in the app's warm-up) and
    shared by the pages and the profiles: one indicator's row built on its own cost 10-20 ms, paid again for each
    indicator a user first chose. Each call returns its own copy of the few rows.
    """
    every = _england_indicators()
    if specs is None:
        return every.copy()
    ids = [s.id for s in specs]
    unknown = sorted(set(ids) - set(every["indicator_id"]))
    if unknown:
        raise HiapGeoError(f"Not LSOA indicators of the catalogue: {', '.join(unknown)}.")
    return every[every["indicator_id"].isin(ids)].reset_index(drop=True)


@cache
def _england_indicators() -> pd.DataFrame:
    return _aggregated("england", None, LSOA_SPECS)


@cache
def england_mean_of_lsoa_values(indicator_id: str) -> float:
    """England's figure made as an area's is: the weighted mean of all English LSOAs' values. For a ratio to
    England (100 by definition) this, not 100, is what an area's mean of LSOA ratios can be set beside
    (CIDR 113.3, acute morbidity 105.5)."""
    spec = next(s for s in LSOA_SPECS if s.id == indicator_id)
    base = lsoa_base()
    wide = aggregate(base, pd.Series(ENGLAND_CODE, index=base.index), [spec])
    return float(wide[spec.value].iat[0])


def not_comparable_with_england(spec: IndicatorSpec) -> str:
    """What the profile shows as England beside an area's mean of LSOA standardised ratios."""
    return (f"not comparable: England = {spec.england_reference:g} by definition; the same mean over England's "
            f"LSOAs is {england_mean_of_lsoa_values(spec.id):.1f}")


def indicators_for_lsoas(
    codes: Iterable[str], area_code: str = "group", specs: Sequence[IndicatorSpec] | None = None
) -> pd.DataFrame:
    """The LSOA indicators of one chosen group of LSOAs 2021 (e.g. a bid's own area), built as wards' are.

    The rows have ``area_code`` as given and ``area_type`` 'group': a chosen group has no official
    code, so they are for showing and for :func:`hiap_geo.indicators.compare.compare`, not for
    :func:`hiap_geo.indicators.schema.validate_indicators`.
    Codes that are not LSOAs 2021 with indicator data raise, naming them.
    """
    wanted = set(codes)
    base = lsoa_base()
    unknown = sorted(wanted - set(base["lsoa_code"]))
    if unknown:
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        raise HiapGeoError(f"Not LSOA 2021 codes with indicator data: {', '.join(unknown[:10])}{more}.")
    if not wanted:
        raise HiapGeoError("No LSOAs given: a group needs at least one LSOA 2021 code.")
    members = base[base["lsoa_code"].isin(wanted)]
    specs = list(specs or LSOA_SPECS)
    wide = aggregate(members, pd.Series(area_code, index=members.index), specs)
    return concat_indicators([long_rows(wide, "group_code", "group", s, wide[f"_agg_{s.id}"]) for s in specs])

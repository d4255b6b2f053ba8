"""The figures of a spine chart and of a trend: an area's indicators against England's range, and a
district's Health Index over time. Drawing them is :mod:`hiap_geo.render.charts`.

A spine chart (as Fingertips draws one) has a row per indicator. England's value is the centre
line; the bar spans the values of all English areas of the same type with the middle half
marked (25th to 75th percentile); the area's value is coloured by its comparison with England;
its district is marked too. Rows with a polarity are flipped so that *best is always to the
right*; rows with no polarity run from lowest (left) to highest (right). Each row is scaled so
that the value furthest from England sits at the edge of the bar.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hiap_geo.core.areas import ENGLAND_CODE
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.indicators.aggregate import district_indicators, ward_indicators
from hiap_geo.indicators.compare import compare
from hiap_geo.indicators.readers import dwp_indicators, lsoa_indicators, msoa_census_indicators, qof_indicators


class SpineError(HiapGeoError):
    """A spine chart or trend that cannot be drawn from the data given (the message says why)."""


# --- England's ranges -----------------------------------------------------------------------------


def england_ranges(rows: pd.DataFrame) -> pd.DataFrame:
    """Per indicator, period and area type: how many areas, and their minimum, quartiles and maximum."""
    rows = rows[rows["value"].notna() & ~rows["area_type"].isin(["england"])]
    grouped = rows.groupby(["indicator_id", "period", "area_type"])["value"]
    out = pd.DataFrame({
        "n_areas": grouped.size(),
        "minimum": grouped.min(),
        "q25": grouped.quantile(0.25),
        "q75": grouped.quantile(0.75),
        "maximum": grouped.max(),
    })
    return out.reset_index()


def england_distribution(level: str) -> pd.DataFrame:
    """England's ranges at one level, from every English area's values (a few seconds; cache it).

    LSOA, ward and district values of the LSOA indicators, MSOA values of the Census and DWP
    indicators, and district values of both; the QOF register estimates' range is English MSOAs' at every
    level (they are modelled for MSOAs). Health Index rows are left out: the source has no
    England value to centre them on.
    """
    if level == "lsoa":
        rows = lsoa_indicators(None)
    elif level == "ward":
        rows = ward_indicators(None)
    elif level == "msoa":
        rows = pd.concat([msoa_census_indicators(None, with_comparators=False),
                          dwp_indicators(None, with_comparators=False)], ignore_index=True)
    elif level == "district":
        rows = pd.concat([district_indicators(None), msoa_census_indicators(None),
                          dwp_indicators(None)], ignore_index=True)
    else:
        raise SpineError(f"No England ranges for '{level}'; use lsoa, msoa, ward or district.")
    # The QOF register estimates are modelled for MSOAs: at every level their range is that of English MSOAs.
    qof = qof_indicators(None, with_comparators=False)
    qof = qof[qof["area_type"] == "msoa"].assign(area_type=level)
    return england_ranges(pd.concat([rows[rows["area_type"] == level], qof], ignore_index=True))


# --- rows and positions ---------------------------------------------------------------------------


def spine_positions(values: Sequence[float] | np.ndarray | pd.Series, england: float | np.ndarray,
                    half_width: float | np.ndarray, polarity: str | np.ndarray) -> np.ndarray:
    """Horizontal positions (0 = left edge, 1 = right edge, 0.5 = England) of values on a spine row.

    ``half_width`` is the distance from England that reaches an edge; 'low is good' rows are
    flipped so that better values lie to the right. Values beyond the edge are clipped.
    """
    v = np.asarray(values, dtype=float)
    eng = np.asarray(england, dtype=float)
    half = np.asarray(half_width, dtype=float)
    sign = np.where(np.asarray(polarity) == "low_is_good", -1.0, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = 0.5 + 0.5 * sign * (v - eng) / half
    x = np.where(half > 0, x, 0.5)
    return np.clip(np.where(np.isnan(v), np.nan, x), 0.0, 1.0)


def spine_rows(data: pd.DataFrame, area_code: str, level: str, ranges: pd.DataFrame,
               district_code: str | None = None, confidence: str = "95") -> pd.DataFrame:
    """One row per indicator the area has a value for *and* England has a value for, at the latest
    such period: values, England's range, the comparison with England and the chart positions.

    Counts (an indicator whose value is its count, such as people in income deprivation) are left
    out: an area's total set against England's total is not a comparison; so are figures in another unit
    than England's (a ward's mean of LSOA standardised ratios against England's 100).
    """
    have = data[(data["area_code"] == area_code) & (data["area_type"] == level) & data["value"].notna()]
    if have.empty:
        raise SpineError(f"No indicator values for {area_code} at {level} level.")
    england = data[(data["area_type"] == "england") & data["value"].notna()]
    england = england[~(england["value"] == england["count"])]  # totals: England's sum is no benchmark
    keyed = have.merge(england[["indicator_id", "period", "value", "unit"]].rename(
        columns={"value": "england_value", "unit": "england_unit"}), on=["indicator_id", "period"], how="inner")
    # A figure in another unit than England's (a mean of LSOA ratios against England's ratio of 100) is no
    # comparison with England.
    keyed = keyed[~(keyed["unit"].fillna("").ne(keyed["england_unit"].fillna(""))
                    & keyed["unit"].fillna("").ne("") & keyed["england_unit"].fillna("").ne(""))]
    keyed = keyed.drop(columns="england_unit")
    if keyed.empty:
        raise SpineError(f"None of {area_code}'s indicators has an England value to centre a spine chart on.")
    keyed = keyed.sort_values("period").drop_duplicates("indicator_id", keep="last")
    if district_code and district_code != area_code:
        districts = data[(data["area_type"] == "district") & (data["area_code"] == district_code)]
        keyed = keyed.merge(districts[["indicator_id", "period", "value"]].rename(
            columns={"value": "district_value"}), on=["indicator_id", "period"], how="left")
    else:
        keyed["district_value"] = np.nan
    keyed = keyed.merge(ranges, on=["indicator_id", "period", "area_type"], how="left")
    compared = compare(keyed, england, ENGLAND_CODE, confidence)
    keyed["comparison"] = compared["comparison"].to_numpy()
    keyed["comparison_label"] = compared["comparison_label"].to_numpy()
    keyed["colour"] = compared["comparison_colour"].to_numpy()

    spread = np.nanmax(np.abs(np.column_stack([
        keyed[c].to_numpy(float) - keyed["england_value"].to_numpy(float)
        for c in ("minimum", "maximum", "value", "district_value")
    ])), axis=1)
    positions = {}
    for col in ("value", "district_value", "minimum", "q25", "q75", "maximum"):
        positions[f"x_{col}"] = spine_positions(keyed[col], keyed["england_value"], spread, keyed["polarity"])
    keyed = keyed.assign(**positions)
    low_good = keyed["polarity"] == "low_is_good"
    keyed["left_value"] = np.where(low_good, keyed["maximum"], keyed["minimum"])
    keyed["right_value"] = np.where(low_good, keyed["minimum"], keyed["maximum"])
    return keyed.sort_values("indicator_name").reset_index(drop=True)


# --- trends ---------------------------------------------------------------------------------------


def trend(data: pd.DataFrame, indicator_ids: Sequence[str], district_names: dict[str, str]) -> pd.DataFrame:
    """Yearly values of indicators for districts, long: indicator, district, year, value, unit, source, vintage."""
    rows = data[data["indicator_id"].isin(indicator_ids) & (data["area_type"] == "district")
                & data["area_code"].isin(district_names)]
    if rows.empty:
        raise SpineError("None of the chosen indicators has yearly values for these districts.")
    years = pd.to_numeric(rows["period"], errors="coerce")
    if years.isna().any():
        raise SpineError("A trend needs yearly periods; these indicators have other periods.")
    return pd.DataFrame({
        "indicator_id": rows["indicator_id"], "indicator": rows["indicator_name"],
        "district": rows["area_code"].map(district_names), "year": years.astype(int),
        "value": rows["value"], "unit": rows["unit"], "source": rows["source"], "vintage": rows["vintage"],
    }).sort_values(["indicator", "district", "year"]).reset_index(drop=True)

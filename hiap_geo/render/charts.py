"""Spine charts and trends: an area's indicators against England, and a district's Health Index over time.

A spine chart (as Fingertips draws one) has a row per indicator. England's value is the centre
line; the bar spans the values of all English areas of the same type (light grey) with the middle
half darker (25th to 75th percentile); the area's value is a circle coloured by its comparison
with England (and the comparison is written in the row, so colour is never alone); its district is
a hollow diamond. Rows with a polarity are flipped so that *best is always to the right*; rows
with no polarity run from lowest (left) to highest (right). Each row is scaled so that the value
furthest from England sits at the edge of the bar.

The chart is plain HTML with inline SVG: it needs no JavaScript and nothing from the internet.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from hiap_geo.core.areas import ENGLAND_CODE
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.indicators import long_format as ind
from hiap_geo.indicators import stats

RANGE_COLOUR = "#C9C9C9"
QUARTILE_COLOUR = "#8B8B8B"
ENGLAND_COLOUR = "#C00000"
BAR_WIDTH = 240
BAR_HEIGHT = 22


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
    indicators, and district values of both. Health Index rows are left out: the source has no
    England value to centre them on.
    """
    if level == "lsoa":
        rows = ind.lsoa_indicators(None)
    elif level == "ward":
        rows = ind.ward_indicators(None)
    elif level == "msoa":
        rows = pd.concat([ind.msoa_census_indicators(None, with_comparators=False),
                          ind.dwp_indicators(None, with_comparators=False)], ignore_index=True)
    elif level == "district":
        rows = pd.concat([ind.district_indicators(None), ind.msoa_census_indicators(None),
                          ind.dwp_indicators(None)], ignore_index=True)
    else:
        raise SpineError(f"No England ranges for '{level}'; use lsoa, msoa, ward or district.")
    return england_ranges(rows[rows["area_type"] == level])


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
    out: an area's total set against England's total is not a comparison.
    """
    have = data[(data["area_code"] == area_code) & (data["area_type"] == level) & data["value"].notna()]
    if have.empty:
        raise SpineError(f"No indicator values for {area_code} at {level} level.")
    england = data[(data["area_type"] == "england") & data["value"].notna()]
    england = england[~(england["value"] == england["count"])]  # totals: England's sum is no benchmark
    keyed = have.merge(england[["indicator_id", "period", "value"]].rename(columns={"value": "england_value"}),
                       on=["indicator_id", "period"], how="inner")
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
    compared = ind.compare(keyed, england, ENGLAND_CODE, confidence)
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


# --- drawing ------------------------------------------------------------------------------------


def _num(value: float, unit: str | None = None) -> str:
    if pd.isna(value):
        return "–"
    text = f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"
    return f"{text}%" if unit == "%" else text


def _count(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:,.0f}"


def bar_svg(row: pd.Series) -> str:
    """One row's bar as an SVG document: England's range, its middle half, England, district and area."""
    w, h, mid = BAR_WIDTH, BAR_HEIGHT, BAR_HEIGHT / 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">']
    if pd.notna(row["x_minimum"]) and pd.notna(row["x_maximum"]):
        lo, hi = sorted((row["x_minimum"], row["x_maximum"]))
        parts.append(f'<rect class="spine-range" x="{lo * w:.1f}" y="3" width="{(hi - lo) * w:.1f}" '
                     f'height="{h - 6}" fill="{RANGE_COLOUR}"/>')
        q1, q3 = sorted((row["x_q25"], row["x_q75"]))
        parts.append(f'<rect class="spine-quartiles" x="{q1 * w:.1f}" y="3" width="{(q3 - q1) * w:.1f}" '
                     f'height="{h - 6}" fill="{QUARTILE_COLOUR}"/>')
    parts.append(f'<line x1="{w / 2}" x2="{w / 2}" y1="0" y2="{h}" stroke="{ENGLAND_COLOUR}" stroke-width="2"/>')
    if pd.notna(row["x_district_value"]):
        x = row["x_district_value"] * w
        parts.append(f'<polygon class="spine-district" points="{x:.1f},{mid - 7} {x + 7:.1f},{mid} {x:.1f},'
                     f'{mid + 7} {x - 7:.1f},{mid}" fill="none" stroke="#000" stroke-width="1.5"/>')
    parts.append(f'<circle class="spine-area" cx="{row["x_value"] * w:.1f}" cy="{mid}" r="6.5" '
                 f'fill="{row["colour"]}" stroke="#222" stroke-width="1"/>')
    parts.append("</svg>")
    return "".join(parts)


def _bar(row: pd.Series) -> str:
    """The bar as an <img> of its SVG (pages sanitise inline SVG away; an image survives), with its
    figures in words as the alternative text and hover title."""
    text = (f"{row['indicator_name']}: area {_num(row['value'])} ({row['comparison_label']}), England "
            f"{_num(row['england_value'])}, district {_num(row['district_value'])}, England range "
            f"{_num(row['left_value'])} to {_num(row['right_value'])}")
    data = base64.b64encode(bar_svg(row).encode("utf-8")).decode("ascii")
    return (f'<img class="spine-bar" src="data:image/svg+xml;base64,{data}" width="{BAR_WIDTH}" '
            f'height="{BAR_HEIGHT}" alt="{html.escape(text)}" title="{html.escape(text)}">')


def legend_html() -> str:
    """The key under the chart: markers, bars, and the comparison colours with their words."""
    swatch = ('<span style="display:inline-block;width:12px;height:12px;border-radius:6px;background:{c};'
              'border:1px solid #222;vertical-align:middle;margin:0 4px 0 10px"></span>{t}')
    colours = "".join(swatch.format(c=s.colour, t=html.escape(s.label)) for s in stats.BENCHMARK_STYLES.values())
    return (
        '<div class="spine-legend" style="font:13px/1.6 sans-serif;color:#222;margin-top:6px">'
        f'<span style="display:inline-block;width:26px;height:10px;background:{RANGE_COLOUR}"></span> England range '
        f'<span style="display:inline-block;width:26px;height:10px;background:{QUARTILE_COLOUR};margin-left:10px">'
        '</span> 25th to 75th percentile '
        f'<span style="display:inline-block;width:2px;height:12px;background:{ENGLAND_COLOUR};margin-left:10px">'
        '</span> England &nbsp; ◇ district<br>Area compared with England:' + colours + "</div>"
    )


def spine_chart_html(rows: pd.DataFrame, area_label: str, district_label: str | None = None) -> str:
    """The spine chart as an HTML table with one inline SVG bar per indicator."""
    if rows.empty:
        raise SpineError(f"No indicator of {area_label} has an England value to chart.")
    head = ["Indicator", "Period", "Count", area_label, district_label or "District", "England",
            "England worst / lowest", "", "England best / highest", "Compared with England"]
    th = "".join(f'<th style="text-align:{"left" if i < 2 else "right"};padding:4px 6px;'
                 f'border-bottom:2px solid #444">{html.escape(h)}</th>' for i, h in enumerate(head))
    body = []
    for _, row in rows.iterrows():
        unit = row["unit"] if isinstance(row["unit"], str) else None
        judged = row["polarity"] != "no_judgement"
        cells = [
            f'{html.escape(str(row["indicator_name"]))}<br><span style="color:#666;font-size:11px">'
            f'{html.escape(unit or "")}{"" if judged else " · no polarity: lowest to highest"}</span>',
            html.escape(str(row["period"])), _count(row["count"]), f"<b>{_num(row['value'], unit)}</b>",
            _num(row["district_value"], unit), _num(row["england_value"], unit), _num(row["left_value"], unit),
            _bar(row), _num(row["right_value"], unit),
            f'<span style="display:inline-block;width:10px;height:10px;background:{row["colour"]};'
            f'border:1px solid #222;margin-right:4px"></span>{html.escape(str(row["comparison_label"]))}',
        ]
        widths = {0: "min-width:200px;", 9: "white-space:nowrap;"}
        tds = "".join(f'<td style="text-align:{"left" if i < 2 else "right"};padding:3px 6px;{widths.get(i, "")}'
                      f'border-bottom:1px solid #ddd;vertical-align:middle">{c}</td>' for i, c in enumerate(cells))
        body.append(f'<tr class="spine-row" data-indicator="{html.escape(str(row["indicator_id"]))}" '
                    f'data-x="{row["x_value"]:.3f}">{tds}</tr>')
    return (
        '<div class="spine-chart" style="overflow-x:auto">'
        '<table style="border-collapse:collapse;font:13px/1.3 sans-serif;color:#222;width:100%">'
        f"<thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody></table>{legend_html()}</div>"
    )


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


def trend_chart(rows: pd.DataFrame) -> alt.Chart:
    """A line per district for one indicator's rows of :func:`trend`; the y axis fits the data (not from
    zero) so that year-to-year change is visible, and every point has a tooltip."""
    unit = str(rows["unit"].iat[0]) if len(rows) else ""
    return alt.Chart(rows).mark_line(point=True).encode(
        x=alt.X("year:O", title="year"),
        y=alt.Y("value:Q", title=unit, scale=alt.Scale(zero=False)),
        color=alt.Color("district:N", title="district"),
        tooltip=["district", "year", alt.Tooltip("value:Q", format=",.2f")],
    ).properties(height=220)

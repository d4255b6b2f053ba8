"""Drawing spine charts and trends (their figures are :mod:`hiap_geo.indicators.spine`).

The spine chart is plain HTML with inline SVG: England's range in light grey with the middle half
darker, England as a red centre line, the area as a circle coloured by its comparison with England
(and the comparison written in the row, so colour is never alone), its district as a hollow diamond.
It needs no JavaScript and nothing from the internet; ``spine_chart_png`` draws the same chart with
matplotlib as an image for slides. A trend is an Altair line chart per indicator.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap
from typing import TYPE_CHECKING

import pandas as pd

from hiap_geo.indicators import stats
from hiap_geo.indicators.spine import SpineError

if TYPE_CHECKING:
    import altair as alt
    from matplotlib.figure import Figure

RANGE_COLOUR = "#C9C9C9"
QUARTILE_COLOUR = "#8B8B8B"
ENGLAND_COLOUR = "#C00000"
BAR_WIDTH = 240
BAR_HEIGHT = 22


def format_indicator_value(value: float, unit: str | None = None) -> str:
    """An indicator value as charts and tooltips show it: 3 significant figures below 10, else one
    decimal, with '%' when the unit is '%'; '–' for no value."""
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
    num = format_indicator_value
    text = (f"{row['indicator_name']}: area {num(row['value'])} ({row['comparison_label']}), England "
            f"{num(row['england_value'])}, district {num(row['district_value'])}, England range "
            f"{num(row['left_value'])} to {num(row['right_value'])}")
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
    num = format_indicator_value
    for _, row in rows.iterrows():
        unit = row["unit"] if isinstance(row["unit"], str) else None
        judged = row["polarity"] != "no_judgement"
        cells = [
            f'{html.escape(str(row["indicator_name"]))}<br><span style="color:#666;font-size:11px">'
            f'{html.escape(unit or "")}{"" if judged else " · no polarity: lowest to highest"}</span>',
            html.escape(str(row["period"])), _count(row["count"]), f"<b>{num(row['value'], unit)}</b>",
            num(row["district_value"], unit), num(row["england_value"], unit), num(row["left_value"], unit),
            _bar(row), num(row["right_value"], unit),
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


def trend_chart(rows: pd.DataFrame) -> alt.Chart:
    """A line per district for one indicator's rows of :func:`trend`; the y axis fits the data (not from
    zero) so that year-to-year change is visible, and every point has a tooltip. Altair is imported here, when a
    trend is drawn: importing it takes half a second, which a page's first visit need not wait for."""
    import altair as alt

    unit = str(rows["unit"].iat[0]) if len(rows) else ""
    return alt.Chart(rows).mark_line(point=True).encode(
        x=alt.X("year:O", title="year"),
        y=alt.Y("value:Q", title=unit, scale=alt.Scale(zero=False)),
        color=alt.Color("district:N", title="district"),
        tooltip=["district", "year", alt.Tooltip("value:Q", format=",.2f")],
    ).properties(height=220)


def spine_chart_figure(rows: pd.DataFrame, area_label: str, district_label: str | None = None) -> Figure:
    """The spine chart drawn with matplotlib (no browser): the same rows, bars and markers as the HTML chart,
    with each row's value and comparison written beside its bar, so it can go on a slide or into a report."""
    from matplotlib.figure import Figure  # here: matplotlib takes most of a second to import, a first visit need not
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    if rows.empty:
        raise SpineError(f"No indicator of {area_label} has an England value to chart.")
    n = len(rows)
    fig = Figure(figsize=(13.334, 1.9 + 0.42 * n), dpi=100)
    top, bottom = 1 - 1.0 / (1.9 + 0.42 * n), 0.9 / (1.9 + 0.42 * n)
    ax = fig.add_axes((0.34, bottom, 0.40, top - bottom))
    ax.set_xlim(0, 1)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_axis_off()
    num = format_indicator_value
    for i, (_, row) in enumerate(rows.iterrows()):
        unit = row["unit"] if isinstance(row["unit"], str) else None
        if pd.notna(row["x_minimum"]) and pd.notna(row["x_maximum"]):
            lo, hi = sorted((row["x_minimum"], row["x_maximum"]))
            ax.add_patch(Rectangle((lo, i - 0.32), hi - lo, 0.64, facecolor=RANGE_COLOUR, edgecolor="none"))
            q1, q3 = sorted((row["x_q25"], row["x_q75"]))
            ax.add_patch(Rectangle((q1, i - 0.32), q3 - q1, 0.64, facecolor=QUARTILE_COLOUR, edgecolor="none"))
        if pd.notna(row["x_district_value"]):
            ax.plot(row["x_district_value"], i, marker="D", markersize=8, markerfacecolor="none",
                    markeredgecolor="black", markeredgewidth=1.3, zorder=4)
        ax.plot(row["x_value"], i, marker="o", markersize=10, markerfacecolor=row["colour"], markeredgecolor="#222222",
                zorder=5)
        y = fig.transFigure.inverted().transform(ax.transData.transform((0, i)))[1]
        name = textwrap.shorten(str(row["indicator_name"]), 52, placeholder="...")
        period = "" if str(row["period"]) in name else f"  ({row['period']})"
        fig.text(0.01, y, f"{name}{period}", va="center", fontsize=9)
        fig.text(0.745, y, f"{num(row['value'], unit)}", va="center", fontsize=9, fontweight="bold")
        fig.text(0.80, y, f"England {num(row['england_value'], unit)}", va="center", fontsize=9)
        fig.text(0.88, y, str(row["comparison_label"]), va="center", fontsize=9)
    ax.axvline(0.5, color=ENGLAND_COLOUR, linewidth=2, zorder=3)
    title = f"Spine chart: {area_label} compared with England"
    fig.text(0.01, 1 - 0.35 / (1.9 + 0.42 * n), title, fontsize=14, fontweight="bold", va="top")
    fig.text(0.34, top + 0.1 / (1.9 + 0.42 * n), "worst / lowest in England", fontsize=8, ha="left", va="bottom")
    fig.text(0.74, top + 0.1 / (1.9 + 0.42 * n), "best / highest in England", fontsize=8, ha="right", va="bottom")
    handles = [
        Patch(facecolor=RANGE_COLOUR, label="England range"),
        Patch(facecolor=QUARTILE_COLOUR, label="25th to 75th percentile"),
        Line2D([], [], color=ENGLAND_COLOUR, linewidth=2, label="England"),
        Line2D([], [], marker="D", linestyle="none", markerfacecolor="none", markeredgecolor="black",
               label=district_label or "District"),
        *[Line2D([], [], marker="o", linestyle="none", markerfacecolor=s.colour, markeredgecolor="#222222",
                 label=f"{area_label}: {s.label.lower()}") for s in stats.BENCHMARK_STYLES.values()],
    ]
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.01, 0.0), ncol=5, fontsize=8, frameon=False)
    return fig


def spine_chart_png(rows: pd.DataFrame, area_label: str, district_label: str | None = None, dpi: int = 150) -> bytes:
    """PNG bytes of ``spine_chart_figure`` (what the Indicators page's download button is given, lazily)."""
    buffer = io.BytesIO()
    spine_chart_figure(rows, area_label, district_label).savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()

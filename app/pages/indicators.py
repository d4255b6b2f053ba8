"""Indicators: any health or deprivation indicator on the map for the sidebar's districts, compared with
England and the district, with an area's spine chart, Health Index trends, uploads and Fingertips.

Widgets only: what is shown is computed by hiap_geo.views.indicators (and the spine chart's figures by
hiap_geo.indicators.spine)."""

from __future__ import annotations

from functools import partial

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app.live_region import announce
from app.loaders import chosen_areas, district_names, indicator_data_or_stop
from app.sidebar import SELECTION_KEY
from hiap_geo.core.attribution import full_attribution
from hiap_geo.core.cells import csv_bytes
from hiap_geo.core.editions import IOD2019, IOD2025
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.text import escape_markdown
from hiap_geo.geo.msoa import msoa_areas
from hiap_geo.indicators import fingertips as ft
from hiap_geo.indicators import spine
from hiap_geo.indicators.availability import availability_markdown
from hiap_geo.indicators.catalogue import HEALTH_INDEX_NOTE
from hiap_geo.indicators.stats import CONFIDENCE_LABELS
from hiap_geo.indicators.uploads import InvalidUpload, read_upload
from hiap_geo.render.charts import spine_chart_html, spine_chart_png, trend_chart
from hiap_geo.render.maps import Outline, area_at, area_map, encode_geometry
from hiap_geo.render.static_map import map_download, map_file_name
from hiap_geo.views import indicators as iv
from hiap_geo.views import uploads as uv
from hiap_geo.views.explorer import MISSING_CELL, MapSelection, build_in_use
from hiap_geo.views.map_text import kind_plural, map_text


@st.cache_data(show_spinner=False)
def map_layer(slug: str, level: str, vintage: str, districts: tuple[str, ...]) -> gpd.GeoDataFrame:
    """The chosen districts' areas of one level and vintage in the standard columns (MSOAs from LSOAs)."""
    if level == "msoa":
        current = msoa_areas(map_layer(slug, "lsoa", IOD2025.lsoa_vintage, districts), 2021)
        if vintage == "MSOA 2021":
            return current
        return msoa_areas(map_layer(slug, "lsoa", IOD2019.lsoa_vintage, districts), 2011, current)
    return iv.standard_areas(chosen_areas(slug, level, iv.edition_year(vintage), districts), level)


@st.cache_data(show_spinner=False)
def map_geometry(slug: str, level: str, vintage: str, districts: tuple[str, ...]) -> str:
    return encode_geometry(map_layer(slug, level, vintage, districts).geometry)


@st.cache_data(show_spinner="Working out England's range for each indicator (once)...")
def england_ranges(level: str) -> pd.DataFrame:
    return spine.england_distribution(level)


@st.cache_data(show_spinner=False)
def cached_fingertips(request: ft.FingertipsRequest, fetched: str) -> ft.FingertipsResult:
    return ft.fetch_data(request, use_cache="only")


@st.cache_data(show_spinner=False)
def stated_figures(districts: tuple[str, ...]) -> pd.DataFrame:
    return iv.stated_figures(districts)


def upload_section() -> pd.DataFrame | None:
    """The user's own indicator file; every problem is listed at once."""
    with st.expander("Add your own indicator (CSV or Excel)", expanded="indicator_upload" in st.session_state
                     and st.session_state["indicator_upload"] is not None):
        st.caption("One row per area: an area code column (LSOA, MSOA, ward or district) and a value column; "
                   "optionally indicator name, period, count, denominator, lower/upper 95% limits, unit, polarity.")
        upload = st.file_uploader("Indicator file", type=["csv", "txt", "xlsx"], key="indicator_upload")
        if upload is None:
            return None
        try:
            result = read_upload(upload.getvalue(), upload.name)
        except InvalidUpload as exc:
            st.error(f"'{escape_markdown(exc.filename)}' was not loaded, and nothing from it is used. Fix "
                     f"{'this problem' if len(exc.problems) == 1 else f'these {len(exc.problems)} problems'} "
                     "and upload it again:\n\n" + "\n".join(f"- {escape_markdown(p.message)}" for p in exc.problems))
            return None
        unmappable = uv.unmappable_message(result, upload.name)
        if unmappable:
            st.warning(escape_markdown(unmappable))
            return None
        st.success(escape_markdown(uv.upload_summary(result)) + " Choose it under 'Indicator' above.")
        for note in result.notes:
            st.caption(escape_markdown(note))
        return result.data


def fingertips_section(sel: MapSelection, names: dict[str, str]) -> pd.DataFrame | None:
    """OHID Fingertips through the connector: fetched on request, cached, and mapped once cached."""
    with st.expander("Obesity, smoking, NEET and long-term conditions: where to get them (by ward, offline or online)"):
        st.caption("Who publishes each, at which geographies, why some are not published by ward, what HIAP Geo "
                   "shows offline (GP register conditions by LSOA, MSOA and ward; the rest by district) and through "
                   "Fingertips online, and what to download and upload to have ward figures offline.")
        st.markdown(availability_markdown())
    with st.expander("OHID Fingertips: Local Health indicators (needs an internet connection)"):
        st.caption("Ward and MSOA indicators from the Local Health profile (obesity, admissions, life expectancy...). "
                   "The API is only reachable online; a copy fetched once is kept and can be used offline.")
        left, middle, right = st.columns(3)
        area_type = left.radio("Area type", ["ward", "msoa"], format_func=iv.LEVELS.get, horizontal=True,
                               key="ft_area_type")
        parent = middle.selectbox("Within district", sel.districts, format_func=lambda c: names.get(c, c),
                                  key="ft_parent")
        text = right.text_input("Indicator ids (blank: the whole Local Health profile)", key="ft_ids",
                                placeholder="e.g. 93108, 93283")
        try:
            ids = tuple(int(part) for part in text.replace(";", ",").split(",") if part.strip())
        except ValueError:
            st.error(f"Indicator ids are whole numbers separated by commas; '{escape_markdown(text)}' is not.")
            return None
        try:
            request = ft.FingertipsRequest(area_type, parent, indicator_ids=ids,
                                           profile_id=None if ids else ft.LOCAL_HEALTH_PROFILE_ID)
        except ft.FingertipsError as exc:
            st.error(escape_markdown(exc))
            return None
        if st.button("Fetch from Fingertips", key="ft_fetch"):
            try:
                with st.spinner("Asking the Fingertips API..."):
                    fetched = ft.fetch_data(request, use_cache="fallback")
            except ft.FingertipsOffline as exc:
                st.warning(f"**Fingertips data needs an internet connection, and this machine could not reach the "
                           f"API.** {escape_markdown(exc)}")
            except ft.FingertipsError as exc:
                st.error(escape_markdown(exc))
            else:
                if fetched.from_cache:
                    st.warning(f"Offline: showing the copy fetched on {fetched.fetched_label()}.")
                else:
                    st.success(f"Fetched {len(fetched.data)} rows on {fetched.fetched_label()} from "
                               f"{escape_markdown(fetched.url)}.")
                for note in fetched.notes:
                    st.caption(escape_markdown(note))
        when = ft.cached_copy_date(request)
        if when is None:
            st.caption("Nothing is cached for this request yet.")
            return None
        result = cached_fingertips(request, when.isoformat())
        st.info(f"Cached copy fetched on {result.fetched_label()}: "
                f"{result.data['indicator_id'].nunique()} indicator(s), chosen under 'Indicator' above.")
        return result.data


def step_indicator(order: list[str], step: int) -> None:
    """Presentation mode's next/previous indicator (a callback: it runs before the selector is drawn)."""
    current = st.session_state.get("ind_indicator")
    position = order.index(current) if current in order else 0
    st.session_state["ind_indicator"] = order[(position + step) % len(order)]


sel: MapSelection | None = st.session_state.get(SELECTION_KEY)
if sel is None:
    st.stop()
presenting = sel.presentation
if not presenting:  # in presentation the strip leads and the map gets the room
    st.title("Indicators")
if not sel.districts:
    st.info("Choose one or more districts in the sidebar to see their indicators.")
    st.stop()
slug = build_in_use()
names = district_names()
local = indicator_data_or_stop(sel.districts)

# Tabs keep the map in view without scrolling (the page was 5,200 px long), under the choice of indicator. The
# data tab is filled first: an upload or a Fingertips copy is an indicator the selector above the tabs offers.
stepper = st.container()
selectors = st.expander("Indicator, geography and colours") if presenting else st.container()
map_tab, table_tab, spine_tab, trends_tab, stated_tab, data_tab = st.tabs(
    ["Map", "Table", "Spine chart", "Trends", "As stated in the plans", "Your data and Fingertips"])
with data_tab:
    data = iv.with_extras(local, (upload_section(), fingertips_section(sel, names)))
labels = iv.option_labels(data)
order = iv.indicator_order(data, labels)
uploaded = iv.uploaded_indicators(data)
new_uploads = [i for i in uploaded if i not in st.session_state.get("ind_seen_uploads", [])]
st.session_state["ind_seen_uploads"] = uploaded
if new_uploads:  # a file just loaded: show it
    st.session_state["ind_indicator"] = new_uploads[0]
elif st.session_state.get("ind_indicator") not in order:
    st.session_state["ind_indicator"] = "census21_disability" if "census21_disability" in order else order[0]

if presenting:  # the chair's controls: the left and right arrow keys step through the indicators
    back, label, forward = stepper.columns([1, 8, 1], vertical_alignment="center")
    back.button("◀", on_click=step_indicator, args=(order, -1), shortcut="ArrowLeft", key="previous_indicator",
                help="Previous indicator (left arrow)", disabled=len(order) < 2)
    label.markdown(f"**{escape_markdown(labels[st.session_state['ind_indicator']])}**")
    forward.button("▶", on_click=step_indicator, args=(order, 1), shortcut="ArrowRight", key="next_indicator",
                   help="Next indicator (right arrow)", disabled=len(order) < 2)

with selectors:
    indicator_id = st.selectbox("Indicator", order, format_func=labels.get, key="ind_indicator",
                                help="Type to search. IoD 2025 underlying indicators, Census 2021, DWP and the ONS "
                                     "Health Index, plus your upload and any Fingertips data fetched.")
    levels = iv.levels_of(data, indicator_id)
    controls = st.columns([3, 2, 3, 2])
    if st.session_state.get("ind_level") not in levels:
        st.session_state["ind_level"] = sel.level if sel.level in levels else levels[0]
    level = controls[0].radio("Geography", levels, format_func=iv.LEVELS.get, horizontal=True, key="ind_level")
    periods = iv.periods_of(data, indicator_id, level)
    if st.session_state.get("ind_period") not in periods:
        st.session_state["ind_period"] = periods[-1]
    period = controls[1].selectbox("Period", periods, key="ind_period")
    colour_options = ["value", "england"] + (["district"] if level != "district" else [])
    if st.session_state.get("ind_colour") not in colour_options:
        st.session_state["ind_colour"] = "value"
    colour_by = controls[2].radio(
        "Colour by", colour_options, horizontal=True, key="ind_colour",
        format_func=lambda o: "Value" if o == "value" else f"Compared with {iv.COMPARATORS[o]}")
    confidence = controls[3].radio("Confidence", list(CONFIDENCE_LABELS), format_func=CONFIDENCE_LABELS.get,
                                   horizontal=True, key="ind_confidence")

with map_tab:  # everything down to the download of the map is in the Map tab
    codes = iv.codes_of(data, indicator_id, level, period)
    vintage, areas = iv.best_layer(codes, {v: partial(map_layer, slug, level, v, sel.districts)
                                           for v in iv.vintages(level)})
    values = iv.area_values(data, indicator_id, level, period, areas, confidence)
    if values["value"].isna().all():
        st.warning(f"None of the chosen districts' {iv.LEVELS[level]}s has a value for "
                   f"{escape_markdown(labels[indicator_id])} ({escape_markdown(period)}). Choose other districts or "
                   "another indicator.")
        st.stop()
    outside = iv.outside_codes(codes, areas)
    if outside:
        st.caption(f"{len(outside)} {iv.LEVELS[level]} code(s) of this indicator are outside the chosen districts "
                   f"(or not on the {vintage} map) and are not shown, e.g. {escape_markdown(', '.join(outside[:5]))}.")

    first = iv.first_value(values)
    polarity = str(first["polarity"])
    measure, map_values = iv.map_colouring(values, colour_by, confidence)
    if colour_by != "value" and not iv.has_limits(values):
        st.info("This indicator has no confidence limits (it is published as a value, without counts), so no area "
                "can be tested against a comparator: every area shows as 'Not compared'. Colour by value instead.")
    if polarity == "no_judgement":
        st.caption("This indicator has no polarity: areas are compared as higher or lower, never better or worse.")

    heading = (f"{escape_markdown(measure.label)} · {len(areas)} {iv.LEVELS[level]}s ({vintage}), "
               f"{escape_markdown(period)}")
    (st.caption if presenting else st.header)(heading)  # in presentation the strip names the indicator
    outlines = [] if level == "district" else [
        Outline(chosen_areas(slug, "district", IOD2025.year, sel.districts).geometry, "#000000", 2.5)]
    fmap = iv.wrap_tooltips(area_map(iv.map_frame(areas, map_values), measure, outlines=outlines, basemap=sel.basemap,
                                     geometry_json=map_geometry(slug, level, vintage, sel.districts),
                                     tooltip_values=iv.tooltip_texts(values)))
    # 480 px in presentation: the strip, the folded selectors, the tabs and the title above it fit 1366x768.
    clicked = st_folium(fmap, key="indicator_map", height=480 if presenting else 560, use_container_width=True,
                        returned_objects=["last_clicked"])
    map_title = f"{measure.label}, {period}"
    st.download_button("Download map (PNG)", map_download(iv.map_frame(areas, map_values), measure, map_title,
                                                          outlines=outlines),
                       file_name=map_file_name(map_title), mime="image/png", key="indicator_map_png")
    in_words = map_text(iv.map_frame(areas, values["value"] if colour_by == "value" else map_values),
                        iv.indicator_measure(str(first["indicator_name"]), first["unit"], polarity)
                        if colour_by == "value" else measure, kind_plural(iv.LEVELS[level]))
    st.markdown(escape_markdown(in_words.full) + " Every area is in the tab 'Table'.")  # the map in words
    announce(in_words.announcement, key="indicator_live")  # said politely when the indicator or colouring changes
    st.caption("Click an area to see its spine chart (tab 'Spine chart'); its figures are in the tab 'Table'.")
point = (clicked or {}).get("last_clicked")
if point and point != st.session_state.get("ind_last_click"):
    st.session_state["ind_last_click"] = point
    hit = area_at(areas, point["lat"], point["lng"])
    if hit is not None:
        st.session_state["ind_area"] = hit

with table_tab:
    table = iv.indicator_export_table(values, level, vintage)
    comparison_columns = [c for c in ("compared with England", "compared with district") if c in table]
    shown = table.drop(columns=iv.HIDDEN_TABLE_COLUMNS)
    st.dataframe(shown.style.map(iv.comparison_css, subset=comparison_columns), hide_index=True, width="stretch",
                 placeholder=MISSING_CELL,
                 column_config={"value": st.column_config.NumberColumn(f"value ({first['unit']})", format="%.2f"),
                                "lower limit": st.column_config.NumberColumn(f"lower {CONFIDENCE_LABELS[confidence]}",
                                                                             format="%.2f"),
                                "upper limit": st.column_config.NumberColumn(f"upper {CONFIDENCE_LABELS[confidence]}",
                                                                             format="%.2f"),
                                "count": st.column_config.NumberColumn(format="%.0f"),
                                "denominator": st.column_config.NumberColumn(format="%.0f"),
                                "England value": st.column_config.NumberColumn(format="%.2f"),
                                "district value": st.column_config.NumberColumn(format="%.2f")})
    st.caption(f"Source: {escape_markdown(first['source'])} ({escape_markdown(first['vintage'])}). "
               f"Method: {escape_markdown(iv.method_text(first))}. "
               f"Compared at {CONFIDENCE_LABELS[confidence]} confidence: an area is better or worse when the "
               "comparator lies outside its confidence interval (Wilson for proportions, Byar's for counts and rates).")
    st.download_button("Download table (CSV)", csv_bytes(table), mime="text/csv",
                       file_name=f"hiap-geo-{indicator_id.replace(':', '-')}-{level}-{period.replace('/', '-')}.csv")


with stated_tab:
    st.header("As stated in the plans")
    stated = stated_figures(sel.districts)
    if stated.empty:
        st.info("The transcribed plan documents state no figures about these districts or their wards.")
    else:
        st.caption("Figures the local plan documents give about these districts and their wards, transcribed word "
                   "for word with their references (data/plan_figures). They are the documents' claims, of their own "
                   "dates and comparators, not recomputed here.")
        st.dataframe(stated, hide_index=True, width="stretch", placeholder=MISSING_CELL)
        st.download_button("Download the stated figures (CSV)", csv_bytes(stated),
                           file_name="hiap-geo-figures-as-stated-in-the-plans.csv", mime="text/csv")


with spine_tab:
    st.header("Spine chart")
    spine_options, area_names = iv.spine_areas(areas, level, sel.districts, names)
    if st.session_state.get("ind_area") not in spine_options:
        st.session_state["ind_area"] = spine_options[0]
    spine_area = st.selectbox("Area (or click it on the map)", spine_options, key="ind_area",
                              format_func=lambda c: f"{c} {area_names.get(c, '')}")
    spine_level = iv.spine_level(spine_area, level, sel.districts)
    spine_district = iv.district_of(areas, spine_area)
    try:
        spine_rows = spine.spine_rows(data, spine_area, spine_level, england_ranges(spine_level), spine_district,
                                      confidence)
        spine_name, district_name = area_names.get(spine_area, spine_area), names.get(spine_district, "District")
        st.html(spine_chart_html(spine_rows, spine_name, district_name))
        st.download_button("Download spine chart (PNG)",
                           partial(spine_chart_png, spine_rows, spine_name, district_name),
                           file_name=f"hiap-geo-spine-{spine_area}.png", mime="image/png", key="spine_png")
        st.caption(f"England is the red centre line; the bar spans all English {iv.LEVELS[spine_level]}s (darker: the "
                   "middle half). Best is to the right for every indicator with a polarity ('low is good' ones are "
                   "flipped); indicators without one run from lowest to highest. Indicators with no England value "
                   "(the Health Index, most uploads) are not on this chart.")
    except HiapGeoError as exc:  # no chart for this area, or a dataset missing: say so
        st.info(escape_markdown(exc))


with trends_tab:
    st.header("Health Index trends, 2015-2021")
    trend_ids = iv.trend_options(labels)
    st.session_state.setdefault("ind_trends", [i for i in iv.TREND_DEFAULTS if i in labels])
    st.session_state["ind_trends"] = [i for i in st.session_state["ind_trends"] if i in trend_ids]
    chosen_trends = st.multiselect("Health Index indicators", trend_ids, format_func=labels.get, key="ind_trends")
    if chosen_trends:
        try:
            trends = spine.trend(data, chosen_trends, {d: names.get(d, d) for d in sel.districts})
        except HiapGeoError as exc:
            st.info(escape_markdown(exc))
        else:
            grid = st.columns(2)
            for n, (name, group) in enumerate(trends.groupby("indicator", sort=False)):
                with grid[n % 2]:
                    st.markdown(f"**{escape_markdown(name)}** ({escape_markdown(group['unit'].iat[0])})")
                    st.altair_chart(trend_chart(group), width="stretch")
            st.caption(HEALTH_INDEX_NOTE)
            st.download_button("Download trends (CSV)", csv_bytes(trends),
                               file_name="hiap-geo-health-index-trends.csv", mime="text/csv", key="trend_download")
st.caption(full_attribution())

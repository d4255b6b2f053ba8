"""The Indicators page's sections below its map, and its cached loaders.

Each tab of the page runs only when it is open (``st.tabs(on_change="rerun")``), so a first visit computes the map
and the table, not England's ranges (the spine chart), the trends or Fingertips. What a closed tab holds that the
map needs (the user's upload, a Fingertips copy) is kept in the session, not in its widgets.
"""

from __future__ import annotations

import hashlib
from functools import partial
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from app.loaders import map_geometry as map_geometry  # shared with Targeting: one cache entry per layer
from app.loaders import map_layer as map_layer
from hiap_geo.core.cells import csv_bytes
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.text import counted, escape_markdown
from hiap_geo.indicators.availability import availability_markdown
from hiap_geo.indicators.catalogue import HEALTH_INDEX_NOTE
from hiap_geo.render.charts import spine_chart_html, spine_chart_png, trend_chart
from hiap_geo.views import indicators as view
from hiap_geo.views import uploads as upload_view
from hiap_geo.views.explorer import MISSING_CELL, MapSelection

if TYPE_CHECKING:
    from hiap_geo.indicators import fingertips
    from hiap_geo.indicators.uploads import InvalidUpload, UploadResult

UPLOAD_KEY = "ind_upload_data"
FINGERTIPS_KEY = "ind_fingertips_data"
"""Session keys of the rows the user added (kept while the tab that added them is closed)."""


@st.cache_data(show_spinner="Working out England's range for each indicator (once)...")
def england_ranges(level: str) -> pd.DataFrame:
    """England's spread of every indicator at a level: only when the spine chart is opened, then once per process."""
    from hiap_geo.indicators import spine

    return spine.england_distribution(level)


@st.cache_data(show_spinner=False)
def cached_fingertips(request: fingertips.FingertipsRequest, fetched: str) -> fingertips.FingertipsResult:
    from hiap_geo.indicators import fingertips

    return fingertips.fetch_data(request, use_cache="only")


@st.cache_data(show_spinner=False)
def stated_figures(districts: tuple[str, ...]) -> pd.DataFrame:
    return view.stated_figures(districts)


def added_rows() -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The user's upload and Fingertips rows, as last loaded (whether or not their tab is open)."""
    return st.session_state.get(UPLOAD_KEY), st.session_state.get(FINGERTIPS_KEY)


@st.cache_data(show_spinner=False)
def catalogue_names() -> dict[str, tuple[str, str]]:
    return view.catalogue_names()


@st.cache_data(show_spinner="Loading the indicator for the chosen districts...", max_entries=64)
def source_rows(districts: tuple[str, ...], group: str, indicator_id: str | None) -> pd.DataFrame:
    """One source's rows for the districts (an LSOA indicator's own rows, else ``indicator_id`` None), once per
    process: a first visit reads the chosen indicator, not every source nor every LSOA indicator's aggregates.
    Every argument is given, never defaulted: Streamlit keys its cache on the arguments as passed."""
    return view.source_rows(districts, group, indicator_id)


def indicator_labels() -> dict[str, str]:
    """Every indicator the page offers (id -> name): the catalogue's, and the user's upload and Fingertips rows."""
    extras = [frame for frame in added_rows() if frame is not None]
    added = view.option_labels(view.with_extras(extras[0], extras[1:])) if extras else {}
    return {i: name for i, (name, _) in catalogue_names().items()} | added


def indicator_rows(districts: tuple[str, ...], indicator_id: str) -> pd.DataFrame:
    """The rows the map and table need for one indicator: its source's (with England's and the districts' values),
    and the user's own rows; on failure the page says why and stops."""
    _, group = catalogue_names().get(indicator_id, ("", "lsoa"))
    try:
        rows = source_rows(districts, group, indicator_id if group == "lsoa" else None)
        return view.with_extras(rows, added_rows())
    except HiapGeoError as exc:
        st.error(f"The indicator data could not be loaded: {escape_markdown(exc)}")
        st.stop()


def _forget_upload() -> None:
    st.session_state.pop(UPLOAD_KEY, None)
    st.session_state.pop("ind_upload_name", None)
    st.session_state.pop(PARSED_KEY, None)


PARSED_KEY = "ind_upload_parsed"
"""Session key of the last upload's parse, with the digest of its content and its name."""


def parsed_upload(content: bytes, name: str) -> UploadResult | InvalidUpload:
    """The upload read and checked once, not on every rerun while its tab is open: kept in the session (the last
    file only, so no more than one upload's rows) and read again only when its content or name changes."""
    from hiap_geo.indicators.uploads import InvalidUpload, read_upload

    key = (hashlib.sha256(content).hexdigest(), name)
    kept = st.session_state.get(PARSED_KEY)
    if kept is not None and kept[0] == key:
        return kept[1]
    try:
        parsed: UploadResult | InvalidUpload = read_upload(content, name)
    except InvalidUpload as exc:
        parsed = exc
    st.session_state[PARSED_KEY] = (key, parsed)
    return parsed


def upload_section() -> None:
    """The user's own indicator file; every problem is listed at once. A good file is kept for the session."""
    with st.expander("Add your own indicator (CSV or Excel)", expanded="ind_upload_name" in st.session_state):
        st.caption("One row per area: an area code column (LSOA, MSOA, ward or district) and a value column; "
                   "optionally indicator name, period, count, denominator, lower/upper 95% limits, unit, polarity.")
        kept = st.session_state.get("ind_upload_name")
        if kept:
            st.markdown(f"Your indicator from '{escape_markdown(kept)}' is loaded: choose it under 'Indicator'.")
            st.button("Remove it", on_click=_forget_upload, key="ind_upload_remove")
        upload = st.file_uploader("Indicator file", type=["csv", "txt", "xlsx"], key="indicator_upload")
        if upload is None:
            return
        from hiap_geo.indicators.uploads import InvalidUpload

        result = parsed_upload(upload.getvalue(), upload.name)
        if isinstance(result, InvalidUpload):
            exc = result
            st.error(f"'{escape_markdown(exc.filename)}' was not loaded, and nothing from it is used. Fix "
                     f"{'this problem' if len(exc.problems) == 1 else f'these {len(exc.problems)} problems'} "
                     "and upload it again:\n\n" + "\n".join(f"- {escape_markdown(p.message)}" for p in exc.problems))
            return
        unmappable = upload_view.unmappable_message(result, upload.name)
        if unmappable:
            st.warning(escape_markdown(unmappable))
            return
        st.success(escape_markdown(upload_view.upload_summary(result)) + " Choose it under 'Indicator' above.")
        for note in result.notes:
            st.caption(escape_markdown(note))
        st.session_state[UPLOAD_KEY], st.session_state["ind_upload_name"] = result.data, upload.name


def fingertips_section(sel: MapSelection, names: dict[str, str]) -> None:
    """OHID Fingertips through the connector: fetched on request, cached, and mapped once cached (the connector is
    imported here, when its tab is open: a first visit need not wait for it)."""
    from hiap_geo.indicators import fingertips

    with st.expander("Obesity, smoking, NEET and long-term conditions: where to get them (by ward, offline or online)"):
        st.caption("Who publishes each, at which geographies, why some are not published by ward, what HIAP Geo "
                   "shows offline (GP register conditions by LSOA, MSOA and ward; the rest by district) and through "
                   "Fingertips online, and what to download and upload to have ward figures offline.")
        st.markdown(availability_markdown())
    with st.expander("OHID Fingertips: Local Health indicators (needs an internet connection)"):
        st.caption("Ward and MSOA indicators from the Local Health profile (obesity, admissions, life expectancy...). "
                   "The API is only reachable online; a copy fetched once is kept and can be used offline.")
        left, middle, right = st.columns(3)
        area_type = left.radio("Area type", ["ward", "msoa"], format_func=view.LEVELS.get, horizontal=True,
                               key="ft_area_type")
        parent = middle.selectbox("Within district", sel.districts, format_func=lambda c: names.get(c, c),
                                  key="ft_parent")
        text = right.text_input("Indicator ids (blank: the whole Local Health profile)", key="ft_ids",
                                placeholder="e.g. 93108, 93283")
        try:
            ids = tuple(int(part) for part in text.replace(";", ",").split(",") if part.strip())
        except ValueError:
            st.error(f"Indicator ids are whole numbers separated by commas; '{escape_markdown(text)}' is not.")
            return
        try:
            request = fingertips.FingertipsRequest(area_type, parent, indicator_ids=ids,
                                                   profile_id=None if ids else fingertips.LOCAL_HEALTH_PROFILE_ID)
        except fingertips.FingertipsError as exc:
            st.error(escape_markdown(exc))
            return
        if st.button("Fetch from Fingertips", key="ft_fetch"):
            try:
                with st.spinner("Asking the Fingertips API..."):
                    fetched = fingertips.fetch_data(request, use_cache="fallback")
            except fingertips.FingertipsOffline as exc:
                st.warning(f"**Fingertips data needs an internet connection, and this machine could not reach the "
                           f"API.** {escape_markdown(exc)}")
            except fingertips.FingertipsError as exc:
                st.error(escape_markdown(exc))
            else:
                if fetched.from_cache:
                    st.warning(f"Offline: showing the copy fetched on {fetched.fetched_label()}.")
                else:
                    st.success(f"Fetched {counted(len(fetched.data), 'row')} on {fetched.fetched_label()} from "
                               f"{escape_markdown(fetched.url)}.")
                for note in fetched.notes:
                    st.caption(escape_markdown(note))
        when = fingertips.cached_copy_date(request)
        if when is None:
            st.caption("Nothing is cached for this request yet.")
            st.session_state.pop(FINGERTIPS_KEY, None)
            return
        result = cached_fingertips(request, when.isoformat())
        st.info(f"Cached copy fetched on {result.fetched_label()}: "
                f"{counted(result.data['indicator_id'].nunique(), 'indicator')}, chosen under 'Indicator' above.")
        st.session_state[FINGERTIPS_KEY] = result.data


def stated_section(districts: tuple[str, ...]) -> None:
    st.header("As stated in the plans")
    stated = stated_figures(districts)
    if stated.empty:
        st.info("The transcribed plan documents state no figures about these districts or their wards.")
        return
    st.caption("Figures the local plan documents give about these districts and their wards, transcribed word "
               "for word with their references. They are the documents' claims, of their own "
               "dates and comparators, not recomputed here.")
    st.dataframe(stated, hide_index=True, width="stretch", placeholder=MISSING_CELL)
    st.download_button("Download the stated figures (CSV)", partial(csv_bytes, stated),
                       file_name="hiap-geo-figures-as-stated-in-the-plans.csv", mime="text/csv", on_click="ignore")


def _pick_spine_area() -> None:
    st.session_state["ind_selected"] = st.session_state["ind_area"]


def spine_section(data: pd.DataFrame, areas: pd.DataFrame, level: str, districts: tuple[str, ...],
                  names: dict[str, str], confidence: str) -> None:
    """The spine chart of the area selected on the map (or chosen here): England's ranges are computed now."""
    from hiap_geo.indicators import spine

    st.header("Spine chart")
    options, area_names = view.spine_areas(areas, level, districts, names)
    selected = st.session_state.get("ind_selected")
    st.session_state["ind_area"] = selected if selected in options else options[0]
    area = st.selectbox("Area (or click it on the map)", options, key="ind_area", on_change=_pick_spine_area,
                        format_func=lambda c: f"{c} {area_names.get(c, '')}")
    area_level = view.spine_level(area, level, districts)
    district = view.district_of(areas, area)
    try:
        rows = spine.spine_rows(data, area, area_level, england_ranges(area_level), district, confidence)
    except HiapGeoError as exc:  # no chart for this area, or a dataset missing: say so
        st.info(escape_markdown(exc))
        return
    name, district_name = area_names.get(area, area), names.get(district, "District")
    st.html(spine_chart_html(rows, name, district_name))
    st.download_button("Download spine chart (PNG)", partial(spine_chart_png, rows, name, district_name),
                       file_name=f"hiap-geo-spine-{area}.png", mime="image/png", key="spine_png", on_click="ignore")
    st.caption(f"England is the red centre line; the bar spans all English {view.LEVELS[area_level]}s (darker: the "
               "middle half). Best is to the right for every indicator with a polarity ('low is good' ones are "
               "flipped); indicators without one run from lowest to highest. Indicators with no England value "
               "(the Health Index, most uploads) are not on this chart.")


def trends_section(data: pd.DataFrame, labels: dict[str, str], districts: tuple[str, ...],
                   names: dict[str, str]) -> None:
    from hiap_geo.indicators import spine

    st.header("Health Index trends, 2015-2021")
    trend_ids = view.trend_options(labels)
    st.session_state.setdefault("ind_trends", [i for i in view.TREND_DEFAULTS if i in labels])
    st.session_state["ind_trends"] = [i for i in st.session_state["ind_trends"] if i in trend_ids]
    chosen = st.multiselect("Health Index indicators", trend_ids, format_func=labels.get, key="ind_trends")
    if not chosen:
        return
    try:
        trends = spine.trend(data, chosen, {d: names.get(d, d) for d in districts})
    except HiapGeoError as exc:
        st.info(escape_markdown(exc))
        return
    grid = st.columns(2)
    for n, (name, group) in enumerate(trends.groupby("indicator", sort=False)):
        with grid[n % 2]:
            st.markdown(f"**{escape_markdown(name)}** ({escape_markdown(group['unit'].iat[0])})")
            st.altair_chart(trend_chart(group), width="stretch")
    st.caption(HEALTH_INDEX_NOTE)
    st.download_button("Download trends (CSV)", partial(csv_bytes, trends),
                       file_name="hiap-geo-health-index-trends.csv", mime="text/csv", key="trend_download",
                       on_click="ignore")


def table_section(values: pd.DataFrame, level: str, vintage: str, indicator_id: str, period: str,
                  confidence: str) -> None:
    """The indicator's figures by area, as shown and as downloaded (every figure with its source)."""
    from hiap_geo.indicators.stats import CONFIDENCE_LABELS

    first = view.first_value(values)
    table = view.indicator_export_table(values, level, vintage)
    comparison_columns = [c for c in ("compared with England", "compared with district") if c in table]
    shown = table.drop(columns=view.HIDDEN_TABLE_COLUMNS)
    number = st.column_config.NumberColumn
    st.dataframe(shown.style.map(view.comparison_css, subset=comparison_columns), hide_index=True, width="stretch",
                 placeholder=MISSING_CELL,
                 column_config={"value": number(f"value ({first['unit']})", format="%.2f"),
                                "lower limit": number(f"lower {CONFIDENCE_LABELS[confidence]}", format="%.2f"),
                                "upper limit": number(f"upper {CONFIDENCE_LABELS[confidence]}", format="%.2f"),
                                "count": number(format="%.0f"), "denominator": number(format="%.0f"),
                                "England value": number(format="%.2f"), "district value": number(format="%.2f")})
    st.caption(f"Source: {escape_markdown(first['source'])} ({escape_markdown(first['vintage'])}). "
               f"Method: {escape_markdown(view.method_text(first))}. "
               f"Compared at {CONFIDENCE_LABELS[confidence]} confidence: an area is better or worse when the "
               "comparator lies outside its confidence interval (Wilson for proportions, Byar's for counts and rates).")
    st.download_button("Download table (CSV)", partial(csv_bytes, table), mime="text/csv",  # written when clicked
                       file_name=f"hiap-geo-{indicator_id.replace(':', '-')}-{level}-{period.replace('/', '-')}.csv",
                       on_click="ignore")

"""Indicators: any health or deprivation indicator on the map for the sidebar's districts, compared with
England and the district, with an area's spine chart, Health Index trends, uploads and Fingertips.

Widgets only: what is shown is computed by hiap_geo.views.indicators; the sections under the map are in
app/indicator_sections.py, each run only while its tab is open."""

from __future__ import annotations

from functools import partial

import streamlit as st

from app.indicator_sections import (
    added_rows,
    fingertips_section,
    indicator_labels,
    indicator_rows,
    map_geometry,
    map_layer,
    spine_section,
    stated_section,
    table_section,
    trends_section,
    upload_section,
)
from app.loaders import chosen_areas, district_names, indicator_data_or_stop
from app.map_component import show_map
from app.sidebar import SELECTION_KEY
from app.widget_state import held_index
from hiap_geo.views.explorer import MapSelection, build_in_use
from hiap_geo.views.indicators import (
    COMPARATORS,
    CONFIDENCE_LABELS,
    DEFAULT_INDICATOR,
    IOD2025,
    LEVELS,
    WRAPPING_TOOLTIPS,
    area_at,
    area_values,
    best_layer,
    catalogue_order,
    codes_of,
    counted,
    district_outlines,
    escape_markdown,
    first_value,
    full_attribution,
    has_limits,
    indicator_map,
    indicator_measure,
    levels_of,
    map_colouring,
    map_download,
    map_file_name,
    map_frame,
    outside_codes,
    periods_of,
    tooltip_texts,
    uploaded_indicators,
    vintages,
    with_extras,
)
from hiap_geo.views.map_text import level_plural, level_singular, map_text

TABS = ["Table", "Spine chart", "Trends", "As stated in the plans", "Your data and Fingertips"]


def step_indicator(order: list[str], step: int) -> None:
    """Presentation mode's next/previous indicator (a callback: it runs before the selector is drawn)."""
    current = st.session_state.get("ind_indicator")
    position = order.index(current) if current in order else 0
    st.session_state["ind_indicator"] = order[(position + step) % len(order)]


def select_clicked(areas: object, lat: float, lng: float) -> None:
    """The area under a click becomes the selected one: outlined on the map, the spine chart's area."""
    st.session_state["ind_selected"] = area_at(areas, lat, lng) or st.session_state.get("ind_selected")


def select_code(codes: set[str], code: str) -> None:
    """An area chosen with the keyboard on the map (Enter on it) becomes the selected one."""
    if code in codes:
        st.session_state["ind_selected"] = code


@st.fragment
def indicators_body(sel: MapSelection) -> None:
    """The map, its controls and the tabs below it: a fragment, so a new indicator, geography, period, colour, tab or
    a click on the map reruns this body alone (with the sidebar's districts of the page's last full run), not the
    sidebar."""
    presenting, slug, names = sel.presentation, build_in_use(), district_names()

    # The map first, its controls beside it (folded above it in presentation); the sections below it in tabs, each run
    # only while it is open, so a first visit computes the map and the table alone. The data tab runs first when open:
    # an upload or a Fingertips copy is an indicator the selector offers.
    # Only the containers a mode uses: each is one more message and one more element for the browser to redraw on
    # every switch.
    if presenting:
        stepper = st.container()
        selectors, map_col, info_col = st.expander("Indicator, geography and colours"), st.container(), None
    else:
        map_col, info_col = st.columns([5, 2])
        selectors = info_col
    tabs = dict(zip(TABS, st.tabs(TABS, key="ind_tab", on_change="rerun"), strict=True))
    if tabs["Your data and Fingertips"].open:
        with tabs["Your data and Fingertips"]:
            upload_section()
            fingertips_section(sel, names)
    # A first visit reads the catalogue and the chosen indicator's source only; every source when a tab needs them all.
    labels = indicator_labels()
    uploaded = [i for frame in added_rows() if frame is not None for i in uploaded_indicators(frame)]
    order = catalogue_order(labels, uploaded)
    new_uploads = [i for i in uploaded if i not in st.session_state.get("ind_seen_uploads", [])]
    st.session_state["ind_seen_uploads"] = uploaded
    if new_uploads:  # a file just loaded: show it
        st.session_state["ind_indicator"] = new_uploads[0]
    elif st.session_state.get("ind_indicator") not in order:
        st.session_state["ind_indicator"] = DEFAULT_INDICATOR if DEFAULT_INDICATOR in order else order[0]

    if presenting:  # the chair's controls: the left and right arrow keys step through the indicators
        back, label, forward = stepper.columns([1, 8, 1], vertical_alignment="center")
        back.button("◀", on_click=step_indicator, args=(order, -1), shortcut="ArrowLeft", key="previous_indicator",
                    help="Previous indicator (left arrow)", disabled=len(order) < 2)
        label.markdown(f"**{escape_markdown(labels[st.session_state['ind_indicator']])}**")
        forward.button("▶", on_click=step_indicator, args=(order, 1), shortcut="ArrowRight", key="next_indicator",
                       help="Next indicator (right arrow)", disabled=len(order) < 2)

    with selectors:
        indicator_id = st.selectbox("Indicator", order, index=held_index(order, "ind_indicator"),
                                    format_func=labels.get, key="ind_indicator",
                                    help="Type to search. IoD 2025 underlying indicators, Census 2021, DWP and the ONS "
                                         "Health Index, plus your upload and any Fingertips data fetched.")
        data = indicator_rows(sel.districts, indicator_id)
        levels = levels_of(data, indicator_id)
        if not levels:
            st.info(f"{escape_markdown(labels[indicator_id])} has no figures for the chosen districts: choose another "
                    "indicator or other districts.")
            return
        if st.session_state.get("ind_level") not in levels:
            st.session_state["ind_level"] = sel.level if sel.level in levels else levels[0]
        level = st.radio("Geography", levels, index=held_index(levels, "ind_level"), format_func=LEVELS.get,
                         horizontal=True, key="ind_level")
        periods = periods_of(data, indicator_id, level)
        if st.session_state.get("ind_period") not in periods:
            st.session_state["ind_period"] = periods[-1]
        period_col, confidence_col = st.columns(2)
        period = period_col.selectbox("Period", periods, index=held_index(periods, "ind_period"), key="ind_period")
        confidence = confidence_col.radio("Confidence", list(CONFIDENCE_LABELS), format_func=CONFIDENCE_LABELS.get,
                                          horizontal=True, key="ind_confidence")
        colour_options = ["value", "england"] + (["district"] if level != "district" else [])
        if st.session_state.get("ind_colour") not in colour_options:
            st.session_state["ind_colour"] = "value"
        colour_by = st.radio("Colour by", colour_options, index=held_index(colour_options, "ind_colour"),
                             horizontal=True, key="ind_colour",
                             format_func=lambda o: "Value" if o == "value" else f"Compared with {COMPARATORS[o]}")

    codes = codes_of(data, indicator_id, level, period)
    vintage, areas = best_layer(codes, {v: partial(map_layer, slug, level, v, sel.districts) for v in vintages(level)})
    values = area_values(data, indicator_id, level, period, areas, confidence)
    notes = st.container() if presenting else info_col
    if values["value"].isna().all():
        map_col.warning(f"None of the chosen districts' {level_plural(level)} has a value for "
                        f"{escape_markdown(labels[indicator_id])} ({escape_markdown(period)}). Choose other districts "
                        "or another indicator.")
        return
    outside = outside_codes(codes, areas)
    if outside:
        notes.caption(f"{len(outside)} {level_singular(level)} code(s) of this indicator are outside the "
                      f"chosen districts (or not on the {vintage} map) and are not shown, e.g. "
                      f"{escape_markdown(', '.join(outside[:5]))}.")
    first = first_value(values)
    polarity = str(first["polarity"])
    measure, map_values = map_colouring(values, colour_by, confidence)
    if colour_by != "value" and not has_limits(values):
        notes.info("This indicator has no confidence limits (it is published as a value, without counts), so no area "
                   "can be tested against a comparator: every area shows as 'Not compared'. Colour by value instead.")
    if polarity == "no_judgement":
        notes.caption("This indicator has no polarity: areas are compared as higher or lower, never better or worse.")

    district_lines = (None if level == "district"
                      else chosen_areas(slug, "district", IOD2025.year, sel.districts).geometry)
    selected = st.session_state.get("ind_selected")
    with map_col:
        heading = (f"{escape_markdown(measure.label)} · {counted(len(areas), LEVELS[level])} ({vintage}), "
                   f"{escape_markdown(period)}")
        st.markdown(f"**{heading}**")
        # Geometry goes to the browser once per level and vintage (a file named by its content); a new indicator,
        # comparison, period or confidence sends colours and tooltips only, so the user's zoom is kept. At most the
        # room below the map's top in the window: all of it in view on a 1366x768 laptop.
        coloured = map_frame(areas, map_values)
        view = indicator_map(coloured, measure, values, district_lines=district_lines, selected=selected,
                             basemap=sel.basemap, presentation=presenting, height=560 if presenting else 620,
                             geometry_json=map_geometry(slug, level, vintage, sel.districts))
        in_words = map_text(map_frame(areas, values["value"]) if colour_by == "value" else coloured,
                            indicator_measure(str(first["indicator_name"]), first["unit"], polarity)
                            if colour_by == "value" else measure, level_plural(level))
        show_map(view, key="indicator_map", on_click=partial(select_clicked, areas), announce=in_words.announcement,
                 on_pick=partial(select_code, set(areas["code"])))
        (st.expander("The map in words") if presenting else map_col).markdown(
            escape_markdown(in_words.full) + " Every area is in the tab 'Table'.")
        map_title = f"{measure.label}, {period}"
        st.download_button("Download map (PNG)", map_download(coloured, measure, map_title,
                                                              outlines=district_outlines(district_lines)),
                           file_name=map_file_name(map_title), mime="image/png", key="indicator_map_png",
                           on_click="ignore")

    if info_col is not None:
        with info_col:
            row = values.set_index("code").loc[selected] if selected in set(values["code"]) else None
            if row is None:
                st.caption("Click an area on the map to see its figures here and its spine chart (tab 'Spine chart').")
            else:
                st.markdown(f"**{escape_markdown(selected)} {escape_markdown(row['name'])}**")
                figure = tooltip_texts(values[values["code"] == selected])[0]
                st.markdown(escape_markdown(f"{row['indicator_name']}: {figure}"))
                st.caption("Its spine chart is in the tab 'Spine chart'.")

    if tabs["Table"].open:
        with tabs["Table"]:
            table_section(values, level, vintage, indicator_id, period, confidence)
    if tabs["As stated in the plans"].open:
        with tabs["As stated in the plans"]:
            stated_section(sel.districts)
    if tabs["Spine chart"].open:
        with tabs["Spine chart"]:
            everything = with_extras(indicator_data_or_stop(sel.districts), added_rows())
            spine_section(everything, areas, level, sel.districts, names, confidence)
    if tabs["Trends"].open:
        with tabs["Trends"]:
            trends_section(with_extras(indicator_data_or_stop(sel.districts), added_rows()), labels, sel.districts,
                           names)


sel: MapSelection | None = st.session_state.get(SELECTION_KEY)
if sel is None:
    st.stop()
if not sel.presentation:  # in presentation the strip leads and the map gets the room
    st.title("Indicators")
if not sel.districts:
    st.info("Choose one or more districts in the sidebar to see their indicators.")
    st.stop()
st.html(WRAPPING_TOOLTIPS)  # the same for every indicator: not sent again on each switch
indicators_body(sel)
st.caption(full_attribution())

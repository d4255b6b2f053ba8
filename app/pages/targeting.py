"""Targeting: rank wards or LSOAs of the sidebar's districts by a transparent need score, filter by
thresholds, map and export the result; and the slope index of inequality of an indicator.

Widgets only: the need score is hiap_geo.indicators.need, the rest is computed by hiap_geo.views.targeting."""

from __future__ import annotations

from functools import partial

import streamlit as st

from app.loaders import chosen_areas, district_names, indicator_data_or_stop, map_geometry, map_layer
from app.map_component import show_map
from app.sidebar import SELECTION_KEY
from app.widget_state import held_index
from hiap_geo.views.explorer import MISSING_CELL, MapSelection, build_in_use
from hiap_geo.views.indicators import LEVELS
from hiap_geo.views.map_text import level_plural, level_singular, map_text
from hiap_geo.views.targeting import (
    CONFIDENCE_LABELS,
    IOD2025,
    METHOD_MARKDOWN,
    METHODS,
    MISSING_RULES,
    NEED,
    RANK_OF_ALL,
    SII_LABEL,
    TARGET_LEVELS,
    WEIGHT_SHARE,
    Component,
    HiapGeoError,
    SIIResult,
    area_at,
    area_summary,
    catalogue_target_indicators,
    chosen_thresholds,
    csv_bytes,
    decile_column,
    deprivation_components,
    escape_markdown,
    full_attribution,
    indicator_choices,
    layer_vintage,
    map_file_name,
    need_colouring,
    need_map_download,
    need_score,
    need_values,
    no_indicator_data,
    ranked_table,
    ranking_export_table,
    scored_areas,
    sii_headline,
    sii_indicators,
    sii_interval,
    sii_sentence,
    slope_index,
    targeting_frame,
    targeting_map,
)


@st.cache_data(show_spinner=False)
def sii_catalogue() -> object:
    return sii_indicators()


@st.cache_data(show_spinner=False)
def target_choices(level: str) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """The indicators to offer at a level, from the catalogue alone (the data is read once one is chosen)."""
    return indicator_choices(catalogue_target_indicators(level))


@st.cache_data(show_spinner="Fitting the slope index of inequality...")
def sii(indicator_id: str, district: str) -> SIIResult:
    return slope_index(indicator_id, district)


def select_clicked(areas: object, lat: float, lng: float) -> None:
    """The area under a click becomes the selected one: outlined on the map, its rank and score said under it."""
    st.session_state["tgt_selected"] = area_at(areas, lat, lng) or st.session_state.get("tgt_selected")


def select_code(codes: set[str], code: str) -> None:
    if code in codes:
        st.session_state["tgt_selected"] = code


@st.fragment
def need_score_section(sel: MapSelection) -> None:
    """The need score's choices, map and table: a fragment, so a weight, measure, threshold or a click on the map
    reruns this section alone (with the sidebar's districts of the page's last full run), not the sidebar and the
    slope index below."""
    presenting, slug = sel.presentation, build_in_use()
    # The map first, the choices beside it (folded above it in presentation, where they stay as chosen).
    if presenting:
        settings_box, map_col = st.expander("Need score, weights and thresholds"), st.container()
    else:
        map_col, settings_box = st.columns([3, 2])
    with settings_box:
        if st.session_state.get("tgt_level") not in TARGET_LEVELS:
            st.session_state["tgt_level"] = sel.level if sel.level in TARGET_LEVELS else "ward"
        level = st.radio("Rank", list(TARGET_LEVELS), index=held_index(list(TARGET_LEVELS), "tgt_level"),
                         horizontal=True, key="tgt_level", format_func=lambda lv: f"{LEVELS[lv]}s")
        kind, kinds = level_singular(level), level_plural(level)  # 'ward', 'wards' in a sentence
        areas = map_layer(slug, level, layer_vintage(level), sel.districts)
        if areas.empty:
            st.warning("The data has no areas for these districts at this level.")
            return

        st.markdown("**1. What counts as need**")
        deprivation = deprivation_components(areas, level)
        indicator_names, polarity_of, testable = target_choices(level)
        st.session_state.setdefault("tgt_dep", ["imd_score"])
        for key, options in (("tgt_dep", deprivation), ("tgt_ind", indicator_names)):
            if key in st.session_state:  # a level change can remove options the user had chosen
                st.session_state[key] = [k for k in st.session_state[key] if k in options]
        chosen_dep = st.multiselect("Deprivation measures", list(deprivation), format_func=lambda k: deprivation[k][0],
                                    key="tgt_dep")
        chosen_ind = st.multiselect(f"Indicators ({kind} values)", list(indicator_names),
                                    format_func=indicator_names.get, key="tgt_ind",
                                    help="IoD 2025 underlying indicators and Census 2021; values for wards are built "
                                         "from their LSOAs. Conditions on GP registers (QOF) are the House of Commons "
                                         "Library's modelled MSOA estimates (a ward: its MSOAs', by residents).")
        components: list[Component] = []
        labels: dict[str, str] = {}
        chosen = list(dict.fromkeys([*chosen_dep, *chosen_ind]))  # a hand-made message may repeat a measure
        with st.expander("Weights (relative: 2 counts twice as much as 1)", expanded=len(chosen) > 1):
            for key in chosen:
                label = deprivation[key][0] if key in deprivation else indicator_names[key]
                if key in deprivation or polarity_of[key] != "no_judgement":  # the way is the measure's: say it
                    higher = deprivation[key][1] if key in deprivation else polarity_of[key] == "low_is_good"
                    weight = st.slider(f"{label}: {'higher' if higher else 'lower'} value = more need",
                                       0.0, 5.0, 1.0, 0.5, key=f"tgt_w_{key}")
                else:  # the user says which way counts
                    weight = st.slider(label, 0.0, 5.0, 1.0, 0.5, key=f"tgt_w_{key}")
                    higher = st.radio("A higher value means", ["more need", "less need"], horizontal=True,
                                      key=f"tgt_dir_{key}") == "more need"
                components.append(Component(key, label, weight, higher))
                labels[key] = label
        with st.expander("Method: standardising and missing values"):
            method = st.radio("Standardise each component as", list(METHODS), format_func=METHODS.get, key="tgt_method")
            missing = st.radio("An area with no value for a component", list(MISSING_RULES),
                               format_func=MISSING_RULES.get, key="tgt_missing")

        st.markdown("**2. Thresholds**")
        decile_key, decile_label = decile_column(level)
        deciles = st.slider(f"IMD 2025 decile ({decile_label})", 1, 10, (1, 10), key="tgt_deciles",
                            help="1 = the most deprived 10% of LSOAs in England.")
        worse_col, confidence_col = st.columns([3, 2])
        worse = worse_col.multiselect("Significantly worse than England", testable, format_func=indicator_names.get,
                                      key="tgt_worse",
                                      help="Only indicators with confidence limits can be tested (Census 2021 counts).")
        confidence = confidence_col.radio("Confidence", list(CONFIDENCE_LABELS), format_func=CONFIDENCE_LABELS.get,
                                          key="tgt_confidence")
        if not testable:
            st.caption(f"No {kind} indicator here has confidence limits, so none can be tested against "
                       "England.")
        if sel.year != IOD2025.year:
            st.caption("The need score uses IoD 2025 on 2021 LSOAs and 2024 wards, the geographies the indicators are "
                       "published on (the IoD 2019 choice applies to the Map explorer).")

    if not components:
        map_col.info("Choose at least one deprivation measure or indicator to rank the areas.")
        return
    data = indicator_data_or_stop(sel.districts) if chosen_ind or worse else no_indicator_data()
    try:
        frame = targeting_frame(areas, data, level, list(dict.fromkeys([*chosen_ind, *worse])), confidence)
        score = need_score(frame, components, method, missing)
    except HiapGeoError as exc:
        map_col.warning(escape_markdown(exc))
        return
    thresholds = chosen_thresholds(decile_key, deciles, worse, indicator_names, confidence)
    frame, selected = scored_areas(frame, score, thresholds)
    measure, classes = need_colouring(selected, method)
    district_lines = chosen_areas(slug, "district", IOD2025.year, sel.districts).geometry
    clicked = st.session_state.get("tgt_selected")
    with map_col:
        st.markdown(f"**3. Result: {len(selected)} of {len(frame)} {kinds} "
                    + ("meet every threshold**" if thresholds else "ranked**"))
        if selected.empty:
            st.warning("No area meets every threshold. Widen the decile range or remove an indicator threshold.")
        # The chosen area's rank above the map, where a click's answer is in view at 1366x768 (below, it was not)
        shown = clicked in set(frame["code"])
        st.markdown(f"**Selected:** {escape_markdown(area_summary(frame, clicked))}" if shown
                    else "Click an area on the map to see its rank and score.")
        # Every area is on the map, those left out grey: a weight or threshold recolours it (no geometry is sent) and
        # the user's zoom is kept. At most the room below the map's top in the window.
        view = targeting_map(frame, selected, measure, classes, geometry=areas.geometry, district_lines=district_lines,
                             chosen=clicked, basemap=sel.basemap, presentation=presenting,
                             height=560 if presenting else 620,
                             geometry_json=map_geometry(slug, level, layer_vintage(level), sel.districts))
        in_words = map_text(need_values(selected), NEED, kinds)
        show_map(view, key="targeting_map", on_click=partial(select_clicked, areas), announce=in_words.announcement,
                 on_pick=partial(select_code, set(areas["code"])))
        st.markdown(escape_markdown(in_words.full) + " Every area is in the table below.")  # the map in words

    st.caption(escape_markdown(score.describe()))
    for note in score.notes:
        st.caption(escape_markdown(note))
    if not selected.empty:
        png = need_map_download(frame, selected, measure, classes, geometry=areas.geometry,  # drawn on click
                                district_lines=district_lines, kinds=kinds, thresholds=bool(thresholds))
        st.download_button("Download map (PNG)", png,
                           file_name=map_file_name(f"need score {level}"), mime="image/png", key="targeting_map_png",
                           on_click="ignore")
        table = ranked_table(selected, score, labels)
        three_places = [c for c in table.columns
                        if c.endswith((": standardised", f": {WEIGHT_SHARE}", ": contribution")) or c == "need score"]
        st.dataframe(table, hide_index=True, width="stretch", placeholder=MISSING_CELL,
                     column_config={c: st.column_config.NumberColumn(format="%.3f") for c in three_places}
                     | {RANK_OF_ALL: st.column_config.NumberColumn(format="%.0f")})
        if thresholds:
            st.caption(f"'need rank' numbers the {len(table)} areas shown; '{RANK_OF_ALL}' is each one's rank among "
                       f"all {int(frame['need_rank'].max())} scored {kinds} before the thresholds.")
        export = partial(ranking_export_table, table, score, thresholds, data, chosen_ind + worse, level)
        st.download_button("Download ranking (CSV)", lambda: csv_bytes(export()), mime="text/csv",  # written on click
                           file_name=f"hiap-geo-need-ranking-{level}.csv", on_click="ignore")


@st.fragment
def slope_index_section(sel: MapSelection) -> None:
    """The slope index of inequality of one indicator in one district: a fragment, so choosing either reruns this
    section alone."""
    names = district_names()
    st.header("Slope index of inequality")
    st.caption("How much an indicator changes from the most to the least deprived end of a district: the LSOAs are "
               "grouped into local IMD 2025 deciles, and a line is fitted through the deciles' values weighted by "
               "population (PHEindicatormethods' phe_sii).")
    sii_options = sii_catalogue()
    sii_names = sii_options["indicator_name"].to_dict()
    s_left, s_right = st.columns([3, 2])
    sii_id = s_left.selectbox("Indicator", list(sii_names), index=None, format_func=sii_names.get, key="sii_indicator",
                             placeholder="Choose an indicator to fit its slope index")
    sii_district = s_right.selectbox("District", sel.districts, format_func=lambda c: names.get(c, c),
                                     key="sii_district")
    if sii_id is None:  # fitted on request: reading every LSOA's figures takes seconds the first time
        st.caption("Choose an indicator above: its slope index across the district's deprivation deciles appears here.")
    else:
        row = sii_options.loc[sii_id]
        try:
            result = sii(sii_id, sii_district)
        except HiapGeoError as exc:
            st.warning(f"The slope index cannot be computed here: {escape_markdown(exc)}")
        else:
            m1, m2, m3 = st.columns(3)
            m1.metric(SII_LABEL, sii_headline(result),
                      help="The fitted value at the least deprived end minus that at the most deprived end: negative "
                           "when the indicator is higher where deprivation is greatest. The sentence below uses the "
                           "same sign.")
            m2.metric("95% confidence interval", sii_interval(result))
            m3.metric("Relative index (RII)", f"{result.rii:,.3f}")
            st.markdown(escape_markdown(sii_sentence(result, sii_names[sii_id], row["unit"],
                                                     names.get(sii_district, sii_district), row["polarity"])))
            st.caption(f"{result.quantiles} deciles; confidence limits: {result.method}. "
                       f"Source: {escape_markdown(row['source'])}.")


sel: MapSelection | None = st.session_state.get(SELECTION_KEY)
if sel is None:
    st.stop()
if not sel.presentation:
    st.title("Targeting")
if not sel.districts:
    st.info("Choose one or more districts in the sidebar to rank their areas.")
    st.stop()
need_score_section(sel)
st.expander("How the need score works").markdown(METHOD_MARKDOWN)  # the same for every choice: not in the fragment
slope_index_section(sel)
st.caption(full_attribution())

"""Targeting: rank wards or LSOAs of the sidebar's districts by a transparent need score, filter by
thresholds, map and export the result; and the slope index of inequality of an indicator.

Widgets only: the need score is hiap_geo.indicators.need, the rest is computed by hiap_geo.views.targeting."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app.live_region import announce
from app.loaders import chosen_areas, district_names, indicator_data_or_stop
from app.sidebar import SELECTION_KEY
from hiap_geo.core.attribution import full_attribution
from hiap_geo.core.cells import csv_bytes
from hiap_geo.core.editions import IOD2025
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.text import escape_markdown
from hiap_geo.indicators import need
from hiap_geo.indicators.compare import slope_index
from hiap_geo.indicators.stats import CONFIDENCE_LABELS, SIIResult
from hiap_geo.render.maps import Outline, area_map
from hiap_geo.render.static_map import map_download, map_file_name
from hiap_geo.views import targeting as tv
from hiap_geo.views.explorer import MISSING_CELL, MapSelection, build_in_use
from hiap_geo.views.indicators import LEVELS, standard_areas
from hiap_geo.views.map_text import kind_plural, map_text


@st.cache_data(show_spinner=False)
def sii_catalogue() -> pd.DataFrame:
    return tv.sii_indicators()


@st.cache_data(show_spinner="Fitting the slope index of inequality...")
def sii(indicator_id: str, district: str) -> SIIResult:
    return slope_index(indicator_id, district)


sel: MapSelection | None = st.session_state.get(SELECTION_KEY)
if sel is None:
    st.stop()
presenting = sel.presentation
if not presenting:
    st.title("Targeting")
    st.caption("Which wards or neighbourhoods need action most? Rank them by a need score that combines deprivation "
               "with the indicators you choose, with your weights; every component is shown.")
if not sel.districts:
    st.info("Choose one or more districts in the sidebar to rank their areas.")
    st.stop()
slug = build_in_use()
names = district_names()
data = indicator_data_or_stop(sel.districts)
if sel.year != IOD2025.year:
    st.caption("The need score uses IoD 2025 on 2021 LSOAs and 2024 wards, the geographies the indicators are "
               "published on (the sidebar's IoD 2019 choice applies to the map explorer).")

# In presentation the choices fold away (they stay as chosen) and the result and its map lead.
settings_box = st.expander("Need score, weights and thresholds") if presenting else st.container()
with settings_box:
    if st.session_state.get("tgt_level") not in tv.TARGET_LEVELS:
        st.session_state["tgt_level"] = sel.level if sel.level in tv.TARGET_LEVELS else "ward"
    level = st.radio("Rank", list(tv.TARGET_LEVELS), horizontal=True, key="tgt_level",
                     format_func=lambda lv: f"{LEVELS[lv]}s")
    areas = standard_areas(chosen_areas(slug, level, IOD2025.year, sel.districts), level)
    if areas.empty:
        st.warning("The data has no areas for these districts at this level.")
        st.stop()

    st.header("1. What counts as need")
    deprivation = tv.deprivation_components(areas, level)
    available = tv.target_indicators(data, level)
    indicator_names, polarity_of, testable = tv.indicator_choices(available)
    left, right = st.columns(2)
    st.session_state.setdefault("tgt_dep", ["imd_score"])
    for key, options in (("tgt_dep", deprivation), ("tgt_ind", indicator_names)):
        if key in st.session_state:  # a level change can remove options the user had chosen
            st.session_state[key] = [k for k in st.session_state[key] if k in options]
    chosen_dep = left.multiselect("Deprivation measures", list(deprivation), format_func=lambda k: deprivation[k][0],
                                  key="tgt_dep")
    chosen_ind = right.multiselect(f"Indicators ({LEVELS[level]} values)", list(indicator_names),
                                   format_func=indicator_names.get, key="tgt_ind",
                                   help="IoD 2025 underlying indicators and Census 2021; values for wards are built "
                                        "from their LSOAs. Conditions on GP registers (QOF) are the House of Commons "
                                        "Library's modelled MSOA estimates (a ward: its MSOAs', by residents).")

    components: list[need.Component] = []
    labels: dict[str, str] = {}
    chosen = [*chosen_dep, *chosen_ind]
    if chosen:
        st.markdown("**Weights** (relative: 2 counts twice as much as 1)")
        grid = st.columns(3)
        for n, key in enumerate(chosen):
            with grid[n % 3]:
                label = deprivation[key][0] if key in deprivation else indicator_names[key]
                weight = st.slider(label, 0.0, 5.0, 1.0, 0.5, key=f"tgt_w_{key}")
                if key in deprivation:
                    higher = deprivation[key][1]
                elif polarity_of[key] == "no_judgement":
                    higher = st.radio("A higher value means", ["more need", "less need"], horizontal=True,
                                      key=f"tgt_dir_{key}") == "more need"
                else:
                    higher = polarity_of[key] == "low_is_good"
                st.caption(f"{'Higher' if higher else 'Lower'} value = more need")
            components.append(need.Component(key, label, weight, higher))
            labels[key] = label
    options = st.columns(2)
    method = options[0].radio("Standardise each component as", list(need.METHODS), format_func=need.METHODS.get,
                              key="tgt_method")
    missing = options[1].radio("An area with no value for a component", list(need.MISSING_RULES),
                               format_func=need.MISSING_RULES.get, key="tgt_missing")
    with st.expander("How the need score works"):
        st.markdown(tv.METHOD_MARKDOWN)

    st.header("2. Thresholds")
    decile_key, decile_label = tv.decile_column(level)
    t_left, t_mid, t_right = st.columns([3, 4, 2])
    deciles = t_left.slider(f"IMD 2025 decile ({decile_label})", 1, 10, (1, 10), key="tgt_deciles",
                            help="1 = the most deprived 10% of LSOAs in England.")
    worse = t_mid.multiselect("Significantly worse than England", testable,
                              format_func=indicator_names.get, key="tgt_worse",
                              help="Only indicators with confidence limits can be tested (Census 2021 counts).")
    confidence = t_right.radio("Confidence", list(CONFIDENCE_LABELS), format_func=CONFIDENCE_LABELS.get,
                               key="tgt_confidence")
    if not testable:
        st.caption(f"No {LEVELS[level]} indicator here has confidence limits, so none can be tested against England.")

if not components:
    st.info("Choose at least one deprivation measure or indicator above to rank the areas.")
    st.stop()
try:
    frame = tv.targeting_frame(areas, data, level, list(dict.fromkeys([*chosen_ind, *worse])), confidence)
    score = need.need_score(frame, components, method, missing)
except HiapGeoError as exc:
    st.warning(escape_markdown(exc))
    st.stop()
thresholds = tv.chosen_thresholds(decile_key, deciles, worse, indicator_names, confidence)
frame, selected = tv.scored_areas(frame, score, thresholds)

st.header(f"3. Result: {len(selected)} of {len(frame)} {LEVELS[level]}s "
             + ("meet every threshold" if thresholds else "ranked"))
st.caption(escape_markdown(score.describe()))
for note in score.notes:
    st.caption(escape_markdown(note))
if selected.empty:
    st.warning("No area meets every threshold. Widen the decile range or remove an indicator threshold.")
else:
    measure, classes = tv.need_colouring(selected, method)
    outlines = [Outline(areas.geometry, "#9e9e9e", 0.6),
                Outline(chosen_areas(slug, "district", IOD2025.year, sel.districts).geometry, "#000000", 2.5)]
    fmap = area_map(tv.need_map_frame(selected, classes), measure, outlines=outlines, basemap=sel.basemap,
                    tooltip_values=tv.need_tooltips(selected, frame), fit=areas.geometry)
    st_folium(fmap, key="targeting_map", height=520, use_container_width=True, returned_objects=[])
    st.download_button("Download map (PNG)", map_download(tv.need_map_frame(selected, classes), measure,
                                                          f"Need score: {len(selected)} {LEVELS[level]}s",
                                                          outlines=outlines[1:]),
                       file_name=map_file_name(f"need score {level}"), mime="image/png", key="targeting_map_png")
    st.caption("Areas not meeting the thresholds are left blank (grey outlines).")
    in_words = map_text(tv.need_map_frame(selected, selected["need_score"]), tv.NEED, kind_plural(LEVELS[level]))
    st.markdown(escape_markdown(in_words.full) + " Every area is in the table below.")  # the map in words
    announce(in_words.announcement, key="targeting_live")  # said politely when weights or thresholds change

if not selected.empty:
    table = tv.ranked_table(selected, score, labels)
    st.dataframe(table, hide_index=True, width="stretch", placeholder=MISSING_CELL,
                 column_config={c: st.column_config.NumberColumn(format="%.3f") for c in table.columns
                                if c.endswith((": standardised", ": weight", ": contribution")) or c == "need score"}
                 | {tv.RANK_OF_ALL: st.column_config.NumberColumn(format="%.0f")})
    if thresholds:
        st.caption(f"'need rank' numbers the {len(table)} areas shown; '{tv.RANK_OF_ALL}' is each one's rank among all "
                   f"{int(frame['need_rank'].max())} scored {LEVELS[level]}s before the thresholds.")
    export = tv.ranking_export_table(table, score, thresholds, data, chosen_ind + worse, level)
    st.download_button("Download ranking (CSV)", csv_bytes(export), mime="text/csv",
                       file_name=f"hiap-geo-need-ranking-{level}.csv")

st.header("Slope index of inequality")
st.caption("How much an indicator changes from the most to the least deprived end of a district: the LSOAs are "
           "grouped into local IMD 2025 deciles, and a line is fitted through the deciles' values weighted by "
           "population (PHEindicatormethods' phe_sii).")
sii_options = sii_catalogue()
sii_names = sii_options["indicator_name"].to_dict()
s_left, s_right = st.columns([3, 2])
sii_id = s_left.selectbox("Indicator", list(sii_names), format_func=sii_names.get, key="sii_indicator")
sii_district = s_right.selectbox("District", sel.districts, format_func=lambda c: names.get(c, c),
                                 key="sii_district")
row = sii_options.loc[sii_id]
try:
    result = sii(sii_id, sii_district)
except HiapGeoError as exc:
    st.warning(f"The slope index cannot be computed here: {escape_markdown(exc)}")
else:
    m1, m2, m3 = st.columns(3)
    m1.metric(tv.SII_LABEL, tv.sii_headline(result),
              help="The fitted value at the least deprived end minus that at the most deprived end: negative when "
                   "the indicator is higher where deprivation is greatest. The sentence below uses the same sign.")
    m2.metric("95% confidence interval", "not available" if pd.isna(result.sii_lower_95)
              else f"{result.sii_lower_95:,.2f} to {result.sii_upper_95:,.2f}")
    m3.metric("Relative index (RII)", f"{result.rii:,.3f}")
    st.markdown(escape_markdown(tv.sii_sentence(result, sii_names[sii_id], row["unit"],
                                                names.get(sii_district, sii_district), row["polarity"])))
    st.caption(f"{result.quantiles} deciles; confidence limits: {result.method}. "
               f"Source: {escape_markdown(row['source'])}.")
st.caption(full_attribution())

"""Map explorer: deprivation by LSOA, ward or district for the districts chosen in the sidebar."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import streamlit as st

from app.loaders import area_geometry, chosen_areas
from app.map_component import show_map
from app.sidebar import SELECTION_KEY
from hiap_geo.views.explorer import (
    CHANGE_CAVEAT,
    MISSING_CELL,
    SHARE_CHANGE,
    SHARE_CHANGE_MEASURE,
    TABLE_ROWS_SHOWN,
    MapSelection,
    build_in_use,
    change_2019_2025,
    decile_band,
    found_outline,
    measure_export_table,
    pick_label,
    search,
    search_context,
    selected_outline,
    share_change_areas,
    value_column,
    value_format,
)
from hiap_geo.views.explorer_page import (
    MAX_GROUP_AREAS,
    Areas,
    HiapGeoError,
    Outline,
    area_at,
    available,
    csv_bytes,
    escape_markdown,
    full_attribution,
    map_areas,
    map_download,
    map_file_name,
    map_view,
    measure,
)
from hiap_geo.views.info import area_info, split_definitions
from hiap_geo.views.map_text import level_plural, map_text


@st.cache_data(show_spinner=False)
def describe(code: str) -> list[tuple[str, list[tuple[str, str]]]]:
    return area_info(code).sections


def outlines(slug: str, sel: MapSelection) -> list[Outline]:
    lines = []
    if sel.level == "lsoa" and len(sel.districts) <= 15:
        lines.append(Outline(chosen_areas(slug, "ward", sel.year, sel.districts).geometry, "#1a1a1a", 1.2))
    if sel.level != "district":
        lines.append(Outline(chosen_areas(slug, "district", sel.year, sel.districts).geometry, "#000000", 2.5))
    return lines


def set_group(codes: list[str]) -> None:
    """Areas picked on the map for a custom-group profile."""
    st.session_state["profile_group"] = codes


def select_clicked(areas: Areas, lat: float, lng: float) -> None:
    """The area under a click on the map becomes the selected one (a click outside every area keeps the last)."""
    st.session_state["selected_area"] = area_at(areas, lat, lng) or st.session_state.get("selected_area")


def select_code(areas: Areas, code: str) -> None:
    """An area chosen with the keyboard on the map (Enter on it) becomes the selected one."""
    if code in set(areas["code"]):
        st.session_state["selected_area"] = code


def show_area(code: str) -> None:
    try:
        sections = describe(code)
    except HiapGeoError as exc:
        st.warning(escape_markdown(exc))
        return
    for title, rows in sections:
        figures, definitions = split_definitions(rows)
        st.markdown(f"**{escape_markdown(title)}**")
        st.markdown("\n".join(f"- {escape_markdown(label)}: {escape_markdown(value)}" for label, value in figures))
        if definitions:
            st.expander("How is this worked out?").markdown("\n\n".join(
                f"**{escape_markdown(label)}**: {escape_markdown(value)}" for label, value in definitions))


def show_change(sel: MapSelection) -> None:
    """Each ward's or district's figures in 2019 and 2025 side by side, on each edition's own geography."""
    plural = "wards" if sel.level == "ward" else "districts"
    st.subheader(f"Change 2019 to 2025 for these {plural}")
    change = change_2019_2025(sel.level, sel.districts)
    st.caption(change["caveat"].iat[0])  # our own sentence, not a user's text
    decimals = {c: st.column_config.NumberColumn(c, format="%.1f") for c in change if "%" in c or "score" in c}
    st.dataframe(change.drop(columns=["caveat", "code"]), hide_index=True, width="stretch", placeholder=MISSING_CELL,
                 key="change_table", column_config=decimals)
    st.download_button("Download the change table (CSV)", partial(csv_bytes, change),
                       file_name=f"hiap-geo-change-2019-2025-{sel.level}.csv", mime="text/csv", on_click="ignore")


sel: MapSelection | None = st.session_state.get(SELECTION_KEY)
if sel is None:
    st.stop()
if not sel.districts:
    st.info("Choose one or more districts in the sidebar to draw the map.")
    st.stop()

slug = build_in_use()
share_change = sel.measure == SHARE_CHANGE and sel.level != "lsoa" and sel.year == 2025
chosen = SHARE_CHANGE_MEASURE if share_change else measure(sel.level, sel.measure, sel.value_type, sel.local,
                                                            year=sel.year)
areas_layer = chosen_areas(slug, sel.level, sel.year, sel.districts)
if areas_layer.empty:
    st.warning("The data has no areas for these districts at this level and vintage.")
    st.stop()
if not share_change and not available(areas_layer, chosen):
    st.warning(f"{chosen.label} is not in the IoD {sel.year} data this app has: the files obtained give this "
               "measure's ranks and deciles but not its scores. Choose decile or rank, or the other edition.")
    st.stop()
areas = map_areas(areas_layer, sel.level, chosen)
tips = None
if share_change:  # each edition on its own geography: the crosswalk's caveat goes with the map
    areas, tips = share_change_areas(areas, sel.level)

if not sel.presentation:  # presentation mode's strip (app.py) names the measure; the map gets the room
    st.title("Map explorer")
    st.header(f"{chosen.label} ({len(areas):,} area{'s' if len(areas) != 1 else ''}, IoD {sel.year})")
# The map first: the controls sit beside it, above the area panel, so on a 1366x768 laptop the whole map shows.
if sel.presentation:
    controls, map_col, info_col = st.expander("Filter by decile and find an area"), st.container(), None
else:
    map_col, info_col = st.columns([5, 2])
    controls = info_col  # written before the area panel below them: no container of their own (one message less)

if st.session_state.get("search_context") != search_context(sel):  # a new map: the old search meant another one
    st.session_state["search_context"] = search_context(sel)
    st.session_state["area_query"] = ""
    st.session_state.pop("selected_area", None)

band_note = None
if chosen.kind == "decile":
    top = controls.select_slider("Show only deciles 1 to", options=list(range(1, 11)), value=10, key="decile_band",
                                 help="1 = the most deprived 10%. Areas outside the band are grey on the map and "
                                      "left out of the table.")
    if top < 10:
        inside, band = decile_band(areas, areas_layer["population"], top)
        band_note = band.describe("areas" if sel.level != "lsoa" else "LSOAs")
        areas = areas.assign(value=areas["value"].where(inside))
        chosen = replace(chosen, missing_label=f"Deciles {top + 1} to 10 (outside the band)")
        controls.markdown(f"**{escape_markdown(band_note)}**")

query = controls.text_input("Find an area", key="area_query",
                            placeholder="Code or name, e.g. E01024840, Sherwood ward, Sherwood, Tunbridge Wells")
found = search(areas, query) if query else areas.iloc[0:0]
zoom_to = found.geometry  # a ward name zooms to all of its LSOAs
if query and found.empty:
    controls.warning(f"No {sel.level} on this map matches '{escape_markdown(query)}'. Check the districts and "
                     "the geography level.")
elif len(found) > 1:
    pick = controls.selectbox(f"{len(found)} areas match; choose one to select it", [None, *found["code"]],
                              format_func=lambda c: pick_label(areas, c, sel.level))  # plain text, no Markdown
    if pick is not None:
        found = found[found["code"] == pick]
        zoom_to = found.geometry
if len(found) == 1:
    st.session_state["selected_area"] = found["code"].iat[0]

selected_before = st.session_state.get("selected_area")
found_lines = selected_outline(areas, selected_before)
with map_col:
    # Geometry goes to the browser once (files named by their content); a rerun sends the colours and legend, so
    # a new measure recolours the map the user has zoomed, and a found or clicked area is outlined in place.
    # At most the room below the map's top in the window (at least 400 px): all of it in view on a laptop.
    view = map_view(
        areas, chosen, outlines=[*outlines(slug, sel), *found_outline(found, query)], selected=selected_before,
        selected_label=found_lines[0].label if found_lines else None, basemap=sel.basemap,
        presentation=sel.presentation, geometry_json=area_geometry(slug, sel.level, sel.year, sel.districts),
        fit=zoom_to, height=560 if sel.presentation else 600, fit_window=True, tooltip_values=tips,
    )
    in_words = map_text(areas, chosen, level_plural(sel.level))
    show_map(view, key="explorer_map", on_click=partial(select_clicked, areas), announce=in_words.announcement,
             on_pick=partial(select_code, areas))
    if share_change:
        st.caption(CHANGE_CAVEAT)
    # The map in words, beside it: what it shows and the worst areas by name (a screen reader's way into the map)
    (st.expander("The map in words") if sel.presentation else map_col).markdown(
        escape_markdown(in_words.full) + ("" if sel.presentation else
                               " Every area is in [the table below the map](#areas-on-the-map)."))

selected = st.session_state.get("selected_area")
if info_col is not None:
    with info_col:
        if selected and selected in set(areas["code"]):
            st.markdown(f"### {selected} {escape_markdown(areas.set_index('code').at[selected, 'name'])}")
            st.page_link("app/pages/profile.py", label="Open its profile (PDF, Word, Excel)", icon="📄",
                         query_params={"area": selected})
            if sel.level in ("lsoa", "ward"):  # profiles take groups of LSOAs and wards
                group = st.session_state.get("profile_group", [])
                if selected in group:
                    st.button("Remove from the group", on_click=set_group, args=([c for c in group if c != selected],))
                else:
                    full = len(group) >= MAX_GROUP_AREAS
                    st.button("Add to a group for a profile", on_click=set_group, args=([*group, selected],),
                              disabled=full, help=f"A group takes at most {MAX_GROUP_AREAS} areas." if full else None)
            show_area(selected)
        else:
            st.caption("Click an area (or find it above) to see its deprivation profile here.")
        group = st.session_state.get("profile_group", [])
        if group:
            st.markdown(f"**Group of {len(group)}:** {escape_markdown(', '.join(group))}")
            st.page_link("app/pages/profile.py", label="Open the group's profile", icon="📄",
                         query_params={"area": ",".join(group)})
            st.button("Clear the group", on_click=set_group, args=([],))

if not sel.presentation:
    table = measure_export_table(areas, chosen, sel.year, sel.level, layer=areas_layer)
    if band_note is not None:
        table = table[table[value_column(chosen)].notna()]
    # A region's or England's table (5,000 to 34,000 rows) would be re-sent on every switch of measure: shown on
    # request. The CSV is written only when the button is clicked.
    st.subheader("Areas on the map", anchor="areas-on-the-map")
    if len(table) <= TABLE_ROWS_SHOWN or st.toggle(f"Show the table ({len(table):,} rows)", key="explorer_big_table"):
        st.dataframe(table.drop(columns=["measure", "vintage", "source"]), hide_index=True, width="stretch",
                     placeholder=MISSING_CELL,
                     column_config={value_column(chosen): st.column_config.NumberColumn(
                         value_column(chosen), format=value_format(chosen))})
    st.download_button("Download table (CSV)", partial(csv_bytes, table),
                       file_name=f"hiap-geo-{sel.measure}-{sel.level}-iod{sel.year}.csv", mime="text/csv",
                       on_click="ignore")
    if sel.level != "lsoa":
        show_change(sel)
    map_title = f"{chosen.label}, IoD {sel.year}"
    st.download_button("Download map (PNG)", map_download(areas, chosen, map_title, outlines=outlines(slug, sel)),
                       file_name=map_file_name(map_title), mime="image/png", key="explorer_map_png", on_click="ignore")
    st.caption(full_attribution())

"""The shared sidebar, written once: every page reads the MapSelection it stores."""

from __future__ import annotations

import streamlit as st

from app.loaders import district_names
from app.widget_state import held_index
from hiap_geo.core import settings
from hiap_geo.core.text import escape_markdown
from hiap_geo.geo.deprivation import MEASURES, measure_columns
from hiap_geo.geo.layers import layer_columns
from hiap_geo.geo.measures import VALUE_TYPES, WARD_VALUE_TYPES
from hiap_geo.render.maps import BASEMAP_OFFLINE_NOTE, BASEMAPS
from hiap_geo.views.explorer import (
    CHOSEN_DISTRICTS,
    LEVELS,
    SHARE_CHANGE,
    SHARE_CHANGE_LABEL,
    MapSelection,
    area_choices,
    build_in_use,
    built_districts,
    districts_of,
    kent_and_medway,
    read_area_link,
)

SELECTION_KEY = "map_selection"
MEASURE_OPTIONS_KEY = "measure_options"
NO_BASEMAP = "none"  # a string, not None: a selectbox whose saved value is None shows "Choose an option"
LINK_READ_KEY = "area_link_read"
WIDGET_KEYS = ("area", "districts", "level", "year", "measure", "value_type", "local", "area_value_type", "basemap",
               "presentation")
"""The sidebar's widgets. Pages without map controls do not draw them, and Streamlit forgets the value of a
widget that is not drawn; ``keep_state`` re-saves them each run so a visit to such a page loses nothing."""


def keep_state() -> None:
    """Keep the sidebar's choices while a page that does not draw the sidebar is shown."""
    for key in WIDGET_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


@st.cache_data(show_spinner=False)
def _kent() -> list[str]:
    return kent_and_medway()


@st.cache_data(show_spinner=False)
def offered_areas(slug: str) -> dict[str, str]:
    """Regions and England the build holds whole: only what is built is offered."""
    return area_choices(built_districts(slug))


def _read_link(slug: str, options: list[str], choices: dict[str, str]) -> None:
    """Once per session, ``?area=`` in the address picks the area: a region code (E12...), 'england', 'kent',
    or district codes separated by commas; something the build does not hold is named, and ignored."""
    if st.session_state.get(LINK_READ_KEY):
        return
    st.session_state[LINK_READ_KEY] = True
    link = read_area_link(str(st.query_params.get("area", "")), slug, options, choices, _kent)
    if link.area is not None:
        st.session_state["area"] = link.area
    if link.districts:
        st.session_state["districts"] = list(link.districts)
    if link.warning:
        st.sidebar.warning(escape_markdown(link.warning))


@st.cache_data(show_spinner=False)
def _published(slug: str, year: int) -> list[str]:
    """Measures the edition has any figure for (IDACI and IDAOPI 2025 only once File 3 has been fetched).

    Read from the built layer's decile columns alone, not the whole IoD table: a fresh server's first page
    does not wait for the national CSVs (about 0.8 s)."""
    deciles = layer_columns(slug, "lsoa", year, [f"{m}_decile" for m in MEASURES])
    return measure_columns(deciles, "decile")


def _basemap_label(key: str) -> str:
    return "None (works offline)" if key == NO_BASEMAP else f"{key} (needs internet)"


def _use_kent() -> None:
    st.session_state["districts"] = [d for d in _kent() if d in st.session_state["district_options"]]


def render_sidebar(map_controls: bool = True) -> MapSelection | None:
    """Draw the sidebar; returns the selection, or None when no layers are built. Without ``map_controls`` only
    the area, the basemap and presentation mode are drawn (the pages that map their own choices)."""
    try:
        slug = build_in_use()
    except Exception as exc:  # noqa: BLE001 - shown to the user as it is
        st.sidebar.error(str(exc))
        return None
    names = district_names()
    options = [d for d in built_districts(slug) if d in names]
    st.session_state["district_options"] = options
    if "districts" not in st.session_state:
        st.session_state["districts"] = [settings.DEFAULT_DISTRICT] if settings.DEFAULT_DISTRICT in options else []
    unbuilt = [d for d in st.session_state["districts"] if d not in options]
    if unbuilt:
        st.sidebar.warning(f"No layers are built for {', '.join(unbuilt)} (this app has '{slug}'). "
                           "Run `python -m hiap_geo build --area england` to map every district.")
        st.session_state["districts"] = [d for d in st.session_state["districts"] if d in options]
    side = st.sidebar
    choices = offered_areas(slug)
    _read_link(slug, options, choices)
    area_options = [CHOSEN_DISTRICTS, *choices]
    if st.session_state.get("area") not in area_options:
        st.session_state["area"] = CHOSEN_DISTRICTS
    if choices:
        area = side.selectbox("Area", area_options, index=held_index(area_options, "area"), key="area",
                              format_func=lambda k: "Districts chosen below" if k == CHOSEN_DISTRICTS else choices[k],
                              help="A whole region or England, drawn the same way as districts. England has "
                                   "33,755 LSOAs: its map takes several seconds to draw.")
    else:  # the Data sources page says why no region is offered (not the map pages' sidebar: it costs the fold)
        area = CHOSEN_DISTRICTS
    if area == CHOSEN_DISTRICTS:
        side.multiselect("Districts", options, key="districts", format_func=lambda c: f"{names[c]} ({c})",
                         help="Type to search any English district; choose several to compare.")
        side.button("All of Kent and Medway", on_click=_use_kent, width="stretch")
        districts = tuple(st.session_state["districts"])
    else:
        districts = districts_of(area, options)
    if not map_controls:
        return _selection(districts, side)
    level = side.radio("Geography", list(LEVELS), format_func=LEVELS.get, horizontal=True, key="level")
    year = side.radio("Indices of Deprivation", [2025, 2019], format_func=lambda y: f"IoD {y}",
                      horizontal=True, key="year")
    change = ("imd_change" if level == "lsoa" else SHARE_CHANGE) if year == 2025 else None
    keys = _published(slug, int(year)) + ([change] if change else [])
    labels = {**MEASURES, "imd_change": "Change in IMD decile, 2019 to 2025", SHARE_CHANGE: SHARE_CHANGE_LABEL}
    st.session_state[MEASURE_OPTIONS_KEY] = {k: labels[k] for k in keys}
    measure = side.selectbox("Measure", keys, index=held_index(keys, "measure"), format_func=labels.get,
                             key="measure")  # a link or presentation's next measure sets it: held in every run
    if change is None:
        side.caption("The change from 2019 to 2025 is mapped on IoD 2025 geography (for LSOAs in deciles, for "
                     "wards and districts in residents in deciles 1-2): choose IoD 2025 to see it.")
    local = False
    if measure in ("imd_change", SHARE_CHANGE):
        value_type = "change"
    elif level == "lsoa":
        value_type = side.radio("Value", list(VALUE_TYPES), format_func=VALUE_TYPES.get, horizontal=True,
                                key="value_type")
        if value_type == "decile":
            local = side.toggle("Local deciles (ranked within each district)", key="local")
    else:
        choices = list(WARD_VALUE_TYPES) if measure == "imd" else ["score"]
        value_type = side.radio("Value", choices, format_func=WARD_VALUE_TYPES.get, key="area_value_type")
    return _selection(districts, side, level, int(year), measure, value_type, local)


def _selection(districts: tuple[str, ...], side: object, *choices: object) -> MapSelection:
    """The basemap and presentation controls (every map page), and the selection stored for the pages. Without
    ``choices`` (a page with no map controls) the Map explorer's last choices are kept as they were."""
    basemap = side.selectbox("Basemap", [NO_BASEMAP, *BASEMAPS], key="basemap", format_func=_basemap_label)
    if basemap != NO_BASEMAP:
        side.caption(BASEMAP_OFFLINE_NOTE)
    presentation = side.toggle("Presentation mode (for meetings)", key="presentation")
    state = st.session_state
    level, year, measure, value_type, local = choices or (
        state.get("level", "lsoa"), int(state.get("year", 2025)), state.get("measure", "imd"),
        state.get("value_type", "decile"), bool(state.get("local", False)))
    selection = MapSelection(districts, level, year, measure, value_type, local,
                             None if basemap == NO_BASEMAP else basemap, presentation)
    st.session_state[SELECTION_KEY] = selection
    return selection

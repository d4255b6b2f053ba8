"""Area profile: one area's (or a group's) evidence on screen, and as PDF, Word, Excel, CSV, GeoJSON."""

from __future__ import annotations

from datetime import date
from functools import partial

import streamlit as st

from app.loaders import district_names, shared_result
from hiap_geo.views.explorer import MISSING_CELL
from hiap_geo.views.profile import (
    MAP_CAPTION,
    HiapGeoError,
    Profile,
    Progress,
    build,
    escape_markdown,
    export_file,
    map_alt_text,
    pick_key,
    pick_prompt,
    profile_screen,
    read_request,
)


def profile_of(codes: tuple[str, ...], name: str | None, today: date, progress: Progress | None = None) -> Profile:
    """Built once per area and day for the whole server (the exports below reuse it). ``progress`` shows how far
    it has got and stops the work when the session that asked has ended; it is called outside any Streamlit cache,
    which may not draw into a block made outside it."""
    return shared_result(("profile", codes, name, today), lambda: build(codes, name, today, progress))


@st.cache_data(show_spinner=False, max_entries=50)
def exported(codes: tuple[str, ...], name: str | None, today: date, fmt: str) -> bytes:
    return export_file(profile_of(codes, name, today), fmt)


presenting = bool(st.session_state.get("presentation"))
if not presenting:  # in presentation the area's profile leads; the boxes that choose it fold away, as typed
    st.title("Area profile")
    st.caption("An LSOA, a ward or a district (by code or name: 'Sherwood', 'Sherwood ward', 'Sherwood, Tunbridge "
               "Wells'), or a group of LSOA and ward codes, with its figures, a map and its sources, ready for a "
               "funding bid.")
with st.expander("Area") if presenting else st.container():
    query = st.text_area("Area", value=st.query_params.get("area", ""), key="profile_query", height=80,
                         placeholder="E01024840, or Sherwood, Tunbridge Wells, or Sevenoaks, "
                                     "or several codes, one per line")
    group_name = st.text_input("Name for a group of areas (optional)", key="profile_group_name")

try:
    names = district_names()
    near = [names[d] for d in st.session_state.get("districts", ()) if d in names]
    request = read_request(query, group_name, near)  # the sidebar's districts' places offered first
except HiapGeoError as exc:
    st.error(escape_markdown(exc))
    st.stop()
if request is None:
    st.info("Enter an area above, or open a profile from an area selected on the map explorer.")
    st.stop()
if request.candidates:  # a name several places have: the user picks one (the key follows the name typed)
    labels = {place.code: place.label for place in request.candidates}
    pick = st.selectbox(pick_prompt(query, len(labels)), list(labels), index=None,
                        format_func=labels.get,  # options are plain text
                        placeholder="Choose a place", key=pick_key(query))
    if pick is None:
        st.info("Choose one of the places above, or add the district after a comma (e.g. 'Sherwood, Tunbridge "
                "Wells') or the kind of area (e.g. 'Sherwood ward').")
        st.stop()
    request = request.choose(pick)
building = st.progress(0.0, text="Building the profile...")
try:
    profile = profile_of(request.codes, request.name, date.today(),
                         lambda fraction, text: building.progress(fraction, text=f"Building the profile: {text}..."))
except HiapGeoError as exc:
    st.error(escape_markdown(exc))
    st.stop()
finally:
    building.empty()
if request.note:
    st.caption(escape_markdown(request.note))
screen = profile_screen(profile)

st.header(escape_markdown(screen.title))
st.caption(escape_markdown(screen.caption))
for column, download in zip(st.columns(len(screen.downloads)), screen.downloads, strict=True):
    column.download_button(
        download.label, partial(exported, request.codes, request.name, profile.generated, download.fmt),
        file_name=download.file_name, mime=download.media_type, key=f"download_{download.fmt}", width="stretch",
        on_click="ignore"
    )

map_col, figures_col = st.columns([2, 3])
with map_col:
    st.image(profile.map_png(), caption=MAP_CAPTION, alt=map_alt_text(profile))
with figures_col:
    for table in screen.tables:
        st.markdown(f"**{escape_markdown(table.title)}**")
        if table.frame is None:
            st.info(escape_markdown(table.message))
            continue
        st.dataframe(table.frame, hide_index=True, width="stretch", placeholder=MISSING_CELL)
        if table.note:
            st.caption(escape_markdown(table.note))
st.caption(screen.attribution)

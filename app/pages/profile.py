"""Area profile: one area's (or a group's) evidence on screen, and as PDF, Word, Excel, CSV, GeoJSON."""

from __future__ import annotations

from datetime import date
from functools import partial

import streamlit as st

from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.text import escape_markdown
from hiap_geo.render.profile.export import FORMATS, MEDIA_TYPES, export, file_name
from hiap_geo.render.profile.model import Profile, build_profile, parse_area_query

FORMAT_LABELS = {"pdf": "PDF", "docx": "Word", "xlsx": "Excel", "csv": "CSV", "geojson": "GeoJSON"}


@st.cache_resource(show_spinner="Building the profile...", max_entries=20)
def profile_of(codes: tuple[str, ...], name: str | None, today: date) -> Profile:
    """Built once per area and day; the exports below reuse it."""
    return build_profile(list(codes), name=name, today=today)


@st.cache_data(show_spinner=False, max_entries=50)
def exported(codes: tuple[str, ...], name: str | None, today: date, fmt: str) -> bytes:
    return export(profile_of(codes, name, today), fmt)


st.title("Area profile")
st.caption("An LSOA, a ward or a district (code or name), or a group of LSOA and ward codes, "
           "with its figures, a map and its sources, ready for a funding bid.")
query = st.text_area("Area", value=st.query_params.get("area", ""), key="profile_query", height=80,
                     placeholder="E01024840, or Sherwood ward's code E05015813, or 'Sevenoaks', "
                                 "or several codes, one per line")
group_name = st.text_input("Name for a group of areas (optional)", key="profile_group_name")
if not query.strip():
    st.info("Enter an area above, or open a profile from an area selected on the map explorer.")
    st.stop()

try:
    codes = tuple(parse_area_query(query))
    profile = profile_of(codes, group_name.strip() or None, date.today())
except HiapGeoError as exc:
    st.error(str(exc))
    st.stop()

st.header(escape_markdown(profile.area.title()))
st.caption(f"{profile.area.kind_label()}; generated {profile.generated:%d %B %Y}")
download_cols = st.columns(len(FORMATS))
for column, fmt in zip(download_cols, FORMATS, strict=True):
    column.download_button(
        f"Download {FORMAT_LABELS[fmt]}", partial(exported, codes, group_name.strip() or None, profile.generated, fmt),
        file_name=file_name(profile, fmt), mime=MEDIA_TYPES[fmt], key=f"download_{fmt}", width="stretch",
    )

map_col, figures_col = st.columns([2, 3])
with map_col:
    st.image(profile.map_png(), caption="The area in its surroundings (IMD decile; 1 = most deprived 10%)")
with figures_col:
    for table in profile.tables():
        st.markdown(f"**{table.title}**")
        if table.message:
            st.info(escape_markdown(table.rows[0][0] if table.rows else table.note))
            continue
        st.dataframe(table.as_text_frame(), hide_index=True, width="stretch")
        if table.note:
            st.caption(table.note)
st.caption(profile.attribution)

"""A Streamlit page for tests/test_map_speed_browser.py: the same map drawn the old way or the new, side by side.

``?engine=folium`` draws it as the Map explorer did before issue 16 (the whole folium page through ``st_folium``
on every rerun); ``?engine=component`` through the app's map component. ``?place=kent`` maps Kent and Medway,
else Tunbridge Wells. The "Map" radio switches measure and value, as the sidebar does (each choice a new map, so
Streamlit's cache of messages the browser has already had does not hide what a switch costs).
"""

import streamlit as st
from streamlit_folium import st_folium

from app.loaders import chosen_areas
from app.map_component import show_map
from hiap_geo.core.settings import DEFAULT_DISTRICT
from hiap_geo.geo.measures import map_areas, measure
from hiap_geo.render.map_component import map_view
from hiap_geo.render.maps import Outline, area_map, encode_geometry
from hiap_geo.views.explorer import build_in_use, built_districts
from tests.test_map_speed_browser import SPEED_CHOICES


@st.cache_data(show_spinner=False)
def geometry_json(slug: str, districts: tuple[str, ...]) -> str:
    return encode_geometry(chosen_areas(slug, "lsoa", 2025, districts).geometry)


engine = st.query_params.get("engine", "component")
slug = build_in_use()
districts = tuple(built_districts(slug)) if st.query_params.get("place") == "kent" else (DEFAULT_DISTRICT,)
key, value_type = st.radio("Map", SPEED_CHOICES, horizontal=True).split()
chosen = measure("lsoa", key, value_type)
areas = map_areas(chosen_areas(slug, "lsoa", 2025, districts), "lsoa", chosen)
lines = [Outline(chosen_areas(slug, "district", 2025, districts).geometry, "#000000", 2.5)]
if engine == "folium":
    st_folium(area_map(areas, chosen, outlines=lines, geometry_json=geometry_json(slug, districts)), key="m",
              height=600, use_container_width=True, returned_objects=["last_clicked"])
else:
    show_map(map_view(areas, chosen, outlines=lines, geometry_json=geometry_json(slug, districts)), key="m")

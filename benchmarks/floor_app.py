"""The floor: the least a Streamlit map page can do on this machine (one folium polygon through st_folium).

The browser benchmark drives it with the same controls as the app (a Measure selectbox, a Districts
multiselect, a click on the map), so each of the app's figures can be read as a ratio to this page.
"""

from __future__ import annotations

import folium
import streamlit as st
from branca.element import MacroElement
from jinja2 import Template
from streamlit_folium import st_folium

# Two small squares (Tunbridge Wells, Sevenoaks): the 'districts' the floor switches between. Comments, not
# docstrings: Streamlit's "magic" would print a bare string on the page.
SQUARES = {"A": (51.13, 0.26), "B": (51.27, 0.19)}
COLOURS = {"Index of Multiple Deprivation": "#08519c", "Income": "#a50f15"}

measure = st.sidebar.selectbox("Measure", list(COLOURS))
districts = st.sidebar.multiselect("Districts", list(SQUARES), default=["A"])
fmap = folium.Map(location=[51.2, 0.25], zoom_start=10, tiles=None)
# Leaflet from this server, as the app serves it (benchmarks/static/, copied by benchmarks.servers): offline.
fmap.default_js = [("leaflet", "/app/static/vendor/leaflet/leaflet.js")]
fmap.default_css = [("leaflet_css", "/app/static/vendor/leaflet/leaflet.css")]
for name in districts:
    lat, lng = SQUARES[name]
    square = [[lat - 0.05, lng - 0.08], [lat - 0.05, lng + 0.08], [lat + 0.05, lng + 0.08], [lat + 0.05, lng - 0.08]]
    folium.Polygon(square, color="#000000", weight=1, fill=True, fill_color=COLOURS[measure], fill_opacity=0.7,
                   tooltip=name).add_to(fmap)
# The mark the benchmark waits for, as on the app's map: set once Leaflet has drawn the layer.
mark = MacroElement()
mark._template = Template("{% macro script(this, kwargs) %}" + fmap.get_name() + ".getContainer().dataset"
                          f".areaCount = '{len(districts)}';" + "{% endmacro %}")
fmap.add_child(mark)
clicked = st_folium(fmap, key="floor_map", height=600, use_container_width=True, returned_objects=["last_clicked"])
point = (clicked or {}).get("last_clicked")
if point:
    st.write(f"Clicked at {point['lat']:.4f}, {point['lng']:.4f}")

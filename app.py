"""Streamlit entry point: the router and the shared sidebar; nothing else."""

from pathlib import Path

import streamlit as st

from hiap_geo.maps import install_map_assets
from hiap_geo.pages.sidebar import render_sidebar

st.set_page_config(page_title="HIAP Geo", layout="wide")  # default icon: a material icon would load from a CDN
install_map_assets(Path(__file__).parent / "static")  # Leaflet served by the app: maps work offline

PAGES = [
    st.Page("hiap_geo/pages/map_explorer.py", title="Map explorer", icon=":material/map:", url_path="map",
            default=True),
    st.Page("hiap_geo/pages/datasets.py", title="Data sources", icon=":material/dataset:", url_path="data"),
]

navigation = st.navigation(PAGES)
render_sidebar()
navigation.run()

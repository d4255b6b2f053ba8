"""Streamlit entry point: the router and the shared sidebar; nothing else."""

from pathlib import Path

import streamlit as st

from hiap_geo.maps import install_map_assets
from hiap_geo.pages.sidebar import render_sidebar

# An emoji favicon is drawn locally; a material-icon favicon would be fetched from a font CDN.
st.set_page_config(page_title="HIAP Geo", page_icon="🗺️", layout="wide")
install_map_assets(Path(__file__).parent / "static")  # Leaflet served by the app: maps work offline

PAGES = [
    st.Page("hiap_geo/pages/map_explorer.py", title="Map explorer", icon="🗺️", url_path="map",
            default=True),
    st.Page("hiap_geo/pages/indicators.py", title="Indicators", icon="📊", url_path="indicators"),
    st.Page("hiap_geo/pages/targeting.py", title="Targeting", icon="🎯", url_path="targeting"),
    st.Page("hiap_geo/pages/profile.py", title="Area profile", icon="📄", url_path="profile"),
    st.Page("hiap_geo/pages/plan.py", title="Plan", icon="📋", url_path="plan"),
    st.Page("hiap_geo/pages/datasets.py", title="Data sources", icon="📚", url_path="data"),
]

navigation = st.navigation(PAGES)
render_sidebar()
navigation.run()

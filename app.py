"""Streamlit entry point: the router and the shared sidebar; nothing else."""

from pathlib import Path

import streamlit as st

from app.access import gate
from app.map_component import preload_map
from app.presentation import presentation_strip
from app.sidebar import MEASURE_OPTIONS_KEY, keep_state, render_sidebar
from app.style import accessible_style
from app.warm_up import warm_up
from hiap_geo.core.log import configure as configure_logging
from hiap_geo.render.maps import install_map_assets

# An emoji favicon is drawn locally; a material-icon favicon would be fetched from a font CDN.
st.set_page_config(page_title="HIAP Geo", page_icon="🗺️", layout="wide")
configure_logging()  # downloads, cache decisions and refusals to the server's stderr (HIAP_LOG_LEVEL)
install_map_assets(Path(__file__).parent / "static")  # Leaflet served by the app: maps work offline
accessible_style()  # contrast, target size and focus where Streamlit's own styling falls short (app/style.py)

# Streamlit serves the default page at "/" whatever its url_path, so "/map" (in links and the README) would be
# "Page not found": a hidden page at "map" runs the same explorer there.
PAGES = [
    st.Page("app/pages/map_explorer.py", title="Map explorer", icon="🗺️", url_path="", default=True),
    st.Page("app/pages/map_explorer.py", title="Map explorer", icon="🗺️", url_path="map", visibility="hidden"),
    st.Page("app/pages/indicators.py", title="Indicators", icon="📊", url_path="indicators"),
    st.Page("app/pages/targeting.py", title="Targeting", icon="🎯", url_path="targeting"),
    st.Page("app/pages/profile.py", title="Area profile", icon="📄", url_path="profile"),
    st.Page("app/pages/plan.py", title="Plan", icon="📋", url_path="plan"),
    st.Page("app/pages/plan_editor.py", title="Plan editor", icon="✏️", url_path="plan-editor"),
    st.Page("app/pages/datasets.py", title="Data sources", icon="📚", url_path="data"),
    st.Page("app/pages/accessibility.py", title="Accessibility", icon="♿", url_path="accessibility"),
]

# Pages that read the sidebar's map controls (the default page's url_path is empty). A comment, not a
# docstring: Streamlit's "magic" would print a bare string in the app.
MAP_PAGES = ("map", "indicators", "targeting", "plan", "")

gate()  # with sign-in configured: the sign-in page until someone with a role signs in; else the local user
navigation = st.navigation(PAGES)
keep_state()
if navigation.url_path in (*MAP_PAGES, "plan-editor"):
    preload_map()  # the map's code and Leaflet fetched while the page computes its map
# Controls only where they act: the Map explorer's Geography, edition and measure on its page alone.
selection = render_sidebar(navigation.url_path in ("", "map")) if navigation.url_path in MAP_PAGES else None
# The measure arrows step the Map explorer's measure; the other pages map their own choices (the Plan page steps
# through actions, the Indicators page through indicators), so no measure arrows there.
steps_measures = selection is not None and navigation.url_path in ("", "map")
presentation_strip(selection, st.session_state.get(MEASURE_OPTIONS_KEY, {}) if steps_measures else {})
try:
    navigation.run()
finally:  # after the first page is drawn (or stopped early), once per process: the heavy imports of the map pages'
    warm_up()  # first visits, in the background (app/warm_up.py; in addition to pages importing only what they use)

"""Streamlit entry point: the router and the shared sidebar; nothing else."""

import streamlit as st

st.set_page_config(page_title="HIAP Geo", page_icon=":material/map:", layout="wide")

PAGES = [
    st.Page("hiap_geo/pages/datasets.py", title="Data sources", icon=":material/dataset:", url_path="data"),
]

navigation = st.navigation(PAGES)
with st.sidebar:
    st.caption("HIAP Geo: official deprivation data for Health Inequalities Action Plans.")
navigation.run()

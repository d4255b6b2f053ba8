"""Accessibility statement: what conforms to WCAG 2.2 AA, what does not yet and why, how to report a problem."""

import streamlit as st

from hiap_geo.views.accessibility import markdown, statement

st.title("Accessibility statement")
st.markdown(markdown(statement()))

"""Thin Streamlit pages: widgets in, library calls, widgets out."""

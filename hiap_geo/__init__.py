"""HIAP Geo: official deprivation and health data for Health Inequalities Action Plans.

The library knows nothing of Streamlit; the app's pages (``hiap_geo.pages``) call it.
"""

__version__ = "0.1.0"

"""The Plan page's cached loaders: keyed on the plan's text and source, so every session shares one copy."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.loaders import progress_store
from hiap_geo.views import plan as plan_view
from hiap_geo.views import plan_page
from hiap_geo.views.plan_page import LoadedPlan


@st.cache_data(show_spinner=False)
def choices(stored: tuple[str, ...], stamp: tuple[tuple[str, int], ...], url: str) -> list[plan_view.PlanChoice]:
    """The plan list (``stamp``: the shipped files' change times, so a new file is listed)."""
    stored_plans = plan_view.stored_plans(progress_store(url), stored) if stored else {}
    return plan_view.plan_choices(stored, stored_plans)


@st.cache_resource(show_spinner=False, max_entries=16)
def parsed(text: str, source: str) -> LoadedPlan:
    return plan_page.parse(text, source)


@st.cache_data(show_spinner="Placing the plan's actions on the map...", max_entries=16)
def reach_of(text: str, source: str) -> plan_view.PlanReach:
    return plan_view.plan_reach(parsed(text, source).plan)


@st.cache_data(show_spinner="Checking the plan against the official data...", max_entries=16)
def check_report(text: str, source: str) -> pd.DataFrame:
    return plan_page.check_report(parsed(text, source))


@st.cache_data(show_spinner="Checking the figures the document states...", max_entries=16)
def claims_report(text: str, source: str) -> tuple[str, pd.DataFrame]:
    return plan_page.claims_report(parsed(text, source))


@st.cache_data(show_spinner=False, max_entries=64)
def coverage_of(text: str, source: str, action_ids: tuple[str, ...], measure: str, decile_max: int,
                decile_type: str, indicator: str | None = None, level: float = 95) -> plan_page.Coverage:
    return plan_view.plan_coverage(reach_of(text, source), action_ids,
                                   plan_view.CoverageThreshold(measure, decile_max, decile_type, indicator, level))

"""The Plan page's widgets for its tables and its Coverage and Plan check tabs: what they show is computed by
``hiap_geo.views.plan`` and ``plan_page``; here only how it is laid out (controls first, then the summary, then the
tables, so that at 1366x768 a tab's controls and its main finding are in view when it opens)."""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from app.loaders import coverage_indicators, coverage_measures
from app.plan_data import check_report, claims_report, coverage_of
from hiap_geo.views import plan as plan_view
from hiap_geo.views.plan_page import (
    MISSING_CELL,
    Coverage,
    HiapGeoError,
    LoadedPlan,
    PlanFileError,
    blank_cells,
    csv_bytes,
    escape_markdown,
)

COMPACT_STYLE = (
    "<style>.block-container{padding-top:3.9rem}"
    "[data-testid='stMain'] h2{font-size:1.35rem;padding:0.1rem 0 0 0}</style>"
)
"""The Plan page on a 1366x768 projector: less blank room above the page (Streamlit's is 6rem) and the plan's title
as a small h2, so the tabs' controls start within the top third of the screen."""


TABS = ("Map", "Progress (HAT)", "Coverage", "Plan check")
TAB_KEYS = {
    "Map": ("plan_level", "plan_colour", "plan_highlight"),
    "Progress (HAT)": ("plan_review_corrects", "plan_review_action", "plan_review_status", "plan_review_date",
                       "plan_review_note", "plan_review_reason", "plan_review_reviewer", "plan_history_action",
                       "plan_pack_meeting", "plan_pack_since", "plan_pack_selection", "plan_pack_show",
                       "plan_import_confirm"),
    "Coverage": ("plan_cov_basis", "plan_cov_measure", "plan_cov_decile", "plan_cov_local", "plan_cov_indicator",
                 "plan_cov_level"),
}
"""The widgets of each tab whose choice outlives the tab being closed (a file chosen for upload does not)."""


def keep_closed_tabs(open_tabs: dict[str, bool | None]) -> None:
    """Keep the choices made in the tabs that are closed in this run: Streamlit forgets a widget's value when it is
    not drawn, and a closed tab draws nothing (``on_change="rerun"``), so they are set again."""
    state = st.session_state
    for name, keys in TAB_KEYS.items():
        if open_tabs.get(name) is False:
            for key in keys:
                if key in state:
                    state[key] = state[key]


def compact_page() -> None:
    st.html(COMPACT_STYLE)  # style only: out of the flow, no room taken


def plan_heading(box: Any, title: str, caption: str) -> None:
    """The plan's title (the page's one h2, small: ``COMPACT_STYLE``) and one line under it."""
    box.header(escape_markdown(title), anchor=False)
    box.caption(caption)


def csv_button(label: str, table: pd.DataFrame, file_name: str, key: str) -> None:
    """A CSV download written when it is clicked: a rerun (a new action on the map, say) does not write it."""
    st.download_button(label, partial(csv_bytes, table), file_name=file_name, mime="text/csv", key=key,
                       on_click="ignore")


def show_table(frame: pd.DataFrame, **options: Any) -> None:
    """A table with every blank cell shown as a dash (never "None" or "nan")."""
    st.dataframe(blank_cells(frame), hide_index=True, width="stretch", placeholder=MISSING_CELL, **options)


def bullet_list(items: list[str]) -> str:
    return "\n".join(f"- {escape_markdown(i)}" for i in items)


def show_plan_error(exc: PlanFileError, name: str) -> None:
    problems = plan_view.problem_lines(exc)
    st.error(f"**{escape_markdown(name)}** cannot be used as a plan, and nothing from it was stored. Fix "
             f"{'this problem' if len(problems) == 1 else f'these {len(problems)} problems'} and upload it again:"
             "\n\n" + bullet_list(problems))


def threshold_defaults(loaded: LoadedPlan) -> dict[str, str]:
    """The threshold the plan's document states, set where the Coverage tab has not been used; the measures."""
    plan = loaded.plan
    default = plan_view.default_threshold(plan)
    measures = coverage_measures(plan.edition)
    state = st.session_state
    state.setdefault("plan_cov_measure", default.measure if default.measure in measures else "imd")
    state.setdefault("plan_cov_decile", default.decile_max)
    state.setdefault("plan_cov_local", default.decile_type == "local")
    if state.get("plan_cov_basis") not in plan_view.threshold_bases(plan.edition):  # another plan's choice
        state["plan_cov_basis"] = "decile"
    return measures


def coverage_shown(loaded: LoadedPlan, shown_ids: tuple[str, ...]) -> Coverage | None:
    """The coverage at the threshold set in the Coverage tab (the document's until then), for the map's coverage
    colours while that tab is closed; None when it cannot be worked out (the Coverage tab says why)."""
    threshold_defaults(loaded)
    state, text, source = st.session_state, loaded.text, loaded.source
    try:
        if state["plan_cov_basis"] == "indicator":
            indicator = state.get("plan_cov_indicator") or next(iter(coverage_indicators()), None)
            level = state.get("plan_cov_level", next(iter(plan_view.CONFIDENCE_LEVELS)))
            return coverage_of(text, source, shown_ids, "imd", 1, "national", indicator, level) if indicator else None
        return coverage_of(text, source, shown_ids, state["plan_cov_measure"], state["plan_cov_decile"],
                           "local" if state["plan_cov_local"] else "national")
    except HiapGeoError:
        return None


def coverage_threshold(loaded: LoadedPlan, shown_ids: tuple[str, ...]) -> Coverage | None:
    """The threshold's controls in one row, and the coverage they give (None, with a warning, when it cannot be
    worked out)."""
    text, source = loaded.text, loaded.source
    measures = threshold_defaults(loaded)
    basis_col, first, second, third = st.columns([3, 3, 3, 2])
    bases = plan_view.threshold_bases(loaded.plan.edition)
    basis = basis_col.radio("Count as deprived", list(bases), format_func=bases.get, key="plan_cov_basis")
    if note := plan_view.indicator_basis_note(loaded.plan.edition):
        basis_col.caption(note)
    try:
        if basis == "indicator":
            indicators = coverage_indicators()
            indicator = first.selectbox(
                "LSOAs significantly worse than England on", list(indicators), format_func=indicators.get,
                key="plan_cov_indicator",
                help="Fingertips' comparison: an LSOA is significantly worse when England's value lies outside its "
                     "confidence limits on the bad side (using the indicator's polarity). Only indicators published "
                     "per LSOA with confidence limits can be used; they are on the IoD 2025 geography (LSOA 2021).")
            level = second.radio("Confidence level", list(plan_view.CONFIDENCE_LEVELS),
                                 format_func=plan_view.CONFIDENCE_LEVELS.get, horizontal=True, key="plan_cov_level")
            return coverage_of(text, source, shown_ids, "imd", 1, "national", indicator, level)
        measure = first.selectbox("Deprived by", list(measures), format_func=measures.get, key="plan_cov_measure")
        decile = second.slider("Deciles counted as deprived: 1 to", 1, 10, key="plan_cov_decile",
                               help="1 = the most deprived 10% of LSOAs.")
        local = third.toggle("Local deciles", key="plan_cov_local",
                             help="Deciles within the district (its own most deprived 10%, 20%...), not England's.")
        return coverage_of(text, source, shown_ids, measure, decile, "local" if local else "national")
    except HiapGeoError as exc:
        st.warning(escape_markdown(exc))
        return None


def coverage_tables(cover: Coverage, loaded: LoadedPlan) -> None:
    """The summary, then the deprived areas no action names, then the rest."""
    plan = loaded.plan
    st.markdown(plan_view.coverage_summary(cover, plan.edition))
    st.caption("An action 'names' an area when it gives its code or name, its ward, a list or a rule that "
               "selects it. Actions that reach only the whole district are counted apart (district-wide actions), so "
               "that 'every area is covered' cannot hide behind them.")
    st.subheader("Deprived areas no action names")
    uncovered = plan_view.coverage_export(cover.uncovered)
    show_table(uncovered, height=min(38 + 35 * len(uncovered), 250))
    csv_button("Download (CSV)", uncovered, f"{plan.id}-uncovered-deprived-lsoas.csv", "plan_csv_uncovered")
    st.subheader("All deprived areas and the actions that name them")
    every = plan_view.coverage_export(cover.deprived)
    show_table(every)
    csv_button("Download (CSV)", every, f"{plan.id}-deprived-lsoas.csv", "plan_csv_deprived")
    st.subheader("Deprived areas by priority (number of actions naming each)")
    matrix = plan_view.priority_matrix_table(cover, plan)
    show_table(matrix)
    csv_button("Download (CSV)", matrix, f"{plan.id}-area-by-priority.csv", "plan_csv_matrix")
    st.subheader("Actions that name no place")
    placeless = plan_view.placeless_table(cover)
    show_table(placeless)
    csv_button("Download (CSV)", placeless, f"{plan.id}-actions-naming-no-place.csv",
               "plan_csv_placeless")


def check_panel(loaded: LoadedPlan, lists: pd.DataFrame) -> None:
    """The plan checked against the official data, the document's figures checked, and the lists it gives."""
    plan, text, source = loaded.plan, loaded.text, loaded.source
    try:
        report = check_report(text, source)
    except HiapGeoError as exc:
        report = None
        st.error(f"The plan could not be checked: {escape_markdown(exc)}")
    if report is not None:
        st.markdown(plan_view.check_summary(report, plan.edition))
        findings = plan_view.check_table(report, plan)
        csv_button("Download the report (CSV)", findings, f"{plan.id}-plan-check.csv", "plan_csv_check")
        with st.container(height=320 if len(report) > 6 else "content", border=False):  # the findings scroll in place
            for item in plan_view.check_items(report, plan, 50):
                st.markdown(item)
            if len(report) > 50:
                st.caption(f"... and {len(report) - 50} more in the table and CSV below.")
        with st.expander("The findings as a table"):
            show_table(findings)
    st.subheader("Figures the document states, checked")
    try:
        claims_line, claims = claims_report(text, source)
    except HiapGeoError as exc:
        claims_line, claims = "", None
        st.error(f"The document's figures could not be checked: {escape_markdown(exc)}")
    if claims is not None and claims_line:
        st.markdown(escape_markdown(claims_line) + " Each figure with the document's words, the verdict, what the "
                    "document states and what the data gives.")
        stated = plan_view.claims_table(claims)
        show_table(stated)
        csv_button("Download the checked figures (CSV)", stated, f"{plan.id}-figures-check.csv", "plan_csv_claims")
    elif claims is not None:
        st.caption("No figures of this document are transcribed into HIAP Geo yet, so none are checked.")
    if len(lists):
        st.subheader("Areas the document lists")
        listed = plan_view.lists_table(lists)
        show_table(listed)
        csv_button("Download (CSV)", listed, f"{plan.id}-area-lists.csv", "plan_csv_lists")

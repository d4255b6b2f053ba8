"""Plan: a Health Inequalities Action Plan on the map, its coverage of deprived areas, its check against the
data, and the progress of its actions for Health Action Team meetings.

Laid out for a chair on a 1366x768 projector: the plan and its filters in one row, then the tabs, each with its
controls at its top; the map fits the window beside its controls. The widgets live in app/plan_*.py, what they
show in hiap_geo/views/plan*.py.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import streamlit as st

from app.loaders import progress_store
from app.plan_data import choices, parsed, reach_of
from app.plan_map_panel import map_tab, map_tab_fragment
from app.plan_progress import KEPT_REVIEW, progress_panel
from app.plan_widgets import (
    TABS,
    bullet_list,
    check_panel,
    compact_page,
    coverage_shown,
    coverage_tables,
    coverage_threshold,
    keep_closed_tabs,
    plan_heading,
    show_plan_error,
)
from app.sidebar import SELECTION_KEY
from app.widget_state import held_index
from hiap_geo.views import plan as plan_view
from hiap_geo.views import plan_map, plan_page, plan_reviews
from hiap_geo.views.plan_page import (
    PLAN_KEYS,
    HiapGeoError,
    MapSelection,
    PlanFileError,
    ProgressStore,
    database_url,
    escape_markdown,
)

sel: MapSelection | None = st.session_state.get(SELECTION_KEY)
if sel is None:
    st.stop()
presenting = sel.presentation
if not presenting:  # presentation mode has its own (app/presentation.py)
    compact_page()
# In presentation mode the plan's choice, filters and map settings fold into one expander: the map gets the room.
box: Any = st.expander("Plan, filters and map settings") if presenting else st.container()
title_col, plan_col, *filter_cols = box.columns([1.7, 4, 3, 3, 2], vertical_alignment="bottom")
if not presenting:
    title_col.title("Plan", anchor=False)

try:
    store: ProgressStore | None = progress_store(database_url())
    store_error = None
    stored_ids = tuple(store.plan_ids())
except HiapGeoError as exc:
    store, store_error, stored_ids = None, plan_reviews.without_address(exc, database_url()), ()
if store is None and st.session_state.get(KEPT_REVIEW):  # said first: the page may stop before its Progress tab
    failed = st.session_state.pop("plan_progress_message", None)
    st.error(failed[1] if failed else f"The review was not recorded: {escape_markdown(store_error)}")
    st.warning("**Not recorded.** Your note is kept here until the progress database is back; the review form "
               "offers it again then:")
    st.code(st.session_state[KEPT_REVIEW]["note"] or "(no note)", language=None, wrap_lines=True)

options = choices(stored_ids, plan_page.plan_file_stamp(), database_url())
labels = {c.key: c.label for c in options}
if st.session_state.get("plan_choice") not in labels:
    st.session_state["plan_choice"] = plan_view.choice_for(options, st.query_params.get("plan"), sel.districts)
choice = plan_col.selectbox("Plan", list(labels), index=held_index(list(labels), "plan_choice"),
                            format_func=labels.get, key="plan_choice",
                            help="The plans transcribed in data/plans, plans imported into the progress database, "
                                 "or a plan file of your own (format: data/plans/README.md).")

if choice == plan_view.UPLOAD:
    upload = box.file_uploader("Plan file (YAML)", type=["yaml", "yml"], key="plan_upload",
                               help="Checked in full before it is used; an upload is never stored until you record "
                                    "a review or download its history.")
    if upload is None:
        st.info("Upload a plan file to map it. The format is described in data/plans/README.md.")
        st.stop()
    try:
        loaded = parsed(upload.getvalue().decode("utf-8", errors="strict"), upload.name)
    except UnicodeDecodeError:
        st.error(f"**{escape_markdown(upload.name)}** is not UTF-8 text; save it as UTF-8 and upload it again. "
                 "Nothing from it was stored.")
        st.stop()
    except PlanFileError as exc:
        show_plan_error(exc, upload.name)
        st.stop()
else:
    try:
        loaded = parsed(*plan_view.plan_text(choice, store))
    except PlanFileError as exc:
        show_plan_error(exc, labels[choice])
        st.stop()
    except HiapGeoError as exc:
        st.error(escape_markdown(exc))
        st.stop()
plan = loaded.plan
text, source = loaded.text, loaded.source

identity = (plan.id, hash(text))
previous = st.session_state.get("plan_loaded")
if previous != identity:
    if previous is not None:  # another plan than before: its filters, highlight and selection do not apply
        for key in PLAN_KEYS:
            st.session_state.pop(key, None)
    st.session_state["plan_loaded"] = identity
    wanted = st.query_params.get("action")  # a link to one action, e.g. /plan?plan=<id>&action=3.4
    if wanted in {a.id for a in plan.actions} and "plan_highlight" not in st.session_state:
        st.session_state["plan_highlight"] = f"action:{wanted}"

try:
    reach = reach_of(text, source)
except HiapGeoError as exc:
    st.error(f"This plan cannot be placed on the map: {escape_markdown(exc)}")
    st.stop()
try:
    history = store.history(plan.id) if store is not None else plan_reviews.empty_history()
except HiapGeoError as exc:  # the database went away since the page opened it: show the plan, say why not its reviews
    store_error = plan_reviews.without_address(exc, database_url(), store.describe() if store else "")
    store, history = None, plan_reviews.empty_history()
actions = plan_reviews.actions_table(plan, history)
priority_titles = {p.id: p.title for p in plan.priorities}
priority_col, partner_col, status_col = filter_cols
priorities = priority_col.multiselect("Priorities", list(priority_titles), key="plan_priorities",
                                      placeholder="All priorities",
                                      format_func=lambda p: plan_view.shorten(f"{p}: {priority_titles[p]}", 80))
partners = partner_col.multiselect("Lead or partner", plan_reviews.partner_options(actions), key="plan_partners",
                                   placeholder="All leads and partners")
statuses = status_col.multiselect("Status", plan_reviews.status_options(), key="plan_statuses",
                                  placeholder="Any status",
                                  help="The latest review recorded below, else the status in the plan file.")
shown = plan_reviews.filter_actions(actions, priorities, partners, statuses)
shown_ids = tuple(shown["action_id"])
lights = plan_map.highlight_options(plan, list(shown_ids))
if st.session_state.get("plan_highlight") not in (None, *lights):
    st.session_state["plan_highlight"] = None

plan_heading(box, plan.title, plan_page.showing_words(shown, len(actions)))
if reach.unresolved:
    with box.expander(f"⚠️ {plan_page.counted(len(reach.unresolved), 'target')} could not be resolved and "
                      f"{'is' if len(reach.unresolved) == 1 else 'are'} not on the map (the Plan check tab explains "
                      "each one)"):
        st.markdown(bullet_list(list(reach.unresolved)))

# Each tab runs only while it is open (a first visit computes the map alone); the open tab is kept in the session,
# and a link can open one (/plan?plan=<id>&tab=Coverage).
if "plan_tab" not in st.session_state and st.query_params.get("tab") in TABS:
    st.session_state["plan_tab"] = st.query_params["tab"]
tabs = dict(zip(TABS, st.tabs(TABS, key="plan_tab", on_change="rerun"), strict=True))
keep_closed_tabs({name: tab.open for name, tab in tabs.items()})

if tabs["Map"].open:
    with tabs["Map"]:  # a fragment: a highlight, a colour or a click reruns the map alone (not in presentation,
        # whose map controls sit in the box above the tabs)
        (map_tab if presenting else map_tab_fragment)(
            loaded, reach, shown, lights, partial(coverage_shown, loaded, shown_ids), sel.basemap, presenting, box,
            sel.year)

if tabs["Progress (HAT)"].open:
    with tabs["Progress (HAT)"]:
        if store is None:
            st.error(f"The progress database cannot be opened, so reviews cannot be recorded or shown: "
                     f"{escape_markdown(store_error)}")
        else:
            progress_panel(store, loaded, history, shown)

if tabs["Coverage"].open:
    with tabs["Coverage"]:
        cover = coverage_threshold(loaded, shown_ids)
        if cover is not None:
            coverage_tables(cover, loaded)

if tabs["Plan check"].open:
    with tabs["Plan check"]:
        check_panel(loaded, reach.lists)

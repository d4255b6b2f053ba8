"""Plan: a Health Inequalities Action Plan on the map, its coverage of deprived areas, its check against the
data, and the progress of its actions for Health Action Team meetings."""

from __future__ import annotations

import uuid
from datetime import date
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app.access import current_user
from app.live_region import announce
from app.loaders import chosen_areas, coverage_indicators, coverage_measures, progress_store
from app.plan_pack import pack_section
from app.sidebar import SELECTION_KEY
from hiap_geo.core.access import User
from hiap_geo.core.attribution import full_attribution
from hiap_geo.core.cells import csv_bytes
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.text import escape_markdown
from hiap_geo.plans.check import check_plan, check_plan_claims, discrepancies_frame
from hiap_geo.plans.coverage import Coverage
from hiap_geo.plans.figures.claims import claims_frame, claims_summary
from hiap_geo.plans.load import LoadedPlan, parse_plan, plan_files
from hiap_geo.plans.progress import ProgressStore, database_url
from hiap_geo.plans.resolve import plan_districts
from hiap_geo.plans.schema import STATUSES, ImportRejected, PlanFileError
from hiap_geo.render.maps import area_at
from hiap_geo.render.static_map import map_download, map_file_name
from hiap_geo.views import plan as pm
from hiap_geo.views import plan_map as pmap
from hiap_geo.views import plan_reviews as rv
from hiap_geo.views.explorer import MISSING_CELL, MapSelection, build_in_use, built_districts
from hiap_geo.views.map_text import map_text
from hiap_geo.views.tables import blank_cells

# Widget keys that belong to one plan: cleared when another plan is chosen, so no stale choice survives.
PLAN_KEYS = ("plan_priorities", "plan_partners", "plan_statuses", "plan_highlight", "plan_area", "plan_last_click",
             "plan_review_action", "plan_history_action", "plan_cov_measure", "plan_cov_decile", "plan_cov_local",
             "plan_cov_basis", "plan_cov_indicator", "plan_cov_level", "plan_level", "plan_colour",
             "plan_review_corrects", "plan_review_reason", "plan_review_pending")


# The Plan page's cached loaders: keyed on the plan's text and source, so every session shares one copy.



@st.cache_data(show_spinner=False)
def choices(stored: tuple[str, ...], stamp: tuple[tuple[str, int], ...], url: str) -> list[pm.PlanChoice]:
    return pm.plan_choices(stored, pm.stored_plans(progress_store(url), stored) if stored else {})


@st.cache_resource(show_spinner=False, max_entries=16)
def parsed(text: str, source: str) -> LoadedPlan:
    return parse_plan(text, source)


@st.cache_data(show_spinner="Placing the plan's actions on the map...", max_entries=16)
def reach_of(text: str, source: str) -> pm.PlanReach:
    return pm.plan_reach(parsed(text, source).plan)


@st.cache_data(show_spinner="Checking the plan against the official data...", max_entries=16)
def check_report(text: str, source: str) -> pd.DataFrame:
    return discrepancies_frame(check_plan(parsed(text, source)))


@st.cache_data(show_spinner="Checking the figures the document states...", max_entries=16)
def claims_report(text: str, source: str) -> tuple[str, pd.DataFrame]:
    loaded = parsed(text, source)
    title, claims = check_plan_claims(loaded)
    summary = claims_summary(claims, title, loaded.plan.edition) if title else ""
    return summary, claims_frame(claims)


@st.cache_data(show_spinner=False, max_entries=64)
def coverage_of(text: str, source: str, action_ids: tuple[str, ...], measure: str, decile_max: int,
                decile_type: str, indicator: str | None = None, level: float = 95) -> Coverage:
    return pm.plan_coverage(reach_of(text, source), action_ids,
                            pm.CoverageThreshold(measure, decile_max, decile_type, indicator, level))




def csv_button(label: str, table: pd.DataFrame, file_name: str, key: str) -> None:
    st.download_button(label, csv_bytes(table), file_name=file_name, mime="text/csv",
                       key=key)


def show_table(frame: pd.DataFrame, **options: Any) -> None:
    """A table with every blank cell shown as a dash (never "None" or "nan")."""
    st.dataframe(blank_cells(frame), hide_index=True, width="stretch", placeholder=MISSING_CELL, **options)


def bullet_list(items: list[str]) -> str:
    return "\n".join(f"- {escape_markdown(i)}" for i in items)


def show_plan_error(exc: PlanFileError, name: str) -> None:
    problems = pm.problem_lines(exc)
    st.error(f"**{escape_markdown(name)}** cannot be used as a plan, and nothing from it was stored. Fix "
             f"{'this problem' if len(problems) == 1 else f'these {len(problems)} problems'} and upload it again:"
             "\n\n" + bullet_list(problems))


# Session key of a review that could not be recorded (its note and choices), shown and offered again. A comment,
# not a docstring: Streamlit's "magic" would print a bare string on the page.
KEPT_REVIEW = "plan_review_kept"


def ask_to_record(user: User, names: dict[str, str]) -> None:
    """The form's callback: nothing is recorded yet; the page asks "Record <status> for action X at <date>?"
    with Confirm and Cancel. The values are kept as they were submitted."""
    user = current_user()  # now, not as the page was drawn: a callback runs before the gate
    state = st.session_state
    corrects = state.get("plan_review_corrects")
    reason = (state.get("plan_review_reason") or "").strip() if corrects else ""
    if corrects and not reason:
        state.pop("plan_review_pending", None)
        state["plan_progress_message"] = ("error", "A correction needs a reason: say what was wrong with the "
                                                   "review it corrects. Nothing was recorded.")
        return
    typed = None if user.signed_in else (state.get("plan_review_reviewer") or "").strip() or None
    state["plan_review_pending"] = {
        "action": state["plan_review_action"], "status": state["plan_review_status"],
        "date": state["plan_review_date"], "note": state.get("plan_review_note") or "", "reviewer": typed,
        "corrects": corrects, "reason": reason or None, "corrected": names.get(corrects) if corrects else None}


def cancel_record() -> None:
    st.session_state.pop("plan_review_pending", None)
    st.session_state["plan_progress_message"] = ("info", "Nothing was recorded.")


def record(store: ProgressStore, loaded: LoadedPlan, user: User) -> None:
    """Confirm callback: runs before the page, so the tables below already show the new review.

    The review's id is made when the form is shown and kept until the save succeeds, so pressing the button
    again after a dropped connection records the review once."""
    user = current_user()  # now, not as the page was drawn: a callback runs before the gate
    state = st.session_state
    pending = state.pop("plan_review_pending", None)
    if pending is None:
        return
    try:
        rv.record_review(store, loaded, pending["action"], pending["status"], pending["date"], pending["note"],
                         pending["reviewer"], user=user, review_id=state.setdefault("plan_review_uuid",
                                                                                    str(uuid.uuid4())),
                         corrects=pending["corrects"], reason=pending["reason"])
    except (HiapGeoError, ValueError) as exc:
        state["plan_progress_message"] = ("error", "The review was not recorded: "
                                                   + escape_markdown(rv.without_address(exc, store.describe())))
        state[KEPT_REVIEW] = pending  # kept until it is recorded: the form may not be drawn while the database is down
        return
    state.pop(KEPT_REVIEW, None)
    state["plan_review_uuid"] = str(uuid.uuid4())
    state["plan_progress_message"] = ("success", rv.review_message(
        pending["action"], pending["status"], pending["date"], pending.get("corrected")))
    state["plan_review_note"] = ""
    state["plan_review_corrects"] = None
    state["plan_review_reason"] = ""


@st.dialog("Record this review?")
def confirm_review(store: ProgressStore, loaded: LoadedPlan, user: User) -> None:
    """The question and its Confirm / Cancel in a dialog: in view wherever the form's button was (1366x768)."""
    pending = st.session_state.get("plan_review_pending")
    if pending is None:  # Confirm or Cancel ran (a callback): the whole page shows what happened
        st.rerun()
    st.warning(rv.review_question(pending["action"], pending["status"], pending["date"], pending.get("corrected"),
                                  pending["reason"] or ""))
    yes, no = st.columns(2)
    yes.button("Confirm", key="plan_review_confirm", type="primary", width="stretch", on_click=record,
               args=(store, loaded, user))
    no.button("Cancel", key="plan_review_cancel", width="stretch", on_click=cancel_record)


def start_correction(history: pd.DataFrame, action_ids: list[str]) -> None:
    """A review to correct was chosen: the form starts from its action, status and date."""
    state = st.session_state
    state.pop("plan_review_pending", None)
    wanted = history[history["review_id"] == state.get("plan_review_corrects")]
    if wanted.empty:
        return
    row = wanted.iloc[0]
    if row["action_id"] in action_ids:
        state["plan_review_action"] = row["action_id"]
    state["plan_review_status"] = row["status"]
    state["plan_review_date"] = row["review_date"]


def step_action(options: list[str], step: int) -> None:
    """Presentation mode's next/previous action: highlight the next shown action's areas on the map."""
    st.session_state["plan_highlight"] = pmap.step_highlight(options, st.session_state.get("plan_highlight"), step)


def confirm_version(store: ProgressStore, loaded: LoadedPlan, user: User) -> None:
    """Confirm callback: make the file shown the plan's current version (an admin, after reading the changes)."""
    user = current_user()  # now, not as the page was drawn: a callback runs before the gate
    state = st.session_state
    try:
        store.register_plan(loaded, user=user, confirm=True)
    except HiapGeoError as exc:
        state["plan_progress_message"] = ("error", f"The plan was not stored: {escape_markdown(exc)}")
        return
    state["plan_progress_message"] = ("success", f"{escape_markdown(loaded.source)} is now the current version of "
                                                 f"plan '{escape_markdown(loaded.plan.id)}'.")


def import_history(store: ProgressStore, current_id: str, user: User) -> None:
    """Import callback: all or nothing (the store checks everything before writing)."""
    user = current_user()  # now, not as the page was drawn: a callback runs before the gate
    state = st.session_state
    upload = state.get("plan_import_file")
    if upload is None:
        state["plan_progress_message"] = ("error", "Choose an export file (JSON) to import first.")
        return
    try:
        report = store.import_bundle(upload.getvalue(), upload.name, user=user,
                                     confirm=bool(state.get("plan_import_confirm")))
    except ImportRejected as exc:
        state["plan_progress_message"] = (
            "error", f"Nothing was imported from {escape_markdown(upload.name)}; the database is unchanged:\n\n"
                     + bullet_list(exc.problems))
        return
    except HiapGeoError as exc:
        state["plan_progress_message"] = ("error", f"Nothing was imported: {escape_markdown(exc)}")
        return
    state["plan_progress_message"] = ("success", rv.import_message(report, current_id, store))


sel: MapSelection | None = st.session_state.get(SELECTION_KEY)
if sel is None:
    st.stop()
presenting = sel.presentation
if not presenting:
    st.title("Plan")
    st.caption("A Health Inequalities Action Plan on the map: where each action lands, which deprived areas no "
               "action names, what the document says that the official data does not, and each action's progress "
               "for Health Action Team meetings.")
# In presentation mode the plan's choice, filters and map settings fold into one expander: the map gets the room.
box: Any = st.expander("Plan, filters and map settings") if presenting else st

try:
    store: ProgressStore | None = progress_store(database_url())
    store_error = None
    stored_ids = tuple(store.plan_ids())
except HiapGeoError as exc:
    store, store_error, stored_ids = None, rv.without_address(exc, database_url()), ()
if store is None and st.session_state.get(KEPT_REVIEW):  # said first: the page may stop before its Progress tab
    failed = st.session_state.pop("plan_progress_message", None)
    st.error(failed[1] if failed else f"The review was not recorded: {escape_markdown(store_error)}")
    st.warning("**Not recorded.** Your note is kept here until the progress database is back; the review form "
               "offers it again then:")
    st.code(st.session_state[KEPT_REVIEW]["note"] or "(no note)", language=None, wrap_lines=True)

stamp = tuple((p.name, p.stat().st_mtime_ns) for p in plan_files())
options = choices(stored_ids, stamp, database_url())
labels = {c.key: c.label for c in options}
if st.session_state.get("plan_choice") not in labels:
    st.session_state["plan_choice"] = pm.choice_for(options, st.query_params.get("plan"), sel.districts)
choice = box.selectbox("Plan", list(labels), format_func=labels.get, key="plan_choice",
                      help="The plans transcribed in data/plans, plans imported into the progress database, or "
                           "a plan file of your own (format: data/plans/README.md).")

if choice == pm.UPLOAD:
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
        text, source = pm.plan_text(choice, store)
        loaded = parsed(text, source)
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

box.header(escape_markdown(plan.title))
box.caption(escape_markdown(pm.plan_caption(plan)))

try:
    reach = reach_of(text, source)
except HiapGeoError as exc:
    st.error(f"This plan cannot be placed on the map: {escape_markdown(exc)}")
    st.stop()
if reach.unresolved:
    with box.expander(f"⚠️ {len(reach.unresolved)} target(s) could not be resolved and are not on the map "
                     "(the Plan check tab explains each one)"):
        st.markdown(bullet_list(list(reach.unresolved)))

try:
    history = store.history(plan.id) if store is not None else rv.empty_history()
except HiapGeoError as exc:  # the database went away since the page opened it: show the plan, say why not its reviews
    store_error = rv.without_address(exc, database_url(), store.describe() if store else "")
    store, history = None, rv.empty_history()
actions = rv.actions_table(plan, history)
priority_titles = {p.id: p.title for p in plan.priorities}
f1, f2, f3 = box.columns(3)
priorities = f1.multiselect("Priorities", list(priority_titles), key="plan_priorities", placeholder="All priorities",
                            format_func=lambda p: pm.shorten(f"{p}: {priority_titles[p]}", 80))
partners = f2.multiselect("Lead or partner", rv.partner_options(actions), key="plan_partners",
                          placeholder="All leads and partners")
statuses = f3.multiselect("Status", rv.status_options(), key="plan_statuses", placeholder="Any status",
                          help="The latest review recorded below, else the status in the plan file.")
shown = rv.filter_actions(actions, priorities, partners, statuses)
shown_ids = tuple(shown["action_id"])
box.caption(f"Showing {len(shown)} of {len(actions)} actions; "
            f"{int((~shown['names_a_place']).sum())} of them name no place (they reach the whole district).")
lights = pmap.highlight_options(plan, list(shown_ids))
if st.session_state.get("plan_highlight") not in (None, *lights):
    st.session_state["plan_highlight"] = None

map_tab, coverage_tab, check_tab, progress_tab = st.tabs(["Map", "Coverage", "Plan check", "Progress (HAT)"])

with coverage_tab:
    default = pm.default_threshold(plan)
    measures = coverage_measures(plan.edition)
    st.session_state.setdefault("plan_cov_measure", default.measure if default.measure in measures else "imd")
    st.session_state.setdefault("plan_cov_decile", default.decile_max)
    st.session_state.setdefault("plan_cov_local", default.decile_type == "local")
    st.session_state.setdefault("plan_cov_basis", "decile")
    basis = st.radio("Count as deprived", list(pm.THRESHOLD_BASES), format_func=pm.THRESHOLD_BASES.get,
                     horizontal=True, key="plan_cov_basis")
    cover: Coverage | None = None
    try:
        if basis == "indicator":
            indicators = coverage_indicators()
            i1, i2 = st.columns([5, 2])
            cov_indicator = i1.selectbox(
                "LSOAs significantly worse than England on", list(indicators), format_func=indicators.get,
                key="plan_cov_indicator",
                help="Fingertips' comparison: an LSOA is significantly worse when England's value lies outside its "
                     "confidence limits on the bad side (using the indicator's polarity). Only indicators published "
                     "per LSOA with confidence limits can be used; they are on the IoD 2025 geography (LSOA 2021).")
            cov_level = i2.radio("Confidence level", list(pm.CONFIDENCE_LEVELS), format_func=pm.CONFIDENCE_LEVELS.get,
                                 horizontal=True, key="plan_cov_level")
            cover = coverage_of(text, source, shown_ids, "imd", 1, "national", cov_indicator, cov_level)
        else:
            c1, c2, c3 = st.columns([3, 3, 2])
            cov_measure = c1.selectbox("Deprived by", list(measures), format_func=measures.get,
                                       key="plan_cov_measure")
            cov_decile = c2.slider("Deciles counted as deprived: 1 to", 1, 10, key="plan_cov_decile",
                                   help="1 = the most deprived 10% of LSOAs.")
            cov_local = c3.toggle("Local deciles (within the district)", key="plan_cov_local")
            cover = coverage_of(text, source, shown_ids, cov_measure, cov_decile, "local" if cov_local else "national")
    except HiapGeoError as exc:
        cover = None
        st.warning(escape_markdown(exc))
    if cover is not None:
        st.markdown(pm.coverage_summary(cover, plan.edition))
        st.caption("An action 'names' an area when it gives its code or name, its ward, a list or a rule that "
                   "selects it. Actions that reach only the whole district are counted apart (district_wide), so "
                   "that 'every area is covered' cannot hide behind them.")
        st.subheader("Deprived areas no action names")
        uncovered = pm.coverage_export(cover.uncovered)
        show_table(uncovered)
        csv_button("Download (CSV)", uncovered, f"{plan.id}-uncovered-deprived-lsoas.csv", "plan_csv_uncovered")
        st.subheader("All deprived areas and the actions that name them")
        every = pm.coverage_export(cover.deprived)
        show_table(every)
        csv_button("Download (CSV)", every, f"{plan.id}-deprived-lsoas.csv", "plan_csv_deprived")
        st.subheader("Deprived areas by priority (number of actions naming each)")
        show_table(cover.matrix.rename(columns={p: pm.shorten(f"{p}: {t}", 40) for p, t in priority_titles.items()}))
        csv_button("Download (CSV)", cover.matrix, f"{plan.id}-area-by-priority.csv", "plan_csv_matrix")
        st.subheader("Actions that name no place")
        show_table(cover.placeless_actions)
        csv_button("Download (CSV)", cover.placeless_actions, f"{plan.id}-actions-naming-no-place.csv",
                   "plan_csv_placeless")

with map_tab:
    try:
        slug = build_in_use()
        districts = tuple(plan_districts(plan))
    except HiapGeoError as exc:
        slug, districts = None, ()
        st.warning(escape_markdown(exc))
    unbuilt = [d for d in districts if slug and d not in built_districts(slug)]
    if slug and unbuilt:
        st.warning(f"No map layers are built for {', '.join(unbuilt)} (this app has '{slug}'). Run "
                   "`python -m hiap_geo build --area england` to map any district; the other tabs work without it.")
    elif slug:
        m1, m2, m3 = box.columns([2, 3, 4])
        level = m1.radio("Geography", list(pm.LEVELS), format_func=pm.LEVELS.get, horizontal=True, key="plan_level")
        modes = pmap.colour_modes(level)
        if st.session_state.get("plan_colour") not in modes:  # deprivation when the actions name few places
            st.session_state["plan_colour"] = pmap.default_colour(reach, level, shown_ids)
        mode = m2.selectbox("Colour areas by", modes, format_func=pmap.COLOUR_MODES.get, key="plan_colour")
        box.caption(escape_markdown(pm.map_edition_caption(plan, sel.year)))
        picked = m3.selectbox("Highlight the areas of", [None, *lights], key="plan_highlight",
                              format_func=lambda k: "(no highlight)" if k is None else lights[k])
        chosen = pmap.highlight(reach, level, picked) if picked else None
        if mode == "coverage" and cover is None:
            st.warning("The coverage threshold cannot be evaluated (see the Coverage tab); showing action counts.")
            mode = "count"
        wide_note = pmap.district_wide_note(reach, level, shown_ids, mode)
        if wide_note:  # in presentation a caption: the map and its legend keep their room
            (st.caption if presenting else st.info)(escape_markdown(wide_note))
        areas_layer = chosen_areas(slug, level, plan.edition, districts)
        drawn = pmap.plan_map(
            areas_layer, level, mode, reach, shown_ids, cover=cover, chosen=chosen,
            wards=chosen_areas(slug, "ward", plan.edition, districts).geometry if level == "lsoa" else None,
            districts=chosen_areas(slug, "district", plan.edition, districts).geometry,
            basemap=sel.basemap, presentation=presenting,
        )
        map_col, info_col = st.columns([5, 2])
        with map_col:
            # 560 px leaves the legend in view on a 1366x768 screen with the control strips above it.
            clicked = st_folium(drawn.fmap, key="plan_map", height=560 if presenting else 600,
                                use_container_width=True, returned_objects=["last_clicked"])
            in_words = map_text(drawn.areas, drawn.measure, "LSOAs" if level == "lsoa" else "wards")
            outlined = f" Outlined: {chosen.label} ({len(chosen.codes):,} areas)." if chosen is not None else ""
            (st.expander("The map in words") if presenting else st.container()).markdown(
                escape_markdown(in_words.full + outlined))
            announce(in_words.announcement + outlined, key="plan_live")  # said when a filter or step changes
        point = (clicked or {}).get("last_clicked")
        if point and point != st.session_state.get("plan_last_click"):
            st.session_state["plan_last_click"] = point
            st.session_state["plan_area"] = area_at(drawn.areas, point["lat"], point["lng"])
        with info_col:
            if presenting:  # the chair's controls, beside the map: the up and down arrow keys step the actions
                steps = pmap.action_keys(lights)
                back, forward = st.columns(2)
                back.button("▲ Previous action", on_click=step_action, args=(steps, -1), shortcut="ArrowUp",
                            key="plan_previous_action", help="Highlight the previous action's areas (up arrow)",
                            disabled=not steps, width="stretch")
                forward.button("Next action ▼", on_click=step_action, args=(steps, 1), shortcut="ArrowDown",
                               key="plan_next_action", help="Highlight the next action's areas (down arrow)",
                               disabled=not steps, width="stretch")
                if picked:
                    st.markdown(f"**{escape_markdown(lights[picked])}**")
                else:
                    st.caption(f"No action highlighted: the arrow keys step through the {len(steps)} actions shown.")
            map_title = pmap.map_title(plan, mode)
            st.download_button(
                "Download map (PNG)", map_download(drawn.areas, drawn.measure, map_title, outlines=drawn.outlines,
                                                   subtitle=pm.map_subtitle(plan, chosen.label if chosen else None)),
                file_name=map_file_name(map_title), mime="image/png", key="plan_map_png",
                help="The map as an image for slides: title, legend, scale and attribution; drawn when clicked.")
            code = st.session_state.get("plan_area")
            names = drawn.areas.set_index("code")["name"]
            if code in names.index:
                here = pm.actions_at(reach, level, code, shown)
                specific, wide = here[here["specific"]], here[~here["specific"]]
                st.markdown(f"### {escape_markdown(code)} {escape_markdown(names[code])}")
                st.markdown(f"**Actions that name this area: {len(specific)}**")
                if len(specific):
                    st.markdown("\n".join(
                        f"- **{escape_markdown(r.action_id)}** {escape_markdown(r.title)}  \n"
                        f"  {escape_markdown(r.status_text)} · {escape_markdown(r.how)}"
                        for r in specific.itertuples()))
                else:
                    st.caption("No action shown names this area, its ward, or a list or rule that selects it.")
                with st.expander(f"{len(wide)} more reach it only as part of the whole district"):
                    st.markdown(bullet_list([f"{r.action_id} {r.title} ({r.status_text})" for r in wide.itertuples()]))
                csv_button("Download these actions (CSV)", here, f"{plan.id}-actions-reaching-{code}.csv",
                           "plan_csv_area")
            else:
                st.caption("Click an area on the map to list the actions that reach it.")
            if chosen is not None:
                unit = "LSOA" if level == "lsoa" else "ward"
                count = f"{len(chosen.codes)} {unit}{'s' if len(chosen.codes) != 1 else ''}"
                st.markdown(f"**{escape_markdown(chosen.label)}: the whole district** ({count}; its boundary in pink)"
                            if pmap.whole_district(reach, level, chosen)
                            else f"**{escape_markdown(chosen.label)}: {count}** (outlined in pink)")
                if picked.startswith("action:"):
                    table = pm.action_areas(reach, level, picked.split(":", 1)[1])
                    lines, note = pmap.highlight_listing(table, level)
                    if lines:  # presenting: a box that scrolls by itself, so the controls stay in view
                        (st.container(height=200) if presenting and len(lines) > 6 else st).markdown(
                            bullet_list(lines))
                    if note:
                        st.caption(note)
                    csv_button("Download its areas (CSV)", table, f"{plan.id}-{picked.split(':', 1)[1]}-areas.csv",
                               "plan_csv_highlight")
    st.subheader("Actions")
    table = rv.actions_export(shown)
    show_table(table)
    csv_button("Download actions (CSV)", table, f"{plan.id}-actions.csv", "plan_csv_actions")
    st.caption(full_attribution())

with check_tab:
    try:
        report = check_report(text, source)
    except HiapGeoError as exc:
        report = None
        st.error(f"The plan could not be checked: {escape_markdown(exc)}")
    if report is not None:
        st.markdown(pm.check_summary(report, plan.edition))
        for item in pm.check_items(report, plan, 50):
            st.markdown(item)
        if len(report) > 50:
            st.caption(f"... and {len(report) - 50} more in the table and CSV below.")
        findings = pm.check_table(report, plan)
        show_table(findings)
        csv_button("Download the report (CSV)", findings, f"{plan.id}-plan-check.csv", "plan_csv_check")
    st.subheader("Figures the document states, checked")
    try:
        claims_line, claims = claims_report(text, source)
    except HiapGeoError as exc:
        claims_line, claims = "", None
        st.error(f"The document's figures could not be checked: {escape_markdown(exc)}")
    if claims is not None and claims_line:
        st.markdown(escape_markdown(claims_line) + " Each figure with the document's words, the verdict, what the "
                    "document states and what the data gives.")
        stated = pm.claims_table(claims)
        show_table(stated)
        csv_button("Download the checked figures (CSV)", stated, f"{plan.id}-figures-check.csv", "plan_csv_claims")
    elif claims is not None:
        st.caption("No figures of this document are transcribed in data/plan_figures, so none are checked.")
    if len(reach.lists):
        st.subheader("Areas the document lists")
        listed = pm.lists_table(reach.lists)
        show_table(listed)
        csv_button("Download (CSV)", listed, f"{plan.id}-area-lists.csv", "plan_csv_lists")

with progress_tab:
    if store is None:
        st.error(f"The progress database cannot be opened, so reviews cannot be recorded or shown: "
                 f"{escape_markdown(store_error)}")
        st.stop()
    st.caption("Reviews are kept in the progress database (HIAP_PROGRESS_DB chooses it). Each review is a new "
               "record; earlier ones are never changed.")
    message = st.session_state.pop("plan_progress_message", None)
    if message:
        {"success": st.success, "info": st.info}.get(message[0], st.error)(message[1])
        if message[0] != "error":  # also where the chair is looking, whatever the page's scroll
            st.toast(message[1], icon="✅" if message[0] == "success" else "ℹ️")
    titles = {a.id: a.title for a in plan.actions}
    user = current_user()
    try:
        change = store.plan_change(loaded)
    except HiapGeoError as exc:
        st.error(f"The progress database cannot be read: {escape_markdown(rv.without_address(exc, store.describe()))}")
        st.stop()
    if change.kind == "changed":  # a file with a stored plan's id but other text: never made current silently
        st.warning(escape_markdown(change.summary()))
        if user.may("register_plan"):
            st.button("Make this file the current version of the plan", key="plan_confirm_version",
                      on_click=confirm_version, args=(store, loaded, user))
            st.caption("Reviews are recorded against the current version; reviews of actions this file drops stay "
                       "in the history, marked as belonging to an earlier version.")
        else:
            st.info("Reviews are recorded against the plan's current stored version: choose it in the plan list. "
                    "Only an admin can make this file the current version.")
    elif change.kind == "new" and user.may("review") and not user.may("register_plan"):
        st.info("This plan is not in the progress database yet: an admin registers it before reviews are recorded.")
    if st.session_state.get("plan_review_action") not in titles:
        st.session_state["plan_review_action"] = rv.default_review_action(plan, st.session_state.get("plan_highlight"))
    if rv.review_offered(change, user):
        correctable = rv.correctable_reviews(history)
        if st.session_state.get("plan_review_corrects") not in (None, *correctable):
            st.session_state["plan_review_corrects"] = None
        if not correctable:
            st.caption(rv.NOTHING_TO_CORRECT)
        else:
            st.selectbox("Correct an earlier review", [None, *correctable], key="plan_review_corrects",
                         placeholder="No: record a new review",
                         format_func=lambda r: "No: record a new review" if r is None else correctable[r],
                         on_change=start_correction, args=(history, list(titles)),
                         help="A wrong review is never changed or deleted: a correction is a new review that "
                              "names it and says why. Both stay in the history; the status uses the correction.")
        correcting = st.session_state.get("plan_review_corrects")
        st.session_state.setdefault("plan_review_date", date.today())
        kept = st.session_state.get(KEPT_REVIEW)
        if kept and not kept.get("offered"):  # a review that could not be recorded: in the form again, once
            # Set, not only kept: a widget drawn again after a run without it shows what the page sets.
            st.session_state["plan_review_note"] = st.session_state.get("plan_review_note") or kept["note"]
            if kept["action"] in titles:
                st.session_state["plan_review_action"] = kept["action"]
            st.session_state["plan_review_status"] = kept["status"]
            st.session_state[KEPT_REVIEW] = {**kept, "offered": True}
            st.info("A review that could not be recorded is in the form again: check it and record it.")
        with st.form("plan_review_form"):
            st.markdown("**Record a correction**" if correcting else "**Record a review**")
            if correcting:
                st.caption(f"Corrects: {escape_markdown(correctable[correcting])}")
            st.selectbox("Action", list(titles), key="plan_review_action",
                         format_func=lambda a: f"{a}: {pm.shorten(titles[a])}")
            st.radio("Status", list(STATUSES), format_func=rv.status_text, horizontal=True, key="plan_review_status")
            st.date_input("Review date", max_value=date.today(), key="plan_review_date", format="DD/MM/YYYY")
            st.text_area("Note", key="plan_review_note", placeholder="What the meeting said, e.g. 'Clinics booked'")
            if correcting:
                st.text_input("Reason for the correction", key="plan_review_reason",
                              placeholder="e.g. 'Recorded against the wrong action'")
            if user.signed_in:
                st.caption(f"Recorded as {escape_markdown(user.label)}")
            else:
                st.text_input("Reviewer (optional)", key="plan_review_reviewer")
            st.form_submit_button("Record correction" if correcting else "Record review", on_click=ask_to_record,
                                  args=(user, rv.review_names(history)), type="primary")
        if st.session_state.get("plan_review_pending") is not None:
            confirm_review(store, loaded, user)

    st.subheader("Status of each action")
    status_table = rv.status_export(shown)
    show_table(status_table, column_config={"last note": st.column_config.TextColumn(width="medium"),
                                            "title": st.column_config.TextColumn(width="large")})
    csv_button("Download status (CSV)", status_table, f"{plan.id}-status.csv", "plan_csv_status")
    earlier = rv.earlier_actions(store, plan, history)
    if len(earlier):
        st.markdown(f"**Reviewed actions of an earlier version of the plan** ({len(earlier)}): the current version "
                    "no longer has them; their reviews are kept.")
        show_table(earlier)

    st.subheader("Review history")
    which = st.selectbox("History of", [None, *titles], key="plan_history_action",
                         format_func=lambda a: "All actions" if a is None else f"{a}: {pm.shorten(titles[a])}")
    past = rv.history_export(history, plan, which)
    if past.empty:
        st.caption("No reviews recorded yet.")
    show_table(past, column_config={"note": st.column_config.TextColumn(width="large")})
    csv_button("Download history (CSV)", past, f"{plan.id}-history.csv", "plan_csv_history")
    pack_section(plan, history)  # app/plan_pack.py: progress against baseline and the meeting pack

    if not user.may("export"):
        st.stop()  # export and import are an admin's: not offered to others
    st.subheader("Export and import")
    e1, e2 = st.columns(2)
    if change.kind != "changed":
        e1.download_button("Download the plan with its history (JSON)", partial(rv.export_bytes, store, loaded, user),
                           file_name=f"{plan.id}-progress.json", mime="application/json", key="plan_export")
    else:
        e1.caption("This file is not the plan's current stored version: confirm it above, or choose the stored "
                   "plan, to export.")
    e1.caption("Every stored version of the plan's text and every review: import it into another copy of HIAP Geo "
               "(or `python -m hiap_geo plan import`) without loss.")
    e2.file_uploader("Import a plan with its history (JSON)", type=["json"], key="plan_import_file")
    e2.checkbox("Make the file's plan the current version", key="plan_import_confirm",
                help="Only when the file's last plan version is a text this database has never had: importing "
                     "without this tick says what it would change and imports nothing.")
    e2.button("Import", key="plan_import", on_click=import_history, args=(store, plan.id, user))
    e2.caption("Checked in full first: a file with any problem changes nothing. Reviews already present are "
               "skipped, so importing a file twice adds nothing.")

"""Plan editor: write the next Health Inequalities Action Plan with the map and the data beside each action.

Thin: every edit is a ``plans.editor`` call through ``views.plan_editor``; this page draws widgets and keeps the
plan being edited in the session (and, on every change, as the user's draft in the progress database).
Over 500 lines because the page has four forms (start, priorities, an action, its targets) and their callbacks;
what they decide is in ``views.plan_editor``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import streamlit as st
from streamlit_folium import st_folium

from app.access import current_user
from app.loaders import chosen_areas, coverage_indicators, coverage_measures, progress_store
from hiap_geo.core.access import User
from hiap_geo.core.attribution import full_attribution
from hiap_geo.core.cells import csv_bytes
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.text import escape_markdown
from hiap_geo.plans import editor as ed
from hiap_geo.plans.drafts import PlanChangedSinceOpened, PlanNotFinal
from hiap_geo.plans.load import parse_plan
from hiap_geo.plans.progress import ProgressStore, database_url
from hiap_geo.plans.resolve import plan_districts
from hiap_geo.plans.schema import STATUSES, Plan, PlanFileError
from hiap_geo.render.maps import area_at
from hiap_geo.render.plan_document import plan_docx, plan_pdf
from hiap_geo.views import plan as pm
from hiap_geo.views import plan_editor as pe
from hiap_geo.views.explorer import build_in_use, built_districts

EDITING = "editor_editing"
MESSAGE = "editor_message"
SAVE_MESSAGE = "editor_save_message"
ACTION = "editor_action"



@st.cache_data(show_spinner="Checking the plan against the official data...", max_entries=32)
def problems_of(text: str) -> list[ed.Problem]:
    return ed.plan_problems(parse_plan(text, "the plan being edited"))


@st.cache_data(show_spinner=False, max_entries=64)
def reach_of(text: str, action_id: str) -> ed.Reach:
    return ed.action_reach(parse_plan(text).plan, action_id)


@st.cache_data(show_spinner="Placing the actions on the map...", max_entries=16)
def plan_reach(text: str) -> pm.PlanReach:
    return pm.plan_reach(parse_plan(text).plan)


@st.cache_data(show_spinner=False, max_entries=32)
def gaps(text: str, measure: str, decile_max: int, decile_type: str) -> pe.Coverage:
    return pe.plan_gaps(parse_plan(text).plan, pm.CoverageThreshold(measure, decile_max, decile_type),
                        plan_reach(text))


@st.cache_data(show_spinner=False, max_entries=16)
def findings(text: str) -> pe.CheckFindings:
    return pe.check_findings(text)


@st.cache_data(show_spinner=False)
def areas_for(edition: int) -> dict[str, str]:
    return pe.plan_areas(edition)




def document_file(text: str, slug: str | None, kind: str = "docx") -> bytes:
    """The Word or PDF document, drawn from the plan's text only when its button is clicked (maps take a
    second per priority): the file always matches the plan shown, before or after a save."""
    plan = parse_plan(text).plan
    lsoas = chosen_areas(slug, "lsoa", plan.edition, tuple(plan_districts(plan))) if slug else None
    return (plan_pdf if kind == "pdf" else plan_docx)(plan, lsoas)


def say(kind: str, text: str, key: str = MESSAGE) -> None:
    st.session_state[key] = (kind, text)


def edit(change: Callable[[Plan], Plan], what: str) -> None:
    """Apply one edit (a callback): the plan after it, or the edit's error shown and the plan unchanged."""
    editing: pe.Editing = st.session_state[EDITING]
    try:
        st.session_state[EDITING] = editing.edited(change(editing.plan))
    except (HiapGeoError, ValueError) as exc:
        say("error", f"Could not {what}: {escape_markdown(exc)}")


def start(make: Callable[[], pe.Editing]) -> None:
    """Start editing what ``make`` returns (a callback of the start forms)."""
    try:
        editing = make()
    except PlanFileError as exc:
        say("error", "The plan cannot be opened:\n\n" + "\n".join(f"- {escape_markdown(p)}"
                                                                  for p in pm.problem_lines(exc)))
        return
    except (HiapGeoError, ValueError) as exc:
        say("error", escape_markdown(exc))
        return
    st.session_state[EDITING] = editing
    st.session_state.pop(ACTION, None)
    st.session_state.pop("editor_last_click", None)
    st.query_params["plan"] = editing.plan.id  # a refresh reopens it (from the draft)


def close() -> None:
    for key in (EDITING, ACTION, "editor_last_click", "editor_autosaved"):
        st.session_state.pop(key, None)
    st.query_params.pop("plan", None)


def show_message(key: str = MESSAGE) -> None:
    message = st.session_state.pop(key, None)
    if message:
        {"success": st.success, "info": st.info, "warning": st.warning}.get(message[0], st.error)(message[1])


def bullets(items: list[str]) -> str:
    return "\n".join(f"- {i}" for i in items)


# ---------------------------------------------------------------------------------------------
# Start: open, new, next period
# ---------------------------------------------------------------------------------------------


def start_page(store: ProgressStore | None, user: User, may_edit: bool) -> None:
    st.caption("Write a plan with the map and the data beside each action: where it lands, how many people it "
               "reaches, which deprived areas no action reaches yet, and what `plan check` finds, as you write.")
    show_message()
    try:
        stored = tuple(store.plan_ids()) if store is not None else ()
        drafts = store.drafts(user=user) if store is not None and may_edit else None
    except HiapGeoError as exc:
        st.error(f"The progress database cannot be read: {escape_markdown(exc)}")
        stored, drafts = (), None
    choices = pe.open_choices(stored, drafts)
    ways = ["Open a plan", "New plan", "Next period's draft of a plan"] if may_edit else ["Open a plan"]
    way = st.radio("Start", ways, horizontal=True, key="editor_start")
    if way == "Open a plan":
        choice = st.selectbox("Plan", list(choices), format_func=choices.get, key="editor_open_choice")
        o1, o2 = st.columns([1, 5])
        o1.button("Open", type="primary", key="editor_open", on_click=start,
                  args=(partial(pe.open_plan, choice, store, user),))
        if choice and choice.startswith("draft:") and store is not None:
            o2.button("Discard this draft", key="editor_discard", on_click=discard, args=(store, choice[6:], user),
                      help="Removes your draft; the plan's stored versions are not touched.")
        if not may_edit:
            st.info("Your role may look at plans here but not write them: ask an admin for the editor role.")
        return
    if way == "New plan":
        editions = {2025: "IoD 2025 (LSOA 2021, wards 2024)", 2019: "IoD 2019 (LSOA 2011, wards 2019)"}
        edition = st.radio("Geography (IoD edition)", list(editions), horizontal=True, key="editor_new_edition",
                           format_func=editions.get)
        areas = areas_for(edition)
        with st.form("editor_new"):
            st.selectbox("Area the plan covers", list(areas), format_func=areas.get, key="editor_new_area",
                         index=list(areas).index("E07000116") if "E07000116" in areas else 0)
            st.text_input("Plan id (letters, digits, '.', '_', '-')", key="editor_new_id",
                          placeholder="e.g. tunbridge-wells-2026-28")
            st.text_input("Title", key="editor_new_title", placeholder="Health Inequalities Action Plan 2026-28")
            st.text_input("Period", key="editor_new_period", placeholder="2026-28")
            st.form_submit_button("Start the plan", type="primary", on_click=start_new, args=(store, user))
        st.caption("The geography is the IoD edition whose LSOAs and wards the plan's codes and rules refer to. "
                   "Areas of the other edition are other areas: pick the one the plan will be read against.")
        return
    sources = {k: v for k, v in choices.items() if not k.startswith("draft:")}
    with st.form("editor_next"):
        st.selectbox("Continue the plan", list(sources), format_func=sources.get, key="editor_next_source")
        st.text_input("New plan id", key="editor_next_id", placeholder="e.g. tunbridge-wells-2026-28")
        st.text_input("New period", key="editor_next_period", placeholder="2026-28")
        st.text_input("New title (optional)", key="editor_next_title")
        st.radio("Areas of", [2025, 2019], format_func=lambda y: f"IoD {y}", horizontal=True,
                 key="editor_next_edition", help="IoD 2025 (LSOA 2021) for a new period: the plan's LSOA codes move "
                 "through the ONS 2011 to 2021 lookup, its area lists are re-derived from their description, and "
                 "what changed is listed before you save.")
        st.form_submit_button("Start the draft", type="primary", on_click=start_next, args=(store, user))
    st.caption("Priorities and actions are carried over with their targets; statuses are reset, and each action "
               "keeps a link to the action it continues.")


def discard(store: ProgressStore, plan_id: str, user: User) -> None:
    user = current_user()  # now, not as the page was drawn: a callback runs before the gate
    try:
        store.discard_draft(plan_id, user=user)
    except HiapGeoError as exc:
        say("error", f"The draft was not discarded: {escape_markdown(exc)}")
        return
    say("info", f"Your draft of '{escape_markdown(plan_id)}' was discarded.")


def start_new(store: ProgressStore | None, user: User) -> None:
    s = st.session_state
    start(partial(pe.start_new, (s.get("editor_new_id") or "").strip(), (s.get("editor_new_title") or "").strip(),
                  s["editor_new_area"], (s.get("editor_new_period") or "").strip(), s["editor_new_edition"], user,
                  store))


def start_next(store: ProgressStore | None, user: User) -> None:
    s = st.session_state

    def make() -> pe.Editing:
        source = pe.open_plan(s["editor_next_source"], store, user).plan
        return pe.start_next_period(source, (s.get("editor_next_id") or "").strip(),
                                    (s.get("editor_next_period") or "").strip(), user, store,
                                    (s.get("editor_next_title") or "").strip() or None,
                                    s.get("editor_next_edition", 2025))

    start(partial(make))


# ---------------------------------------------------------------------------------------------
# Editing
# ---------------------------------------------------------------------------------------------


def apply_action(action_id: str, stamp: str) -> None:
    s = st.session_state

    def change(plan: Plan) -> Plan:  # the boxes are read inside the edit: one too long is the edit's error
        return ed.update_action(
            plan, action_id,
            title=(s.get(f"ea_title_{stamp}") or "").strip(),
            priority=s.get(f"ea_priority_{stamp}"),
            lead=(s.get(f"ea_lead_{stamp}") or "").strip() or None,
            partners=pe.lines(s.get(f"ea_partners_{stamp}", "")),
            timescale=(s.get(f"ea_timescale_{stamp}") or "").strip() or None,
            indicators=pe.lines(s.get(f"ea_indicators_{stamp}", "")),
            progress_targets=pe.lines(s.get(f"ea_targets_{stamp}", "")),
            how=pe.lines(s.get(f"ea_how_{stamp}", "")),
            status=s.get(f"ea_status_{stamp}") or None,
        )

    edit(change, f"change action {action_id}")


def add_action(priority_id: str) -> None:
    editing: pe.Editing = st.session_state[EDITING]
    new_id = ed.next_action_id(editing.plan, priority_id)
    title = (st.session_state.get("editor_new_action_title") or "").strip() or "New action"
    edit(partial(ed.add_action, action_id=new_id, priority=priority_id, title=title), "add the action")
    if any(a.id == new_id for a in st.session_state[EDITING].plan.actions):
        st.session_state[ACTION] = new_id
        st.session_state["editor_new_action_title"] = ""


def remove_action(action_id: str) -> None:
    edit(partial(ed.remove_action, action_id=action_id), f"remove action {action_id}")
    st.session_state.pop(ACTION, None)


def add_priority() -> None:
    editing: pe.Editing = st.session_state[EDITING]
    new_id = ed.next_priority_id(editing.plan)
    title = (st.session_state.get("editor_new_priority_title") or "").strip() or "New priority"
    edit(partial(ed.add_priority, priority_id=new_id, title=title), "add the priority")
    st.session_state["editor_new_priority_title"] = ""


def apply_priority(priority_id: str, stamp: str) -> None:
    s = st.session_state
    edit(lambda plan: ed.update_priority(plan, priority_id, title=(s.get(f"ep_title_{stamp}") or "").strip(),
                                         aims=pe.lines(s.get(f"ep_aims_{stamp}", ""))),
         f"change priority {priority_id}")


def remove_priority(priority_id: str) -> None:
    edit(partial(ed.remove_priority, priority_id=priority_id, remove_actions=True), f"remove priority {priority_id}")


def add_rule(action_id: str) -> None:
    s = st.session_state
    low, high = s["editor_rule_deciles"]
    target = partial(ed.decile_target, high, decile_min=low, measure=s["editor_rule_measure"],
                     decile_type="local" if s.get("editor_rule_local") else "national")
    edit(lambda plan: pe.add_target(plan, action_id, target()), "add the rule")


def add_indicator(action_id: str) -> None:
    s = st.session_state
    target = partial(ed.indicator_target, s["editor_ind_id"], area_type=s["editor_ind_type"],
                     comparison=s["editor_ind_comparison"], level=s["editor_ind_level"])
    edit(lambda plan: pe.add_target(plan, action_id, target()), "add the indicator rule")


def add_names(action_id: str) -> None:
    s = st.session_state
    edit(lambda plan: pe.add_target(plan, action_id,
                                    ed.names_target(s["editor_names_type"], pe.lines(s.get("editor_names", "")))),
         "add the named areas")
    s["editor_names"] = ""


def add_district(action_id: str) -> None:
    edit(lambda plan: pe.add_target(plan, action_id, ed.district_target(True)), "target the whole district")


def set_picked(action_id: str, level: str, shown: list[str]) -> None:
    codes = st.session_state.get(f"editor_picked_{level}", [])
    edit(lambda plan: pe.set_picked(plan, action_id, level, codes, shown), "change the picked areas")


def save(store: ProgressStore, user: User) -> None:
    user = current_user()  # now, not as the page was drawn: a callback runs before the gate
    editing: pe.Editing = st.session_state[EDITING]
    try:
        editing, result = pe.save_version(store, editing, user)
    except PlanChangedSinceOpened as exc:
        say("error", pe.changed_message(exc), SAVE_MESSAGE)
        return
    except PlanNotFinal as exc:
        say("error", "Not saved as a version: the plan has problems (it is kept as your draft):\n\n"
            + bullets(pe.plan_problem_lines(exc.problems)), SAVE_MESSAGE)
        return
    except HiapGeoError as exc:
        say("error", f"Not saved: {escape_markdown(exc)}", SAVE_MESSAGE)
        return
    st.session_state[EDITING] = editing
    st.session_state["editor_autosaved"] = editing.yaml()
    say("success", pe.saved_message(result), SAVE_MESSAGE)


def reopen_current(store: ProgressStore, user: User) -> None:
    """After a refused save: the current version, opened fresh (the user's draft is kept only if they
    did not choose this)."""
    user = current_user()  # now, not as the page was drawn: a callback runs before the gate
    editing: pe.Editing = st.session_state[EDITING]
    store.discard_draft(editing.plan.id, user=user)
    start(partial(pe.open_plan, f"stored:{editing.plan.id}", store, user))


def action_panel(editing: pe.Editing, action_id: str, problems: list[ed.Problem], text: str, may_edit: bool,
                 slug: str | None) -> None:
    plan = editing.plan
    action = plan.action(action_id)
    at_field = pe.action_problems(problems, action_id)
    stamp = f"{action_id}_{abs(hash(action.model_dump_json())) % 10**10}"

    def at(field: str) -> None:
        shown, more = pe.first_problems(at_field.get(field, []), 5)
        for problem in shown:
            (st.error if problem.blocking else st.caption)(pe.problem_text(problem))
        if more:
            st.caption(pe.more_line(more))

    form_col, reach_col = st.columns([3, 2])
    with form_col:
        with st.form(f"editor_action_form_{stamp}"):
            st.text_area("Title", action.title, key=f"ea_title_{stamp}", height=68, disabled=not may_edit)
            at("title")
            priorities = {p.id: pm.shorten(f"{p.id}: {p.title}", 60) for p in plan.priorities}
            st.selectbox("Priority", list(priorities), index=list(priorities).index(action.priority),
                         format_func=priorities.get, key=f"ea_priority_{stamp}", disabled=not may_edit)
            c1, c2 = st.columns(2)
            c1.text_input("Lead", action.lead or "", key=f"ea_lead_{stamp}", disabled=not may_edit)
            c2.text_input("Timescale (dates)", getattr(action, "timescale", None) or "", key=f"ea_timescale_{stamp}",
                          placeholder="e.g. April 2026 to March 2027", disabled=not may_edit)
            st.text_area("Partners (one per line)", "\n".join(action.partners), key=f"ea_partners_{stamp}",
                         height=68, disabled=not may_edit)
            st.text_area("How (steps, one per line)", "\n".join(action.how), key=f"ea_how_{stamp}", height=68,
                         disabled=not may_edit)
            c3, c4 = st.columns(2)
            c3.text_area("Outcome measures (one per line)", "\n".join(action.indicators),
                         key=f"ea_indicators_{stamp}", height=68, disabled=not may_edit)
            c4.text_area("Progress targets (one per line)", "\n".join(action.progress_targets),
                         key=f"ea_targets_{stamp}", height=68, disabled=not may_edit)
            statuses = [None, *STATUSES]
            st.selectbox("Status", statuses, index=statuses.index(action.status), key=f"ea_status_{stamp}",
                         format_func=lambda s: "No status yet" if s is None else STATUSES[s], disabled=not may_edit)
            for key in ("lead", "partners", "timescale", "how", "indicators", "progress_targets", "status",
                        "priority", ""):
                at(key)
            st.form_submit_button("Apply changes to the action", type="primary", disabled=not may_edit,
                                  on_click=apply_action, args=(action_id, stamp))
        carried = getattr(action, "carried_from", None)
        if carried is not None:
            st.caption(f"Continues action {escape_markdown(carried.action)} of plan "
                       f"'{escape_markdown(carried.plan)}'.")

        st.markdown("**Where the action lands (its targets)**")
        for i, line in enumerate(pe.target_lines(plan, action_id)):
            t1, t2 = st.columns([4, 1], vertical_alignment="center")
            t1.markdown(f"{i + 1}. {escape_markdown(line)}")
            t2.button("Remove", key=f"editor_remove_target_{stamp}_{i}", disabled=not may_edit,
                      on_click=edit, args=(partial(pe.remove_target, action_id=action_id, index=i),
                                           f"remove target {i + 1}"))
            at(f"target_areas[{i}]")
    with reach_col:
        st.markdown("**Reach of this action, now**")
        try:
            reach = reach_of(text, action_id)
        except HiapGeoError as exc:
            st.warning(f"The action's reach cannot be worked out: {escape_markdown(exc)}")
        else:
            st.markdown("  \n".join(pe.reach_lines(reach)))
            if len(reach.lsoas) and not reach.district_wide:
                st.dataframe(pe.reach_table(reach), hide_index=True, width="stretch")
        if at_field:
            st.markdown(f"**Problems of action {escape_markdown(action_id)}**")
            shown, more = pe.first_problems(p for group in at_field.values() for p in group)
            st.markdown(bullets([pe.problem_text(p) for p in shown] + ([pe.more_line(more)] if more else [])))
        else:
            st.caption("No problem found with this action.")
        if may_edit:
            st.button("Remove this action", key=f"editor_remove_action_{stamp}", on_click=remove_action,
                      args=(action_id,))
    if may_edit:
        target_editor(editing, action_id, text, slug)


def target_editor(editing: pe.Editing, action_id: str, text: str, slug: str | None) -> None:
    plan = editing.plan
    way = st.radio("Add places by", ["Picking on the map", "A decile rule", "An indicator rule", "Naming areas",
                                     "The whole district"], horizontal=True, key="editor_target_way")
    if way == "A decile rule":
        measures = coverage_measures(plan.edition)
        c1, c2, c3 = st.columns([3, 3, 2])
        c1.selectbox("Measure", list(measures), format_func=measures.get, key="editor_rule_measure")
        c2.select_slider("Deciles", options=list(range(1, 11)), value=(1, 2), key="editor_rule_deciles",
                         help="1 = the most deprived 10% of LSOAs in England (or of the district's, with local).")
        c3.toggle("Local deciles", key="editor_rule_local")
        st.button("Add the rule", key="editor_add_rule", on_click=add_rule, args=(action_id,))
        return
    if way == "An indicator rule":
        options = coverage_indicators()
        st.selectbox("Indicator", list(options), format_func=options.get, key="editor_ind_id")
        c1, c2, c3 = st.columns(3)
        c1.radio("Areas", ["lsoa", "ward"], format_func=pe.PICK_LEVELS.get, key="editor_ind_type")
        c2.radio("Compared with England", ["worse", "similar", "better"], key="editor_ind_comparison")
        c3.radio("Confidence level", list(pm.CONFIDENCE_LEVELS), format_func=pm.CONFIDENCE_LEVELS.get,
                 key="editor_ind_level")
        st.button("Add the indicator rule", key="editor_add_indicator", on_click=add_indicator, args=(action_id,))
        st.caption("The rule is evaluated on the data each time: the reach beside it says what it selects today.")
        return
    if way == "Naming areas":
        st.radio("Kind of area", ["ward", "lsoa"], format_func=pe.PICK_LEVELS.get, horizontal=True,
                 key="editor_names_type")
        st.text_area("Names, one per line", key="editor_names", placeholder="Sherwood\nRusthall")
        st.button("Add the named areas", key="editor_add_names", on_click=add_names, args=(action_id,))
        return
    if way == "The whole district":
        st.button(f"Target the whole of {escape_markdown(plan.area.name)}", key="editor_add_district",
                  on_click=add_district, args=(action_id,))
        st.caption("Say so only when the plan says 'across the district': an action that names no place shows as "
                   "such, so a gap cannot hide behind it.")
        return
    pick_on_map(editing, action_id, text, slug)


def pick_on_map(editing: pe.Editing, action_id: str, text: str, slug: str | None) -> None:
    plan = editing.plan
    if slug is None:
        st.warning("No map layers are built: run `python -m hiap_geo build`. Areas can still be named or chosen "
                   "by a rule.")
        return
    districts = tuple(plan_districts(plan))
    missing = [d for d in districts if d not in built_districts(slug)]
    if missing:
        st.warning(f"No map layers are built for {', '.join(missing)}: run `python -m hiap_geo build --area "
                   "england`. Areas can still be named or chosen by a rule.")
        return
    level = st.radio("Pick", list(pe.PICK_LEVELS), format_func=pe.PICK_LEVELS.get, horizontal=True,
                     key="editor_pick_level")
    layer = chosen_areas(slug, level, plan.edition, districts)
    reached = pe.reached_codes(plan_reach(text), level, action_id)
    drawn = pe.pick_map(layer, level, plan, action_id, reached,
                        wards=chosen_areas(slug, "ward", plan.edition, districts).geometry if level == "lsoa" else None,
                        districts=chosen_areas(slug, "district", plan.edition, districts).geometry)
    clicked = st_folium(drawn.fmap, key="editor_map", height=520, use_container_width=True,
                        returned_objects=["last_clicked"])
    point = (clicked or {}).get("last_clicked")
    if point and point != st.session_state.get("editor_last_click"):  # a new click, not the last one again
        st.session_state["editor_last_click"] = point
        code = area_at(drawn.areas, point["lat"], point["lng"])
        if code:
            edit(partial(ed.toggle_code, action_id=action_id, code=code), f"pick {code}")
            st.rerun()
    names = drawn.areas.set_index("code")["name"]
    key = f"editor_picked_{level}"
    st.session_state[key] = sorted(drawn.picked & set(names.index))
    st.multiselect(f"{pe.PICKED_WORDS[level]} (click the map, or choose here)", list(names.index),
                   key=key, format_func=lambda c: f"{c} {names[c]}", on_change=set_picked,
                   args=(action_id, level, list(names.index)))
    elsewhere = sorted(drawn.picked - set(names.index))
    if elsewhere:
        st.warning(f"Picked but not on this map (see the problems of its targets): "
                   f"{escape_markdown(', '.join(elsewhere))}")
    st.caption("Magenta: picked for this action (a click removes it). Orange: reached by its rule, names or list. "
               "Colours show the IMD decile (1 = most deprived 10% in England).")


def plan_reach_section(editing: pe.Editing, text: str) -> None:
    plan = editing.plan
    st.subheader("The plan's reach")
    gap_tab, matrix_tab, check_tab = st.tabs(["Coverage gaps", "Areas by priority", "Plan check"])
    measures = coverage_measures(plan.edition)
    c1, c2, c3 = gap_tab.columns([3, 3, 2])
    measure = c1.selectbox("Deprived by", list(measures), format_func=measures.get, key="editor_gap_measure")
    top = c2.slider("Deciles counted as deprived: 1 to", 1, 10, 2, key="editor_gap_decile",
                    help="1 = the most deprived 10% of LSOAs.")
    local = c3.toggle("Local deciles", key="editor_gap_local")
    try:
        cover = gaps(text, measure, top, "local" if local else "national")
    except HiapGeoError as exc:
        gap_tab.warning(escape_markdown(exc))
        cover = None
    if cover is not None:
        gap_tab.markdown(pe.gap_line(cover, plan.edition))
        uncovered = pm.coverage_export(cover.uncovered)
        gap_tab.dataframe(uncovered, hide_index=True, width="stretch")
        gap_tab.download_button("Download the gaps (CSV)", csv_bytes(uncovered), key="editor_gaps_csv",
                                file_name=f"{plan.id}-uncovered-deprived-lsoas.csv", mime="text/csv")
        matrix_tab.caption("Deprived LSOAs at the threshold set under Coverage gaps, by priority: the number of "
                           "actions of the priority that name each.")
        matrix = pe.matrix_table(cover, plan)
        matrix_tab.dataframe(matrix, hide_index=True, width="stretch")
        matrix_tab.download_button("Download the matrix (CSV)", csv_bytes(cover.matrix), key="editor_matrix_csv",
                                   file_name=f"{plan.id}-area-by-priority.csv", mime="text/csv")
    found = findings(text)
    if found.report is not None:
        check_tab.markdown(pm.check_summary(found.report, plan.edition))
    for item in pe.check_lines(found, plan):
        check_tab.markdown(item)


def save_section(editing: pe.Editing, problems: list[ed.Problem], store: ProgressStore | None, user: User,
                 text: str, slug: str | None) -> None:
    plan = editing.plan
    st.subheader("Save and export")
    show_message(SAVE_MESSAGE)
    stopping = ed.blocking(problems)
    if stopping:
        st.warning(f"**{pe.stopping_words(len(stopping))} this plan being saved as a version**; it is kept as your "
                   "draft meanwhile:\n\n" + bullets(pe.plan_problem_lines(stopping)))
    may_save = user.may("register_plan")
    if store is not None and user.may("draft_plan"):
        s1, s2 = st.columns([2, 5])
        s1.button("Save version", type="primary", key="editor_save", on_click=save, args=(store, user),
                  disabled=bool(stopping) or not may_save)
        if not may_save:
            s2.caption("Saving a version needs the admin role (reviews are recorded against versions); your work is "
                       "kept as your draft for an admin to save.")
        else:
            s2.caption("A version is stored with who saved it and what changed. If someone saved the plan since you "
                       "opened it, you are told who and what, and nothing is overwritten.")
    e1, e2, e3 = st.columns(3)
    e1.download_button("Download YAML", text.encode("utf-8"), file_name=f"{plan.id}.yaml", mime="application/yaml",
                       key="editor_yaml", help="The plan file format of data/plans/README.md; `python -m hiap_geo "
                                               "plan check <file>` reads it.")
    laid_out = ("Laid out as a council publishes a plan: title page, contents, introduction, and per priority its "
                "aims, a map and its actions with lead, partners, timescale, outcome measures and target areas by "
                "name and ward. Drawn when clicked.")
    e2.download_button("Download Word", partial(document_file, text, slug), file_name=f"{plan.id}.docx",
                       key="editor_docx", help=laid_out,
                       mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    e3.download_button("Download PDF", partial(document_file, text, slug, "pdf"), file_name=f"{plan.id}.pdf",
                       key="editor_pdf", mime="application/pdf", help=laid_out)


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------

user = current_user()
may_edit = user.may("draft_plan")
st.title("Plan editor")
try:
    store: ProgressStore | None = progress_store(database_url())
except HiapGeoError as exc:
    store = None
    st.error(f"The progress database cannot be opened, so drafts and versions cannot be kept: {escape_markdown(exc)}")

if EDITING not in st.session_state and st.query_params.get("plan"):  # a refresh: reopen where the user was
    choice = pe.reopen_choice(str(st.query_params["plan"]), store, user, may_edit)
    if choice:
        start(partial(pe.open_plan, choice, store, user))

editing: pe.Editing | None = st.session_state.get(EDITING)
if editing is None:
    start_page(store, user, may_edit)
    st.stop()

plan: Plan = editing.plan
text = editing.yaml()
try:
    slug: str | None = build_in_use()
except HiapGeoError:
    slug = None

head, leave = st.columns([6, 1])
head.header(escape_markdown(plan.title))
head.caption(escape_markdown(f"{plan.area.name} ({plan.area.code}), {plan.period}, IoD {plan.edition} geography. "
                             f"Opened from {editing.opened_from}."))
leave.button("Close", key="editor_close", on_click=close, help="Back to choosing a plan; your draft is kept.")
if editing.changes:  # moved to another edition: what changed, to read before saving
    with st.expander(f"What moving to IoD {plan.edition} areas changed ({len(editing.changes)})", expanded=True):
        st.markdown(bullets([escape_markdown(c) for c in editing.changes]))

problems = problems_of(text)
if store is not None and may_edit and text != st.session_state.get("editor_autosaved"):
    if editing.original is None or text != editing.original.text:  # something changed: keep it as a draft
        try:
            draft = pe.autosave(store, editing, user, problems)
            st.caption(f"Draft saved {draft.saved_at:%H:%M:%S} UTC: a refresh or a lost connection loses nothing.")
        except HiapGeoError as exc:
            st.warning(f"Your draft could not be saved: {escape_markdown(exc)}")
    st.session_state["editor_autosaved"] = text
if not may_edit:
    st.info("You may read this plan but not change it: your role is viewer. Its reach and exports are below.")

with st.expander(f"Priorities ({len(plan.priorities)})", expanded=len(plan.priorities) < 2):
    shown_priorities = list(plan.priorities)
    if len(shown_priorities) > pe.PRIORITY_FORMS:  # one form, not thousands: the page stays usable
        titles = {p.id: pm.shorten(f"{p.id}: {p.title}", 70) for p in plan.priorities}
        if st.session_state.get("editor_priority") not in titles:  # e.g. the priority was removed
            st.session_state["editor_priority"] = plan.priorities[0].id
        picked = st.selectbox("Priority to edit", list(titles), format_func=titles.get, key="editor_priority")
        shown_priorities = [p for p in plan.priorities if p.id == picked] or shown_priorities[:1]
    for priority in shown_priorities:
        pstamp = f"{priority.id}_{abs(hash(priority.model_dump_json())) % 10**10}"
        with st.form(f"editor_priority_{pstamp}"):
            count = sum(a.priority == priority.id for a in plan.actions)
            st.markdown(f"**Priority {escape_markdown(priority.id)}** ({count} action{'s' if count != 1 else ''})")
            st.text_input("Title", priority.title, key=f"ep_title_{pstamp}", disabled=not may_edit)
            st.text_area("Aims (one per line)", "\n".join(priority.aims), key=f"ep_aims_{pstamp}", height=68,
                         disabled=not may_edit)
            b1, b2 = st.columns(2)
            b1.form_submit_button("Apply", disabled=not may_edit, on_click=apply_priority, args=(priority.id, pstamp))
            b2.form_submit_button("Remove with its actions", disabled=not may_edit or len(plan.priorities) < 2,
                                  on_click=remove_priority, args=(priority.id,))
    if may_edit:
        n1, n2 = st.columns([4, 1], vertical_alignment="bottom")
        n1.text_input("New priority's title", key="editor_new_priority_title")
        n2.button("Add priority", key="editor_add_priority", on_click=add_priority)

st.subheader(f"Actions ({len(plan.actions)})")
show_message()  # what an edit could not do, above the action it concerns
counts = pe.problem_counts(problems)
ids = [a.id for a in plan.actions]
if st.session_state.get(ACTION) not in ids:
    st.session_state[ACTION] = ids[0]
a1, a2, a3, a4 = st.columns([5, 2, 3, 1], vertical_alignment="bottom")
chosen_id = a1.selectbox("Action to edit", ids, key=ACTION,
                         format_func=lambda i: pe.action_label(plan, i, counts.get(i, 0)))
if may_edit:
    titles = {p.id: pm.shorten(f"{p.id}: {p.title}", 40) for p in plan.priorities}
    new_priority = a2.selectbox("New action in", list(titles), format_func=titles.get, key="editor_new_in")
    a3.text_input("New action's title", key="editor_new_action_title")
    a4.button("Add", key="editor_add_action", on_click=add_action, args=(new_priority,))
action_panel(editing, chosen_id, problems, text, may_edit, slug)

plan_reach_section(editing, text)
save_section(editing, problems, store, user, text, slug)
others = [p for p in problems if not p.action_id]
if others:
    with st.expander(f"Other findings about the plan ({len(others)})"):
        st.markdown(bullets(pe.plan_problem_lines(others)))
if store is not None:
    st.button("Open the current stored version instead (discards your draft)", key="editor_reopen",
              on_click=reopen_current, args=(store, user), disabled=plan.id not in store.plan_ids() or not may_edit)
st.caption(full_attribution())

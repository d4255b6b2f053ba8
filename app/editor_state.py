"""The Plan editor's session: the plan being edited, the messages an edit leaves, and the callbacks of its forms.

The plan lives in ``st.session_state[EDITING]`` (a ``views.plan_editor.Editing``); each callback applies one edit
from ``views.plan_editor_edits`` and keeps the plan after it, or leaves the edit's error to show and keeps the
plan it had. The cached computations (problems, reach, gaps, check) are keyed by the plan's YAML text.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import streamlit as st

from app.access import current_user
from app.loaders import chosen_areas
from hiap_geo.core.access import User
from hiap_geo.views import plan as plan_view
from hiap_geo.views import plan_editor as editor_model
from hiap_geo.views import plan_editor_edits as edits
from hiap_geo.views.plan_editor_map import PickMap

EDITING = "editor_editing"
MESSAGE = "editor_message"
SAVE_MESSAGE = "editor_save_message"
ACTION = "editor_action"
FRAME = "editor_frame"


@st.cache_data(show_spinner="Checking the plan against the official data...", max_entries=32)
def problems_of(text: str) -> list[edits.Problem]:
    return edits.problems_of(text)


@st.cache_data(show_spinner=False, max_entries=64)
def reach_of(text: str, action_id: str) -> object:
    return edits.reach_of(text, action_id)


@st.cache_data(show_spinner="Placing the actions on the map...", max_entries=16)
def plan_reach(text: str) -> plan_view.PlanReach:
    return edits.plan_reach(text)


@st.cache_data(show_spinner=False, max_entries=32)
def gaps(text: str, measure: str, decile_max: int, decile_type: str) -> object:
    return editor_model.plan_gaps(edits.plan_of(text), plan_view.CoverageThreshold(measure, decile_max, decile_type),
                                  plan_reach(text))


@st.cache_data(show_spinner=False, max_entries=16)
def findings(text: str) -> editor_model.CheckFindings:
    return editor_model.check_findings(text)


@st.cache_data(show_spinner=False)
def areas_for(edition: int) -> dict[str, str]:
    return editor_model.plan_areas(edition)


def document_file(text: str, slug: str | None, kind: str = "docx") -> bytes:
    """The Word or PDF document, drawn when its button is clicked: it always matches the plan shown."""
    def lsoas(plan: edits.Plan) -> object:
        return chosen_areas(slug, "lsoa", plan.edition, edits.districts_of(plan)) if slug else None

    return edits.document(text, kind, lsoas)


def say(kind: str, text: str, key: str = MESSAGE) -> None:
    st.session_state[key] = (kind, text)


def show_message(key: str = MESSAGE) -> None:
    message = st.session_state.pop(key, None)
    if message:
        {"success": st.success, "info": st.info, "warning": st.warning}.get(message[0], st.error)(message[1])


def bullets(items: list[str]) -> str:
    return "\n".join(f"- {i}" for i in items)


def editing() -> editor_model.Editing:
    return st.session_state[EDITING]


def edit(change: edits.Change, what: str) -> None:
    """Apply one edit (a callback): the plan after it, or the edit's error shown and the plan unchanged."""
    try:
        st.session_state[EDITING] = editing().edited(change(editing().plan))
    except (edits.HiapGeoError, ValueError) as exc:
        say("error", f"Could not {what}: {edits.escape_markdown(exc)}")


def start(make: Callable[[], editor_model.Editing]) -> None:
    """Start editing what ``make`` returns (a callback of the start forms)."""
    try:
        started = make()
    except edits.PlanFileError as exc:
        say("error", "The plan cannot be opened:\n\n" + bullets(
            [edits.escape_markdown(p) for p in plan_view.problem_lines(exc)]))
        return
    except (edits.HiapGeoError, ValueError) as exc:
        say("error", edits.escape_markdown(exc))
        return
    st.session_state[EDITING] = started
    for key in (ACTION, FRAME):
        st.session_state.pop(key, None)
    st.query_params["plan"] = started.plan.id  # a refresh reopens it (from the draft)


def close() -> None:
    for key in (EDITING, ACTION, FRAME, "editor_autosaved"):
        st.session_state.pop(key, None)
    st.query_params.pop("plan", None)


def discard(store: edits.ProgressStore, plan_id: str) -> None:
    try:
        store.discard_draft(plan_id, user=current_user())  # now, not as the page was drawn
    except edits.HiapGeoError as exc:
        say("error", f"The draft was not discarded: {edits.escape_markdown(exc)}")
        return
    say("info", "Your draft was discarded; the plan's saved versions are as they were.")


def open_chosen(store: edits.ProgressStore | None, user: User) -> None:
    """Open the plan chosen in the list as it is when the button is clicked (not as the page was drawn)."""
    choice = st.session_state.get("editor_open_choice")
    if choice:
        start(partial(editor_model.open_plan, choice, store, user))


def start_new(store: edits.ProgressStore | None, user: User) -> None:
    s = st.session_state
    start(partial(editor_model.start_new, (s.get("editor_new_id") or "").strip(),
                  (s.get("editor_new_title") or "").strip(), s["editor_new_area"],
                  (s.get("editor_new_period") or "").strip(), s["editor_new_edition"], user, store,
                  s.get("editor_new_publisher")))


def start_next(store: edits.ProgressStore | None, user: User) -> None:
    s = st.session_state

    def make() -> editor_model.Editing:
        source = editor_model.open_plan(s["editor_next_source"], store, user).plan
        return editor_model.start_next_period(source, (s.get("editor_next_id") or "").strip(),
                                              (s.get("editor_next_period") or "").strip(), user, store,
                                              (s.get("editor_next_title") or "").strip() or None,
                                              s.get("editor_next_edition", 2025))

    start(make)


FORM_FIELDS = ("title", "priority", "lead", "partners", "timescale", "indicators", "progress_targets", "how",
               "status")


def apply_action(action_id: str, stamp: str) -> None:
    values = {name: st.session_state.get(f"ea_{name}_{stamp}") for name in FORM_FIELDS}
    edit(edits.action_change(action_id, values), f"change action {action_id}")


def add_action(priority_id: str) -> None:
    change, new_id = edits.new_action(priority_id, st.session_state.get("editor_new_action_title") or "")
    made = new_id(editing().plan)
    edit(change, "add the action")
    if any(a.id == made for a in editing().plan.actions):
        st.session_state[ACTION] = made
        st.session_state["editor_new_action_title"] = ""


def remove_action(action_id: str) -> None:
    edit(edits.remove_action(action_id), f"remove action {action_id}")
    st.session_state.pop(ACTION, None)


def add_priority() -> None:
    edit(edits.new_priority(st.session_state.get("editor_new_priority_title") or ""), "add the priority")
    st.session_state["editor_new_priority_title"] = ""


def apply_priority(priority_id: str, stamp: str) -> None:
    s = st.session_state
    edit(edits.priority_change(priority_id, s.get(f"ep_title_{stamp}") or "", s.get(f"ep_aims_{stamp}", "")),
         f"change priority {priority_id}")


def remove_priority(priority_id: str) -> None:
    edit(edits.remove_priority(priority_id), f"remove priority {priority_id}")


def add_rule(action_id: str) -> None:
    s = st.session_state
    edit(edits.decile_rule(action_id, s["editor_rule_deciles"], s["editor_rule_measure"],
                           bool(s.get("editor_rule_local"))), "add the rule")


def add_indicator(action_id: str) -> None:
    s = st.session_state
    edit(edits.indicator_rule(action_id, s["editor_ind_id"], s["editor_ind_type"], s["editor_ind_comparison"],
                              s["editor_ind_level"]), "add the indicator rule")


def add_names(action_id: str) -> None:
    s = st.session_state
    edit(edits.named_areas(action_id, s["editor_names_type"], s.get("editor_names", "")), "add the named areas")
    s["editor_names"] = ""


def add_district(action_id: str) -> None:
    edit(edits.whole_district(action_id), "target the whole district")


def remove_target(action_id: str, index: int) -> None:
    edit(partial(editor_model.remove_target, action_id=action_id, index=index), f"remove target {index + 1}")


def set_picked(action_id: str, level: str, shown: list[str]) -> None:
    codes = st.session_state.get(f"editor_picked_{level}", [])
    edit(lambda plan: editor_model.set_picked(plan, action_id, level, codes, shown), "change the picked areas")


def clicked(drawn: PickMap, action_id: str, lat: float, lng: float) -> None:
    """A click on the map: the area under it picked for the action (or unpicked); a click outside every area
    does nothing."""
    code = drawn.code_at(lat, lng)
    if code:
        edit(edits.toggle(action_id, code), "pick the area")


def picked_by_keyboard(drawn: PickMap, action_id: str, code: str) -> None:
    """Enter on an area focused with the keyboard: picked for the action (or unpicked), as a click does."""
    if drawn.has(code):
        edit(edits.toggle(action_id, code), "pick the area")


def save(store: edits.ProgressStore) -> None:
    user = current_user()  # now, not as the page was drawn: a callback runs before the gate
    before = editing()
    try:
        after, result = editor_model.save_version(store, before, user)
    except edits.PlanChangedSinceOpened as exc:
        say("error", editor_model.changed_message(exc, before.plan.title, before.plan.edition), SAVE_MESSAGE)
        return
    except edits.PlanNotFinal as exc:
        say("error", "Not saved as a version: the plan has problems (it is kept as your draft):\n\n"
            + bullets(editor_model.plan_problem_lines(exc.problems)), SAVE_MESSAGE)
        return
    except edits.HiapGeoError as exc:
        say("error", f"Not saved: {edits.escape_markdown(exc)}", SAVE_MESSAGE)
        return
    st.session_state[EDITING] = after
    st.session_state["editor_autosaved"] = after.yaml()
    say("success", editor_model.saved_message(result, after.plan.title, after.plan.edition), SAVE_MESSAGE)


def reopen_current(store: edits.ProgressStore) -> None:
    """After a refused save: the current version, opened fresh (the user's draft is dropped: they chose this)."""
    user = current_user()
    plan_id = editing().plan.id
    store.discard_draft(plan_id, user=user)
    start(partial(editor_model.open_plan, f"stored:{plan_id}", store, user))

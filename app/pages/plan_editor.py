"""Plan editor: write the next Health Inequalities Action Plan with the map and the data beside each action.

Thin: the forms are ``app.editor_forms``, their callbacks and the plan being edited ``app.editor_state``, and what
they decide ``hiap_geo.views.plan_editor*``. On every change the plan is kept as the user's draft, so a refresh
or a lost connection loses nothing.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from app import editor_forms as forms
from app import editor_state as state
from app.access import current_user
from app.loaders import progress_store
from hiap_geo.views import plan_editor as editor_model
from hiap_geo.views import plan_editor_edits as edits
from hiap_geo.views import plan_editor_words as words
from hiap_geo.views.explorer import build_in_use
from hiap_geo.views.plan import shorten

escape = edits.escape_markdown

user = current_user()
may_edit = user.may("draft_plan")
st.title("Plan editor")
try:
    store: edits.ProgressStore | None = progress_store(edits.database_url())
except edits.HiapGeoError:
    store = None
    st.error("The progress database cannot be opened, so drafts and versions cannot be kept: ask whoever runs "
             "this app to check its database (the HIAP_PROGRESS_DB setting).")

if state.EDITING not in st.session_state and st.query_params.get("plan"):  # a refresh: reopen where the user was
    choice = editor_model.reopen_choice(str(st.query_params["plan"]), store, user, may_edit)
    if choice:
        state.start(partial(editor_model.open_plan, choice, store, user))

editing: editor_model.Editing | None = st.session_state.get(state.EDITING)
if editing is None:
    forms.start_page(store, user, may_edit)
    st.stop()

plan = editing.plan
text = editing.yaml()
try:
    slug: str | None = build_in_use()
except edits.HiapGeoError:
    slug = None

head, leave = st.columns([6, 1])
head.header(escape(plan.title))
head.caption(escape(f"{plan.area.name}, {plan.period}, on IoD {plan.edition} areas. Opened from "
                    f"{editing.opened_from}."))
leave.button("Close", key="editor_close", on_click=state.close, help="Back to choosing a plan; your draft is kept.")
if editing.changes:  # moved to another edition: what changed, to read before saving
    with st.expander(f"What moving to IoD {plan.edition} areas changed ({len(editing.changes)})", expanded=True):
        st.markdown(state.bullets([escape(line) for line in words.lines_named(editing.changes,
                                                                              words.AreaNames(plan.edition))]))

problems = state.problems_of(text)
forms.save_bar(plan, problems, store, user, text, slug)
if store is not None and may_edit and text != st.session_state.get("editor_autosaved"):
    if editing.original is None or text != editing.original.text:  # something changed: keep it as a draft
        try:
            draft = editor_model.autosave(store, editing, user, problems)
            st.caption(f"Draft saved at {draft.saved_at:%H:%M:%S} UTC: a refresh or a lost connection loses "
                       "nothing.")
        except edits.HiapGeoError as exc:
            st.warning(f"Your draft could not be saved: {escape(exc)}")
    st.session_state["editor_autosaved"] = text
if not may_edit:
    st.info("You may read this plan but not change it: your role is viewer. Its reach and exports are here.")

forms.priorities_section(plan, may_edit)

st.subheader(f"Actions ({len(plan.actions)})")
state.show_message()  # what an edit could not do, above the action it concerns
counts = editor_model.problem_counts(problems)
ids = [a.id for a in plan.actions]
if st.session_state.get(state.ACTION) not in ids:
    st.session_state[state.ACTION] = ids[0]
pick_col, priority_col, title_col, add_col = st.columns([5, 2, 3, 1], vertical_alignment="bottom")
action_id = pick_col.selectbox("Action to edit", ids, key=state.ACTION,
                               format_func=lambda i: editor_model.action_label(plan, i, counts.get(i, 0)))
if may_edit:
    titles = {p.id: shorten(f"{p.id}: {p.title}", 40) for p in plan.priorities}
    new_priority = priority_col.selectbox("New action in", list(titles), format_func=titles.get, key="editor_new_in")
    title_col.text_input("New action's title", key="editor_new_action_title")
    add_col.button("Add", key="editor_add_action", on_click=state.add_action, args=(new_priority,))

action = plan.action(action_id)
at_field = editor_model.action_problems(problems, action_id)
stamp = f"{action_id}_{abs(hash(action.model_dump_json())) % 10**10}"
forms.action_beside_map(plan, action_id, text, slug, at_field, stamp, may_edit)

forms.plan_reach_section(plan, text)
others = [p for p in problems if not p.action_id]
if others:
    with st.expander(f"Other findings about the plan ({len(others)})"):
        st.markdown(state.bullets(editor_model.plan_problem_lines(others)))
if store is not None:
    st.button("Open the current saved version instead (discards your draft)", key="editor_reopen",
              on_click=state.reopen_current, args=(store,),
              disabled=plan.id not in store.plan_ids() or not may_edit)
st.caption(edits.full_attribution())

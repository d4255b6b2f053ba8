"""The Plan editor's forms: starting (open, new, next period), a priority, an action, its targets on the map, the
plan's reach, and saving and exporting. Widgets only: what they decide is in ``hiap_geo.views.plan_editor*``,
what they change goes through the callbacks of ``app.editor_state``.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from app import editor_state as state
from app.loaders import area_geometry, chosen_areas, coverage_indicators, coverage_measures
from app.map_component import show_map
from hiap_geo.core.access import User
from hiap_geo.views import plan as plan_view
from hiap_geo.views import plan_editor as editor_model
from hiap_geo.views import plan_editor_edits as edits
from hiap_geo.views import plan_editor_map as editor_map
from hiap_geo.views import plan_editor_words as words
from hiap_geo.views.explorer import built_districts
from hiap_geo.views.map_text import level_plural, map_text

escape = edits.escape_markdown
TARGET_WAYS = ["Picking on the map", "A decile rule", "An indicator rule", "Naming areas", "The whole district"]


def start_page(store: edits.ProgressStore | None, user: User, may_edit: bool) -> None:
    st.caption("Write a plan with the map and the data beside each action: where it lands, how many people it "
               "reaches, which deprived areas no action reaches yet, and what the plan check finds, as you write.")
    state.show_message()
    try:
        choices = editor_model.open_choices(store, user, may_edit)
    except edits.HiapGeoError as exc:
        st.error(f"The progress database cannot be read: {escape(exc)}")
        choices = editor_model.open_choices(None, user, may_edit)
    ways = ["Open a plan", "New plan", "Next period's draft of a plan"] if may_edit else ["Open a plan"]
    way = st.radio("Start", ways, horizontal=True, key="editor_start")
    if way == "Open a plan":
        if st.session_state.get("editor_open_choice") not in choices:
            st.session_state["editor_open_choice"] = editor_model.open_default(choices,
                                                                               st.session_state.get("districts", ()))
        choice = st.selectbox("Plan", list(choices), format_func=choices.get, key="editor_open_choice")
        open_col, discard_col = st.columns([1, 5])
        open_col.button("Open", type="primary", key="editor_open", on_click=state.open_chosen, args=(store, user))
        if choice and choice.startswith("draft:") and store is not None:
            discard_col.button("Discard this draft", key="editor_discard", on_click=state.discard,
                               args=(store, choice[6:]), help="Removes your draft; the plan's saved versions are "
                                                               "not touched.")
        if not may_edit:
            st.info("Your role may look at plans here but not write them: ask an admin for the editor role.")
        return
    if way == "New plan":
        editions = {2025: "IoD 2025 (LSOA 2021, wards 2024)", 2019: "IoD 2019 (LSOA 2011, wards 2019)"}
        edition = st.radio("Geography (IoD edition)", list(editions), horizontal=True, key="editor_new_edition",
                           format_func=editions.get)
        areas = state.areas_for(edition)
        with st.form("editor_new"):
            st.selectbox("Area the plan covers", list(areas), format_func=areas.get, key="editor_new_area",
                         index=list(areas).index("E07000116") if "E07000116" in areas else 0)
            st.text_input("Plan id (letters, digits, '.', '_', '-')", key="editor_new_id",
                          placeholder="e.g. tunbridge-wells-2026-28")
            st.text_input("Title", key="editor_new_title", placeholder="Health Inequalities Action Plan 2026-28")
            st.text_input("Period", key="editor_new_period", placeholder="2026-28")
            st.text_input("Council publishing it (optional)", key="editor_new_publisher",
                          placeholder="e.g. Tunbridge Wells Borough Council",
                          help="The Word and PDF documents name it: '... sets out how <council> and its partners "
                               "will reduce health inequalities'. The area's name and 'Council' when left empty.")
            st.form_submit_button("Start the plan", type="primary", on_click=state.start_new, args=(store, user))
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
        st.form_submit_button("Start the draft", type="primary", on_click=state.start_next, args=(store, user))
    st.caption("Priorities and actions are carried over with their targets; statuses are reset, and each action "
               "keeps a link to the action it continues.")


def priorities_section(plan: edits.Plan, may_edit: bool) -> None:
    with st.expander(f"Priorities ({len(plan.priorities)})", expanded=len(plan.priorities) < 2):
        shown = list(plan.priorities)
        if len(shown) > editor_model.PRIORITY_FORMS:  # one form, not thousands: the page stays usable
            titles = {p.id: plan_view.shorten(f"{p.id}: {p.title}", 70) for p in plan.priorities}
            if st.session_state.get("editor_priority") not in titles:  # e.g. the priority was removed
                st.session_state["editor_priority"] = plan.priorities[0].id
            picked = st.selectbox("Priority to edit", list(titles), format_func=titles.get, key="editor_priority")
            shown = [p for p in plan.priorities if p.id == picked] or shown[:1]
        for priority in shown:
            stamp = f"{priority.id}_{abs(hash(priority.model_dump_json())) % 10**10}"
            with st.form(f"editor_priority_{stamp}"):
                count = sum(a.priority == priority.id for a in plan.actions)
                st.markdown(f"**Priority {escape(priority.id)}** ({words.counted(count, 'action')})")
                st.text_input("Title", priority.title, key=f"ep_title_{stamp}", disabled=not may_edit)
                st.text_area("Aims (one per line)", "\n".join(priority.aims), key=f"ep_aims_{stamp}", height=68,
                             disabled=not may_edit)
                apply_col, remove_col = st.columns(2)
                apply_col.form_submit_button("Apply", disabled=not may_edit, on_click=state.apply_priority,
                                             args=(priority.id, stamp))
                remove_col.form_submit_button("Remove with its actions", on_click=state.remove_priority,
                                              disabled=not may_edit or len(plan.priorities) < 2, args=(priority.id,))
        if may_edit:
            title_col, add_col = st.columns([4, 1], vertical_alignment="bottom")
            title_col.text_input("New priority's title", key="editor_new_priority_title")
            add_col.button("Add priority", key="editor_add_priority", on_click=state.add_priority)


def action_form(plan: edits.Plan, action_id: str, at_field: dict[str, list[edits.Problem]], stamp: str,
                may_edit: bool) -> None:
    action = plan.action(action_id)

    def at(field: str) -> None:
        shown, more = editor_model.first_problems(at_field.get(field, []), 5)
        for problem in shown:
            (st.error if problem.blocking else st.caption)(editor_model.problem_text(problem, plan.edition))
        if more:
            st.caption(editor_model.more_line(more))

    with st.form(f"editor_action_form_{stamp}"):
        st.text_area("Title", action.title, key=f"ea_title_{stamp}", height=68, disabled=not may_edit)
        at("title")
        priorities = {p.id: plan_view.shorten(f"{p.id}: {p.title}", 60) for p in plan.priorities}
        # Two fields a row at most, long ones alone: the form is the left column beside the map, about 350 px at
        # 1366x768, where three a row cut the priority to "1: Menta" and the status to "No".
        st.selectbox("Priority", list(priorities), index=list(priorities).index(action.priority),
                     format_func=priorities.get, key=f"ea_priority_{stamp}", disabled=not may_edit)
        lead_col, status_col = st.columns(2)
        lead_col.text_input("Lead", action.lead or "", key=f"ea_lead_{stamp}", disabled=not may_edit)
        statuses = ["", *edits.STATUSES]  # "", not None: Streamlit shows None as "Choose an option"
        status_col.selectbox("Status", statuses, index=statuses.index(action.status or ""), key=f"ea_status_{stamp}",
                             format_func=lambda s: edits.STATUSES[s] if s else "No status yet",
                             disabled=not may_edit)
        st.text_input("Timescale (dates)", getattr(action, "timescale", None) or "", key=f"ea_timescale_{stamp}",
                      placeholder="e.g. April 2026 to March 2027", disabled=not may_edit)
        partners_col, how_col = st.columns(2)
        partners_col.text_area("Partners (one per line)", "\n".join(action.partners), key=f"ea_partners_{stamp}",
                               height=68, disabled=not may_edit)
        how_col.text_area("How (steps, one per line)", "\n".join(action.how), key=f"ea_how_{stamp}", height=68,
                          disabled=not may_edit)
        measures_col, targets_col = st.columns(2)
        measures_col.text_area("Outcome measures (one per line)", "\n".join(action.indicators),
                               key=f"ea_indicators_{stamp}", height=68, disabled=not may_edit)
        targets_col.text_area("Progress targets (one per line)", "\n".join(action.progress_targets),
                              key=f"ea_progress_targets_{stamp}", height=68, disabled=not may_edit)
        for key in ("lead", "partners", "timescale", "how", "indicators", "progress_targets", "status", "priority",
                    ""):
            at(key)
        st.form_submit_button("Apply changes to the action", type="primary", disabled=not may_edit,
                              on_click=state.apply_action, args=(action_id, stamp))
    carried = getattr(action, "carried_from", None)
    if carried is not None:
        st.caption(f"Continues action {escape(carried.action)} of the plan this draft carries on from.")


def targets_list(plan: edits.Plan, action_id: str, at_field: dict[str, list[edits.Problem]], stamp: str,
                 may_edit: bool) -> None:
    st.markdown("**Where the action lands (its targets)**")
    for i, line in enumerate(editor_model.target_lines(plan, action_id)):
        line_col, remove_col = st.columns([3, 1], vertical_alignment="center")
        line_col.markdown(f"{i + 1}. {escape(line)}")
        remove_col.button("Remove", key=f"editor_remove_target_{stamp}_{i}", disabled=not may_edit, type="tertiary",
                          on_click=state.remove_target, args=(action_id, i), help=f"Remove target {i + 1}")
        for problem in editor_model.first_problems(at_field.get(f"target_areas[{i}]", []), 5)[0]:
            (st.error if problem.blocking else st.caption)(editor_model.problem_text(problem, plan.edition))


def reach_panel(text: str, action_id: str, at_field: dict[str, list[edits.Problem]], stamp: str,
                may_edit: bool, edition: int) -> None:
    st.markdown("**Reach of this action, now**")
    try:
        reach = state.reach_of(text, action_id)
    except edits.HiapGeoError as exc:
        st.warning(f"The action's reach cannot be worked out: {escape(exc)}")
    else:
        st.markdown("  \n".join(editor_model.reach_lines(reach)))
        if len(reach.lsoas) and not reach.district_wide:
            with st.expander(f"Its {words.counted(reach.n_lsoas, 'LSOA')} in a table"):
                st.dataframe(editor_model.reach_table(reach), hide_index=True, width="stretch")
    if at_field:
        shown, more = editor_model.first_problems(p for group in at_field.values() for p in group)
        st.markdown(f"**Problems of action {escape(action_id)}**\n\n" + state.bullets(
            [editor_model.problem_text(p, edition) for p in shown] + ([editor_model.more_line(more)] if more else [])))
    else:
        st.caption("No problem found with this action.")
    if may_edit:
        st.button("Remove this action", key=f"editor_remove_action_{stamp}", on_click=state.remove_action,
                  args=(action_id,))


def target_adder(plan: edits.Plan, action_id: str, way: str) -> None:
    """The form of one way of adding places other than the map (a rule, names, the district)."""
    if way == "A decile rule":
        measures = coverage_measures(plan.edition)
        st.selectbox("Measure", list(measures), format_func=measures.get, key="editor_rule_measure")
        deciles_col, local_col = st.columns([3, 1])
        deciles_col.select_slider("Deciles", options=list(range(1, 11)), value=(1, 2), key="editor_rule_deciles",
                                  help="1 = the most deprived 10% of LSOAs in England (or of the district's).")
        local_col.toggle("Local deciles", key="editor_rule_local")
        st.button("Add the rule", key="editor_add_rule", on_click=state.add_rule, args=(action_id,))
    elif way == "An indicator rule":
        options = coverage_indicators()
        st.selectbox("Indicator", list(options), format_func=options.get, key="editor_ind_id")
        type_col, comparison_col, level_col = st.columns(3)
        type_col.radio("Areas", ["lsoa", "ward"], format_func=editor_model.PICK_LEVELS.get, key="editor_ind_type")
        comparison_col.radio("Compared with England", ["worse", "similar", "better"], key="editor_ind_comparison")
        level_col.radio("Confidence level", list(plan_view.CONFIDENCE_LEVELS), key="editor_ind_level",
                        format_func=plan_view.CONFIDENCE_LEVELS.get)
        st.button("Add the indicator rule", key="editor_add_indicator", on_click=state.add_indicator,
                  args=(action_id,))
        st.caption("The rule is evaluated on the data each time: the reach beside it says what it selects today.")
    elif way == "Naming areas":
        st.radio("Kind of area", ["ward", "lsoa"], format_func=editor_model.PICK_LEVELS.get, horizontal=True,
                 key="editor_names_type")
        st.text_area("Names, one per line", key="editor_names", placeholder="Sherwood\nRusthall")
        st.button("Add the named areas", key="editor_add_names", on_click=state.add_names, args=(action_id,))
    else:
        st.button(f"Target the whole of {escape(plan.area.name)}", key="editor_add_district",
                  on_click=state.add_district, args=(action_id,))
        st.caption("Say so only when the plan says 'across the district': an action that names no place shows as "
                   "such, so a gap cannot hide behind it.")


def action_beside_map(plan: edits.Plan, action_id: str, text: str, slug: str | None,
                      at_field: dict[str, list[edits.Problem]], stamp: str, may_edit: bool) -> None:
    """The action's targets, reach and form in the left column, the map (or the form of a rule, names or the
    district) that adds to its targets in the right: at 1366x768 the action picker above them, the map and the
    targets it lists by name and ward are in view together, without scrolling."""
    form_col, map_col = st.columns([2, 3])
    with form_col:
        way = st.radio("Add places by", TARGET_WAYS, horizontal=True, key="editor_target_way") if may_edit else None
        targets_list(plan, action_id, at_field, stamp, may_edit)
        picker = st.container()  # the map's pick list, under the targets it adds to
        reach_panel(text, action_id, at_field, stamp, may_edit, plan.edition)
        st.markdown(f"**Action {escape(action_id)}**")
        action_form(plan, action_id, at_field, stamp, may_edit)
    with map_col:
        if way is None or way == TARGET_WAYS[0]:
            pick_on_map(plan, action_id, text, slug, picker, may_edit)
        else:
            target_adder(plan, action_id, way)


def pick_on_map(plan: edits.Plan, action_id: str, text: str, slug: str | None, list_col: object,
                may_edit: bool) -> None:
    if slug is None:
        st.warning("No map layers are built: run `python -m hiap_geo build`. Areas can still be named or chosen "
                   "by a rule.")
        return
    districts = edits.districts_of(plan)
    missing = [d for d in districts if d not in built_districts(slug)]
    if missing:
        st.warning(f"No map layers are built for {escape(', '.join(missing))}: run `python -m hiap_geo build "
                   "--area england`. Areas can still be named or chosen by a rule.")
        return
    level = st.radio("Pick", list(editor_model.PICK_LEVELS), format_func=editor_model.PICK_LEVELS.get,
                     horizontal=True, key="editor_pick_level")
    layer = chosen_areas(slug, level, plan.edition, districts)
    reached = editor_map.reached_codes(state.plan_reach(text), level, action_id)
    picked = editor_model.picked_codes(plan, action_id, level)
    frame = st.session_state.get(state.FRAME)
    if not frame or frame[0] != (action_id, level):  # framed when the action is chosen; a pick keeps the view
        st.session_state[state.FRAME] = frame = ((action_id, level), sorted(picked | reached))
    drawn = editor_map.pick_map(
        layer, level, plan, action_id, reached, frame=frame[1],
        wards=chosen_areas(slug, "ward", plan.edition, districts).geometry if level == "lsoa" else None,
        districts=chosen_areas(slug, "district", plan.edition, districts).geometry,
        geometry_json=area_geometry(slug, level, plan.edition, districts))
    in_words = map_text(drawn.areas, drawn.measure, level_plural(level))
    show_map(drawn.view, key="editor_map", announce=in_words.announcement,
             on_click=partial(state.clicked, drawn, action_id) if may_edit else None,
             on_pick=partial(state.picked_by_keyboard, drawn, action_id) if may_edit else None)
    names = dict(zip(drawn.areas["code"], drawn.areas["name"], strict=True))
    area_names = words.AreaNames(plan.edition)
    key = f"editor_picked_{level}"
    st.session_state[key] = sorted(drawn.picked & set(names))
    list_col.multiselect(f"{editor_model.PICKED_WORDS[level]} (click the map, or choose here)", list(names),
                         key=key, format_func=area_names.words, on_change=state.set_picked, disabled=not may_edit,
                         args=(action_id, level, list(names)))
    elsewhere = sorted(drawn.picked - set(names))
    if elsewhere:
        list_col.warning("Picked but not on this map (see the problems of its targets): " + escape(
            "; ".join(area_names.words(c) for c in elsewhere)))
    st.caption("Click an area (or press Enter on it) to pick it; again to remove it. Magenta: picked for this "
               "action. Orange: reached by its rule, names or list. Colours show deprivation (1 = most deprived "
               "10% in England).")


def plan_reach_section(plan: edits.Plan, text: str) -> None:
    st.subheader("The plan's reach")
    gap_tab, matrix_tab, check_tab = st.tabs(["Coverage gaps", "Areas by priority", "Plan check"])
    measures = coverage_measures(plan.edition)
    if st.session_state.get("editor_gap_plan") != plan.id:  # the threshold the plan's document states, as the Plan
        default = plan_view.default_threshold(plan)  # page opens on: the officer and the HAT see the same gaps
        st.session_state.update(editor_gap_plan=plan.id, editor_gap_decile=default.decile_max,
                                editor_gap_measure=default.measure if default.measure in measures else "imd",
                                editor_gap_local=default.decile_type == "local")
    measure_col, decile_col, local_col = gap_tab.columns([3, 3, 2])
    measure = measure_col.selectbox("Deprived by", list(measures), format_func=measures.get, key="editor_gap_measure")
    top = decile_col.slider("Deciles counted as deprived: 1 to", 1, 10, key="editor_gap_decile",
                            help="1 = the most deprived 10% of LSOAs.")
    local = local_col.toggle("Local deciles", key="editor_gap_local")
    try:
        cover = state.gaps(text, measure, top, "local" if local else "national")
    except edits.HiapGeoError as exc:
        gap_tab.warning(escape(exc))
        cover = None
    if cover is not None:
        gap_tab.markdown(editor_model.gap_line(cover, plan.edition))
        uncovered = plan_view.coverage_export(cover.uncovered)
        gap_tab.dataframe(uncovered, hide_index=True, width="stretch")
        gap_tab.download_button("Download the gaps (CSV)", edits.csv_bytes(uncovered), key="editor_gaps_csv",
                                file_name=f"{plan.id}-uncovered-deprived-lsoas.csv", mime="text/csv", on_click="ignore")
        matrix_tab.caption("Deprived LSOAs at the threshold set under Coverage gaps, by priority: the number of "
                           "actions of the priority that name each.")
        matrix = plan_view.priority_matrix_table(cover, plan)
        matrix_tab.dataframe(matrix, hide_index=True, width="stretch")
        matrix_tab.download_button("Download the matrix (CSV)", edits.csv_bytes(matrix), key="editor_matrix_csv",
                                   file_name=f"{plan.id}-area-by-priority.csv", mime="text/csv", on_click="ignore")
    found = state.findings(text)
    if found.report is not None:
        check_tab.markdown(plan_view.check_summary(found.report, plan.edition))
    for item in editor_model.check_lines(found, plan):
        check_tab.markdown(item)


LAID_OUT = ("Laid out as a council publishes a plan: title page, contents, introduction, and per priority its aims, a "
            "map and its actions with lead, partners, timescale, outcome measures and target areas by name and ward. "
            "Drawn when clicked, from the plan as it stands.")


def save_bar(plan: edits.Plan, problems: list[edits.Problem], store: edits.ProgressStore | None, user: User,
             text: str, slug: str | None) -> None:
    """Save and export, under the plan's title: in view as soon as the plan opens, the save's message under it."""
    stopping = edits.blocking(problems)
    may_save = user.may("register_plan")
    save_col, word_col, pdf_col, yaml_col = st.columns(4)
    if store is not None and user.may("draft_plan"):
        save_col.button("Save version", type="primary", key="editor_save", on_click=state.save, args=(store,),
                        disabled=bool(stopping) or not may_save, width="stretch",
                        help="A version is stored with who saved it and what changed. If someone saved the plan "
                             "since you opened it, you are told who and what, and nothing is overwritten."
                        if may_save else "Saving a version needs the admin role; your work is kept as your draft.")
    word_col.download_button("Download Word", partial(state.document_file, text, slug), file_name=f"{plan.id}.docx",
                             key="editor_docx", help=LAID_OUT, width="stretch",
                             mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                             on_click="ignore")
    pdf_col.download_button("Download PDF", partial(state.document_file, text, slug, "pdf"),
                            file_name=f"{plan.id}.pdf", key="editor_pdf", mime="application/pdf", help=LAID_OUT,
                            width="stretch", on_click="ignore")
    yaml_col.download_button("Download YAML", text.encode("utf-8"), file_name=f"{plan.id}.yaml",
                             mime="application/yaml", key="editor_yaml", width="stretch",
                             help="The plan file format of data/plans/README.md; `python -m hiap_geo plan check "
                                  "<file>` reads it.", on_click="ignore")
    state.show_message(state.SAVE_MESSAGE)
    if stopping:
        st.warning(f"**{editor_model.stopping_words(len(stopping))} this plan being saved as a version**; it is "
                   "kept as your draft meanwhile:\n\n" + state.bullets(editor_model.plan_problem_lines(stopping)))

"""The Plan page's map tab: the recolouring map (``app/map_component``) beside its controls and the area panel.

The geometry goes to the browser once; a filter, a colour mode or a highlight sends colours and codes, so the
user's zoom is kept; a step to an action (presentation mode's arrow keys, or the picker) frames its areas, or the
district for an action that names no place. At 1366x768 the map fits the window below its top.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pandas as pd
import streamlit as st

from app.live_region import announce
from app.loaders import area_geometry, chosen_areas, district_names
from app.map_component import show_map
from app.plan_widgets import bullet_list, csv_button, show_table
from hiap_geo.views import plan as plan_view
from hiap_geo.views import plan_map, plan_page, plan_reviews
from hiap_geo.views.map_text import level_plural, map_text
from hiap_geo.views.plan_page import (
    Coverage,
    HiapGeoError,
    LoadedPlan,
    Plan,
    counted,
    escape_markdown,
    full_attribution,
    outlined_words,
)

MAP_HEIGHT = 900
"""At most (px): the map fits the window below its top, so a 1920x1080 screen gets a taller map than a laptop."""


def step_action(options: list[str], step: int) -> None:
    """Presentation mode's next/previous action: highlight (and frame) the next shown action's areas."""
    st.session_state["plan_highlight"] = plan_map.step_highlight(options, st.session_state.get("plan_highlight"),
                                                                 step)


def select_clicked(drawn: plan_map.PlanMap, lat: float, lng: float) -> None:
    """The area under a click lists the actions that reach it (a click outside every area keeps the last)."""
    st.session_state["plan_area"] = plan_map.area_clicked(drawn, lat, lng) or st.session_state.get("plan_area")


def select_code(drawn: plan_map.PlanMap, code: str) -> None:
    """An area chosen with the keyboard on the map (Enter on it)."""
    if code in set(drawn.areas["code"]):
        st.session_state["plan_area"] = code


def map_controls(box: object, reach: plan_view.PlanReach, shown_ids: tuple[str, ...], lights: dict[str, str],
                 coverage: Callable[[], Coverage | None]) -> tuple[str, str, str | None, Coverage | None]:
    """Geography, colour and highlight: beside the map (in presentation mode folded into ``box``); the coverage
    is worked out only when the map is coloured by it."""
    state = st.session_state
    level = box.radio("Geography", list(plan_view.LEVELS), format_func=plan_view.LEVELS.get, horizontal=True,
                      key="plan_level")
    modes = plan_map.colour_modes(level)
    if state.get("plan_colour") not in modes:  # deprivation when the actions name few places
        state["plan_colour"] = plan_map.default_colour(reach, level, shown_ids)
    mode = box.selectbox("Colour areas by", modes, format_func=plan_map.COLOUR_MODES.get, key="plan_colour")
    picked = box.selectbox("Action or list to highlight", [None, *lights], key="plan_highlight",
                           format_func=lambda k: "(no highlight)" if k is None else lights[k])
    cover = coverage() if mode == "coverage" else None
    if mode == "coverage" and cover is None:
        st.warning("The coverage threshold cannot be evaluated (see the Coverage tab); showing action counts.")
        mode = "count"
    return level, mode, picked, cover


def presenter(lights: dict[str, str], picked: str | None) -> None:
    """The chair's controls at the top of the side column: the up and down arrow keys step the actions."""
    steps = plan_map.action_keys(lights)
    back, forward = st.columns(2)
    back.button("▲ Previous action", on_click=step_action, args=(steps, -1), shortcut="ArrowUp",
                key="plan_previous_action", help="Highlight the previous action's areas (up arrow)",
                disabled=not steps, width="stretch")
    forward.button("Next action ▼", on_click=step_action, args=(steps, 1), shortcut="ArrowDown",
                   key="plan_next_action", help="Highlight the next action's areas (down arrow)",
                   disabled=not steps, width="stretch")
    if picked:
        st.markdown(f"**{escape_markdown(lights[picked])}**")  # in full: never cut with "..."
    else:
        st.caption(f"No action highlighted: the arrow keys step through the {counted(len(steps), 'action')} shown.")


def highlighted_areas(plan: Plan, reach: plan_view.PlanReach, level: str, chosen: plan_map.Highlight,
                      picked: str, presenting: bool) -> None:
    """The highlighted action's (or list's) areas by name and ward, in a box that scrolls by itself."""
    count = counted(len(chosen.codes), "LSOA" if level == "lsoa" else "ward")
    st.markdown(f"**{escape_markdown(chosen.label)}: the whole district** ({count}; its boundary in pink)"
                if plan_map.whole_district(reach, level, chosen)
                else f"**{escape_markdown(chosen.label)}: {count}** (outlined in pink)")
    if not picked.startswith("action:"):
        return
    action_id = picked.split(":", 1)[1]
    table = plan_view.action_areas(reach, level, action_id)
    lines, note = plan_map.highlight_listing(table, level)
    if lines:  # a box that scrolls by itself, so the controls stay in view
        (st.container(height=180 if presenting else 240) if len(lines) > 5 else st).markdown(
            bullet_list(lines))
    if note:
        st.caption(note)
    csv_button("Download its areas (CSV)", table, f"{plan.id}-{action_id}-areas.csv", "plan_csv_highlight")


def area_panel(plan: Plan, reach: plan_view.PlanReach, level: str, drawn: plan_map.PlanMap,
               shown: pd.DataFrame) -> None:
    """The actions that reach the area clicked on the map."""
    code = st.session_state.get("plan_area")
    names = drawn.areas.set_index("code")["name"]
    if code not in names.index:
        st.caption("Click an area on the map to list the actions that reach it.")
        return
    here = plan_view.actions_at(reach, level, code, shown)
    specific, wide = here[here["specific"]], here[~here["specific"]]
    st.markdown(f"### {escape_markdown(code)} {escape_markdown(names[code])}")
    st.markdown(f"**Actions that name this area: {len(specific)}**")
    if len(specific):
        st.markdown("\n".join(f"- **{escape_markdown(r.action_id)}** {escape_markdown(r.title)}  \n"
                              f"  {escape_markdown(r.status_text)} · {escape_markdown(r.how)}"
                              for r in specific.itertuples()))
    else:
        st.caption("No action shown names this area, its ward, or a list or rule that selects it.")
    more = "1 more reaches" if len(wide) == 1 else f"{len(wide)} more reach"
    with st.expander(f"{more} it only as part of the whole district"):
        st.markdown(bullet_list([f"{r.action_id} {r.title} ({r.status_text})" for r in wide.itertuples()]))
    csv_button("Download these actions (CSV)", here, f"{plan.id}-actions-reaching-{code}.csv", "plan_csv_area")


def map_panel(plan: Plan, reach: plan_view.PlanReach, shown: pd.DataFrame, lights: dict[str, str],
              coverage: Callable[[], Coverage | None], layers: tuple[str, tuple[str, ...]], basemap: str | None,
              presenting: bool, box: object, explorer_year: int) -> None:
    """The map and its side column (controls, the chair's stepping, the highlighted or clicked areas)."""
    slug, districts = layers
    shown_ids = tuple(shown["action_id"])
    map_col, side = st.columns([5, 2])
    with side:
        level, mode, picked, cover = map_controls(box if presenting else st, reach, shown_ids, lights, coverage)
        if presenting:
            presenter(lights, picked)
    chosen = plan_map.highlight(reach, level, picked) if picked else None
    edition = plan.edition
    drawn = plan_map.plan_map(
        chosen_areas(slug, level, edition, districts), level, mode, reach, shown_ids, cover=cover, chosen=chosen,
        wards=chosen_areas(slug, "ward", edition, districts).geometry if level == "lsoa" else None,
        districts=chosen_areas(slug, "district", edition, districts).geometry)
    with map_col:
        wide_note = plan_map.district_wide_note(reach, level, shown_ids, mode)
        if wide_note:  # in presentation a caption: the map and its legend keep their room
            (st.caption if presenting else st.info)(escape_markdown(wide_note))
        view = plan_map.plan_map_view(drawn, geometry_json=area_geometry(slug, level, edition, districts),
                                      basemap=basemap, presentation=presenting,
                                      height=MAP_HEIGHT, clicked=st.session_state.get("plan_area"))
        show_map(view, key="plan_map", on_click=partial(select_clicked, drawn), on_pick=partial(select_code, drawn))
        in_words = map_text(drawn.areas, drawn.measure, level_plural(level))
        outlined = outlined_words(chosen.label, chosen.codes, level) if chosen is not None else ""
        (st.expander("The map in words") if presenting else map_col).markdown(
            escape_markdown(in_words.full + outlined))
        announce(in_words.announcement + outlined, key="plan_live")  # said when a filter or step changes
        if not presenting:
            st.caption(escape_markdown(plan_view.map_edition_caption(plan, explorer_year)))
    with side:
        if chosen is not None and picked:
            if not presenting:  # the picker cuts a long title to its width: here in full
                st.markdown(f"**{escape_markdown(lights[picked])}**")
            highlighted_areas(plan, reach, level, chosen, picked, presenting)
        area_panel(plan, reach, level, drawn, shown)
        title = plan_map.map_title(plan, mode)
        subtitle = plan_view.map_subtitle(plan, chosen.label if chosen else None)
        st.download_button("Download map (PNG)", plan_map.png_download(drawn, title, subtitle),
                           file_name=plan_map.png_file_name(title), mime="image/png", key="plan_map_png",
                           help="The map as an image for slides: title, legend, scale and attribution; drawn when "
                                "clicked.", on_click="ignore")


def map_tab(loaded: LoadedPlan, reach: plan_view.PlanReach, shown: pd.DataFrame, lights: dict[str, str],
            coverage: Callable[[], Coverage | None], basemap: str | None, presenting: bool, box: object,
            explorer_year: int) -> None:
    """The Map tab: the map and its side column when the plan's districts are built, then the actions shown."""
    plan = loaded.plan
    try:
        slug, districts, unbuilt = plan_page.map_layers(plan)
    except HiapGeoError as exc:
        slug, districts, unbuilt = None, (), []
        st.warning(escape_markdown(exc))
    if slug and unbuilt:
        names = district_names()
        missing = ", ".join(f"{names.get(code, code)} ({code})" for code in unbuilt)
        st.warning(f"No map layers are built for {escape_markdown(missing)} (this app's build holds other "
                   "districts). Run "
                   "`python -m hiap_geo build --area england` to map any district; the other tabs work without it.")
    elif slug:
        map_panel(plan, reach, shown, lights, coverage, (slug, districts), basemap, presenting, box, explorer_year)
    st.subheader("Actions")
    table = plan_reviews.actions_export(shown)
    show_table(table)
    csv_button("Download actions (CSV)", table, f"{plan.id}-actions.csv", "plan_csv_actions")
    st.caption(escape_markdown(plan_view.plan_caption(plan)))
    st.caption(full_attribution())


map_tab_fragment = st.fragment(map_tab)
"""The Map tab as a fragment: a change of its own controls, or a click on the map, reruns the tab alone (with the
plan, filters and coverage of the page's last full run), not the sidebar, the plan's loading and the filters."""

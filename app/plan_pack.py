"""The Plan page's meeting pack section: progress against baseline on screen, and the pack as Word and PDF.

Widgets only: what is shown and written is computed by ``hiap_geo.views.plan_pack``.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from hiap_geo.views import plan_pack as pack
from hiap_geo.views.plan_page import HiapGeoError, Plan, build_in_use, escape_markdown


@st.cache_data(show_spinner="Comparing the targeted areas with the rest of the district and matched areas...")
def progress_shown(plan_json: str, label: str) -> list[tuple[str, pd.DataFrame | str, bool]]:
    plan = Plan.model_validate_json(plan_json)
    return pack.baseline_tables(plan, label)


def pack_section(plan: Plan, history: pd.DataFrame) -> None:
    """Progress against baseline for the chosen actions, and a button that writes the meeting pack."""
    st.subheader("Meeting pack and progress against baseline")
    options = pack.selection_options(plan)
    if st.session_state.get("plan_pack_selection") not in options:
        st.session_state["plan_pack_selection"] = "All actions"
    c1, c2, c3 = st.columns([2, 2, 4])
    meeting = c1.date_input("Meeting date", value=date.today(), key="plan_pack_meeting", format="DD/MM/YYYY")
    since = c2.date_input("Reviews since (the last meeting)", value=None, key="plan_pack_since", format="DD/MM/YYYY")
    label = c3.selectbox("Progress against baseline for", list(options), key="plan_pack_selection")
    if st.toggle("Show progress against baseline", key="plan_pack_show"):
        try:
            shown = progress_shown(plan.model_dump_json(), label)
        except HiapGeoError as exc:
            st.error(escape_markdown(exc))
            shown = []
        for heading, item, note in shown:
            if heading:
                st.markdown(f"**{escape_markdown(heading)}**")
            if isinstance(item, str):
                (st.caption if note else st.markdown)(escape_markdown(item))
            else:
                st.dataframe(item, hide_index=True, use_container_width=True)
    if st.button("Make the meeting pack (Word and PDF)", key="plan_pack_make"):
        with st.spinner("Writing the pack: maps, coverage and progress..."):
            try:
                slug = build_in_use()
            except HiapGeoError:
                slug = None
            lsoas = pack.plan_lsoas(plan, slug) if slug else None
            st.session_state["plan_pack_files"] = pack.meeting_pack(
                plan, history, meeting=meeting, since=since, lsoas=lsoas, selection=options[label])
    files = st.session_state.get("plan_pack_files")
    if isinstance(files, pack.PackFiles) and files.stem.startswith(plan.id):
        d1, d2 = st.columns(2)
        d1.download_button("Download the pack (Word)", files.docx, file_name=f"{files.stem}.docx", key="plan_pack_docx",
                           mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                           on_click="ignore")
        d2.download_button("Download the pack (PDF)", files.pdf, file_name=f"{files.stem}.pdf",
                           mime="application/pdf", key="plan_pack_pdf", on_click="ignore")

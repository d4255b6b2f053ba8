"""Presentation mode for HAT meetings, on every page: the sidebar and Streamlit's header give way to the
page, and a compact strip of controls with keyboard shortcuts stays at the top.

The sidebar's widgets are still drawn (hidden), so their values survive; leaving presentation mode shows
the page exactly as it was. State is changed only in button callbacks, which run before any widget is
drawn (changing a drawn widget's value raises StreamlitWidgetAlreadyInstantiatedError).
"""

from __future__ import annotations

import streamlit as st

from hiap_geo.views.explorer import MapSelection

HIDE_CHROME = (
    "<style>[data-testid='stSidebar'],[data-testid='stSidebarCollapsedControl'],[data-testid='stHeader']"
    "{display:none}.block-container{padding-top:0.5rem;padding-bottom:0;max-width:100%}</style>"
)


def _leave() -> None:
    st.session_state["presentation"] = False


def _step_measure(options: list[str], step: int) -> None:
    current = st.session_state.get("measure")
    position = options.index(current) if current in options else 0
    st.session_state["measure"] = options[(position + step) % len(options)]


def presentation_strip(selection: MapSelection | None, measures: dict[str, str]) -> None:
    """In presentation mode: hide the chrome and draw the control strip: the left and right arrow keys (or a
    presenter's clicker set to send them) step through the measures; Escape leaves. On a page without the
    sidebar's map controls (``selection`` None) the switch itself is drawn in the sidebar."""
    if selection is None:  # a page without the sidebar's map controls: the switch is drawn here, so it is on
        st.sidebar.toggle("Presentation mode (for meetings)", key="presentation")  # every page (hidden when on)
    if not st.session_state.get("presentation"):
        return
    st.html(HIDE_CHROME)
    if selection is None or not measures:  # a page without map controls: only the way out
        st.button("Leave presentation", on_click=_leave, shortcut="Escape", key="leave_presentation")
        return
    options = list(measures)
    leave, back, label, forward = st.columns([2, 1, 6, 1], vertical_alignment="center")
    leave.button("Leave presentation", on_click=_leave, shortcut="Escape", key="leave_presentation")
    back.button("◀", on_click=_step_measure, args=(options, -1), shortcut="ArrowLeft", key="previous_measure",
                help="Previous measure (left arrow)", disabled=len(options) < 2)
    label.markdown(f"**{measures.get(selection.measure, selection.measure)}**")
    forward.button("▶", on_click=_step_measure, args=(options, 1), shortcut="ArrowRight", key="next_measure",
                   help="Next measure (right arrow)", disabled=len(options) < 2)

"""The app's accessibility stylesheet: where Streamlit's own styling falls short of WCAG 2.2 AA.

Measured with axe-core (tests/test_accessibility_browser.py): Streamlit draws captions, code in captions and the
keyboard-shortcut badge on buttons faded (opacity 0.6), at 2.8-3.9:1 (AA asks 4.5:1 for small text), and the text
box of a multiselect holding chips shrinks to 12 px wide (AA asks 24 px targets); and it keeps the chips on one line,
scrolled out of sight. Injected once a run from app.py, on every page.
"""

from __future__ import annotations

import streamlit as st

CAPTION_COLOUR = "#57534e"
"""Caption text: 7.6:1 on white, 7.2:1 on the sidebar's grey (Streamlit's faded #828180 is 3.9:1)."""

ACCESSIBLE_STYLE = (
    "<style>"
    "[data-testid='stCaptionContainer'],[data-testid='stCaptionContainer'] p"
    f"{{color:{CAPTION_COLOUR} !important;opacity:1 !important}}"
    "[data-testid='stCaptionContainer'] code{color:inherit !important}"
    f"button kbd{{color:{CAPTION_COLOUR} !important;opacity:1 !important}}"
    # the text box after a multiselect's chips: 24 px wide at least, as a target should be (WCAG 2.5.8)
    "input[aria-autocomplete='list'],[data-baseweb='select'] input{min-width:24px !important}"
    # every chosen chip in view: Streamlit keeps a multiselect's chips on one line, scrolled under a fade, so a
    # need score of three measures showed only the last one's name
    "[data-testid='stMultiSelectTagsContainer']{flex-wrap:wrap !important;overflow-x:visible !important;"
    "mask-image:none !important;-webkit-mask-image:none !important}"
    "div:has(> [data-testid='stMultiSelectTagsContainer']){max-height:none !important}"
    # a visible focus ring on every control, links and the map's legend toggle included (WCAG 2.4.7)
    "a:focus-visible,button:focus-visible,summary:focus-visible,[tabindex]:focus-visible"
    "{outline:2px solid #1d4ed8 !important;outline-offset:2px}"
    ".leaflet-interactive:focus-visible{outline:none;stroke:#1d4ed8;stroke-width:4px}"  # an area on the map
    "</style>"
)


def accessible_style() -> None:
    """Add the stylesheet to the page (no space taken: Streamlit puts a style-only block out of the flow)."""
    st.html(ACCESSIBLE_STYLE)

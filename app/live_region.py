"""A polite live region for pages whose map is drawn in a frame (streamlit-folium): a screen reader says what the
map now shows when a measure, filter or step changes (WCAG 4.1.3), without moving the focus.

A components-v2 element run in the page: its node stays from one rerun to the next, so a change of text is heard as
a change (a region rebuilt each run would not be). The Map explorer's own map has one built in (app/map_frontend).
"""

from __future__ import annotations

import streamlit as st

from app.map_component import HIDDEN_STYLE

_JS = """
export default function (component) {
  const {data, parentElement} = component;
  let live = parentElement.querySelector(".hiap-live");
  if (!live) {
    live = document.createElement("div");
    live.className = "hiap-live hiap-sr-only";
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
    parentElement.appendChild(live);
  }
  if (live.textContent !== data.text) live.textContent = data.text;
}
"""

_COMPONENT = st.components.v2.component("hiap_live", html="", css=HIDDEN_STYLE, js=_JS, isolate_styles=False)


def announce(text: str, key: str) -> None:
    """Say ``text`` politely when it differs from what this region said before (text only, never HTML)."""
    _COMPONENT(key=key, data={"text": text})

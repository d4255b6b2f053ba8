"""Lists and radio groups whose value the page sets: given that value's place as their ``index`` in every run."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st


def held_index(options: Sequence[object], key: str) -> int:
    """Where the session's value for ``key`` is among ``options`` (0 when it holds none of them): the ``index`` to
    give the widget. Streamlit sends a value the page put in the session only with the run that put it there, and
    other runs carry ``index`` alone; a browser that first draws the widget from a later run (the user clicked a
    tab before the first run was on screen, as a loaded server makes likely) shows the item at ``index`` and sends
    it back as the user's choice (the Plan page went from a linked plan to the first plan of its list)."""
    value = st.session_state.get(key)
    return list(options).index(value) if value in options else 0

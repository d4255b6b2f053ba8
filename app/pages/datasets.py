"""Data sources: which official datasets are loaded, their vintages and licences, and the build."""

import streamlit as st

from hiap_geo.views.datasets import (
    DatasetStatus,
    attribution,
    built_layers,
    dataset_status,
    escape_markdown,
    intro,
    no_layers,
    regions_note,
)
from hiap_geo.views.explorer import MISSING_CELL


@st.cache_data(ttl=60, show_spinner="Checking datasets...")
def _status() -> DatasetStatus:
    return dataset_status()


st.title("Data sources")
st.write(intro())
status = _status()
(st.success if status.all_loaded else st.error)(status.summary)
st.dataframe(
    status.table,
    hide_index=True,
    width="stretch",
    placeholder=MISSING_CELL,
    column_config={"page": st.column_config.LinkColumn("official page")},
)

st.header("Built layers")
for build in built_layers():
    if build.unfinished:
        st.warning(build.unfinished)
        continue
    with st.expander(build.title):
        st.dataframe(build.table, hide_index=True, placeholder=MISSING_CELL)
        st.caption(build.caption)
        if build.problems:
            st.markdown("**Data problems found while building (reported, not hidden):**")
            for problem in build.problems:
                st.markdown(f"- {escape_markdown(problem)}")
if message := no_layers():
    st.warning(message)
elif note := regions_note():
    st.caption(note)

st.caption(attribution())

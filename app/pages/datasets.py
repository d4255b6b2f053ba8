"""Data sources: which official datasets are loaded, their vintages and licences, and the build."""

import pandas as pd
import streamlit as st

from hiap_geo.acquire.registry import status_table
from hiap_geo.core import settings
from hiap_geo.core.attribution import full_attribution
from hiap_geo.core.text import escape_markdown
from hiap_geo.geo.layers import read_report
from hiap_geo.views.explorer import MISSING_CELL
from hiap_geo.views.tables import blank_cells


@st.cache_data(ttl=60, show_spinner="Checking datasets...")
def _status() -> pd.DataFrame:
    return pd.DataFrame(status_table())


st.title("Data sources")
st.write(
    "Every figure in HIAP Geo comes from these official datasets, fetched into the local cache "
    f"(`{settings.sources_dir()}`) and checked: mirror copies against their checksums, files from the "
    "publishers by their content."
)
status = _status()
# "loaded (converted from the official file ...)" is loaded too; an optional dataset the mirror lacks is not missing.
optional = status["status"].str.startswith("not in the mirror (optional)")
missing = status[~status["status"].str.startswith("loaded") & ~optional]
if missing.empty:
    extra = f" ({int(optional.sum())} optional not in the mirror: see its page)" if optional.any() else ""
    st.success(f"All {len(status) - int(optional.sum())} datasets are loaded{extra}.")
else:
    st.error(
        f"{len(missing)} of {len(status)} datasets are not loaded. Run `make run` or "
        "`python -m hiap_geo fetch`; the pages that need them say so."
    )
st.dataframe(
    blank_cells(status),
    hide_index=True,
    width="stretch",
    placeholder=MISSING_CELL,
    column_config={"page": st.column_config.LinkColumn("official page")},
)

st.header("Built layers")
for slug in sorted(p.name for p in settings.cache_dir().joinpath("layers").glob("*") if p.is_dir()):
    report = read_report(slug)
    if report is None:
        st.warning(f"`{slug}`: build did not finish; run `python -m hiap_geo build --area {slug}`.")
        continue
    with st.expander(f"{slug}: {len(report.districts)} districts, built {report.built_at}"):
        st.dataframe(pd.DataFrame({"layer": list(report.layers), "areas": list(report.layers.values())}),
                     hide_index=True, placeholder=MISSING_CELL)
        st.caption(f"Built in {report.seconds} s, peak memory {report.peak_memory_mb:.0f} MB.")
        if report.problems:
            st.markdown("**Data problems found while building (reported, not hidden):**")
            for problem in report.problems:
                st.markdown(f"- {escape_markdown(problem)}")
if not settings.cache_dir().joinpath("layers").is_dir():
    st.warning("No layers have been built yet. Run `make run` or `python -m hiap_geo build`.")

st.caption(full_attribution())

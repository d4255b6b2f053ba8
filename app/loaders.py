"""Cached loaders every page shares: one copy of each layer per process, whichever page asked first.

Defined once here so the pages hit the same cache entries (Streamlit keys caches by function).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import geopandas as gpd
import pandas as pd
import streamlit as st

from hiap_geo.core.editions import IOD2025
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.text import escape_markdown
from hiap_geo.geo.layers import load_layer
from hiap_geo.geo.lookups import current_districts
from hiap_geo.plans.progress import ProgressStore
from hiap_geo.views.explorer import areas_of, read_areas

T = TypeVar("T")
SHARED_AREAS = 64
"""How many choices of districts, levels and editions the shared areas keep per process (the oldest go first), so
that many users choosing many districts cannot fill the server's memory."""
SHARED_RESULTS = 20
"""How many results ``shared_result`` keeps (profiles: a few MB each)."""


@st.cache_resource(show_spinner=False)
def _shared_results() -> tuple[OrderedDict[Hashable, Any], threading.Lock]:
    return OrderedDict(), threading.Lock()


def shared_result(key: Hashable, make: Callable[[], T]) -> T:
    """``make()`` once per key for the whole server, the last ``SHARED_RESULTS`` kept: a cache for work that
    shows its progress on the page, which ``st.cache_resource`` refuses (a cached function may not draw into a
    block made outside it). Two sessions asking at once may both build; the first result stays."""
    results, lock = _shared_results()
    with lock:
        if key in results:
            results.move_to_end(key)
            return results[key]
    value = make()
    with lock:
        value = results.setdefault(key, value)
        while len(results) > SHARED_RESULTS:
            results.popitem(last=False)
    return value


WHOLE_ENGLAND = "england"
"""The build whose IoD 2019 layers no server holds whole (about 140 MB): only the Plan page's 2019 plans and the Map
explorer's 2019 edition draw them, a few districts at a time (:func:`held_whole`)."""


def held_whole(slug: str, year: int) -> bool:
    """Whether the layers of a build and IoD edition are read whole once per process and shared (the warm-up reads
    them): all but England's IoD 2019 ones, of which the chosen districts' rows are read alone from the file."""
    return slug != WHOLE_ENGLAND or year == IOD2025.year


@st.cache_resource(show_spinner="Loading boundaries...")
def layer(slug: str, level: str, year: int) -> gpd.GeoDataFrame:
    """A whole built layer, read once per process and shared; never modified."""
    return load_layer(slug, level, year, display=True)


def chosen_areas(slug: str, level: str, year: int, districts: tuple[str, ...]) -> gpd.GeoDataFrame:
    """The chosen districts' areas of one level and edition: made once per process, and each call given its own
    frame over the same data (pandas copies on write, so a caller's change copies what it changes). Not
    ``st.cache_data``, which unpickles a new copy on every rerun: England's LSOAs took 70 ms of each."""
    return _chosen_areas(slug, level, year, districts).copy(deep=False)


@st.cache_resource(show_spinner=False, max_entries=SHARED_AREAS)
def _chosen_areas(slug: str, level: str, year: int, districts: tuple[str, ...]) -> gpd.GeoDataFrame:
    if not held_whole(slug, year):
        return read_areas(slug, level, year, districts)
    return areas_of(layer(slug, level, year), level, year, districts)


def map_layer(slug: str, level: str, vintage: str, districts: tuple[str, ...]) -> gpd.GeoDataFrame:
    """The chosen districts' areas of one level and vintage in the standard columns (MSOAs from LSOAs): the
    Indicators and Targeting maps share these entries; shared as :func:`chosen_areas` is."""
    return _map_layer(slug, level, vintage, districts).copy(deep=False)


@st.cache_resource(show_spinner=False, max_entries=SHARED_AREAS)
def _map_layer(slug: str, level: str, vintage: str, districts: tuple[str, ...]) -> gpd.GeoDataFrame:
    # Imported here, as indicator_data: the indicator views bring pandera, which the Map explorer never needs.
    from hiap_geo.core.editions import IOD2019, IOD2025
    from hiap_geo.geo.msoa import msoa_areas
    from hiap_geo.views import indicators as view

    if level == "msoa":
        current = msoa_areas(map_layer(slug, "lsoa", IOD2025.lsoa_vintage, districts), 2021)
        if vintage == "MSOA 2021":
            return current
        return msoa_areas(map_layer(slug, "lsoa", IOD2019.lsoa_vintage, districts), 2011, current)
    return view.standard_areas(chosen_areas(slug, level, view.edition_year(vintage), districts), level)


@st.cache_data(show_spinner=False, max_entries=32)
def area_geometry(slug: str, level: str, year: int, districts: tuple[str, ...]) -> str:
    """:func:`chosen_areas`' geometry encoded for the map's geometry file, once per process: the Map explorer, the
    Plan page and the Plan editor reuse it (a new measure, action, filter or pick encodes nothing)."""
    from hiap_geo.render.maps import encode_geometry

    return encode_geometry(chosen_areas(slug, level, year, districts).geometry)


@st.cache_data(show_spinner=False)
def map_geometry(slug: str, level: str, vintage: str, districts: tuple[str, ...]) -> str:
    """Encoded once per level, vintage and districts: every indicator's map reuses it."""
    from hiap_geo.render.maps import encode_geometry

    return encode_geometry(map_layer(slug, level, vintage, districts).geometry)


@st.cache_data(show_spinner=False)
def district_names() -> dict[str, str]:
    """District (LAD 2024) code -> name."""
    table = current_districts()
    return dict(zip(table["lad_code"], table["lad_name"], strict=True))


@st.cache_data(show_spinner="Loading indicators for the chosen districts...")
def indicator_data(districts: tuple[str, ...]) -> pd.DataFrame:
    """Every indicator for the chosen districts (with their wards, LSOAs, MSOAs and England)."""
    # Imported here: the indicators load scipy and pandera (about 0.7 s), which the map page never needs, so a
    # fresh server's first visitor (on the map) does not wait for them.
    from hiap_geo.indicators.readers import load_indicators

    return load_indicators(list(districts))


def indicator_data_or_stop(districts: tuple[str, ...]) -> pd.DataFrame:
    """The indicators for the districts; on failure the page says why and stops (nothing else to show)."""
    try:
        return indicator_data(districts)
    except HiapGeoError as exc:
        st.error(f"The indicator data could not be loaded: {escape_markdown(exc)}")
        st.stop()


@st.cache_resource(show_spinner=False)
def progress_store(url: str) -> ProgressStore:
    """One store per database URL (HIAP_PROGRESS_DB), shared by every session and page."""
    return ProgressStore(url)


@st.cache_data(show_spinner=False)
def coverage_measures(year: int) -> dict[str, str]:
    """The measures a plan's coverage can be judged by, for an IoD edition."""
    from hiap_geo.views import plan as plan_view  # here, as indicator_data: the map page never needs scipy

    return plan_view.coverage_measures(year)


@st.cache_data(show_spinner=False)
def coverage_indicators() -> dict[str, str]:
    """The indicators a plan's coverage can be judged by (id -> name)."""
    from hiap_geo.views import plan as plan_view

    return plan_view.coverage_indicators()

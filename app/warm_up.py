"""Once per server process, after its first page has been drawn: in a background thread, import the modules the
indicator pages' first visits need, read what every session shares (both IoD editions' layers, the official
lookups, the district names and the areas the sidebar offers) and prepare the default district's maps, so the first
visitor of a map page does not wait for them.

This is in addition to the pages importing only what their first paint uses (benchmarks/README.md says what each
costs): the indicator views bring pandera (about 0.7 s); the layers are read once per process by ``app.loaders``
and the lookups by ``hiap_geo.geo.lookups``, whichever page asks first (the Plan page's first visit read the 2019
layers and two lookups for about 0.6 s). Started after the first run, so it does not compete with the first
visitor's own page. ``HIAP_WARM_UP=0`` turns it off (``core.settings.warm_up``).
"""

from __future__ import annotations

import gc
import importlib
import logging
import threading
import time

import streamlit as st

from app.loaders import area_geometry, chosen_areas, district_names, held_whole, layer, map_geometry, progress_store
from app.sidebar import offered_areas
from hiap_geo.core import settings
from hiap_geo.core.editions import IOD2019, IOD2025, Edition
from hiap_geo.geo.lookups import district_regions, lsoa_crosswalk, ward_lookup
from hiap_geo.views.explorer import build_in_use, built_districts

MODULES = ("hiap_geo.views.targeting", "hiap_geo.views.indicators", "app.indicator_sections")
"""Imported in this order; an import that fails is logged and left to the page that needs it to report."""
LEVELS = ("lsoa", "ward", "district")
"""The layers the map pages draw and outline with (read once per process, shared)."""


def editions_to_read(slug: str) -> tuple[Edition, ...]:
    """The editions whose layers the warm-up reads whole: those the process holds whole (``loaders.held_whole``;
    the Plan page draws a plan on its own edition, IoD 2019 for the plans written on it)."""
    return tuple(edition for edition in (IOD2025, IOD2019) if held_whole(slug, edition.year))

log = logging.getLogger("hiap_geo.app.warm_up")  # under the "hiap_geo" logger the app configures
THREAD = "hiap-warm-up"


class _NotFromWarmUp(logging.Filter):
    """Streamlit warns of a 'missing ScriptRunContext' when a cached loader runs outside a page: expected here."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != THREAD


def _import_all() -> None:
    started = time.perf_counter()
    try:
        district_names()
        for edition in (IOD2025, IOD2019):
            ward_lookup(edition.year)
        lsoa_crosswalk()
        district_regions()
        slug = build_in_use()
        offered_areas(slug)
        for edition in editions_to_read(slug):
            for level in LEVELS:
                layer(slug, level, edition.year)
    except Exception:  # noqa: BLE001 - a page that reads them says what is wrong (e.g. no build yet)
        log.warning("warm-up: the shared lookups and layers could not be read", exc_info=True)
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the page that needs it imports it again and shows the error
            log.warning("warm-up: %s could not be imported", name, exc_info=True)
    try:
        _default_views()
    except Exception:  # noqa: BLE001 - the page computes them itself and says what is wrong
        log.warning("warm-up: the default district's maps could not be prepared", exc_info=True)
    try:
        _default_plan()
    except Exception:  # noqa: BLE001 - the Plan page reads it itself and says what is wrong
        log.warning("warm-up: the default district's plan could not be prepared", exc_info=True)
    log.info("warm-up: lookups and layers read, %s imported and the default district's maps prepared, with its plan, "
             "in %.1f s",
             ", ".join(MODULES), time.perf_counter() - started)


def _default_views() -> None:
    """The default district's areas and map geometry on every level (shared by the Indicators and Targeting
    maps, and the Plan's outlines) and the indicator the Indicators page opens on: what the first visitor of those
    pages, who most often looks at the team's own district, would otherwise wait for; and the Health Index's rows,
    56 of the page's 100 indicators (13 MB). Not the other sources (Census MSOAs, DWP, QOF: 0.1-0.7 s each when
    first chosen), whose national tables would add about 30 MB more to every server."""
    from app.indicator_sections import source_rows
    from hiap_geo.indicators.catalogue import catalogue
    from hiap_geo.views.indicators import DEFAULT_INDICATOR, vintages

    districts = (settings.DEFAULT_DISTRICT,)
    slug = build_in_use()
    if settings.DEFAULT_DISTRICT not in built_districts(slug):
        return
    for level in LEVELS:
        map_geometry(slug, level, vintages(level)[0], districts)
        for edition in editions_to_read(slug):
            chosen_areas(slug, level, edition.year, districts)
    catalogue()  # the Targeting page's lists of indicators
    source_rows(districts, "lsoa", DEFAULT_INDICATOR)
    source_rows(districts, "health_index", None)


def _default_plan() -> None:
    """The plan the Plan page opens on for the default district: listed, read, placed on the map, and its edition's
    areas of its districts (the shipped plans are on IoD 2019, which England's build reads a few districts at a
    time). Its first visit waited for them: 0.3 s of server time on Kent's build, 0.7-1.0 s on England's (which read
    the whole IoD 2019 layers then)."""
    from app.plan_data import choices, parsed, reach_of
    from hiap_geo.views import plan as plan_view
    from hiap_geo.views.plan_page import database_url, map_layers, plan_file_stamp

    url = database_url()
    store = progress_store(url)
    options = choices(tuple(store.plan_ids()), plan_file_stamp(), url)
    choice = plan_view.choice_for(options, None, (settings.DEFAULT_DISTRICT,))
    if choice == plan_view.UPLOAD:
        return
    text, source = plan_view.plan_text(choice, store)
    plan = parsed(text, source).plan
    reach_of(text, source)
    slug, districts, unbuilt = map_layers(plan)
    if unbuilt:
        return
    for level in LEVELS:
        chosen_areas(slug, level, plan.edition, districts)
    area_geometry(slug, next(iter(plan_view.LEVELS)), plan.edition, districts)  # the map's first geography


def _freeze_what_is_held() -> None:
    """Move everything held so far (imports, national tables, layers: about 240,000 objects on England's build)
    out of the garbage collector's sight. Python's full collection walks every object it tracks: 100-200 ms, at
    random moments of a page's run (a first visit of the Map explorer on England paid 98 ms of its 177 ms). What is
    frozen is held for the process's life anyway, but for the first visitor's session (left to reference
    counting); a collection first frees what is already garbage."""
    gc.collect()
    gc.freeze()


def _warm_up() -> None:
    _import_all()
    _freeze_what_is_held()


@st.cache_resource(show_spinner=False)
def _started() -> threading.Thread | None:
    if not settings.warm_up():
        return None
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_NotFromWarmUp())
    thread = threading.Thread(target=_warm_up, name=THREAD, daemon=True)
    thread.start()
    return thread


def warm_up() -> None:
    """Start the background imports once per process (later calls find them started)."""
    _started()

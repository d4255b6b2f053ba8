"""The Data sources page's model: which official datasets are loaded, and what each build of layers made.

Streamlit-free, so the page only draws what these return (and caches ``dataset_status`` for a minute).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from hiap_geo.acquire.registry import status_table
from hiap_geo.core import settings
from hiap_geo.core.attribution import full_attribution
from hiap_geo.core.text import escape_markdown as escape_markdown
from hiap_geo.geo.layers import read_report
from hiap_geo.geo.lookups import current_districts, regions
from hiap_geo.views.explorer import area_choices, build_in_use, built_districts
from hiap_geo.views.tables import blank_cells


@dataclass(frozen=True)
class DatasetStatus:
    """Every dataset with its status, and one line saying whether all that are needed are loaded."""

    table: pd.DataFrame
    all_loaded: bool
    summary: str


@dataclass(frozen=True)
class BuiltLayers:
    """One build of layers (an area such as ``kent``): what it made, how long it took, the problems it found;
    ``unfinished`` says what to run when the build did not finish (and the rest is empty)."""

    slug: str
    title: str = ""
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    caption: str = ""
    problems: tuple[str, ...] = ()
    unfinished: str = ""


def intro() -> str:
    """The page's opening words: where the figures come from and how each file was checked (not the folder: a
    reader has no use for a server's path)."""
    return ("Every figure in HIAP Geo comes from these official datasets, each checked when it was fetched: "
            "copies from a mirror against their checksums, files from the publishers by their content.")


BUILD_NAMES = {"kent": "Kent and Medway", "england": "England"}
"""The builds ``make run`` and the README name, in words; any other build is named by its districts."""


def build_name(slug: str, districts: Collection[str], names: Mapping[str, str]) -> str:
    """A build of layers as a reader names it: 'Kent and Medway', a region's name, or its districts' names."""
    return BUILD_NAMES.get(slug) or regions().get(slug) or ", ".join(sorted(names.get(d, d) for d in districts))


def regions_note() -> str | None:
    """Why the sidebar offers no region nor England (None when it does): said here, where whoever runs HIAP Geo
    looks, rather than above every map."""
    if area_choices(built_districts(build_in_use())):
        return None
    return ("The sidebar offers districts, not regions or England: the layers built here hold no whole region. "
            "Whoever runs HIAP Geo can build England's layers (the README says how); regions and England "
            "are then offered in the sidebar's Area list.")


def dataset_status() -> DatasetStatus:
    """The registry's status of every dataset, blank cells blank, and the summary line above it."""
    status = pd.DataFrame(status_table())
    # "loaded (converted from the official file ...)" is loaded too; an optional dataset the mirror lacks is not
    # missing.
    optional = status["status"].str.startswith("not in the mirror (optional)")
    missing = status[~status["status"].str.startswith("loaded") & ~optional]
    if missing.empty:
        extra = f" ({int(optional.sum())} optional not in the mirror: see its page)" if optional.any() else ""
        summary = f"All {len(status) - int(optional.sum())} datasets are loaded{extra}."
    else:
        summary = (f"{len(missing)} of {len(status)} datasets are not loaded. Run `make run` or "
                   "`python -m hiap_geo fetch`; the pages that need them say so.")
    return DatasetStatus(blank_cells(status), missing.empty, summary)


def built_layers() -> list[BuiltLayers]:
    """Every build in the cache's layers folder, by name."""
    folder = settings.cache_dir().joinpath("layers")
    districts = current_districts()
    names = dict(zip(districts["lad_code"], districts["lad_name"], strict=True))
    slugs = sorted(p.name for p in folder.glob("*") if p.is_dir()) if folder.is_dir() else []
    builds = []
    for slug in slugs:
        report = read_report(slug)
        if report is None:
            builds.append(BuiltLayers(slug, unfinished=f"`{slug}`: build did not finish; run "
                                                        f"`python -m hiap_geo build --area {slug}`."))
            continue
        builds.append(BuiltLayers(
            slug,
            title=f"{build_name(slug, report.districts, names)}: {len(report.districts)} districts, built "
                  f"{built_when(report.built_at)}",
            table=pd.DataFrame({"layer": list(report.layers), "areas": list(report.layers.values())}),
            caption=f"Built in {report.seconds} s, peak memory {report.peak_memory_mb:.0f} MB.",
            problems=tuple(report.problems)))
    return builds


def built_when(stamp: str) -> str:
    """'2026-12-07 14:07:36' as '7 December 2026 at 14:07' (the stamp as written when it is not a date)."""
    try:
        when = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return stamp
    return f"{when.day} {when:%B %Y} at {when:%H:%M}"


def no_layers() -> str | None:
    """What to run when no layers were ever built (None once the layers folder exists)."""
    if settings.cache_dir().joinpath("layers").is_dir():
        return None
    return "No layers have been built yet. Run `make run` or `python -m hiap_geo build`."


def attribution() -> str:
    """The sources' attribution, as every page ends with it."""
    return full_attribution()

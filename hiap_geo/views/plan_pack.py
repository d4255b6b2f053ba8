"""The meeting pack and progress against baseline for the Plan page and the CLI (``plan pack``), without Streamlit.

``meeting_pack`` gathers what the pack needs (the review history, coverage, progress, the plan's LSOA layer for
the maps) and writes it as Word and PDF; ``progress_tables`` gives the page the progress-against-baseline
tables with plain-English column names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd

from hiap_geo.core import settings
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.files import atomic_path
from hiap_geo.geo.layers import load_layer
from hiap_geo.plans.baseline import ALL_ACTIONS, Progress, Selection, progress_against_baseline
from hiap_geo.plans.coverage import coverage
from hiap_geo.plans.resolve import area_lookup, plan_districts, resolve_targets
from hiap_geo.plans.schema import Plan
from hiap_geo.plans.status import HISTORY_COLUMNS
from hiap_geo.views.explorer import areas_of
from hiap_geo.views.plan import default_threshold


@dataclass(frozen=True)
class PackFiles:
    """The pack as Word and PDF bytes, with the file name stem both share."""

    docx: bytes
    pdf: bytes
    stem: str


def plan_lsoas(plan: Plan, slug: str | None = None) -> gpd.GeoDataFrame | None:
    """The built LSOA layer's rows of the plan's area on its edition: from ``slug``, else from the first built
    area that holds all of them; None when no built area does (the pack then says no map could be drawn)."""
    districts = tuple(plan_districts(plan))
    wanted = len(area_lookup(plan))
    root = settings.cache_dir() / "layers"
    slugs = [slug] if slug else sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    for candidate in slugs:
        try:
            layer = load_layer(candidate, "lsoa", plan.edition)
        except HiapGeoError:
            continue
        areas = areas_of(layer, "lsoa", plan.edition, districts)
        if len(areas) >= wanted:
            return areas
    return None


def meeting_pack(plan: Plan, history: pd.DataFrame | None = None, *, meeting: date | None = None,
                 since: date | None = None, lsoas: gpd.GeoDataFrame | None = None,
                 selection: Selection = ALL_ACTIONS) -> PackFiles:
    """The meeting pack of a plan with its review history (empty when the plan is not registered)."""
    from hiap_geo.render.meeting_pack import build_pack, pack_docx, pack_pdf  # the writers: when a pack is made

    history = pd.DataFrame(columns=HISTORY_COLUMNS) if history is None else history
    meeting = meeting or date.today()
    resolved = resolve_targets(plan)
    progress = progress_against_baseline(plan, selection, resolved)
    threshold = default_threshold(plan)  # the document's own 'deprived' when it states one, as the Plan page
    cover = coverage(plan, measure=threshold.measure, decile_max=threshold.decile_max,
                     decile_type=threshold.decile_type, resolved=resolved)
    lookup = area_lookup(plan)
    names = dict(zip(lookup["lsoa_code"], lookup["lsoa_name"], strict=True))
    pack = build_pack(plan, history, progress, cover, meeting=meeting, since=since, lsoas=lsoas, lsoa_names=names)
    return PackFiles(pack_docx(pack), pack_pdf(pack), f"{plan.id}-meeting-pack-{meeting:%Y-%m-%d}")


def write_pack(files: PackFiles, out: Path) -> list[Path]:
    """Write the Word and PDF files into the folder ``out`` (made if missing), each atomically."""
    if out.exists() and not out.is_dir():
        raise HiapGeoError(f"{out} is a file: name a folder to write the meeting pack into.")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix, data in ((".docx", files.docx), (".pdf", files.pdf)):
        path = out / f"{files.stem}{suffix}"
        with atomic_path(path) as tmp:
            Path(tmp).write_bytes(data)
        written.append(path)
    return written


def progress_tables(progress: Progress) -> list[tuple[str, pd.DataFrame | str, bool]]:
    """The progress section as the page shows it: (heading or '', table or text, is_note), in the pack's order.

    The pack's module (matplotlib, Word and PDF writers) is loaded here, not when the Plan page opens."""
    from hiap_geo.render.meeting_pack import Table as PackTable
    from hiap_geo.render.meeting_pack import Text as PackText
    from hiap_geo.render.meeting_pack import progress_blocks

    shown: list[tuple[str, pd.DataFrame | str, bool]] = []
    heading = ""
    for block in progress_blocks(progress)[1:]:
        if isinstance(block, PackTable):
            shown.append((heading, pd.DataFrame(list(block.rows), columns=list(block.columns)), False))
            heading = ""
        elif isinstance(block, PackText):
            shown.append((heading, block.text, block.note))
            heading = ""
        else:
            heading = getattr(block, "text", "")
    return shown


def selection_options(plan: Plan) -> dict[str, Selection]:
    """What progress against baseline can be shown for, labelled: all actions, each priority, each action that
    names places (an action reaching only the whole district has no targeted areas of its own)."""
    from hiap_geo.plans.schema import DistrictTarget

    options = {"All actions": ALL_ACTIONS}
    for p in plan.priorities:
        options[f"Priority {p.id}: {p.title}"] = Selection("priority", p.id)
    for a in plan.actions:
        if any(not isinstance(t, DistrictTarget) for t in a.target_areas):
            options[f"Action {a.id}: {a.title}"] = Selection("action", a.id)
    return options


def baseline_tables(plan: Plan, label: str) -> list[tuple[str, pd.DataFrame | str, bool]]:
    """Progress against baseline for the actions ``label`` names (``selection_options``), as the page lists it."""
    return progress_tables(progress_against_baseline(plan, selection_options(plan)[label]))

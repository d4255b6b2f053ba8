"""The Plan page's model around its parts (``views.plan``, ``plan_map``, ``plan_reviews``): reading a plan, checking
it, and the library names the page and its widgets (``app/plan_*.py``) use, so that they import views only.

Streamlit-free; every text is plain English for a person: counts with their noun in the right number, no ids.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from hiap_geo.core.access import User
from hiap_geo.core.attribution import full_attribution
from hiap_geo.core.cells import csv_bytes
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.text import counted, escape_markdown
from hiap_geo.plans.coverage import Coverage
from hiap_geo.plans.load import LoadedPlan, parse_plan, plan_files
from hiap_geo.plans.progress import ProgressStore, database_url
from hiap_geo.plans.resolve import plan_districts
from hiap_geo.plans.schema import STATUSES, ImportRejected, Plan, PlanFileError
from hiap_geo.views.explorer import MISSING_CELL, MapSelection, build_in_use, built_districts
from hiap_geo.views.tables import blank_cells

__all__ = [
    "MISSING_CELL", "PLAN_KEYS", "STATUSES", "Coverage", "HiapGeoError", "ImportRejected", "LoadedPlan",
    "MapSelection", "Plan", "PlanFileError", "ProgressStore", "User", "blank_cells", "build_in_use",
    "built_districts", "check_report", "claims_report", "counted", "csv_bytes", "database_url", "escape_markdown",
    "full_attribution", "map_layers", "outlined_words", "parse", "plan_file_stamp", "showing_words",
]

PLAN_KEYS = ("plan_priorities", "plan_partners", "plan_statuses", "plan_highlight", "plan_area", "plan_last_click",
             "plan_review_action", "plan_history_action", "plan_cov_measure", "plan_cov_decile", "plan_cov_local",
             "plan_cov_basis", "plan_cov_indicator", "plan_cov_level", "plan_level", "plan_colour",
             "plan_review_corrects", "plan_review_reason", "plan_review_pending")
"""Widget keys that belong to one plan: cleared when another plan is chosen, so no stale choice survives."""


def parse(text: str, source: str) -> LoadedPlan:
    """A plan's text checked in full (``PlanFileError`` says each problem by line and field)."""
    return parse_plan(text, source)


def plan_file_stamp() -> tuple[tuple[str, int], ...]:
    """The shipped plan files with their change times: a new or edited file lists the plans again."""
    return tuple((p.name, p.stat().st_mtime_ns) for p in plan_files())


def check_report(loaded: LoadedPlan) -> pd.DataFrame:
    """What the document says that the official data does not (one row a finding)."""
    from hiap_geo.plans.check import check_plan, discrepancies_frame  # the Plan check tab's only: loaded when open

    return discrepancies_frame(check_plan(loaded))


def claims_report(loaded: LoadedPlan) -> tuple[str, pd.DataFrame]:
    """The figures the document states, checked: a one-line summary ("" when none are transcribed) and the table."""
    from hiap_geo.plans.check import check_plan_claims
    from hiap_geo.plans.figures.claims import claims_frame, claims_summary

    title, claims = check_plan_claims(loaded)
    summary = claims_summary(claims, title, loaded.plan.edition) if title else ""
    return summary, claims_frame(claims)


def map_layers(plan: Plan) -> tuple[str, tuple[str, ...], list[str]]:
    """The build in use, the plan's districts, and those of them the build has no layers for."""
    slug = build_in_use()
    districts = tuple(plan_districts(plan))
    built = set(built_districts(slug))
    return slug, districts, [d for d in districts if d not in built]


def showing_words(shown: pd.DataFrame, total: int) -> str:
    """'Showing 12 of 40 actions; 9 of them name no place (they reach the whole district).'"""
    placeless = int((~shown["names_a_place"]).sum())
    return (f"Showing {len(shown)} of {counted(total, 'action')}; {placeless} of them "
            f"{'names' if placeless == 1 else 'name'} no place (they reach the whole district).")


def outlined_words(label: str, codes: Sequence[str] | frozenset[str], level: str) -> str:
    """' Outlined: Areas of action 3.4 (5 LSOAs).' for the map in words and its announcement."""
    noun = "LSOA" if level == "lsoa" else "ward"
    return f" Outlined: {label} ({counted(len(codes), noun)})."

"""What the Plan editor's forms do to the plan, and what the page needs from the library, without Streamlit.

Each form's values become one edit of the frozen plan (``plans.editor``): the page reads its boxes, calls one of
these and keeps the plan it returns, or shows the edit's error and keeps the plan it had. The page imports only
views, so the few library names it needs (errors, the store, Markdown escaping, attribution, the documents) are
given here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import geopandas as gpd

from hiap_geo.core.attribution import full_attribution
from hiap_geo.core.cells import csv_bytes
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.text import escape_markdown
from hiap_geo.plans import editor
from hiap_geo.plans.drafts import PlanChangedSinceOpened, PlanNotFinal
from hiap_geo.plans.editor import Problem, blocking
from hiap_geo.plans.load import parse_plan
from hiap_geo.plans.progress import ProgressStore, database_url
from hiap_geo.plans.resolve import plan_districts
from hiap_geo.plans.schema import STATUSES, Plan, PlanFileError
from hiap_geo.views import plan as plan_view
from hiap_geo.views.plan_editor import add_target, lines

__all__ = [
    "STATUSES", "HiapGeoError", "Plan", "PlanChangedSinceOpened", "PlanFileError", "PlanNotFinal", "Problem",
    "ProgressStore", "blocking", "csv_bytes", "database_url", "escape_markdown", "full_attribution",
]

Change = Callable[[Plan], Plan]
"""One edit: the plan before it -> the plan after it (raises the edit's error)."""


def _text(value: object) -> str:
    return str(value or "").strip()


def action_change(action_id: str, values: Mapping[str, Any]) -> Change:
    """The action form's values (title, priority, lead, partners, timescale, indicators, progress_targets, how,
    status; several items a box one per line) applied to the action. The boxes are read inside the edit: one too
    long is the edit's error."""

    def change(plan: Plan) -> Plan:
        return editor.update_action(
            plan, action_id, title=_text(values.get("title")), priority=values.get("priority"),
            lead=_text(values.get("lead")) or None, partners=lines(values.get("partners", "")),
            timescale=_text(values.get("timescale")) or None, indicators=lines(values.get("indicators", "")),
            progress_targets=lines(values.get("progress_targets", "")), how=lines(values.get("how", "")),
            status=values.get("status") or None)

    return change


def new_action(priority_id: str, title: str) -> tuple[Change, Callable[[Plan], str]]:
    """A new action in a priority ('New action' when untitled), and how to find its id in the plan before it."""
    def change(plan: Plan) -> Plan:
        return editor.add_action(plan, editor.next_action_id(plan, priority_id), priority_id,
                                 _text(title) or "New action")

    return change, lambda plan: editor.next_action_id(plan, priority_id)


def remove_action(action_id: str) -> Change:
    return lambda plan: editor.remove_action(plan, action_id)


def new_priority(title: str) -> Change:
    return lambda plan: editor.add_priority(plan, editor.next_priority_id(plan), _text(title) or "New priority")


def priority_change(priority_id: str, title: str, aims: str) -> Change:
    return lambda plan: editor.update_priority(plan, priority_id, title=_text(title), aims=lines(aims))


def remove_priority(priority_id: str) -> Change:
    return lambda plan: editor.remove_priority(plan, priority_id, remove_actions=True)


def decile_rule(action_id: str, deciles: tuple[int, int], measure: str, local: bool) -> Change:
    low, high = deciles
    return lambda plan: add_target(plan, action_id, editor.decile_target(
        high, decile_min=low, measure=measure, decile_type="local" if local else "national"))


def indicator_rule(action_id: str, indicator: str, area_type: Literal["lsoa", "ward"], comparison: str,
                   level: float) -> Change:
    return lambda plan: add_target(plan, action_id, editor.indicator_target(
        indicator, area_type=area_type, comparison=comparison, level=level))


def named_areas(action_id: str, area_type: Literal["lsoa", "ward"], names: str) -> Change:
    return lambda plan: add_target(plan, action_id, editor.names_target(area_type, lines(names)))


def whole_district(action_id: str) -> Change:
    return lambda plan: add_target(plan, action_id, editor.district_target(True))


def toggle(action_id: str, code: str) -> Change:
    """A click on the map (or Enter on an area): the area added to the action, or removed when it was there."""
    return lambda plan: editor.toggle_code(plan, action_id, code)


def problems_of(text: str) -> list[Problem]:
    """What stops the plan being saved as a version, and notes, at the field (``editor.plan_problems``)."""
    return editor.plan_problems(parse_plan(text, "the plan being edited"))


def reach_of(text: str, action_id: str) -> editor.Reach:
    return editor.action_reach(parse_plan(text).plan, action_id)


def plan_reach(text: str) -> plan_view.PlanReach:
    return plan_view.plan_reach(parse_plan(text).plan)


def plan_of(text: str) -> Plan:
    return parse_plan(text).plan


def districts_of(plan: Plan) -> tuple[str, ...]:
    """The districts a plan covers (its own, or a county's)."""
    return tuple(plan_districts(plan))


def document(text: str, kind: str, lsoas: Callable[[Plan], gpd.GeoDataFrame | None]) -> bytes:
    """The plan as a council publishes it, Word or PDF, drawn from the plan's text when asked (maps take a
    second per priority), so the file always matches the plan shown, before or after a save; ``lsoas`` gives the
    plan's LSOAs for its maps (None: no maps)."""
    from hiap_geo.render.plan_document import plan_docx, plan_pdf  # here: documents bring matplotlib (0.7 s)

    plan = parse_plan(text).plan
    return (plan_pdf if kind == "pdf" else plan_docx)(plan, lsoas(plan))

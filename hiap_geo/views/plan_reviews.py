"""The Plan page's actions and progress: each action's current status, filters, the tables and CSVs a Health
Action Team meeting uses, and recording a review or exporting a plan with its history.

The store (``plans.progress``) keeps every review; this module shows it: a status is always a symbol and
its text label together (``status_text``), so colour or symbol is never the only signal.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import date

import pandas as pd

from hiap_geo.core.text import escape_markdown
from hiap_geo.plans import progress
from hiap_geo.plans.bundle import ImportReport
from hiap_geo.plans.coverage import actions_frame
from hiap_geo.plans.load import LoadedPlan
from hiap_geo.plans.progress import ProgressStore, status_label
from hiap_geo.plans.schema import STATUSES, Plan
from hiap_geo.views.plan import PlanPageError

STATUS_SYMBOLS: dict[str, str] = {"not_started": "⚪", "on_track": "🟢", "at_risk": "🟠", "done": "✅"}
"""A symbol beside each status's text label: the colour is never the only signal."""


def status_text(status: str | None) -> str:
    """The status with its symbol and text label, e.g. '🟠 At risk'; '— No status' for none."""
    return f"{STATUS_SYMBOLS.get(status, '—')} {status_label(status)}"


HISTORY_COLUMNS = ["review_id", "action_id", "review_date", "status", "status_label", "note", "reviewer",
                   "recorded_at"]


def empty_history() -> pd.DataFrame:
    """A review history with no reviews (``ProgressStore.history``'s columns), for when no database is open."""
    return pd.DataFrame(columns=HISTORY_COLUMNS)


def current_status(plan: Plan, history: pd.DataFrame) -> pd.DataFrame:
    """``progress.current_status`` with each status's symbol and label (``status_text``) for the page.

    Columns: action_id, status, status_text, review_date, note, reviews.
    """
    status = progress.current_status(plan, history)
    status["status_text"] = status["status"].map(status_text)
    return status[["action_id", "status", "status_text", "review_date", "note", "reviews"]]


def actions_table(plan: Plan, history: pd.DataFrame) -> pd.DataFrame:
    """``actions_frame`` with the current status (latest review first) in place of the plan file's."""
    frame = actions_frame(plan).drop(columns=["status", "status_label"])
    return frame.merge(current_status(plan, history), on="action_id", how="left", validate="one_to_one")


def partner_options(actions: pd.DataFrame) -> list[str]:
    """Every lead and partner named by any action, sorted without regard to case."""
    return sorted({o for orgs in actions["organisations"] for o in orgs}, key=str.casefold)


def status_options() -> list[str]:
    """Status filter values: each status's text, and 'no status'."""
    return [status_text(s) for s in STATUSES] + [status_text(None)]


def filter_actions(
    actions: pd.DataFrame,
    priorities: Collection[str] = (),
    partners: Collection[str] = (),
    statuses: Collection[str] = (),
) -> pd.DataFrame:
    """Actions of the chosen priorities, naming any chosen partner (as lead or partner), with a chosen status.

    An empty choice means no filter on that field.
    """
    keep = pd.Series(True, index=actions.index)
    if priorities:
        keep &= actions["priority_id"].isin(list(priorities))
    if partners:
        wanted = set(partners)
        keep &= actions["organisations"].map(lambda orgs: bool(wanted.intersection(orgs)))
    if statuses:
        keep &= actions["status_text"].isin(list(statuses))
    return actions[keep].reset_index(drop=True)


def actions_export(actions: pd.DataFrame) -> pd.DataFrame:
    """The actions table as shown and downloaded (no list columns)."""
    columns = {
        "action_id": "action", "title": "title", "status_text": "status", "review_date": "last review",
        "note": "last note", "priority_id": "priority", "priority_title": "priority title", "lead": "lead",
        "partners": "partners", "names_a_place": "names a place", "target_kinds": "target kinds",
        "target_quotes": "document's words", "printed_id": "printed number", "reviews": "reviews",
        "ref": "reference",
    }
    return actions[list(columns)].rename(columns=columns)


def status_export(actions: pd.DataFrame) -> pd.DataFrame:
    """Each action's current status, for the meeting's table and CSV: status first, then the action."""
    columns = {"action_id": "action", "status_text": "status", "review_date": "last review", "note": "last note",
               "reviews": "reviews", "priority_id": "priority", "title": "title"}
    return actions[list(columns)].rename(columns=columns)


def history_export(history: pd.DataFrame, plan: Plan, action_id: str | None = None) -> pd.DataFrame:
    """Review history (of one action, or all) with each action's title and the status as text: what the
    meeting minutes need."""
    if action_id is not None:
        history = history[history["action_id"] == action_id]
    titles = {a.id: a.title for a in plan.actions}
    out = history.assign(status_text=history["status"].map(status_text),
                         title=history["action_id"].map(titles).fillna("(not in this version of the plan)"))
    columns = {"review_date": "review date", "action_id": "action", "status_text": "status", "note": "note",
               "reviewer": "reviewer", "title": "title", "recorded_at": "recorded at (UTC)", "review_id": "review id"}
    return out[list(columns)].rename(columns=columns).reset_index(drop=True)



def default_review_action(plan: Plan, highlight: str | None = None) -> str:
    """The action the review form starts on: the highlighted action ('action:<id>'), else the plan's first."""
    ids = {a.id for a in plan.actions}
    kind, _, ident = (highlight or "").partition(":")
    return ident if kind == "action" and ident in ids else plan.actions[0].id


# ---------------------------------------------------------------------------------------------
# Recording a review, exporting a plan with its history
# ---------------------------------------------------------------------------------------------


def record_review(
    store: ProgressStore,
    loaded: LoadedPlan,
    action_id: str,
    status: str,
    review_date: date,
    note: str = "",
    reviewer: str | None = None,
) -> str:
    """Store the plan as shown (a new version only if its text changed), then add the review; returns its id.

    Registering first means the review always refers to a stored text of the plan, so an export carries both.
    """
    if action_id not in {a.id for a in loaded.plan.actions}:
        raise PlanPageError(f"Plan '{loaded.plan.id}' has no action '{action_id}'.")
    store.register_plan(loaded)
    return store.record_review(loaded.plan.id, action_id, status, review_date, note, reviewer or None)


def export_bytes(store: ProgressStore, loaded: LoadedPlan) -> bytes:
    """The plan (every stored version) and its whole review history as one JSON file, for download."""
    store.register_plan(loaded)
    return (json.dumps(store.export_bundle(loaded.plan.id), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def review_message(action_id: str, status: str, review_date: date) -> str:
    """What the page says after a review is recorded (markdown, escaped)."""
    return f"Recorded {status_text(status)} for action {escape_markdown(action_id)} at {review_date:%d %B %Y}."


def import_message(report: ImportReport, current_id: str) -> str:
    """What the page says after an import (markdown, escaped); where to find an imported plan not shown now."""
    text = escape_markdown(report.as_text())
    if report.plan_id != current_id:
        text += f" Choose '{escape_markdown(report.plan_id)}' in the plan list above to see it."
    return text

"""What a plan's reviews say now, and what a new version of a plan would change.

``current_status`` reads each action's latest review (the Plan page, ``plan status`` and profiles use it,
so they say the same in the same words); ``plan_change`` compares a plan file with the stored version, so
a file with an existing plan's id becomes current only when someone confirms what it removes or renames.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import pandas as pd

from hiap_geo.plans.schema import STATUSES, Plan, ProgressError

NO_STATUS = "No status"
"""The label of an action with no review and no status in its plan file (CLI, Plan page and profiles alike)."""

EARLIER_VERSION = "earlier version"
"""How an action that only an earlier version of its plan has is marked in status and history."""

STATUS_COLUMNS = ["action_id", "priority_id", "title", "status", "status_label", "review_date", "note", "reviews",
                  "in_latest_version"]

HISTORY_COLUMNS = ["review_id", "action_id", "review_date", "status", "status_label", "note", "reviewer",
                   "reviewer_email", "recorded_at", "imported_by", "corrects", "correction_reason", "corrected_by",
                   "in_latest_version"]


def standing(history: pd.DataFrame) -> pd.DataFrame:
    """The reviews that count: every review but those a later review corrects (history is append-only, so a
    corrected review stays in the history; its correction counts in its place)."""
    if "corrects" not in history or history.empty:
        return history
    return history[~history["review_id"].isin(set(history["corrects"].dropna()))]



def status_label(status: str | None) -> str:
    """The text label of a status, or NO_STATUS for none (None, or a missing value of a table)."""
    return NO_STATUS if pd.isna(status) or not status else STATUSES[status]


def current_status(plan: Plan, history: pd.DataFrame, earlier_titles: dict[str, str] | None = None) -> pd.DataFrame:
    """Each action's status now: its latest review that no later review corrects (``history`` oldest first, as
    ``ProgressStore.history`` gives it), else the status its plan file records, else none (labelled NO_STATUS).
    ``reviews`` counts the reviews that stand (a corrected review and its correction count once).

    Works for any plan, registered or not. Columns: STATUS_COLUMNS, one row per action in plan order, then
    one per reviewed action that only an earlier version of the plan has (``in_latest_version`` False;
    its title from ``earlier_titles``), so a plan change never hides what a meeting recorded.
    """
    counted = standing(history)
    latest = counted.groupby("action_id").tail(1).set_index("action_id")
    counts = counted.groupby("action_id").size()
    in_plan = [a.id for a in plan.actions]
    dropped = [a for a in dict.fromkeys(history["action_id"]) if a not in set(in_plan)]
    titles = {a.id: a.title for a in plan.actions}
    priorities = {a.id: a.priority for a in plan.actions}
    statuses = {a.id: a.status for a in plan.actions}
    rows = []
    for action_id in [*in_plan, *dropped]:
        if action_id in latest.index:
            row = latest.loc[action_id]
            status, when, note = row["status"], row["review_date"], row["note"]
        else:
            status, when, note = statuses.get(action_id), None, None
        rows.append(
            {
                "action_id": action_id,
                "priority_id": priorities.get(action_id),
                "title": titles.get(action_id) or (earlier_titles or {}).get(action_id, f"({EARLIER_VERSION})"),
                "status": status,
                "status_label": status_label(status),
                "review_date": when,
                "note": note,
                "reviews": int(counts.get(action_id, 0)),
                "in_latest_version": action_id in titles,
            }
        )
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)


class PlanChangeNeedsConfirmation(ProgressError):
    """A plan file has the id of a stored plan but other text: it becomes the current version only when the
    caller confirms, having been told what changes (``change``)."""

    def __init__(self, change: PlanChange):
        self.change = change
        super().__init__(change.summary() + " Nothing was stored. To make this file the current version, confirm: "
                         "`python -m hiap_geo plan register --confirm FILE`, or the confirm button on the Plan page.")


@dataclass(frozen=True)
class PlanChange:
    """What registering a plan file would change, against the plan's current stored version.

    ``kind``: 'new' (no plan with this id), 'unchanged' (the same text as the current version) or 'changed'.
    Actions are compared by id: ``removed`` and ``added`` (id, title), ``retitled`` (id, old title, new title),
    ``renamed`` (old id, new id, title): a removed and an added action with the same title.
    """

    plan_id: str
    kind: Literal["new", "unchanged", "changed"]
    removed: tuple[tuple[str, str], ...] = ()
    added: tuple[tuple[str, str], ...] = ()
    retitled: tuple[tuple[str, str, str], ...] = ()
    renamed: tuple[tuple[str, str, str], ...] = ()
    current_registered_at: datetime | None = None
    current_registered_by: str | None = None

    def summary(self) -> str:
        """One paragraph naming what changes, for the CLI and the page (plain text: escape it for Markdown)."""
        if self.kind == "new":
            return f"Plan '{self.plan_id}' is not stored yet: registering it adds it."
        if self.kind == "unchanged":
            return f"Plan '{self.plan_id}': the file is the same as the current stored version."
        when = f" (registered {self.current_registered_at:%Y-%m-%d %H:%M} UTC" if self.current_registered_at else " ("
        by = f" by {self.current_registered_by})" if self.current_registered_by else ")"
        parts = []
        if self.renamed:
            parts.append(f"renames {len(self.renamed)} action(s): "
                         + "; ".join(f"{old} -> {new} '{title}'" for old, new, title in self.renamed))
        if self.removed:
            parts.append(f"removes {len(self.removed)} action(s): "
                         + "; ".join(f"{i} '{title}'" for i, title in self.removed))
        if self.retitled:
            parts.append(f"retitles {len(self.retitled)} action(s): "
                         + "; ".join(f"{i} '{old}' -> '{new}'" for i, old, new in self.retitled))
        if self.added:
            parts.append(f"adds {len(self.added)} action(s): " + ", ".join(i for i, _ in self.added))
        what = "; ".join(parts) if parts else "changes text only (no action is removed, renamed or retitled)"
        return (f"Plan '{self.plan_id}': this file differs from the current stored version{when}{by}. "
                f"Making it current {what}.")


def plan_change(current: Plan | None, new: Plan) -> PlanChange:
    """The difference in actions between the current stored version (None: no plan) and a new file's plan."""
    if current is None:
        return PlanChange(new.id, "new")
    old = {a.id: a.title for a in current.actions}
    now = {a.id: a.title for a in new.actions}
    removed = [(i, t) for i, t in old.items() if i not in now]
    added = [(i, t) for i, t in now.items() if i not in old]
    renamed = []
    for old_id, title in list(removed):
        match = next(((i, t) for i, t in added if t == title), None)
        if match is not None:
            renamed.append((old_id, match[0], title))
            removed.remove((old_id, title))
            added.remove(match)
    retitled = tuple((i, old[i], now[i]) for i in now if i in old and old[i] != now[i])
    return PlanChange(new.id, "changed", tuple(removed), tuple(added), retitled, tuple(renamed))

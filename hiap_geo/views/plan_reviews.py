"""The Plan page's actions and progress: each action's current status, filters, the tables and CSVs a Health
Action Team meeting uses, and recording a review or exporting a plan with its history.

The store (``plans.progress``) keeps every review; this module shows it: a status is always a symbol and
its text label together (``status_text``), so colour or symbol is never the only signal.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from datetime import date
from typing import Any

import pandas as pd

from hiap_geo.core.access import LOCAL_USER, User
from hiap_geo.core.errors import HiapGeoError
from hiap_geo.core.text import escape_markdown
from hiap_geo.plans import status as plan_status
from hiap_geo.plans.bundle import ImportReport
from hiap_geo.plans.coverage import actions_frame
from hiap_geo.plans.load import LoadedPlan
from hiap_geo.plans.progress import ProgressStore
from hiap_geo.plans.schema import STATUSES, Plan
from hiap_geo.plans.status import (
    HISTORY_COLUMNS,
    PlanChange,
    PlanChangeNeedsConfirmation,
    status_label,
)
from hiap_geo.views.plan import PlanPageError

STATUS_SYMBOLS: dict[str, str] = {"not_started": "⚪", "on_track": "🟢", "at_risk": "🟠", "done": "✅"}
"""A symbol beside each status's text label: the colour is never the only signal."""

log = logging.getLogger(__name__)


def status_text(status: str | None) -> str:
    """The status with its symbol and text label, e.g. '🟠 At risk'; '— No status' for none."""
    return f"{STATUS_SYMBOLS.get(status, '—')} {status_label(status)}"


def empty_history() -> pd.DataFrame:
    """A review history with no reviews (``ProgressStore.history``'s columns), for when no database is open."""
    return pd.DataFrame(columns=HISTORY_COLUMNS)


def current_status(plan: Plan, history: pd.DataFrame) -> pd.DataFrame:
    """``plans.status.current_status`` with each status's symbol and label (``status_text``) for the page.

    Columns: action_id, status, status_text, review_date, note, reviews.
    """
    status = plan_status.current_status(plan, history)
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


def present(value: object) -> bool:
    """Whether a cell holds something (not None, NaN, NaT or blank): "nan" and "None" never reach a reader."""
    if value is None:
        return False
    try:
        if pd.isna(value):
            return False
    except (TypeError, ValueError):  # a list or other container
        return True
    return bool(str(value).strip())


def review_words(review: Any) -> str:
    """A review as a person names it: 'the review of 3 March 2024 by Sam Jones (🟢 On track, action 3.4)',
    never its id. ``review`` is a row of ``ProgressStore.history`` (a namedtuple or Series)."""
    when = getattr(review, "review_date", None)
    text = f"the review of {when:%-d %B %Y}" if present(when) else "the review"
    who = next((str(w) for w in (getattr(review, "reviewer", None), getattr(review, "reviewer_email", None))
                if present(w)), None)
    if who:
        text += f" by {who}"
    return text + f" ({status_label(getattr(review, 'status', None))}, action {getattr(review, 'action_id', '?')})"


def review_names(history: pd.DataFrame) -> dict[str, str]:
    """Each review's id -> ``review_words``: how a correction names the review it corrects or is corrected by."""
    return {r.review_id: review_words(r) for r in history.itertuples()}


def named(ids: object, names: dict[str, str], lead: str) -> str | None:
    """'corrected by the review of ...' for one id or several (comma-joined); None for none."""
    if not present(ids):
        return None
    said = [names.get(i.strip(), "a review not in this history") for i in str(ids).split(",") if i.strip()]
    return f"{lead} {' and '.join(said)}" if said else None


def history_export(history: pd.DataFrame, plan: Plan, action_id: str | None = None) -> pd.DataFrame:
    """Review history (of one action, or all) with each action's title and the status as text: what the
    meeting minutes need. A correction names the review it corrects (and a corrected review the one that
    corrects it) by date and reviewer, never by id; an empty cell stays empty (never "nan" or "None")."""
    names = review_names(history)
    if action_id is not None:
        history = history[history["action_id"] == action_id]
    titles = {a.id: a.title for a in plan.actions}
    out = history.assign(status_text=history["status"].map(status_text),
                         title=history["action_id"].map(titles).fillna(EARLIER_ACTION))
    for column in ("reviewer_email", "imported_by", "corrects", "correction_reason", "corrected_by"):
        if column not in out:  # histories from before the team columns and corrections
            out[column] = None
    out["corrected_by"] = out["corrected_by"].map(lambda by: named(by, names, "corrected by"))
    out["corrects"] = out["corrects"].map(lambda c: named(c, names, "corrects"))
    out = out.astype(object).where(out.map(present), None)
    columns = {"review_date": "review date", "action_id": "action", "status_text": "status", "note": "note",
               "corrected_by": "corrected", "corrects": "corrects", "correction_reason": "reason",
               "reviewer": "reviewer", "reviewer_email": "reviewer e-mail", "recorded_at": "recorded at (UTC)",
               "imported_by": "imported by", "title": "title"}
    return out[list(columns)].rename(columns=columns).reset_index(drop=True)


def correctable_reviews(history: pd.DataFrame) -> dict[str, str]:
    """Reviews that a new review may correct (those no review corrects yet), latest first: id -> a label
    naming its date, action, status, reviewer and note (plain text: the page escapes it; never the id)."""
    if history.empty:
        return {}
    open_ = plan_status.standing(history)
    return {
        r.review_id: f"{r.review_date:%d/%m/%Y} · action {r.action_id} · {status_text(r.status)}"
                     + (f" · {r.reviewer}" if present(getattr(r, "reviewer", None)) else "")
                     + (f" · {shorten_note(r.note)}" if present(r.note) else "")
        for r in open_.iloc[::-1].itertuples()
    }


NOTHING_TO_CORRECT = ("No review to correct yet: a correction is made here once a review of this plan is "
                      "recorded (each review can be corrected once).")
"""What the page says in place of an empty correction picker."""


def shorten_note(note: str, limit: int = 50) -> str:
    note = " ".join(str(note).split())
    return note if len(note) <= limit else note[: limit - 1] + "…"


def review_question(action_id: str, status: str, review_date: date, corrected: str | None = None,
                    reason: str = "") -> str:
    """The confirmation the page asks before recording (markdown, escaped): 'Record 🟢 On track for action
    3.4 at 16 January 2024?', and, for a correction, which review it corrects and why."""
    text = f"Record {status_text(status)} for action {escape_markdown(action_id)} on {review_date:%-d %B %Y}?"
    if corrected:
        text += (f" It corrects {escape_markdown(corrected)}, which stays in the history marked "
                 f"'corrected'; reason: {escape_markdown(reason)}")
    return text


EARLIER_ACTION = "(only in an earlier version of the plan)"
"""The title shown for a reviewed action that the plan's current version no longer has."""


def earlier_actions(store: ProgressStore, plan: Plan, history: pd.DataFrame) -> pd.DataFrame:
    """Reviewed actions that only an earlier stored version of the plan has, with their last status: a new
    version never hides what a meeting recorded. Columns as ``status_export``, plus the earlier title."""
    titles = store.action_titles(plan.id) if len(history) else {}
    status = plan_status.current_status(plan, history, titles)
    earlier = status[~status["in_latest_version"]].copy()
    earlier["status_text"] = earlier["status"].map(status_text)
    return status_export(earlier)



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
    *,
    user: User = LOCAL_USER,
    review_id: str | None = None,
    corrects: str | None = None,
    reason: str | None = None,
) -> str:
    """Add a review of the plan as shown (with ``corrects`` and ``reason``: a correction of an earlier review,
    see ``ProgressStore.record_review``); returns its id.

    A plan not stored yet is registered first (an admin's right: the single local user is one), so the review
    always refers to a stored text and an export carries both. A shown file that differs from the stored
    current version is never registered silently: PlanChangeNeedsConfirmation says what would change.
    """
    if action_id not in {a.id for a in loaded.plan.actions}:
        raise PlanPageError(f"Plan '{loaded.plan.id}' has no action '{action_id}'.")
    change = store.plan_change(loaded)
    if change.kind == "changed":
        raise PlanChangeNeedsConfirmation(change)
    if change.kind == "new":
        if not user.may("register_plan"):
            raise PlanPageError(f"Plan '{loaded.plan.id}' is not in the progress database yet; an admin registers "
                                "it (Plan page or `python -m hiap_geo plan register`) before reviews are recorded.")
        store.register_plan(loaded, user=user)
    return store.record_review(loaded.plan.id, action_id, status, review_date, note, reviewer or None, user=user,
                               review_id=review_id, corrects=corrects, reason=reason)


def review_offered(change: PlanChange, user: User) -> bool:
    """Whether the page offers the review form: the user may record reviews, and the plan shown is the stored
    current version (or a new plan the user may register)."""
    if not user.may("review"):
        return False
    return change.kind == "unchanged" or (change.kind == "new" and user.may("register_plan"))


def export_bytes(store: ProgressStore, loaded: LoadedPlan, user: User = LOCAL_USER) -> bytes:
    """The plan (every stored version) and its whole review history as one JSON file, for download. A plan not
    stored yet is registered first (as recording a review does), so the file always carries the plan's text."""
    if store.plan_change(loaded).kind == "new":
        store.register_plan(loaded, user=user)
    bundle = store.export_bundle(loaded.plan.id, user=user)
    return (json.dumps(bundle, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def without_address(message: object, *addresses: str) -> str:
    """An error's text with the database's address (URL, host, file path) replaced by 'the progress database':
    a meeting's screen never shows where the database lives (``store.describe()`` stays in logs and the CLI).
    A progress database error gives its plain words (``ProgressError.plain``), without the server's own."""
    text = str(getattr(message, "plain", message))
    if text != str(message):  # the server's own words go to the log, for the IT officer
        log.warning("Shown on a page in plain words: %s", message)
    for address in sorted({a for a in addresses if a}, key=len, reverse=True):
        text = text.replace(f"URL '{address}'", "").replace(f"'{address}'", "").replace(address, "")
    return " ".join(text.split()).replace(" :", ":").replace(" (", " (").strip()


def signed_in_caption(user: User) -> str:
    """Who is signed in and their role (markdown, escaped: a name or e-mail may hold markup)."""
    role = user.role or "no role"
    return f"Signed in as {escape_markdown(user.label)} ({escape_markdown(role)})"


def review_message(action_id: str, status: str, review_date: date, corrected: str | None = None) -> str:
    """What the page says after a review is recorded (markdown, escaped)."""
    text = f"Recorded {status_text(status)} for action {escape_markdown(action_id)} on {review_date:%-d %B %Y}."
    if corrected:
        text += f" It corrects {escape_markdown(corrected)}, which stays in the history."
    return text


def import_message(report: ImportReport, current_id: str, store: ProgressStore | None = None) -> str:
    """What the page says after an import (markdown, escaped); where to find an imported plan not shown now, by
    its place and title as the plan list shows it."""
    text = escape_markdown(report.as_text())
    if report.plan_id != current_id:
        try:
            plan = store.plan(report.plan_id) if store is not None else None
        except HiapGeoError:
            plan = None
        named = f"{plan.area.name}: {plan.title}" if plan is not None else report.plan_id
        text += f" Choose '{escape_markdown(named)}' in the plan list above to see it."
    return text

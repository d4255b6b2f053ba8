"""What a review must be before the store records it: a known status, a meeting date that has happened, a note
and a reviewer within their limits, a signed-in user as the reviewer, and a correction with its reason.

Pure checks, without the database: ``progress.ProgressStore.record_review`` runs them before its transaction,
then checks under the write lock what only the database knows (the review corrected exists and is corrected once).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from hiap_geo.core.access import User
from hiap_geo.plans.schema import MAX_NOTE_CHARS, MAX_REVIEWER_CHARS, MIN_REVIEW_DATE, STATUSES, Plan, ProgressError


@dataclass(frozen=True)
class Correction:
    """The review a new review corrects (its id, a UUID) and why."""

    corrects: str
    reason: str


def review_uuid(review_id: str | None) -> str:
    """The caller's review id as a canonical UUID (a new one when None); a ProgressError for anything else."""
    if review_id is None:
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(review_id))
    except (ValueError, AttributeError, TypeError):
        raise ProgressError(f"'{str(review_id)[:40]}' is not a review id (a UUID).") from None


def checked_correction(corrects: str | None, reason: str | None) -> Correction | None:
    """The correction a review makes, or None; a reason is needed with ``corrects`` and refused without it."""
    if corrects is None:
        if reason:
            raise ProgressError("A reason is given only with the review it corrects (corrects=<review id>).")
        return None
    corrects = review_uuid(corrects)
    reason = (reason or "").strip()
    if not reason:
        raise ProgressError("A correction needs a reason: say what was wrong with the review it corrects.")
    if len(reason) > MAX_NOTE_CHARS:
        raise ProgressError(f"The reason is {len(reason):,} characters; the limit is {MAX_NOTE_CHARS:,}.")
    return Correction(corrects, reason)


def checked_status(status: str) -> str:
    """``status`` if it is one of ``STATUSES``; the message lists them with their labels."""
    if status not in STATUSES:
        raise ProgressError(
            f"Unknown status '{status}'; use one of: "
            + ", ".join(f"{key} ({label})" for key, label in STATUSES.items())
            + "."
        )
    return status


def checked_date(review_date: date | None) -> date:
    """The meeting's date (today when None): a calendar date, not in the future, not before ``MIN_REVIEW_DATE``."""
    if review_date is None:
        review_date = date.today()
    if not isinstance(review_date, date) or isinstance(review_date, datetime):
        raise ProgressError(f"The review date must be a calendar date (YYYY-MM-DD), not {review_date!r}.")
    if review_date > date.today():
        raise ProgressError(f"The review date {review_date.isoformat()} is in the future: a review records a "
                            "meeting that has happened.")
    if review_date < MIN_REVIEW_DATE:
        raise ProgressError(f"The review date {review_date.isoformat()} is before {MIN_REVIEW_DATE.year}: "
                            "check the year.")
    return review_date


def checked_note(note: str) -> str:
    if len(note) > MAX_NOTE_CHARS:
        raise ProgressError(f"The note is {len(note):,} characters; the limit is {MAX_NOTE_CHARS:,}.")
    return note


def reviewer_of(user: User, typed: str | None) -> tuple[str | None, str | None]:
    """Who recorded a review and their e-mail: a signed-in user is the reviewer, never a typed name (a typed
    name that is not theirs is refused); without sign-in, the name typed."""
    email = None
    reviewer = typed
    if user.signed_in:
        typed = (typed or "").strip()
        if typed and typed not in (user.name, user.email, user.label):
            raise ProgressError("The reviewer of a review is the signed-in user; it cannot be typed.")
        reviewer, email = (user.name or user.email)[:MAX_REVIEWER_CHARS], user.email[:MAX_REVIEWER_CHARS]
    if reviewer is not None and len(reviewer) > MAX_REVIEWER_CHARS:
        raise ProgressError(f"The reviewer name is longer than {MAX_REVIEWER_CHARS} characters.")
    return reviewer, email


def check_action(plan: Plan, action_id: str) -> None:
    """A review is of an action of the plan's current version; the message lists its actions."""
    if action_id not in {a.id for a in plan.actions}:
        raise ProgressError(
            f"Plan '{plan.id}' has no action '{action_id}'. Its actions are: "
            + ", ".join(a.id for a in plan.actions)
        )

"""Progress of plan actions for Health Action Team meetings: every review kept, in a database.

A review records an action's status (not started / on track / at risk / done) and a note at a review
date. Reviews are only ever added: a new review is a new row, never an update, so the history of each
action is what the meetings said, in order. The plan itself is stored with its history (each distinct
text once, and every registration of a text as the current version, with who did it), so a plan and its
reviews can be exported to one JSON file and imported elsewhere without loss. A review carries its id from
the caller, so a retried save is recorded once.

``ProgressStore`` is what the CLI and the pages hold. It composes the parts, one concern each:
``store.StoreCore`` (the engine, the schema opened or upgraded by ``migrations``, transactions with bounded
retries, the role check at the moment of writing; ``HIAP_PROGRESS_DB`` picks SQLite or PostgreSQL),
``reviews`` (what a review must be), ``drafts.PlanDrafts`` (the plan editor's drafts and versions) and
``bundle_io`` (the export file). Its tables are in ``progress_tables``; what a history says is in ``status``.
Every method that changes data takes the acting ``User`` (``core.access``) and refuses what its role may not do.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hiap_geo.core.access import LOCAL_USER, User, require
from hiap_geo.plans import bundle_io, reviews
from hiap_geo.plans.bundle import ImportReport, text_sha256
from hiap_geo.plans.bundle_io import ImportNeedsConfirmation
from hiap_geo.plans.drafts import Draft, PlanDrafts, SaveResult
from hiap_geo.plans.editor import Problem
from hiap_geo.plans.load import LoadedPlan, read_plan
from hiap_geo.plans.progress_tables import (
    SCHEMA_VERSION,
    PlanRow,
    PlanVersionRow,
    RegistrationRow,
    ReviewRow,
    now_utc,
)
from hiap_geo.plans.schema import Plan, ProgressError
from hiap_geo.plans.status import (
    HISTORY_COLUMNS,
    PlanChange,
    PlanChangeNeedsConfirmation,
    current_status,
    plan_change,
    status_label,
)
from hiap_geo.plans.store import DB_ENV, StoreCore, database_url

__all__ = ["DB_ENV", "REGISTRATION_COLUMNS", "SCHEMA_VERSION", "ImportNeedsConfirmation",
           "PlanChangeNeedsConfirmation", "ProgressStore", "database_url"]

REGISTRATION_COLUMNS = ["registered_at", "registered_by", "sha256", "source_name", "imported_by", "claimed_by",
                        "claimed_at", "made_current"]


class ProgressStore:
    """Plans and their review history in one database (SQLite by default, PostgreSQL for a team).

    Every public method opens its own short transaction, so a Streamlit page can keep one store in
    ``st.cache_resource`` and call it from any rerun and any thread.
    ``lock_timeout_s`` bounds each wait for a busy SQLite file; ``attempts`` bounds the retries of a
    write that met a busy database or a dropped connection, before a clear ProgressError.
    """

    def __init__(self, url: str | None = None, *, lock_timeout_s: float = 10.0, attempts: int = 4):
        self.core = StoreCore(url, lock_timeout_s=lock_timeout_s, attempts=attempts)
        self.url, self.engine, self.dialect = self.core.url, self.core.engine, self.core.dialect
        self.editing = PlanDrafts(self.core)

    def describe(self) -> str:
        """The database URL with any password hidden, for messages."""
        return self.core.describe()

    def schema_version(self) -> int:
        """The schema version stored in the database (SCHEMA_VERSION once opened)."""
        return self.core.schema_version()

    # -- plans ------------------------------------------------------------------------------------

    def plan_change(self, plan: str | Path | LoadedPlan) -> PlanChange:
        """What registering this plan file would change (no role needed: it changes nothing)."""
        loaded = plan if isinstance(plan, LoadedPlan) else read_plan(plan)
        return self.core.read(lambda session: self._change(session, loaded))

    def _change(self, session: Session, loaded: LoadedPlan) -> PlanChange:
        current = self.core.current_row(session, loaded.plan.id)
        if current is None:
            return PlanChange(loaded.plan.id, "new")
        version, registration = current
        if version.sha256 == text_sha256(loaded.text):
            return PlanChange(loaded.plan.id, "unchanged")
        change = plan_change(self.core.parse(version).plan, loaded.plan)
        return PlanChange(**{**change.__dict__, "current_registered_at": registration.registered_at,
                             "current_registered_by": registration.registered_by})

    def register_plan(self, plan: str | Path | LoadedPlan, *, user: User = LOCAL_USER, confirm: bool = False) -> bool:
        """Make a plan file's text the current version of its plan; True if anything was stored.

        A new plan is stored at once. A file with the id of a stored plan but another text (even an earlier
        version's) becomes current only with ``confirm=True``; without it PlanChangeNeedsConfirmation says
        what would change (actions removed, renamed, retitled). The same text as the current one stores
        nothing. Needs the admin role.
        """
        require(user, "register_plan")  # before the file is read; the core checks again as it writes
        loaded = plan if isinstance(plan, LoadedPlan) else read_plan(plan)

        def work(session: Session) -> bool:
            change = self._change(session, loaded)  # inside the write lock: no other writer can interleave
            if change.kind == "unchanged":
                return False
            if change.kind == "changed" and not confirm:
                raise PlanChangeNeedsConfirmation(change)
            self.core.store_version(session, loaded, user, now_utc())
            return True

        return self.core.write(work, "register", user=user, action="register_plan")

    def plan_ids(self) -> list[str]:
        return self.core.read(lambda session: list(session.scalars(select(PlanRow.plan_id).order_by(PlanRow.plan_id))))

    def plan(self, plan_id: str) -> Plan:
        """The current (latest registered) version of a plan."""
        return self.current_version(plan_id).plan

    def current_version(self, plan_id: str) -> LoadedPlan:
        """The current version of a plan with its text (no role needed: reading)."""
        return self.core.current_version(plan_id)

    def action_titles(self, plan_id: str) -> dict[str, str]:
        """Every action title any stored version of the plan gave, the latest version's last."""
        def work(session: Session) -> list[PlanVersionRow]:
            return list(session.scalars(select(PlanVersionRow).where(PlanVersionRow.plan_id == plan_id)
                                        .order_by(PlanVersionRow.id)))

        titles: dict[str, str] = {}
        for row in self.core.read(work):
            titles.update({a.id: a.title for a in self.core.parse(row).plan.actions})
        return titles

    # -- reviews ----------------------------------------------------------------------------------

    def record_review(
        self,
        plan_id: str,
        action_id: str,
        status: str,
        review_date: date | None = None,
        note: str = "",
        reviewer: str | None = None,
        *,
        user: User = LOCAL_USER,
        review_id: str | None = None,
        corrects: str | None = None,
        reason: str | None = None,
    ) -> str:
        """Add a review of one action of the plan's current version (a new record; earlier reviews stay).

        Needs the editor role. A signed-in user is the reviewer (their name and e-mail), never a typed name;
        without sign-in ``reviewer`` is the name typed. ``review_id`` (a UUID the caller made) makes a retried
        save idempotent: a review already stored with that id and the same content is not stored twice.
        Returns the review id.

        ``corrects`` (the id of an earlier review of this plan) with a ``reason`` records a correction: the
        earlier review stays in the history, marked as corrected by this one, and the status counts this one
        in its place. Without ``review_date`` a correction takes the corrected review's date. A review is
        corrected once; to put a correction right, correct the correction.
        """
        require(user, "review")  # at once, before the checks; the core checks again as it writes
        correction = reviews.checked_correction(corrects, reason)
        if correction is not None and review_date is None:
            review_date = self.core.read(
                lambda session: _corrected_row(session, plan_id, correction.corrects)).review_date
        status = reviews.checked_status(status)
        review_date = reviews.checked_date(review_date)
        note = reviews.checked_note(note)
        reviewer, email = reviews.reviewer_of(user, reviewer)
        review_id = reviews.review_uuid(review_id)
        reviews.check_action(self.plan(plan_id), action_id)
        wanted = {"plan_id": plan_id, "action_id": action_id, "status": status, "review_date": review_date,
                  "note": note, "reviewer": reviewer, "reviewer_email": email,
                  "corrects": correction.corrects if correction else None,
                  "correction_reason": correction.reason if correction else None}

        def work(session: Session) -> str:
            stored = session.scalars(select(ReviewRow).where(ReviewRow.review_id == review_id)).first()
            if stored is not None:  # a retry of a save that reached the database: record it once
                if any(getattr(stored, k) != v for k, v in wanted.items()):
                    raise ProgressError(f"Review {review_id} is already stored with other content; "
                                        "history is never overwritten.")
                return review_id
            if correction is not None:  # checked again under the write lock: two people cannot both correct it
                if correction.corrects == review_id:
                    raise ProgressError("A review cannot correct itself.")
                _corrected_row(session, plan_id, correction.corrects)
                later = session.scalar(select(ReviewRow.review_id).where(ReviewRow.corrects == correction.corrects))
                if later is not None:
                    raise ProgressError(f"Review {correction.corrects} is already corrected by review {later}; "
                                        "correct that one instead. Nothing was recorded.")
            session.add(ReviewRow(review_id=review_id, recorded_at=now_utc(), **wanted))
            return review_id

        return self.core.write(work, "record", user=user, action="review")

    def history(self, plan_id: str, action_id: str | None = None) -> pd.DataFrame:
        """Every review of a plan (or one action), oldest first, with the status's text label, who recorded it,
        when, who imported it, whether its action is in the plan's current version, the review it corrects
        (and why) and the review that corrects it (``corrected_by``; None for a review that stands)."""
        query = select(ReviewRow).where(ReviewRow.plan_id == plan_id)
        if action_id is not None:
            query = query.where(ReviewRow.action_id == action_id)
        query = query.order_by(ReviewRow.review_date, ReviewRow.recorded_at, ReviewRow.id)
        corrections = (select(ReviewRow.corrects, ReviewRow.review_id)
                       .where(ReviewRow.plan_id == plan_id, ReviewRow.corrects.is_not(None))
                       .order_by(ReviewRow.recorded_at, ReviewRow.id))

        def work(session: Session) -> list[dict[str, Any]]:
            corrected_by: dict[str, list[str]] = {}
            for corrected, by in session.execute(corrections):
                corrected_by.setdefault(corrected, []).append(by)
            return [
                {
                    "review_id": r.review_id,
                    "action_id": r.action_id,
                    "review_date": r.review_date,
                    "status": r.status,
                    "status_label": status_label(r.status),
                    "note": r.note,
                    "reviewer": r.reviewer,
                    "reviewer_email": r.reviewer_email,
                    "recorded_at": r.recorded_at,
                    "imported_by": r.imported_by,
                    "corrects": r.corrects,
                    "correction_reason": r.correction_reason,
                    "corrected_by": ", ".join(corrected_by[r.review_id]) if r.review_id in corrected_by else None,
                }
                for r in session.scalars(query)
            ]

        rows = self.core.read(work)
        current: set[str] = set()
        if rows:
            try:
                current = {a.id for a in self.plan(plan_id).actions}
            except ProgressError:
                current = set()
        for row in rows:
            row["in_latest_version"] = row["action_id"] in current
        return pd.DataFrame(rows, columns=HISTORY_COLUMNS)

    def latest_status(self, plan_id: str) -> pd.DataFrame:
        """``current_status`` of the plan's current version with its recorded reviews, and the reviewed actions
        only an earlier version has (marked ``in_latest_version`` False)."""
        return current_status(self.plan(plan_id), self.history(plan_id), self.action_titles(plan_id))

    def counts(self) -> dict[str, int]:
        """Rows per table, to show that a refused review or import changed nothing."""
        def work(session: Session) -> dict[str, int]:
            return {
                "plans": session.scalar(select(func.count()).select_from(PlanRow)) or 0,
                "plan_versions": session.scalar(select(func.count()).select_from(PlanVersionRow)) or 0,
                "reviews": session.scalar(select(func.count()).select_from(ReviewRow)) or 0,
            }

        return self.core.read(work)

    def registrations(self, plan_id: str) -> pd.DataFrame:
        """Every time a text was made the plan's current version: when, by whom, which text (oldest first)."""
        def work(session: Session) -> list[dict[str, Any]]:
            rows = session.execute(
                select(RegistrationRow, PlanVersionRow.sha256, PlanVersionRow.source_name)
                .join(PlanVersionRow, RegistrationRow.version_id == PlanVersionRow.id)
                .where(RegistrationRow.plan_id == plan_id)
                .order_by(RegistrationRow.id))
            return [{"registered_at": r.registered_at, "registered_by": r.registered_by, "sha256": sha,
                     "source_name": name, "imported_by": r.imported_by, "claimed_by": r.claimed_by,
                     "claimed_at": r.claimed_at, "made_current": not r.history_only} for r, sha, name in rows]

        return pd.DataFrame(self.core.read(work), columns=REGISTRATION_COLUMNS)

    # -- export / import (``bundle_io``) -----------------------------------------------------------

    def export_bundle(self, plan_id: str, *, user: User = LOCAL_USER) -> dict[str, Any]:
        """The plan with every stored text and every review, as JSON-ready data (``bundle_io.export_bundle``)."""
        return bundle_io.export_bundle(self.core, plan_id, user=user)

    def export_file(self, plan_id: str, path: str | Path, *, user: User = LOCAL_USER) -> Path:
        """Write ``export_bundle`` as UTF-8 JSON."""
        return bundle_io.export_file(self.core, plan_id, path, user=user)

    def import_file(self, path: str | Path, *, user: User = LOCAL_USER, confirm: bool = False) -> ImportReport:
        """Import an export file (``bundle_io.import_file``)."""
        return bundle_io.import_file(self.core, path, user=user, confirm=confirm)

    def import_bundle(self, content: bytes | str | dict[str, Any], source: str = "<export>", *,
                      user: User = LOCAL_USER, confirm: bool = False) -> ImportReport:
        """Add a plan's versions and reviews from an export, all or nothing (``bundle_io.import_bundle``)."""
        return bundle_io.import_bundle(self.core, content, source, user=user, confirm=confirm)

    # -- the plan editor's drafts and versions (``drafts.PlanDrafts``) -----------------------------

    def save_draft(self, plan_id: str, yaml_text: str, *, user: User = LOCAL_USER,
                   base_sha: str | None = None, problems: list[Problem] | None = None) -> Draft:
        """Keep ``yaml_text`` as ``user``'s draft of the plan (``PlanDrafts.save_draft``)."""
        return self.editing.save_draft(plan_id, yaml_text, user=user, base_sha=base_sha, problems=problems)

    def draft(self, plan_id: str, *, user: User = LOCAL_USER) -> Draft | None:
        """``user``'s draft of the plan, or None."""
        return self.editing.draft(plan_id, user=user)

    def drafts(self, *, user: User = LOCAL_USER) -> pd.DataFrame:
        """The plans ``user`` has drafts of (``PlanDrafts.drafts``)."""
        return self.editing.drafts(user=user)

    def discard_draft(self, plan_id: str, *, user: User = LOCAL_USER) -> bool:
        """Remove ``user``'s draft of the plan; True if there was one."""
        return self.editing.discard_draft(plan_id, user=user)

    def current_sha(self, plan_id: str) -> str | None:
        """The checksum of the plan's current version (what an editor passes back as ``base_sha``), or None."""
        return self.editing.current_sha(plan_id)

    def save_plan(self, plan: LoadedPlan | str, *, user: User = LOCAL_USER, base_sha: str | None,
                  check_data: bool = True, source: str = "plan editor") -> SaveResult:
        """Save a plan's text as its new current version unless someone saved since ``base_sha``
        (``PlanDrafts.save_plan``)."""
        return self.editing.save_plan(plan, user=user, base_sha=base_sha, check_data=check_data, source=source)

    def version_text(self, plan_id: str, sha: str | None = None) -> str:
        """The YAML text of a stored version (default: the current one), exactly as saved."""
        return self.editing.version_text(plan_id, sha)

    def versions(self, plan_id: str) -> pd.DataFrame:
        """Every save of the plan, oldest first, with what it changed (``PlanDrafts.versions``)."""
        return self.editing.versions(plan_id)


def _corrected_row(session: Session, plan_id: str, review_id: str) -> ReviewRow:
    """The review of this plan that a correction corrects; a ProgressError if there is none."""
    row = session.scalars(select(ReviewRow).where(ReviewRow.review_id == review_id)).first()
    if row is None or row.plan_id != plan_id:
        raise ProgressError(f"Plan '{plan_id}' has no review {review_id} to correct; `plan history` lists "
                            "each review's id. Nothing was recorded.")
    return row

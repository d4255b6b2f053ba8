"""A plan and its reviews out of the progress database into an export file, and back into another database.

``bundle`` is the file's format and its checks; this module reads and writes it against the store
(``store.StoreCore``): an export takes every stored text and review of a plan; an import is checked in full
first and written in one transaction, so a failed import changes nothing, and importing the same file twice
adds nothing. Both need the admin role.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from hiap_geo.core.access import LOCAL_USER, User, require
from hiap_geo.core.files import read_regular, regular_file_size, write_text_atomic
from hiap_geo.plans.bundle import (
    BUNDLE_FORMAT,
    BUNDLE_VERSION,
    MAX_BUNDLE_BYTES,
    ExportBundle,
    ExportedPlanVersion,
    ExportedReview,
    ImportReport,
    validate_bundle,
)
from hiap_geo.plans.load import parse_plan
from hiap_geo.plans.progress_tables import PlanRow, PlanVersionRow, RegistrationRow, ReviewRow, aware, utc
from hiap_geo.plans.schema import MAX_REVIEWER_CHARS, ImportRejected, ProgressError
from hiap_geo.plans.status import PlanChange, PlanChangeNeedsConfirmation, plan_change
from hiap_geo.plans.store import StoreCore, chunks, database_now

IMPORT_CHUNK = 1_000
"""Reviews an import looks up and inserts per statement: 100,000 reviews in 100 round trips, not 200,000."""


class ImportNeedsConfirmation(PlanChangeNeedsConfirmation):
    """An import whose last plan version is a text this database never had, for a plan it has: nothing was
    imported; importing again with ``confirm=True`` makes that version current, as ``register --confirm`` would."""

    def __init__(self, change: PlanChange):
        super().__init__(change)
        self.args = (change.summary() + " Nothing was imported. To import the file and make its plan the current "
                     "version, confirm: `python -m hiap_geo plan import --confirm FILE`, or tick \"Make the "
                     "file's plan the current version\" before Import on the Plan page.",)

    def __str__(self) -> str:
        return str(self.args[0])


def export_bundle(core: StoreCore, plan_id: str, *, user: User = LOCAL_USER) -> dict[str, Any]:
    """The plan (every stored text, in the order they were last made current, so the last is current) and
    every review with who recorded and imported it, as JSON-ready data. Needs the admin role."""
    require(user, "export")
    core.current_version(plan_id)  # a clear error for an unknown plan

    def work(session: Session) -> ExportBundle:
        latest = (select(RegistrationRow.version_id, func.max(RegistrationRow.id).label("last"))
                  .where(RegistrationRow.plan_id == plan_id).group_by(RegistrationRow.version_id).subquery())
        versions = session.execute(
            select(PlanVersionRow, RegistrationRow)
            .join(latest, latest.c.version_id == PlanVersionRow.id)
            .join(RegistrationRow, RegistrationRow.id == latest.c.last)
            .order_by(RegistrationRow.id)
        ).all()
        current = core.current_row(session, plan_id)
        current_id = current[0].id if current is not None else None
        versions.sort(key=lambda pair: pair[0].id == current_id)  # stable: the current version last
        reviews = session.scalars(
            select(ReviewRow).where(ReviewRow.plan_id == plan_id).order_by(ReviewRow.recorded_at, ReviewRow.id)
        ).all()
        return ExportBundle(
            format=BUNDLE_FORMAT,
            version=BUNDLE_VERSION,
            plan_id=plan_id,
            exported_at=datetime.now(UTC),
            plan_versions=[
                ExportedPlanVersion(sha256=v.sha256, source_name=v.source_name,
                                    registered_at=aware(reg.claimed_at or reg.registered_at), yaml=v.yaml_text,
                                    registered_by=reg.registered_by or reg.claimed_by)
                for v, reg in versions
            ],
            reviews=[ExportedReview.model_validate({
                "review_id": r.review_id, "action_id": r.action_id, "status": r.status,
                "review_date": r.review_date, "note": r.note, "reviewer": r.reviewer,
                "recorded_at": aware(r.recorded_at), "reviewer_email": r.reviewer_email,
                "imported_by": r.imported_by, "corrects": r.corrects, "correction_reason": r.correction_reason,
            }) for r in reviews],
        )

    return core.read(work).model_dump(mode="json")


def export_file(core: StoreCore, plan_id: str, path: str | Path, *, user: User = LOCAL_USER) -> Path:
    """Write ``export_bundle`` as UTF-8 JSON."""
    path = Path(path)
    text_ = json.dumps(export_bundle(core, plan_id, user=user), ensure_ascii=False, indent=2)
    write_text_atomic(path, text_ + "\n")
    return path


def import_file(core: StoreCore, path: str | Path, *, user: User = LOCAL_USER, confirm: bool = False) -> ImportReport:
    """Import an export file; see ``import_bundle``. The role is checked before the file is read."""
    require(user, "import")
    path = Path(path)
    try:
        size = regular_file_size(path)
        if size > MAX_BUNDLE_BYTES:
            raise ImportRejected(str(path), [f"the file is {size:,} bytes; the limit is {MAX_BUNDLE_BYTES:,}"])
        raw = read_regular(path, MAX_BUNDLE_BYTES)
    except OSError as exc:
        raise ImportRejected(str(path), [f"cannot read the file: {exc.strerror or exc}"]) from exc
    return import_bundle(core, raw, str(path), user=user, confirm=confirm)


def import_bundle(core: StoreCore, content: bytes | str | dict[str, Any], source: str = "<export>", *,
                  user: User = LOCAL_USER, confirm: bool = False) -> ImportReport:
    """Add a plan's versions and reviews from an export; all or nothing. Needs the admin role.

    Everything is checked before writing (size, nesting, format, every plan version parses and matches
    its checksum, every review names an action of the plan, no date in the future); the writes run in one
    transaction, and a review whose id is already stored with different content aborts it. Reviews
    already present unchanged are skipped, so importing the same file twice adds nothing. Each review
    keeps the reviewer the file names and is marked as imported by ``user``.

    Plan versions are history the file *claims*: each new text is stored with who imported it and when (the
    database's time), the file's registrant and date kept only as a claim, in the file's order after every
    version already recorded. The file's last version becomes current only for a plan this database does
    not have yet, or, when it is a text this database has never had, with ``confirm=True`` (the confirmation
    a changed plan file needs: PlanChangeNeedsConfirmation says what it would change, and nothing is
    imported). Corrections are checked against the reviews already stored too: a review is corrected once.
    """
    user = require(user, "import")  # before the file is parsed: a viewer's upload is not even read
    bundle = validate_bundle(content, source)
    importer = (user.label or LOCAL_USER.label)[:MAX_REVIEWER_CHARS]

    def work(session: Session) -> ImportReport:
        if core.dialect == "postgresql":  # the reviews this import inserts are not in the planner's statistics
            session.execute(text("SET LOCAL enable_seqscan = off"))  # yet: look ids up by index, never by scan
        added_versions = _import_versions(core, session, bundle, source, importer, confirm)
        _check_imported_corrections(session, bundle, source)
        added_reviews = present = 0
        for chunk in chunks(bundle.reviews, IMPORT_CHUNK):  # a few statements per chunk, not per review
            stored_reviews = {r.review_id: r for r in session.scalars(
                select(ReviewRow).where(ReviewRow.review_id.in_([r.review_id for r in chunk])))}
            new_rows = []
            for review in chunk:
                stored_review = stored_reviews.get(review.review_id)
                if stored_review is None:
                    new_rows.append({
                        "review_id": review.review_id, "plan_id": bundle.plan_id, "action_id": review.action_id,
                        "status": review.status, "review_date": review.review_date, "note": review.note,
                        "reviewer": review.reviewer, "recorded_at": utc(review.recorded_at),
                        "reviewer_email": review.reviewer_email, "imported_by": importer,
                        "corrects": review.corrects, "correction_reason": review.correction_reason})
                    continue
                difference = _differences(stored_review, bundle.plan_id, review)
                if difference:
                    raise ImportRejected(source, [f"review {review.review_id} is already stored with different "
                                                  f"content ({difference}); history is never overwritten"])
                present += 1
            if new_rows:
                session.execute(insert(ReviewRow), new_rows)
                added_reviews += len(new_rows)
        return ImportReport(bundle.plan_id, added_versions, added_reviews, present)

    try:
        return core.write(work, "import", user=user, action="import")
    except (ImportRejected, PlanChangeNeedsConfirmation):
        raise
    except ProgressError as exc:
        raise ImportRejected(source, [f"the database refused the import: {exc}"]) from exc


def _import_versions(core: StoreCore, session: Session, bundle: ExportBundle, source: str, importer: str,
                     confirm: bool) -> int:
    """Store the file's plan texts this database lacks, as claims; how many were added."""
    if session.get(PlanRow, bundle.plan_id) is None:
        session.add(PlanRow(plan_id=bundle.plan_id))
        session.flush()
    current = core.current_row(session, bundle.plan_id)
    last = bundle.plan_versions[-1]
    stored = set(session.scalars(select(PlanVersionRow.sha256).where(PlanVersionRow.plan_id == bundle.plan_id)))
    if current is not None and last.sha256 not in stored and not confirm:
        change = plan_change(core.parse(current[0]).plan, parse_plan(last.yaml, source).plan)
        raise ImportNeedsConfirmation(PlanChange(**{
            **change.__dict__, "current_registered_at": current[1].registered_at,
            "current_registered_by": current[1].registered_by or current[1].claimed_by}))
    now = database_now(session)
    added = 0
    for version in bundle.plan_versions:  # the file's order, after everything this database recorded
        if version.sha256 in stored:
            continue
        stored.add(version.sha256)
        row = PlanVersionRow(plan_id=bundle.plan_id, sha256=version.sha256, source_name=version.source_name,
                             registered_at=now, yaml_text=version.yaml, registered_by=None)
        session.add(row)
        session.flush()
        session.add(RegistrationRow(
            plan_id=bundle.plan_id, version_id=row.id, registered_at=now, registered_by=None,
            imported_by=importer, claimed_by=(version.registered_by or None),
            claimed_at=utc(version.registered_at),
            history_only=current is not None and version is not last))
        added += 1
    session.flush()
    return added


def _check_imported_corrections(session: Session, bundle: ExportBundle, source: str) -> None:
    """No review is corrected twice across the file and the database, and a correction corrects a review of
    this plan (the file's own checks see only the file)."""
    corrections = {r.review_id: r.corrects for r in bundle.reviews if r.corrects is not None}
    if not corrections:
        return
    problems: list[str] = []
    for chunk in chunks(sorted(set(corrections.values()))):
        for by, corrected in session.execute(select(ReviewRow.review_id, ReviewRow.corrects)
                                             .where(ReviewRow.corrects.in_(chunk))):
            mine = [r for r, c in corrections.items() if c == corrected and r != by]
            if mine:
                problems.append(f"review {mine[0]} corrects review {corrected}, which review {by} already "
                                "corrects in this database; a review is corrected once")
        for review_id, plan_id in session.execute(select(ReviewRow.review_id, ReviewRow.plan_id)
                                                  .where(ReviewRow.review_id.in_(chunk))):
            if plan_id != bundle.plan_id:
                problems.append(f"review {review_id}, which the file corrects, belongs to plan '{plan_id}'")
    if problems:
        raise ImportRejected(source, problems)


def _differences(stored: ReviewRow, plan_id: str, review: ExportedReview) -> str:
    pairs = {
        "plan_id": (stored.plan_id, plan_id),
        "action_id": (stored.action_id, review.action_id),
        "status": (stored.status, review.status),
        "review_date": (stored.review_date, review.review_date),
        "note": (stored.note, review.note),
        "reviewer": (stored.reviewer, review.reviewer),
        "recorded_at": (stored.recorded_at, utc(review.recorded_at)),
    }
    if review.reviewer_email is not None:  # bundles of version 1 do not carry it
        pairs["reviewer_email"] = (stored.reviewer_email, review.reviewer_email)
    pairs["corrects"] = (stored.corrects, review.corrects)  # bundles before version 3: None, as stored then
    pairs["correction_reason"] = (stored.correction_reason, review.correction_reason)
    return ", ".join(f"{name}: stored {a!r}, file {b!r}" for name, (a, b) in pairs.items() if a != b)

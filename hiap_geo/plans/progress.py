"""Progress of plan actions for Health Action Team meetings: every review kept, in a database.

A review records an action's status (not started / on track / at risk / done) and a note at a review
date. Reviews are only ever added: a new review is a new row, never an update, so the history of each
action is what the meetings said, in order. The plan itself is stored with its history (each distinct
version of the YAML text once), so a plan and its reviews can be exported to one JSON file and imported
elsewhere without loss; an import is checked in full first (``plans.bundle``, the file format) and written
in one transaction, so a failed import changes nothing.

The database is SQLite in the user's data folder by default; ``HIAP_PROGRESS_DB`` (or the ``url``
argument) takes any SQLAlchemy database URL, e.g. ``postgresql+psycopg://user@host/hiap``.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import platformdirs
from sqlalchemy import (
    DDL,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from hiap_geo.core.files import write_text_atomic
from hiap_geo.plans.bundle import (
    BUNDLE_FORMAT,
    BUNDLE_VERSION,
    MAX_BUNDLE_BYTES,
    ExportBundle,
    ExportedPlanVersion,
    ExportedReview,
    ImportReport,
    text_sha256,
    validate_bundle,
)
from hiap_geo.plans.load import LoadedPlan, parse_plan, read_plan
from hiap_geo.plans.schema import (
    MAX_NOTE_CHARS,
    MAX_REVIEWER_CHARS,
    STATUSES,
    ImportRejected,
    Plan,
    ProgressError,
)

DB_ENV = "HIAP_PROGRESS_DB"
"""Environment variable holding the database URL."""

NO_STATUS = "No status"
"""The label of an action with no review and no status in its plan file (CLI, Plan page and profiles alike)."""

STATUS_COLUMNS = ["action_id", "priority_id", "title", "status", "status_label", "review_date", "note", "reviews"]


def status_label(status: str | None) -> str:
    """The text label of a status, or NO_STATUS for none (None, or a missing value of a table)."""
    return NO_STATUS if pd.isna(status) or not status else STATUSES[status]


def current_status(plan: Plan, history: pd.DataFrame) -> pd.DataFrame:
    """Each action's status now: its latest review (``history`` oldest first, as ``ProgressStore.history``
    gives it), else the status its plan file records, else none (labelled NO_STATUS).

    Works for any plan, registered or not. Columns: STATUS_COLUMNS, one row per action in plan order.
    """
    latest = history.groupby("action_id").tail(1).set_index("action_id")
    counts = history.groupby("action_id").size()
    rows = []
    for action in plan.actions:
        if action.id in latest.index:
            row = latest.loc[action.id]
            status, when, note = row["status"], row["review_date"], row["note"]
        else:
            status, when, note = action.status, None, None
        rows.append(
            {
                "action_id": action.id,
                "priority_id": action.priority,
                "title": action.title,
                "status": status,
                "status_label": status_label(status),
                "review_date": when,
                "note": note,
                "reviews": int(counts.get(action.id, 0)),
            }
        )
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)


def database_url() -> str:
    """The configured database URL: ``HIAP_PROGRESS_DB``, else SQLite in the user's data folder.

    Not in the project's cache folder: deleting cached data must never delete a team's review history.
    """
    configured = os.environ.get(DB_ENV, "").strip()
    if configured:
        return configured
    folder = Path(platformdirs.user_data_dir("hiap-geo", appauthor=False))
    return f"sqlite:///{folder / 'progress.sqlite'}"


# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------


class _Base(DeclarativeBase):
    pass


class _PlanRow(_Base):
    __tablename__ = "plans"
    plan_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class _PlanVersionRow(_Base):
    """One distinct text of a plan file; a changed plan is a new version, the old one stays."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "sha256"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.plan_id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    source_name: Mapped[str] = mapped_column(String(1000))
    registered_at: Mapped[datetime] = mapped_column(DateTime)
    yaml_text: Mapped[str] = mapped_column(Text)


class _ReviewRow(_Base):
    """One review of one action at one meeting. Rows are never updated or deleted."""

    __tablename__ = "reviews"
    __table_args__ = (CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="known_status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[str] = mapped_column(String(36), unique=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.plan_id"), index=True)
    action_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    review_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    reviewer: Mapped[str | None] = mapped_column(String(MAX_REVIEWER_CHARS))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


# SQLite enforces the append-only rule itself, so no other tool writing to the file can rewrite history.
for _verb in ("UPDATE", "DELETE"):
    event.listen(
        _ReviewRow.__table__,
        "after_create",
        DDL(
            f"CREATE TRIGGER IF NOT EXISTS reviews_no_{_verb.lower()} BEFORE {_verb} ON reviews "
            "BEGIN SELECT RAISE(ABORT, 'reviews are append-only: record a new review instead'); END"
        ).execute_if(dialect="sqlite"),
    )


def _sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _utc(value: datetime) -> datetime:
    """Stored timestamps are naive UTC; aware values are converted, naive ones taken as UTC."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------------------------


class ProgressStore:
    """Plans and their review history in one database (SQLite by default).

    Every public method opens its own short transaction, so a Streamlit page can keep one store in
    ``st.cache_resource`` and call it from any rerun.
    """

    def __init__(self, url: str | None = None):
        self.url = url or database_url()
        self._parsed: dict[str, LoadedPlan] = {}  # plan texts by checksum: parse each stored version once
        try:
            self.engine: Engine = create_engine(self.url)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise ProgressError(f"Cannot use the progress database URL '{self.url}': {exc}") from exc
        if self.engine.dialect.name == "sqlite":
            database = self.engine.url.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            event.listen(self.engine, "connect", _sqlite_foreign_keys)
        try:
            _Base.metadata.create_all(self.engine)
        except SQLAlchemyError as exc:
            raise ProgressError(f"Cannot open the progress database {self.describe()}: {exc}") from exc

    def describe(self) -> str:
        """The database URL with any password hidden, for messages."""
        return self.engine.url.render_as_string(hide_password=True)

    # -- plans ------------------------------------------------------------------------------------

    def register_plan(self, plan: str | Path | LoadedPlan) -> bool:
        """Store a plan file's text as a new version of its plan if the text changed; True if stored."""
        loaded = plan if isinstance(plan, LoadedPlan) else read_plan(plan)
        sha = text_sha256(loaded.text)
        with Session(self.engine) as session, session.begin():
            if session.get(_PlanRow, loaded.plan.id) is None:
                session.add(_PlanRow(plan_id=loaded.plan.id))
                session.flush()
            exists = session.scalar(
                select(_PlanVersionRow.id).where(
                    _PlanVersionRow.plan_id == loaded.plan.id, _PlanVersionRow.sha256 == sha
                )
            )
            if exists is not None:
                return False
            session.add(
                _PlanVersionRow(
                    plan_id=loaded.plan.id,
                    sha256=sha,
                    source_name=loaded.source[:1000],
                    registered_at=_utc(datetime.now(UTC)),
                    yaml_text=loaded.text,
                )
            )
        return True

    def plan_ids(self) -> list[str]:
        with Session(self.engine) as session:
            return list(session.scalars(select(_PlanRow.plan_id).order_by(_PlanRow.plan_id)))

    def plan(self, plan_id: str) -> Plan:
        """The latest registered version of a plan."""
        return self._latest(plan_id).plan

    def _latest(self, plan_id: str) -> LoadedPlan:
        with Session(self.engine) as session:
            row = session.scalars(
                select(_PlanVersionRow)
                .where(_PlanVersionRow.plan_id == plan_id)
                .order_by(_PlanVersionRow.registered_at.desc(), _PlanVersionRow.id.desc())
                .limit(1)
            ).first()
            if row is None:
                known = ", ".join(self.plan_ids()) or "none yet"
                raise ProgressError(
                    f"No plan '{plan_id}' in {self.describe()} (registered: {known}). "
                    "Register it first: python -m hiap_geo plan register <file>."
                )
            if row.sha256 not in self._parsed:
                self._parsed[row.sha256] = parse_plan(
                    row.yaml_text, f"{row.source_name} (stored version {row.sha256[:12]})"
                )
            return self._parsed[row.sha256]

    # -- reviews ----------------------------------------------------------------------------------

    def record_review(
        self,
        plan_id: str,
        action_id: str,
        status: str,
        review_date: date | None = None,
        note: str = "",
        reviewer: str | None = None,
    ) -> str:
        """Add a review of one action (a new record; earlier reviews stay). Returns the review id."""
        if status not in STATUSES:
            raise ProgressError(
                f"Unknown status '{status}'; use one of: "
                + ", ".join(f"{key} ({label})" for key, label in STATUSES.items())
                + "."
            )
        plan = self.plan(plan_id)
        if action_id not in {a.id for a in plan.actions}:
            raise ProgressError(
                f"Plan '{plan_id}' has no action '{action_id}'. Its actions are: "
                + ", ".join(a.id for a in plan.actions)
            )
        review_date = review_date or date.today()
        if review_date > date.today():
            raise ProgressError(f"The review date {review_date.isoformat()} is in the future.")
        if len(note) > MAX_NOTE_CHARS:
            raise ProgressError(f"The note is {len(note):,} characters; the limit is {MAX_NOTE_CHARS:,}.")
        if reviewer is not None and len(reviewer) > MAX_REVIEWER_CHARS:
            raise ProgressError(f"The reviewer name is longer than {MAX_REVIEWER_CHARS} characters.")
        review_id = str(uuid.uuid4())
        with Session(self.engine) as session, session.begin():
            session.add(
                _ReviewRow(
                    review_id=review_id,
                    plan_id=plan_id,
                    action_id=action_id,
                    status=status,
                    review_date=review_date,
                    note=note,
                    reviewer=reviewer,
                    recorded_at=_utc(datetime.now(UTC)),
                )
            )
        return review_id

    def history(self, plan_id: str, action_id: str | None = None) -> pd.DataFrame:
        """Every review of a plan (or one action), oldest first, with the status's text label."""
        query = select(_ReviewRow).where(_ReviewRow.plan_id == plan_id)
        if action_id is not None:
            query = query.where(_ReviewRow.action_id == action_id)
        query = query.order_by(_ReviewRow.review_date, _ReviewRow.recorded_at, _ReviewRow.id)
        with Session(self.engine) as session:
            rows = [
                {
                    "review_id": r.review_id,
                    "action_id": r.action_id,
                    "review_date": r.review_date,
                    "status": r.status,
                    "status_label": status_label(r.status),
                    "note": r.note,
                    "reviewer": r.reviewer,
                    "recorded_at": r.recorded_at,
                }
                for r in session.scalars(query)
            ]
        columns = [
            "review_id",
            "action_id",
            "review_date",
            "status",
            "status_label",
            "note",
            "reviewer",
            "recorded_at",
        ]
        return pd.DataFrame(rows, columns=columns)

    def latest_status(self, plan_id: str) -> pd.DataFrame:
        """``current_status`` of the plan's latest version with its recorded reviews."""
        return current_status(self.plan(plan_id), self.history(plan_id))

    def counts(self) -> dict[str, int]:
        """Rows per table, to show that a refused review or import changed nothing."""
        with Session(self.engine) as session:
            return {
                "plans": session.scalar(select(func.count()).select_from(_PlanRow)) or 0,
                "plan_versions": session.scalar(select(func.count()).select_from(_PlanVersionRow)) or 0,
                "reviews": session.scalar(select(func.count()).select_from(_ReviewRow)) or 0,
            }

    # -- export / import ----------------------------------------------------------------------------

    def export_bundle(self, plan_id: str) -> dict[str, Any]:
        """The plan (every stored version of its text) and every review, as JSON-ready data."""
        self._latest(plan_id)  # a clear error for an unknown plan
        with Session(self.engine) as session:
            versions = session.scalars(
                select(_PlanVersionRow)
                .where(_PlanVersionRow.plan_id == plan_id)
                .order_by(_PlanVersionRow.registered_at, _PlanVersionRow.id)
            ).all()
            reviews = session.scalars(
                select(_ReviewRow).where(_ReviewRow.plan_id == plan_id).order_by(_ReviewRow.recorded_at, _ReviewRow.id)
            ).all()
            bundle = ExportBundle(
                format=BUNDLE_FORMAT,
                version=BUNDLE_VERSION,
                plan_id=plan_id,
                exported_at=datetime.now(UTC),
                plan_versions=[
                    ExportedPlanVersion(
                        sha256=v.sha256,
                        source_name=v.source_name,
                        registered_at=_aware(v.registered_at),
                        yaml=v.yaml_text,
                    )
                    for v in versions
                ],
                reviews=[
                    ExportedReview(
                        review_id=r.review_id,
                        action_id=r.action_id,
                        status=r.status,  # type: ignore[arg-type]
                        review_date=r.review_date,
                        note=r.note,
                        reviewer=r.reviewer,
                        recorded_at=_aware(r.recorded_at),
                    )
                    for r in reviews
                ],
            )
        return bundle.model_dump(mode="json")

    def export_file(self, plan_id: str, path: str | Path) -> Path:
        """Write ``export_bundle`` as UTF-8 JSON."""
        path = Path(path)
        text = json.dumps(self.export_bundle(plan_id), ensure_ascii=False, indent=2)
        write_text_atomic(path, text + "\n")
        return path

    def import_file(self, path: str | Path) -> ImportReport:
        """Import an export file; see ``import_bundle``."""
        path = Path(path)
        try:
            size = path.stat().st_size
            if size > MAX_BUNDLE_BYTES:
                raise ImportRejected(str(path), [f"the file is {size:,} bytes; the limit is {MAX_BUNDLE_BYTES:,}"])
            raw = path.read_bytes()
        except OSError as exc:
            raise ImportRejected(str(path), [f"cannot read the file: {exc.strerror or exc}"]) from exc
        return self.import_bundle(raw, str(path))

    def import_bundle(self, content: bytes | str | dict[str, Any], source: str = "<export>") -> ImportReport:
        """Add a plan's versions and reviews from an export; all or nothing.

        Everything is checked before writing (format, every plan version parses and matches its
        checksum, every review names an action of the plan); the writes run in one transaction, and a
        review whose id is already stored with different content aborts it. Reviews already present
        unchanged are skipped, so importing the same file twice adds nothing.
        """
        bundle = validate_bundle(content, source)
        added_versions = added_reviews = present = 0
        try:
            with Session(self.engine) as session, session.begin():
                if session.get(_PlanRow, bundle.plan_id) is None:
                    session.add(_PlanRow(plan_id=bundle.plan_id))
                    session.flush()
                for version in bundle.plan_versions:
                    stored = session.scalar(
                        select(_PlanVersionRow.id).where(
                            _PlanVersionRow.plan_id == bundle.plan_id, _PlanVersionRow.sha256 == version.sha256
                        )
                    )
                    if stored is None:
                        session.add(
                            _PlanVersionRow(
                                plan_id=bundle.plan_id,
                                sha256=version.sha256,
                                source_name=version.source_name,
                                registered_at=_utc(version.registered_at),
                                yaml_text=version.yaml,
                            )
                        )
                        added_versions += 1
                session.flush()
                for review in bundle.reviews:
                    stored_review = session.scalars(
                        select(_ReviewRow).where(_ReviewRow.review_id == review.review_id)
                    ).first()
                    if stored_review is None:
                        session.add(
                            _ReviewRow(
                                review_id=review.review_id,
                                plan_id=bundle.plan_id,
                                action_id=review.action_id,
                                status=review.status,
                                review_date=review.review_date,
                                note=review.note,
                                reviewer=review.reviewer,
                                recorded_at=_utc(review.recorded_at),
                            )
                        )
                        session.flush()
                        added_reviews += 1
                        continue
                    difference = _differences(stored_review, bundle.plan_id, review)
                    if difference:
                        raise ImportRejected(
                            source,
                            [
                                f"review {review.review_id} is already stored with different content "
                                f"({difference}); history is never overwritten"
                            ],
                        )
                    present += 1
        except SQLAlchemyError as exc:
            raise ImportRejected(source, [f"the database refused the import: {exc.__class__.__name__}: {exc}"]) from exc
        return ImportReport(bundle.plan_id, added_versions, added_reviews, present)

def _differences(stored: _ReviewRow, plan_id: str, review: ExportedReview) -> str:
    pairs = {
        "plan_id": (stored.plan_id, plan_id),
        "action_id": (stored.action_id, review.action_id),
        "status": (stored.status, review.status),
        "review_date": (stored.review_date, review.review_date),
        "note": (stored.note, review.note),
        "reviewer": (stored.reviewer, review.reviewer),
        "recorded_at": (stored.recorded_at, _utc(review.recorded_at)),
    }
    return ", ".join(f"{name}: stored {a!r}, file {b!r}" for name, (a, b) in pairs.items() if a != b)

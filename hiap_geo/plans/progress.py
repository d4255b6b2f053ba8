"""Progress of plan actions for Health Action Team meetings: every review kept, in a database.

A review records an action's status (not started / on track / at risk / done) and a note at a review
date. Reviews are only ever added: a new review is a new row, never an update, so the history of each
action is what the meetings said, in order. The plan itself is stored with its history (each distinct
text once, and every registration of a text as the current version, with who did it), so a plan and its
reviews can be exported to one JSON file and imported elsewhere without loss; an import is checked in full
first (``plans.bundle``, the file format) and written in one transaction, so a failed import changes nothing.

The database is SQLite in the user's data folder by default; ``HIAP_PROGRESS_DB`` (or the ``url``
argument) takes a PostgreSQL URL, e.g. ``postgresql+psycopg://hiap@dbhost/hiap``, for a team sharing
one database. Both engines get the same schema, a schema version checked at start, and triggers that
refuse UPDATE, DELETE (and TRUNCATE) of history, so no other tool can rewrite it either. Writes are
serialised (SQLite ``BEGIN IMMEDIATE``; a PostgreSQL advisory lock) and retried a bounded number of times
when the database is busy or the connection drops; a review carries its id from the caller, so a retried
save is recorded once.

Every method that changes data takes the acting ``User`` (``core.access``) and refuses what its role may
not do: the page hides those controls, but the page is no security boundary.

Over 600 lines (841) because ``ProgressStore`` holds one concern, each of its operations (register, record,
read, export, import) running under the same locking, retry and access rules, but it also carries the schema
upgrades, the review validation and the bundle import: those are to move into modules the store composes, with the
drafts mixin below, as issue 22 asks (the one import cycle left, named in pyproject.toml). The tables and the
database's own rules are in ``progress_tables``; what a history says is in ``status``; the plan editor's
drafts and versions saved with a concurrency check are ``drafts.PlanEditing``, mixed in.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import platformdirs
from sqlalchemy import (
    Connection,
    create_engine,
    event,
    func,
    insert,
    inspect,
    or_,
    select,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from hiap_geo.core import limits, settings
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
    text_sha256,
    validate_bundle,
)
from hiap_geo.plans.drafts import PlanEditing
from hiap_geo.plans.load import LoadedPlan, parse_plan, read_plan
from hiap_geo.plans.progress_tables import (
    LOCK_KEY,
    SCHEMA_VERSION,
    UPGRADE_TO_3,
    UPGRADE_TO_5,
    Base,
    PlanRow,
    PlanVersionRow,
    RegistrationRow,
    ReviewRow,
    SchemaRow,
    append_only_ddl,
    aware,
    first_line,
    now_utc,
    sqlite_begin,
    sqlite_connect,
    transient,
    utc,
)
from hiap_geo.plans.schema import (
    MAX_NOTE_CHARS,
    MAX_REVIEWER_CHARS,
    MIN_REVIEW_DATE,
    STATUSES,
    ImportRejected,
    Plan,
    ProgressError,
)
from hiap_geo.plans.status import (
    HISTORY_COLUMNS,
    PlanChange,
    PlanChangeNeedsConfirmation,
    current_status,
    plan_change,
    status_label,
)

T = TypeVar("T")

def _lock_timeout() -> str:
    return f"SET LOCAL lock_timeout = '{int(limits.MAX_WRITE_WAIT_S * 1000)}ms'"

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

DB_ENV = "HIAP_PROGRESS_DB"
"""Environment variable holding the database URL (read by ``core.settings.progress_db``)."""



def database_url() -> str:
    """The configured database URL: ``HIAP_PROGRESS_DB``, else SQLite in the user's data folder.

    Not in the project's cache folder: deleting cached data must never delete a team's review history.
    """
    configured = settings.progress_db()
    if configured:
        return configured
    folder = Path(platformdirs.user_data_dir("hiap-geo", appauthor=False))
    return f"sqlite:///{folder / 'progress.sqlite'}"


# ---------------------------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------------------------


class ProgressStore(PlanEditing):
    """Plans and their review history in one database (SQLite by default, PostgreSQL for a team).

    Every public method opens its own short transaction, so a Streamlit page can keep one store in
    ``st.cache_resource`` and call it from any rerun and any thread.
    ``lock_timeout_s`` bounds each wait for a busy SQLite file; ``attempts`` bounds the retries of a
    write that met a busy database or a dropped connection, before a clear ProgressError.
    """

    def __init__(self, url: str | None = None, *, lock_timeout_s: float = 10.0, attempts: int = 4):
        self.url = url or database_url()
        self.attempts = max(1, attempts)
        self._parsed: dict[str, LoadedPlan] = {}  # plan texts by checksum: parse each stored version once
        try:
            self.engine: Engine = self._create_engine(lock_timeout_s)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise ProgressError(f"Cannot use the progress database URL '{self.url}': {first_line(exc)}") from exc
        self.dialect = self.engine.dialect.name
        if self.dialect not in ("sqlite", "postgresql"):
            raise ProgressError(f"HIAP Geo keeps progress in SQLite or PostgreSQL; '{self.describe()}' is "
                                f"{self.dialect}. Use sqlite:///<file> or postgresql+psycopg://<user>@<host>/<db>.")
        # Writes go through this engine: SQLite begins them with BEGIN IMMEDIATE (one writer at a time, the
        # others wait for the lock instead of failing half-way); PostgreSQL takes an advisory lock.
        self._writer: Engine = self.engine.execution_options(hiap_write=True)
        self._prepare()

    def _create_engine(self, lock_timeout_s: float) -> Engine:
        if self.url.startswith("sqlite"):
            engine = create_engine(self.url, connect_args={"timeout": lock_timeout_s})
            database = engine.url.database
            if database and database != ":memory:":
                try:
                    Path(database).parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise ProgressError(f"Cannot create the folder of the progress database {database}: "
                                        f"{exc.strerror or exc}. Set HIAP_PROGRESS_DB to a writable place.") from exc
            event.listen(engine, "connect", sqlite_connect)
            event.listen(engine, "begin", sqlite_begin)
            return engine
        return create_engine(self.url, pool_pre_ping=True, connect_args={"connect_timeout": 10})

    def describe(self) -> str:
        """The database URL with any password hidden, for messages."""
        return self.engine.url.render_as_string(hide_password=True)

    # -- opening: schema version, creation, upgrade -------------------------------------------------

    def _prepare(self) -> None:
        """Create or upgrade the schema under the write lock, so 20 first users at once all succeed."""
        def prepare(connection: Connection) -> None:
            names = set(inspect(connection).get_table_names())
            if "hiap_schema" in names:
                version = connection.execute(select(SchemaRow.version)).scalar()
            else:
                version = 1 if "reviews" in names else None
            if version is not None and version > SCHEMA_VERSION:
                raise ProgressError(
                    f"The progress database {self.describe()} has schema version {version}, newer than this "
                    f"HIAP Geo (version {SCHEMA_VERSION}). Upgrade HIAP Geo on this machine (git pull; make run); "
                    "nothing was changed.")
            if version == SCHEMA_VERSION:
                return
            if version is not None and version < 1:
                raise ProgressError(f"The progress database {self.describe()} has schema version {version}, "
                                    "older than any this HIAP Geo can upgrade; nothing was changed.")
            Base.metadata.create_all(connection)
            if version == 1:
                self._upgrade_from_1(connection)
            if version in (1, 2):
                for statement in UPGRADE_TO_3:  # ALTER TABLE adds NULL columns: no row is changed
                    connection.exec_driver_sql(statement)
            if version in (2, 3, 4):  # version 1 had no registrations: create_all made them with these columns
                have = {c["name"] for c in inspect(connection).get_columns("plan_registrations")}
                for statement in UPGRADE_TO_5:
                    if statement.split(" ADD COLUMN ")[1].split()[0] not in have:
                        connection.exec_driver_sql(statement)
            for statement in append_only_ddl(self.dialect):
                connection.execute(text(statement))
            if version in (2, 3, 4):  # versions before 2 had no schema table: create_all made it empty
                connection.execute(SchemaRow.__table__.update().values(version=SCHEMA_VERSION))
            else:
                connection.execute(SchemaRow.__table__.insert().values(id=1, version=SCHEMA_VERSION))

        try:
            self._retrying(lambda: self._in_write_connection(prepare), "open")
        except ProgressError:
            raise
        except SQLAlchemyError as exc:
            raise ProgressError(f"Cannot open the progress database {self.describe()}: {first_line(exc)}") from exc

    def _upgrade_from_1(self, connection: Connection) -> None:
        """Version 1 had no registrations, reviewer e-mails or importers: add them, keeping every row."""
        for table, column in (("plan_versions", "registered_by"), ("reviews", "reviewer_email"),
                              ("reviews", "imported_by")):
            connection.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} VARCHAR({MAX_REVIEWER_CHARS})")
        connection.exec_driver_sql(
            "INSERT INTO plan_registrations (plan_id, version_id, registered_at, registered_by) "
            "SELECT plan_id, id, registered_at, NULL FROM plan_versions ORDER BY registered_at, id")

    def _in_write_connection(self, work: Callable[[Connection], T]) -> T:
        with self._writer.begin() as connection:
            if self.dialect == "postgresql":
                connection.execute(text(_lock_timeout()))
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            return work(connection)

    def schema_version(self) -> int:
        """The schema version stored in the database (SCHEMA_VERSION once opened)."""
        return self._read(lambda session: session.scalar(select(SchemaRow.version)) or 0)

    # -- transactions with bounded retries ------------------------------------------------------

    def _retrying(self, work: Callable[[], T], what: str) -> T:
        delay = 0.05
        for attempt in range(1, self.attempts + 1):
            try:
                return work()
            except DBAPIError as exc:
                if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_timeout: another writer holds the lock
                    raise ProgressError(
                        f"The progress database is busy with another change (such as a large import) and this one "
                        f"waited {limits.MAX_WRITE_WAIT_S:.0f} s: nothing was {_DONE[what]}. Try again in a minute."
                    ) from exc
                if not transient(exc):
                    raise self._error(exc, what) from exc
                if attempt == self.attempts:
                    raise ProgressError(
                        f"The progress database {self.describe()} is busy or the connection keeps dropping "
                        f"({first_line(exc)}); tried {self.attempts} times, nothing was {_DONE[what]}. "
                        "Try again in a moment.") from exc
                time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _error(self, exc: SQLAlchemyError, what: str) -> ProgressError:
        hint = ""
        if self.dialect == "postgresql" and "connect" in first_line(exc).lower():
            hint = " Is the PostgreSQL server running, and are the host, port, user and database in the URL right?"
        return ProgressError(f"The progress database {self.describe()} failed ({what}): {first_line(exc)}.{hint}")

    def _write(self, work: Callable[[Session], T], what: str) -> T:
        """``work`` in one write transaction (serialised with other writers), retried when the database was busy
        or the connection dropped; domain errors (ProgressError) pass through as they are."""
        def attempt() -> T:
            with Session(self._writer) as session, session.begin():
                if self.dialect == "postgresql":
                    session.execute(text(_lock_timeout()))  # a waiting writer is told, not kept waiting unbounded
                    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
                return work(session)

        try:
            return self._retrying(attempt, what)
        except (ProgressError, ValueError):
            raise
        except SQLAlchemyError as exc:
            raise self._error(exc, what) from exc

    def _read(self, work: Callable[[Session], T]) -> T:
        def attempt() -> T:
            with Session(self.engine) as session:
                return work(session)

        try:
            return self._retrying(attempt, "read")
        except (ProgressError, ValueError):
            raise
        except SQLAlchemyError as exc:
            raise self._error(exc, "read") from exc

    # -- plans ------------------------------------------------------------------------------------

    def plan_change(self, plan: str | Path | LoadedPlan) -> PlanChange:
        """What registering this plan file would change (no role needed: it changes nothing)."""
        loaded = plan if isinstance(plan, LoadedPlan) else read_plan(plan)
        return self._read(lambda session: self._change(session, loaded))

    def _change(self, session: Session, loaded: LoadedPlan) -> PlanChange:
        current = self._current_row(session, loaded.plan.id)
        if current is None:
            return PlanChange(loaded.plan.id, "new")
        version, registration = current
        if version.sha256 == text_sha256(loaded.text):
            return PlanChange(loaded.plan.id, "unchanged")
        change = plan_change(self._parse(version).plan, loaded.plan)
        return PlanChange(**{**change.__dict__, "current_registered_at": registration.registered_at,
                             "current_registered_by": registration.registered_by})

    def register_plan(self, plan: str | Path | LoadedPlan, *, user: User = LOCAL_USER, confirm: bool = False) -> bool:
        """Make a plan file's text the current version of its plan; True if anything was stored.

        A new plan is stored at once. A file with the id of a stored plan but another text (even an earlier
        version's) becomes current only with ``confirm=True``; without it PlanChangeNeedsConfirmation says
        what would change (actions removed, renamed, retitled). The same text as the current one stores
        nothing. Needs the admin role.
        """
        require(user, "register_plan")
        loaded = plan if isinstance(plan, LoadedPlan) else read_plan(plan)

        def work(session: Session) -> bool:
            change = self._change(session, loaded)  # inside the write lock: no other writer can interleave
            if change.kind == "unchanged":
                return False
            if change.kind == "changed" and not confirm:
                raise PlanChangeNeedsConfirmation(change)
            self._store_version(session, loaded, user, now_utc())
            return True

        return self._write(work, "register")

    def _store_version(self, session: Session, loaded: LoadedPlan, user: User, now: datetime) -> None:
        """Make ``loaded`` the current version (its text stored once), registered by ``user`` at ``now``."""
        sha = text_sha256(loaded.text)
        if session.get(PlanRow, loaded.plan.id) is None:
            session.add(PlanRow(plan_id=loaded.plan.id))
            session.flush()
        version_id = session.scalar(select(PlanVersionRow.id).where(
            PlanVersionRow.plan_id == loaded.plan.id, PlanVersionRow.sha256 == sha))
        if version_id is None:
            row = PlanVersionRow(plan_id=loaded.plan.id, sha256=sha, source_name=loaded.source[:1000],
                                  registered_at=now, yaml_text=loaded.text, registered_by=user.label or None)
            session.add(row)
            session.flush()
            version_id = row.id
        session.add(RegistrationRow(plan_id=loaded.plan.id, version_id=version_id, registered_at=now,
                                     registered_by=user.label or None))

    def plan_ids(self) -> list[str]:
        return self._read(lambda session: list(session.scalars(select(PlanRow.plan_id).order_by(PlanRow.plan_id))))

    def plan(self, plan_id: str) -> Plan:
        """The current (latest registered) version of a plan."""
        return self.current_version(plan_id).plan

    def current_version(self, plan_id: str) -> LoadedPlan:
        """The current version of a plan with its text (no role needed: reading)."""
        def work(session: Session) -> LoadedPlan:
            current = self._current_row(session, plan_id)
            if current is None:
                known = ", ".join(session.scalars(select(PlanRow.plan_id).order_by(PlanRow.plan_id))) or "none yet"
                raise ProgressError(
                    f"No plan '{plan_id}' in {self.describe()} (registered: {known}). "
                    "Register it first: python -m hiap_geo plan register <file>."
                )
            return self._parse(current[0])

        return self._read(work)

    def _current_row(self, session: Session, plan_id: str) -> tuple[PlanVersionRow, RegistrationRow] | None:
        row = session.execute(
            select(PlanVersionRow, RegistrationRow)
            .join(RegistrationRow, RegistrationRow.version_id == PlanVersionRow.id)
            .where(RegistrationRow.plan_id == plan_id, _MAY_BE_CURRENT)
            .order_by(RegistrationRow.id.desc())  # the order the database recorded, never a date from a file
            .limit(1)
        ).first()
        return None if row is None else (row[0], row[1])

    def _parse(self, row: PlanVersionRow) -> LoadedPlan:
        if row.sha256 not in self._parsed:
            source = f"{row.source_name} (stored version {row.sha256[:12]})"
            self._parsed[row.sha256] = parse_plan(row.yaml_text, source)
        return self._parsed[row.sha256]

    def action_titles(self, plan_id: str) -> dict[str, str]:
        """Every action title any stored version of the plan gave, the latest version's last."""
        def work(session: Session) -> list[PlanVersionRow]:
            return list(session.scalars(select(PlanVersionRow).where(PlanVersionRow.plan_id == plan_id)
                                        .order_by(PlanVersionRow.id)))

        titles: dict[str, str] = {}
        for row in self._read(work):
            titles.update({a.id: a.title for a in self._parse(row).plan.actions})
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
        require(user, "review")
        if corrects is not None:
            corrects = _review_uuid(corrects)
            reason = (reason or "").strip()
            if not reason:
                raise ProgressError("A correction needs a reason: say what was wrong with the review it corrects.")
            if len(reason) > MAX_NOTE_CHARS:
                raise ProgressError(f"The reason is {len(reason):,} characters; the limit is {MAX_NOTE_CHARS:,}.")
            if review_date is None:
                review_date = self._corrected(plan_id, corrects).review_date
        elif reason:
            raise ProgressError("A reason is given only with the review it corrects (corrects=<review id>).")
        else:
            reason = None
        if status not in STATUSES:
            raise ProgressError(
                f"Unknown status '{status}'; use one of: "
                + ", ".join(f"{key} ({label})" for key, label in STATUSES.items())
                + "."
            )
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
        if len(note) > MAX_NOTE_CHARS:
            raise ProgressError(f"The note is {len(note):,} characters; the limit is {MAX_NOTE_CHARS:,}.")
        email = None
        if user.signed_in:
            typed = (reviewer or "").strip()
            if typed and typed not in (user.name, user.email, user.label):
                raise ProgressError("The reviewer of a review is the signed-in user; it cannot be typed.")
            reviewer, email = (user.name or user.email)[:MAX_REVIEWER_CHARS], user.email[:MAX_REVIEWER_CHARS]
        if reviewer is not None and len(reviewer) > MAX_REVIEWER_CHARS:
            raise ProgressError(f"The reviewer name is longer than {MAX_REVIEWER_CHARS} characters.")
        review_id = _review_uuid(review_id)
        plan = self.plan(plan_id)
        if action_id not in {a.id for a in plan.actions}:
            raise ProgressError(
                f"Plan '{plan_id}' has no action '{action_id}'. Its actions are: "
                + ", ".join(a.id for a in plan.actions)
            )
        wanted = {"plan_id": plan_id, "action_id": action_id, "status": status, "review_date": review_date,
                  "note": note, "reviewer": reviewer, "reviewer_email": email, "corrects": corrects,
                  "correction_reason": reason}

        def work(session: Session) -> str:
            stored = session.scalars(select(ReviewRow).where(ReviewRow.review_id == review_id)).first()
            if stored is not None:  # a retry of a save that reached the database: record it once
                if any(getattr(stored, k) != v for k, v in wanted.items()):
                    raise ProgressError(f"Review {review_id} is already stored with other content; "
                                        "history is never overwritten.")
                return review_id
            if corrects is not None:  # checked again under the write lock: two people cannot both correct it
                if corrects == review_id:
                    raise ProgressError("A review cannot correct itself.")
                self._corrected_row(session, plan_id, corrects)
                later = session.scalar(select(ReviewRow.review_id).where(ReviewRow.corrects == corrects))
                if later is not None:
                    raise ProgressError(f"Review {corrects} is already corrected by review {later}; correct that "
                                        "one instead. Nothing was recorded.")
            session.add(ReviewRow(review_id=review_id, recorded_at=now_utc(), **wanted))
            return review_id

        return self._write(work, "record")

    def _corrected(self, plan_id: str, review_id: str) -> ReviewRow:
        return self._read(lambda session: self._corrected_row(session, plan_id, review_id))

    def _corrected_row(self, session: Session, plan_id: str, review_id: str) -> ReviewRow:
        row = session.scalars(select(ReviewRow).where(ReviewRow.review_id == review_id)).first()
        if row is None or row.plan_id != plan_id:
            raise ProgressError(f"Plan '{plan_id}' has no review {review_id} to correct; `plan history` lists "
                                "each review's id. Nothing was recorded.")
        return row

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

        rows = self._read(work)
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

        return self._read(work)

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

        return pd.DataFrame(self._read(work), columns=REGISTRATION_COLUMNS)

    # -- export / import ----------------------------------------------------------------------------

    def export_bundle(self, plan_id: str, *, user: User = LOCAL_USER) -> dict[str, Any]:
        """The plan (every stored text, in the order they were last made current, so the last is current) and
        every review with who recorded and imported it, as JSON-ready data. Needs the admin role."""
        require(user, "export")
        self.current_version(plan_id)  # a clear error for an unknown plan

        def work(session: Session) -> ExportBundle:
            latest = (select(RegistrationRow.version_id, func.max(RegistrationRow.id).label("last"))
                      .where(RegistrationRow.plan_id == plan_id).group_by(RegistrationRow.version_id).subquery())
            versions = session.execute(
                select(PlanVersionRow, RegistrationRow)
                .join(latest, latest.c.version_id == PlanVersionRow.id)
                .join(RegistrationRow, RegistrationRow.id == latest.c.last)
                .order_by(RegistrationRow.id)
            ).all()
            current = self._current_row(session, plan_id)
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
                reviews=[
                    ExportedReview(
                        review_id=r.review_id,
                        action_id=r.action_id,
                        status=r.status,  # type: ignore[arg-type]
                        review_date=r.review_date,
                        note=r.note,
                        reviewer=r.reviewer,
                        recorded_at=aware(r.recorded_at),
                        reviewer_email=r.reviewer_email,
                        imported_by=r.imported_by,
                        corrects=r.corrects,
                        correction_reason=r.correction_reason,
                    )
                    for r in reviews
                ],
            )

        return self._read(work).model_dump(mode="json")

    def export_file(self, plan_id: str, path: str | Path, *, user: User = LOCAL_USER) -> Path:
        """Write ``export_bundle`` as UTF-8 JSON."""
        path = Path(path)
        text_ = json.dumps(self.export_bundle(plan_id, user=user), ensure_ascii=False, indent=2)
        write_text_atomic(path, text_ + "\n")
        return path

    def import_file(self, path: str | Path, *, user: User = LOCAL_USER, confirm: bool = False) -> ImportReport:
        """Import an export file; see ``import_bundle``."""
        require(user, "import")
        path = Path(path)
        try:
            size = regular_file_size(path)
            if size > MAX_BUNDLE_BYTES:
                raise ImportRejected(str(path), [f"the file is {size:,} bytes; the limit is {MAX_BUNDLE_BYTES:,}"])
            raw = read_regular(path, MAX_BUNDLE_BYTES)
        except OSError as exc:
            raise ImportRejected(str(path), [f"cannot read the file: {exc.strerror or exc}"]) from exc
        return self.import_bundle(raw, str(path), user=user, confirm=confirm)

    def import_bundle(self, content: bytes | str | dict[str, Any], source: str = "<export>", *,
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
        user = require(user, "import")
        bundle = validate_bundle(content, source)
        importer = (user.label or LOCAL_USER.label)[:MAX_REVIEWER_CHARS]

        def work(session: Session) -> ImportReport:
            added_versions = added_reviews = present = 0
            if self.dialect == "postgresql":  # the reviews this import inserts are not in the planner's statistics
                session.execute(text("SET LOCAL enable_seqscan = off"))  # yet: look ids up by index, never by scan
            if session.get(PlanRow, bundle.plan_id) is None:
                session.add(PlanRow(plan_id=bundle.plan_id))
                session.flush()
            current = self._current_row(session, bundle.plan_id)
            last = bundle.plan_versions[-1]
            stored = set(session.scalars(select(PlanVersionRow.sha256).where(
                PlanVersionRow.plan_id == bundle.plan_id)))
            if current is not None and last.sha256 not in stored and not confirm:
                change = plan_change(self._parse(current[0]).plan, parse_plan(last.yaml, source).plan)
                raise ImportNeedsConfirmation(PlanChange(**{
                    **change.__dict__, "current_registered_at": current[1].registered_at,
                    "current_registered_by": current[1].registered_by or current[1].claimed_by}))
            now = database_now(session)
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
                added_versions += 1
            session.flush()
            self._check_imported_corrections(session, bundle, source)
            for chunk in _chunks(bundle.reviews, IMPORT_CHUNK):  # a few statements per chunk, not per review
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
            return self._write(work, "import")
        except (ImportRejected, PlanChangeNeedsConfirmation):
            raise
        except ProgressError as exc:
            raise ImportRejected(source, [f"the database refused the import: {exc}"]) from exc


    def _check_imported_corrections(self, session: Session, bundle: ExportBundle, source: str) -> None:
        """No review is corrected twice across the file and the database, and a correction corrects a review of
        this plan (the file's own checks see only the file)."""
        corrections = {r.review_id: r.corrects for r in bundle.reviews if r.corrects is not None}
        if not corrections:
            return
        targets = set(corrections.values())
        problems: list[str] = []
        for chunk in _chunks(sorted(targets)):
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


REGISTRATION_COLUMNS = ["registered_at", "registered_by", "sha256", "source_name", "imported_by", "claimed_by",
                        "claimed_at", "made_current"]

_MAY_BE_CURRENT = or_(RegistrationRow.history_only.is_(None), RegistrationRow.history_only.is_(False))
"""A registration that made its text current (an imported version kept as history only never did)."""


def _chunks(values: list[T], size: int = 500) -> list[list[T]]:
    return [values[i:i + size] for i in range(0, len(values), size)]


def database_now(session: Session) -> datetime:
    """The database's own clock (naive UTC), for what an import records: not the importing machine's."""
    value = session.scalar(select(func.current_timestamp()))
    if isinstance(value, str):  # SQLite: 'YYYY-MM-DD HH:MM:SS' in UTC
        value = datetime.fromisoformat(value)
    return utc(value) if isinstance(value, datetime) else now_utc()


_DONE = {"open": "changed", "read": "changed", "record": "recorded", "register": "stored", "import": "imported",
         "save": "saved", "draft": "saved"}


def _review_uuid(review_id: str | None) -> str:
    if review_id is None:
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(review_id))
    except (ValueError, AttributeError, TypeError):
        raise ProgressError(f"'{str(review_id)[:40]}' is not a review id (a UUID).") from None


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


"""The progress database's core, which the review history (``progress``), the plan editor's drafts and versions
(``drafts``) and the export file (``bundle_io``) all compose: one engine, the schema opened or upgraded, short
transactions with bounded retries, the role check at the moment of writing, and the plan versions they share.

The database is SQLite in the user's data folder by default; ``HIAP_PROGRESS_DB`` (or the ``url``
argument) takes a PostgreSQL URL, e.g. ``postgresql+psycopg://hiap@dbhost/hiap``, for a team sharing
one database. Both engines get the same schema, a schema version checked at start (``migrations``), and
triggers that refuse UPDATE, DELETE (and TRUNCATE) of history (``progress_tables``). Writes are serialised
(SQLite ``BEGIN IMMEDIATE``; a PostgreSQL advisory lock) and retried a bounded number of times when the
database is busy or the connection drops.

Every write names the acting ``User`` and what it does (``core.access`` actions): ``StoreCore.write`` reads the
user's role again just before the transaction and refuses what the role may not do. The page hides those
controls, but the page is no security boundary.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import platformdirs
from sqlalchemy import Connection, create_engine, event, func, or_, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from hiap_geo.core import limits, settings
from hiap_geo.core.access import User, require
from hiap_geo.plans import migrations
from hiap_geo.plans.bundle import text_sha256
from hiap_geo.plans.load import LoadedPlan, parse_plan
from hiap_geo.plans.progress_tables import (
    LOCK_KEY,
    PlanRow,
    PlanVersionRow,
    RegistrationRow,
    SchemaRow,
    first_line,
    now_utc,
    sqlite_begin,
    sqlite_connect,
    transient,
    utc,
)
from hiap_geo.plans.schema import ProgressError

T = TypeVar("T")

log = logging.getLogger(__name__)

DB_ENV = "HIAP_PROGRESS_DB"
"""Environment variable holding the database URL (read by ``core.settings.progress_db``)."""

MAY_BE_CURRENT = or_(RegistrationRow.history_only.is_(None), RegistrationRow.history_only.is_(False))
"""A registration that made its text current (an imported version kept as history only never did)."""

_DONE = {"open": "changed", "read": "changed", "record": "recorded", "register": "stored", "import": "imported",
         "save": "saved", "draft": "saved"}
"""What a failed operation did not do, for its message ("nothing was recorded")."""


def database_url() -> str:
    """The configured database URL: ``HIAP_PROGRESS_DB``, else SQLite in the user's data folder.

    Not in the project's cache folder: deleting cached data must never delete a team's review history.
    """
    configured = settings.progress_db()
    if configured:
        return configured
    folder = Path(platformdirs.user_data_dir("hiap-geo", appauthor=False))
    return f"sqlite:///{folder / 'progress.sqlite'}"


class StoreCore:
    """One progress database: its engine, its schema (created or upgraded on opening) and its transactions.

    ``lock_timeout_s`` bounds each wait for a busy SQLite file; ``attempts`` bounds the retries of a write that
    met a busy database or a dropped connection, before a clear ProgressError. Every transaction is short and
    opened per call, so one core serves every rerun and thread of a Streamlit server.
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
        self._open()

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

    def _open(self) -> None:
        """Create or upgrade the schema under the write lock, so 20 first users at once all succeed."""
        def prepare(connection: Connection) -> None:
            migrations.prepare(connection, self.dialect, self.describe())

        try:
            self._retrying(lambda: self._in_write_connection(prepare), "open")
        except ProgressError:
            raise
        except SQLAlchemyError as exc:
            raise ProgressError(f"Cannot open the progress database {self.describe()}: {first_line(exc)}") from exc

    def schema_version(self) -> int:
        """The schema version stored in the database (``progress_tables.SCHEMA_VERSION`` once opened)."""
        return self.read(lambda session: session.scalar(select(SchemaRow.version)) or 0)

    # -- transactions with bounded retries ------------------------------------------------------

    def write(self, work: Callable[[Session], T], what: str, *, user: User, action: str) -> T:
        """``work`` in one write transaction (serialised with other writers), if ``user`` may do ``action``.

        The role is read again here (``core.access.require``), at the moment of writing: a page's ``User`` may
        be minutes old. Retried when the database was busy or the connection dropped; domain errors
        (ProgressError, ValueError) pass through as they are. ``what`` names the operation in messages.
        """
        require(user, action)

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

    def read(self, work: Callable[[Session], T]) -> T:
        """``work`` in one read transaction, retried as a write is."""
        def attempt() -> T:
            with Session(self.engine) as session:
                return work(session)

        try:
            return self._retrying(attempt, "read")
        except (ProgressError, ValueError):
            raise
        except SQLAlchemyError as exc:
            raise self._error(exc, "read") from exc

    def _in_write_connection(self, work: Callable[[Connection], T]) -> T:
        with self._writer.begin() as connection:
            if self.dialect == "postgresql":
                connection.execute(text(_lock_timeout()))
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            return work(connection)

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
                        "Try again in a moment.",
                        plain=f"The progress database is busy or the connection keeps dropping; tried "
                              f"{self.attempts} times, nothing was {_DONE[what]}. Try again in a moment.") from exc
                log.info("Progress database busy or connection dropped (%s), attempt %d of %d: %s",
                         what, attempt, self.attempts, first_line(exc))
                time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _error(self, exc: SQLAlchemyError, what: str) -> ProgressError:
        hint = ""
        if self.dialect == "postgresql" and "connect" in first_line(exc).lower():
            hint = " Is the PostgreSQL server running, and are the host, port, user and database in the URL right?"
        message = f"The progress database {self.describe()} failed ({what}): {first_line(exc)}.{hint}"
        unreachable = "connect" in first_line(exc).lower()
        plain = (f"The progress database could not be reached, so nothing was {_DONE[what]}. Try again when it is "
                 "back; the server's log says why." if unreachable else
                 f"The progress database could not do this, so nothing was {_DONE[what]}. The server's log says why.")
        return ProgressError(message, plain=plain)

    # -- plan versions: what the reviews, the drafts and the export file share ---------------------

    def parse(self, row: PlanVersionRow) -> LoadedPlan:
        """A stored plan text, parsed once per checksum."""
        if row.sha256 not in self._parsed:
            source = f"{row.source_name} (stored version {row.sha256[:12]})"
            self._parsed[row.sha256] = parse_plan(row.yaml_text, source)
        return self._parsed[row.sha256]

    def current_row(self, session: Session, plan_id: str) -> tuple[PlanVersionRow, RegistrationRow] | None:
        """The plan's current version and the registration that made it current, or None for an unknown plan."""
        row = session.execute(
            select(PlanVersionRow, RegistrationRow)
            .join(RegistrationRow, RegistrationRow.version_id == PlanVersionRow.id)
            .where(RegistrationRow.plan_id == plan_id, MAY_BE_CURRENT)
            .order_by(RegistrationRow.id.desc())  # the order the database recorded, never a date from a file
            .limit(1)
        ).first()
        return None if row is None else (row[0], row[1])

    def current_version(self, plan_id: str) -> LoadedPlan:
        """The current version of a plan with its text; a ProgressError naming the stored plans if unknown."""
        def work(session: Session) -> LoadedPlan:
            current = self.current_row(session, plan_id)
            if current is None:
                known = ", ".join(session.scalars(select(PlanRow.plan_id).order_by(PlanRow.plan_id))) or "none yet"
                raise ProgressError(
                    f"No plan '{plan_id}' in {self.describe()} (registered: {known}). "
                    "Register it first: python -m hiap_geo plan register <file>."
                )
            return self.parse(current[0])

        return self.read(work)

    def version_row(self, session: Session, plan_id: str, sha: str) -> PlanVersionRow:
        """The stored text of the plan with checksum ``sha``; a ProgressError if there is none."""
        row = session.scalars(select(PlanVersionRow).where(PlanVersionRow.plan_id == plan_id,
                                                           PlanVersionRow.sha256 == sha)).first()
        if row is None:
            raise ProgressError(f"Plan '{plan_id}' has no stored version {sha[:12]}: the version the editor opened "
                                "is not in this database. Open the plan again.")
        return row

    def store_version(self, session: Session, loaded: LoadedPlan, user: User, now: datetime) -> None:
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


def database_now(session: Session) -> datetime:
    """The database's own clock (naive UTC), for what an import records: not the importing machine's."""
    value = session.scalar(select(func.current_timestamp()))
    if isinstance(value, str):  # SQLite: 'YYYY-MM-DD HH:MM:SS' in UTC
        value = datetime.fromisoformat(value)
    return utc(value) if isinstance(value, datetime) else now_utc()


def chunks(values: Sequence[T], size: int = 500) -> list[Sequence[T]]:
    """``values`` in slices of ``size``: how many ids one statement looks up."""
    return [values[i:i + size] for i in range(0, len(values), size)]


def _lock_timeout() -> str:
    """How long a PostgreSQL writer waits for the write lock (``limits.MAX_WRITE_WAIT_S``, read at each write)."""
    return f"SET LOCAL lock_timeout = '{int(limits.MAX_WRITE_WAIT_S * 1000)}ms'"

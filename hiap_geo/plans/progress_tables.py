"""The progress database's tables and the rules the database itself enforces: append-only history
(triggers on SQLite and PostgreSQL), the schema version, and which driver errors are worth a retry.

The bottom of the store: ``migrations`` creates and upgrades these tables, ``store`` opens the database and runs
its transactions, and the operations (``progress``, ``drafts``, ``bundle_io``) compose it. Kept apart so the
layout of the data can be read on one page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Connection,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hiap_geo.plans.schema import MAX_REVIEWER_CHARS, STATUSES, ProgressError

SCHEMA_VERSION = 5
"""The database layout this code reads and writes. 1: plans, versions, reviews (no version table).
2: plan registrations (who made which text the current version, when), reviewer e-mail and importer of
each review, the version table, append-only triggers on PostgreSQL too. 3: a review may correct an earlier
one (``corrects``, with ``correction_reason``): the earlier row stays, the correction counts in its place.
4: drafts of plans being written in the plan editor (``plan_drafts``, one per plan and user; a new table,
so the upgrade from 3 only creates it). 5: a registration made by an import keeps who imported it
(``imported_by``) and what the file claimed (``claimed_by``, ``claimed_at``) apart from the database's own time,
and may be history only (``history_only``: a version recorded, never made current). Older databases are
upgraded at start in one transaction (``migrations``); a newer
one is refused with a message."""

LOCK_KEY = 0x48494150  # 'HIAP': the PostgreSQL advisory lock that serialises writers

RETRY_SQLSTATES = {"40001", "40P01", "55P03", "57P01", "57P02", "57P03", "08000", "08003", "08006"}
"""PostgreSQL errors worth retrying: serialisation failure, deadlock, lock timeout, server shutdown,
connection lost."""

class Base(DeclarativeBase):
    pass


class SchemaRow(Base):
    """The schema version of the database: one row, checked at every start."""

    __tablename__ = "hiap_schema"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class PlanRow(Base):
    __tablename__ = "plans"
    plan_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class PlanVersionRow(Base):
    """One distinct text of a plan file, stored once; which text is current is in plan_registrations."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "sha256"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.plan_id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    source_name: Mapped[str] = mapped_column(String(1000))
    registered_at: Mapped[datetime] = mapped_column(DateTime)
    yaml_text: Mapped[str] = mapped_column(Text)
    registered_by: Mapped[str | None] = mapped_column(String(MAX_REVIEWER_CHARS), nullable=True)


class RegistrationRow(Base):
    """A plan text made the current version, by whom and when: the latest registration (in the order the
    database recorded them, ``id``; never a date a file gave) that is not ``history_only`` is the current one,
    so re-registering an earlier text makes it current again (a new row, not 'unchanged').

    A registration from an import has ``registered_at`` the database's time of the import, ``registered_by``
    None, ``imported_by`` the admin who imported it, and ``claimed_by``/``claimed_at`` what the file said:
    a claim, shown as one, never as who registered it here."""

    __tablename__ = "plan_registrations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.plan_id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id"))
    registered_at: Mapped[datetime] = mapped_column(DateTime)
    registered_by: Mapped[str | None] = mapped_column(String(MAX_REVIEWER_CHARS), nullable=True)
    imported_by: Mapped[str | None] = mapped_column(String(MAX_REVIEWER_CHARS), nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(MAX_REVIEWER_CHARS), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    history_only: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class ReviewRow(Base):
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
    reviewer_email: Mapped[str | None] = mapped_column(String(MAX_REVIEWER_CHARS), nullable=True)
    imported_by: Mapped[str | None] = mapped_column(String(MAX_REVIEWER_CHARS), nullable=True)
    corrects: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    """The review_id of an earlier review this one corrects (it stays in the history, superseded by this one)."""
    correction_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class DraftRow(Base):
    """A plan being written in the plan editor: one per plan and user, replaced at each save, removed when the
    user discards it. Not history (a saved version is): drafts may be changed and deleted. The text may be
    invalid; ``problems`` is the JSON list of what stops it being final when it was saved."""

    __tablename__ = "plan_drafts"
    __table_args__ = (UniqueConstraint("plan_id", "user_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(64), index=True)
    """Not a foreign key: a draft of a new plan has no stored plan yet."""
    user_key: Mapped[str] = mapped_column(String(MAX_REVIEWER_CHARS))
    user_label: Mapped[str | None] = mapped_column(String(MAX_REVIEWER_CHARS), nullable=True)
    yaml_text: Mapped[str] = mapped_column(Text)
    base_sha: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The checksum of the stored version the draft was opened from (None for a plan not stored yet)."""
    saved_at: Mapped[datetime] = mapped_column(DateTime)
    problems: Mapped[str] = mapped_column(Text)


APPEND_ONLY = ("reviews", "plan_versions", "plan_registrations")
"""History tables: rows are added, never changed or removed (enforced by the database)."""


def append_only_ddl(dialect: str) -> list[str]:
    """Triggers refusing UPDATE and DELETE (and, on PostgreSQL, TRUNCATE) of the history tables."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} are append-only: record a new review instead'); END"
            for table in APPEND_ONLY
            for verb in ("UPDATE", "DELETE")
        ]
    if dialect == "postgresql":
        statements = [
            "CREATE OR REPLACE FUNCTION hiap_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION '% are append-only: record a new review instead', TG_TABLE_NAME "
            "USING ERRCODE = 'restrict_violation'; END $$"
        ]
        for table in APPEND_ONLY:
            statements += [
                f"CREATE OR REPLACE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION hiap_append_only()",
                f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION hiap_append_only()",
            ]
        return statements
    raise ProgressError(f"HIAP Geo keeps progress in SQLite or PostgreSQL, not {dialect}.")


def utc(value: datetime) -> datetime:
    """Stored timestamps are naive UTC; aware values are converted, naive ones taken as UTC."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


def now_utc() -> datetime:
    return utc(datetime.now(UTC))


def first_line(exc: BaseException) -> str:
    """The driver's message, one line, without SQLAlchemy's SQL and background links."""
    orig = getattr(exc, "orig", None)
    message = str(orig if orig is not None else exc).strip() or exc.__class__.__name__
    return message.splitlines()[0][:300]


def transient(exc: BaseException) -> bool:
    """A failure that a retry may cure: a lost connection, a busy SQLite file, a PostgreSQL conflict."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    message = str(exc.orig).lower()
    if "database is locked" in message or "database table is locked" in message:
        return True
    return getattr(exc.orig, "sqlstate", None) in RETRY_SQLSTATES


def sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """SQLAlchemy, not the sqlite3 module, begins transactions (see sqlite_begin); foreign keys on."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def sqlite_begin(connection: Connection) -> None:
    """Writers take the write lock at BEGIN, so two first users cannot both decide to create a table or a plan;
    readers begin a deferred transaction."""
    write = connection.get_execution_options().get("hiap_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

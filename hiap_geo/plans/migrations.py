"""The progress database's schema versions: a new database created, an older one upgraded, a newer one refused.

Run once when a store opens, in one write transaction under the write lock (``store.StoreCore``), so twenty first
users at once all succeed and a failed upgrade changes nothing. Every upgrade adds tables or NULL columns:
no stored row is changed, since history is append-only (the triggers are made again at each upgrade).
"""

from __future__ import annotations

from sqlalchemy import Connection, inspect, select, text

from hiap_geo.plans.progress_tables import SCHEMA_VERSION, Base, SchemaRow, append_only_ddl
from hiap_geo.plans.schema import MAX_REVIEWER_CHARS, ProgressError

UPGRADE_TO_3 = (
    "ALTER TABLE reviews ADD COLUMN corrects VARCHAR(36)",
    "ALTER TABLE reviews ADD COLUMN correction_reason TEXT",
    "CREATE INDEX IF NOT EXISTS ix_reviews_corrects ON reviews (corrects)",
)
"""Schema 2 -> 3: the columns a correcting review fills (NULL for every review recorded before)."""

UPGRADE_TO_5 = (
    f"ALTER TABLE plan_registrations ADD COLUMN imported_by VARCHAR({MAX_REVIEWER_CHARS})",
    f"ALTER TABLE plan_registrations ADD COLUMN claimed_by VARCHAR({MAX_REVIEWER_CHARS})",
    "ALTER TABLE plan_registrations ADD COLUMN claimed_at TIMESTAMP",
    "ALTER TABLE plan_registrations ADD COLUMN history_only BOOLEAN",
)
"""Schema 2..4 -> 5: what an import claimed, kept apart (NULL for every registration made before)."""


def stored_version(connection: Connection) -> int | None:
    """The schema version the database says it has (1 for the first layout, which had no version table; None
    for an empty database)."""
    names = set(inspect(connection).get_table_names())
    if "hiap_schema" in names:
        return connection.execute(select(SchemaRow.version)).scalar()
    return 1 if "reviews" in names else None


def prepare(connection: Connection, dialect: str, where: str) -> None:
    """Create the schema, or upgrade it to ``SCHEMA_VERSION``; refuse a version this code cannot read.

    ``where`` names the database in messages (its URL without the password).
    """
    version = stored_version(connection)
    if version is not None and version > SCHEMA_VERSION:
        raise ProgressError(
            f"The progress database {where} has schema version {version}, newer than this "
            f"HIAP Geo (version {SCHEMA_VERSION}). Upgrade HIAP Geo on this machine (git pull; make run); "
            "nothing was changed.")
    if version == SCHEMA_VERSION:
        return
    if version is not None and version < 1:
        raise ProgressError(f"The progress database {where} has schema version {version}, "
                            "older than any this HIAP Geo can upgrade; nothing was changed.")
    Base.metadata.create_all(connection)
    if version == 1:
        _upgrade_from_1(connection)
    if version in (1, 2):
        for statement in UPGRADE_TO_3:  # ALTER TABLE adds NULL columns: no row is changed
            connection.exec_driver_sql(statement)
    if version in (2, 3, 4):  # version 1 had no registrations: create_all made them with these columns
        have = {c["name"] for c in inspect(connection).get_columns("plan_registrations")}
        for statement in UPGRADE_TO_5:
            if statement.split(" ADD COLUMN ")[1].split()[0] not in have:
                connection.exec_driver_sql(statement)
    for statement in append_only_ddl(dialect):
        connection.execute(text(statement))
    if version in (2, 3, 4):  # versions before 2 had no schema table: create_all made it empty
        connection.execute(SchemaRow.__table__.update().values(version=SCHEMA_VERSION))
    else:
        connection.execute(SchemaRow.__table__.insert().values(id=1, version=SCHEMA_VERSION))


def _upgrade_from_1(connection: Connection) -> None:
    """Version 1 had no registrations, reviewer e-mails or importers: add them, keeping every row."""
    for table, column in (("plan_versions", "registered_by"), ("reviews", "reviewer_email"),
                          ("reviews", "imported_by")):
        connection.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} VARCHAR({MAX_REVIEWER_CHARS})")
    connection.exec_driver_sql(
        "INSERT INTO plan_registrations (plan_id, version_id, registered_at, registered_by) "
        "SELECT plan_id, id, registered_at, NULL FROM plan_versions ORDER BY registered_at, id")

"""SQL conventions shared by every package's tables.

`tools` is the lowest layer (it imports nothing of ours), so the conventions live here. Each package
still declares its own base and owns its own tables; they refer to each other's rows by id.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import MetaData

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    """Naive UTC, the same on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


def begin_write(session) -> None:  # noqa: ANN001 - sqlalchemy.orm.Session
    """Start the session's transaction as a writer, so check-then-write steps cannot interleave.

    SQLite: BEGIN IMMEDIATE takes the database's write lock now (other writers wait on busy_timeout)
    instead of failing with SQLITE_BUSY when a read transaction tries to upgrade later. PostgreSQL needs
    nothing: row locks (FOR UPDATE [SKIP LOCKED]) and conditional UPDATEs do the work there.
    """
    from sqlalchemy import text

    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("BEGIN IMMEDIATE"))

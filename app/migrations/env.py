"""Alembic environment: runs against the URL the app gives it, never a hard-coded one."""

from alembic import context

from app.db import ALL_METADATA, make_engine


def _run(connection) -> None:  # noqa: ANN001
    # Batch mode lets ALTER TABLE work on SQLite; it is a no-op on PostgreSQL.
    context.configure(connection=connection, target_metadata=ALL_METADATA, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    engine = make_engine(context.config.get_main_option("sqlalchemy.url"), pooled=False)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
else:
    _run(connection)

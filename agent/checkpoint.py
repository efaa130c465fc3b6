"""Where LangGraph keeps each conversation's run state (thread = conversation id): a SQLite file by default,
PostgreSQL when the app's database is PostgreSQL and `langgraph-checkpoint-postgres` is installed. Either
survives a restart: a paused or finished run continues from the last checkpoint in any process."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def postgres_saver_available() -> bool:
    try:
        import langgraph.checkpoint.postgres  # noqa: F401
    except ImportError:
        return False
    return True


def open_checkpointer(database_url: str, sqlite_path: Path) -> Any:  # noqa: ANN401 - BaseCheckpointSaver
    if database_url.startswith("postgresql"):
        if postgres_saver_available():
            return _postgres(database_url)
        log.warning("DATABASE_URL is PostgreSQL but langgraph-checkpoint-postgres is not installed: conversation "
                    "checkpoints stay in the local file %s (not shared between app nodes)", sqlite_path)
    return _sqlite(sqlite_path)


def _sqlite(path: Path) -> Any:  # noqa: ANN401
    from langgraph.checkpoint.sqlite import SqliteSaver

    conn = sqlite3.connect(path, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    saver = SqliteSaver(conn)
    saver.setup()
    return saver


def _postgres(database_url: str) -> Any:  # noqa: ANN401
    import psycopg
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import dict_row

    conninfo = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    conn = psycopg.connect(conninfo, autocommit=True, prepare_threshold=0, row_factory=dict_row)
    saver = PostgresSaver(conn)
    saver.setup()
    return saver

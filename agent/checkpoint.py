"""Where LangGraph keeps each conversation's run state (thread = conversation id): a SQLite file by default,
PostgreSQL (in the app's own database, shared by every app node) when the app's database is PostgreSQL. Either
survives a restart: a paused or finished run continues from the last checkpoint in any process."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


def open_checkpointer(database_url: str, sqlite_path: Path) -> Any:  # noqa: ANN401 - BaseCheckpointSaver
    if database_url.startswith("postgresql"):
        return _postgres(database_url)
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

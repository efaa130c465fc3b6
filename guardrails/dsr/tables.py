"""Every table, every text column: find (and scrub) a subject's values wherever they were written.

The targeted erasers delete the rows that belong to the contact; this sweep catches mentions in other
rows (a rep's note on another contact, a deal's notes). It works on the live schema through reflection,
so tables added by other packages are covered without registering anything. Append-only tables (the
audit chain) are never rewritten; they are only scanned, and hold ids and placeholders by construction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import JSON, Engine, LargeBinary, MetaData, String, Table, select, update

from guardrails.dsr.subject import Subject

NEVER_REWRITE = frozenset({"audit_entries", "audit_head", "alembic_version"})


@dataclass(frozen=True)
class Trace:
    table: str
    column: str
    fields: tuple[str, ...]  # which of the subject's fields were found (never the values)


def _text_columns(table: Table) -> list:  # noqa: ANN401 - sqlalchemy columns
    return [c for c in table.columns if isinstance(c.type, String | JSON | LargeBinary)]


def _tables(engine: Engine, skip: Iterable[str] = ()) -> list[Table]:
    md = MetaData()
    md.reflect(engine)
    skip = set(skip)
    return [t for t in md.sorted_tables if t.name not in skip]


def scan(engine: Engine, subject: Subject, *, skip: Iterable[str] = ()) -> list[Trace]:
    """Every (table, column) where one of the subject's values still occurs."""
    found: list[Trace] = []
    with engine.connect() as conn:
        for table in _tables(engine, skip):
            cols = _text_columns(table)
            if not cols:
                continue
            for row in conn.execute(select(*cols)).yield_per(500):
                for col, value in zip(cols, row, strict=True):
                    if value is not None and (fields := subject.find_in(value)):
                        found.append(Trace(table.name, col.name, tuple(sorted(set(fields)))))
    return found


def sweep(engine: Engine, subject: Subject, *, skip: Iterable[str] = ()) -> tuple[dict[str, int], str]:
    """Replace the subject's values in every text column of every table (but `skip` and the append-only
    ones) with a marker. Returns replacements per table and a digest of the rows changed."""
    counts: dict[str, int] = {}
    digest = hashlib.sha256()
    for table in _tables(engine, set(skip) | NEVER_REWRITE):
        cols = _text_columns(table)
        keys = list(table.primary_key.columns)
        if not cols or not keys:
            continue
        changes = []
        with engine.connect() as conn:
            for row in conn.execute(select(*keys, *cols)).yield_per(500):
                key, values = row[:len(keys)], row[len(keys):]
                new_values, n_row = {}, 0
                for col, value in zip(cols, values, strict=True):
                    if value is None:
                        continue
                    new, n = subject.scrub_value(value)
                    if n:
                        new_values[col.name], n_row = new, n_row + n
                if n_row:
                    digest.update(f"{table.name}:{list(key)}:{sorted(new_values)}".encode())
                    changes.append((key, new_values, n_row))
        if changes:
            with engine.begin() as conn:
                for key, new_values, _ in changes:
                    cond = [k == v for k, v in zip(keys, key, strict=True)]
                    conn.execute(update(table).where(*cond).values(**new_values))
            counts[table.name] = sum(n for *_, n in changes)
    return counts, digest.hexdigest()

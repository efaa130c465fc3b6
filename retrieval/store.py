"""One collection: its Chroma vectors and its BM25 index, kept in step by a revision tag.

Every write bumps the revision stored in the collection's metadata and rebuilds the BM25 index;
readers (this process or another node on a shared Chroma server) notice a new revision within
`REVISION_TTL_S` and load or rebuild the index once.
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

from retrieval.lexical import LexicalIndex

REVISION_TTL_S = 2.0
PAGE = 2000  # Chroma reads and writes in pages; a server refuses very large batches


class EmbeddingMismatch(RuntimeError):
    pass


# Chroma's defaults (ef 100 to build, 10 to search) make the approximate graph differ from build to build
# enough to swap which of two close pages ranks first; a wider search stays exact in practice at our sizes
# (a few thousand to tens of thousands of chunks) for well under a millisecond more per query.
HNSW = {"space": "cosine", "ef_construction": 200, "ef_search": 200}


def search_text(title: str, heading: str, text: str) -> str:
    head = " > ".join(dict.fromkeys(h for h in (title, *heading.split(" > ")) if h))
    return f"{head}\n{text}" if head else text


class CollectionStore:
    def __init__(self, client: Any, name: str, *, model_id: str, audience: str, index_dir: Path | None):
        self.name = name
        self.audience = audience
        self._client = client
        self._index_dir = index_dir / name if index_dir else None
        self.col = client.get_or_create_collection(
            name, metadata={"embedding_model": model_id, "audience": audience, "revision": "0"},
            configuration={"hnsw": HNSW}, embedding_function=None)
        meta = self.col.metadata or {}
        stored = meta.get("embedding_model")
        if stored and stored != model_id:
            raise EmbeddingMismatch(
                f"collection {name!r} was built with {stored!r}, but the configured embedder is {model_id!r}; "
                f"re-ingest into a new collection (--collection) or change the embedding setting back")
        if meta.get("audience", audience) != audience:
            raise ValueError(f"collection {name!r} holds {meta['audience']!r} documents, not {audience!r}")
        self._lexical: LexicalIndex | None = None
        self._revision_checked = 0.0
        self._lock = threading.Lock()

    # -- revision -------------------------------------------------------------------------------

    def revision(self) -> str:
        meta = self._client.get_collection(self.name, embedding_function=None).metadata or {}
        return str(meta.get("revision", "0"))

    def metadata(self) -> dict[str, Any]:
        return dict(self._client.get_collection(self.name, embedding_function=None).metadata or {})

    def bump(self, **extra: str) -> str:
        meta = {**self.metadata(), **extra}
        meta["revision"] = uuid.uuid4().hex
        self.col.modify(metadata=meta)
        with self._lock:
            self._lexical = self._build(meta["revision"])
            self._revision_checked = time.monotonic()
        return meta["revision"]

    # -- lexical index --------------------------------------------------------------------------

    def lexical(self) -> LexicalIndex:
        now = time.monotonic()
        with self._lock:
            if self._lexical is not None and now - self._revision_checked < REVISION_TTL_S:
                return self._lexical
            revision = self.revision()
            self._revision_checked = now
            if self._lexical is None or self._lexical.revision != revision:
                loaded = LexicalIndex.load(self._index_dir, revision) if self._index_dir else None
                self._lexical = loaded or self._build(revision)
            return self._lexical

    def _build(self, revision: str) -> LexicalIndex:
        records, texts = [], []
        for ids, docs, metas in self.pages(include=["documents", "metadatas"]):
            for cid, doc, meta in zip(ids, docs, metas, strict=True):
                records.append({"id": cid, "text": doc, **(meta or {})})
                texts.append(search_text(meta.get("title", ""), meta.get("heading", ""), doc))
        index = LexicalIndex.build(records, texts, revision)
        if self._index_dir:
            index.save(self._index_dir)
        return index

    def pages(self, include: list[str], where: dict | None = None):  # noqa: ANN201 - generator of (ids, docs, metas)
        offset = 0
        while True:
            got = self.col.get(include=include, where=where, limit=PAGE, offset=offset)
            if not got["ids"]:
                return
            yield got["ids"], got.get("documents") or [None] * len(got["ids"]), got.get("metadatas") or []
            offset += len(got["ids"])

    # -- writes ---------------------------------------------------------------------------------

    def add(self, ids: list[str], vectors: list[list[float]], docs: list[str], metas: list[dict]) -> None:
        for i in range(0, len(ids), PAGE):
            self.col.add(ids=ids[i:i + PAGE], embeddings=vectors[i:i + PAGE], documents=docs[i:i + PAGE],
                         metadatas=metas[i:i + PAGE])

    def delete_where(self, where: dict) -> int:
        ids = [cid for page, _, _ in self.pages(include=[], where=where) for cid in page]
        for i in range(0, len(ids), PAGE):
            self.col.delete(ids=ids[i:i + PAGE])
        return len(ids)

    def count(self) -> int:
        return self.col.count()

"""Embeddings cached by content hash, so text that was embedded once (in any collection, or before an
edit elsewhere in its file) is never embedded again. Keyed by model id: another model starts afresh.

Questions are cached too, in memory only and bounded: customers ask the same few things ("How much is
Pro?"), and the query embedding is the largest part of a turn's own time; a question may hold personal
data, so it is never written to disk, and the cache keeps digests, not the text."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from retrieval.embeddings import Embedder


class CachedEmbedder:
    def __init__(self, inner: Embedder, path: Path, queries: int = 1024):
        self.inner = inner
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()  # digest → vector, least recently used first
        self._max_queries = queries
        self.model_id = inner.model_id
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (model TEXT, sha TEXT, vec BLOB, PRIMARY KEY (model, sha))")
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        shas = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(shas), 500):
                part = shas[i:i + 500]
                rows = self._db.execute(
                    f"SELECT sha, vec FROM vectors WHERE model = ? AND sha IN ({','.join('?' * len(part))})",
                    [self.model_id, *part]).fetchall()
                found.update((sha, np.frombuffer(vec, dtype=np.float32)) for sha, vec in rows)
        todo = list(dict.fromkeys(s for s in shas if s not in found))
        if todo:
            first = {s: t for s, t in zip(shas, texts, strict=True)}
            fresh = self.inner.embed_passages([first[s] for s in todo])
            with self._lock, self._db:
                self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                                     [(self.model_id, s, v.astype(np.float32).tobytes()) for s, v in zip(todo, fresh, strict=True)])
            found.update(zip(todo, fresh, strict=True))
        self.hits += len(shas) - len(todo)
        self.misses += len(todo)
        if not shas:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[s] for s in shas]).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        key = hashlib.sha256(text.encode()).hexdigest()
        with self._lock:
            vec = self._queries.get(key)
            if vec is not None:
                self._queries.move_to_end(key)
                return vec.copy()
        vec = np.asarray(self.inner.embed_query(text), dtype=np.float32)
        with self._lock:
            self._queries[key] = vec
            while len(self._queries) > self._max_queries:
                self._queries.popitem(last=False)
        return vec.copy()

    def close(self) -> None:
        self._db.close()

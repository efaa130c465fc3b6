"""Fusion of ranked lists, at chunk level and at page level.

Two modes. "rrf" (reciprocal rank) uses ranks only. "score" scales each list's scores to 0..1 (BM25
relative to its best hit, cosine between the worst and best candidate) and sums them: unlike RRF it
keeps *how much* better the first hit is, which measured better on the Databend questions.
Page level: a page scores each list's best chunk of that page (plus lists that score whole pages),
so a page found by the dense list through one chunk and by BM25 through another gets credit from
both, which chunk-level fusion misses.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FusionConfig:
    k: int = 60
    page_level: bool = True
    # within one page, the n-th best chunk gets decay**n of the page's score, so the results
    # interleave the best chunks of the best pages instead of listing one page's chunks first
    within_page_decay: float = 0.8
    mode: str = "rrf"  # "rrf" (ranks only) or "score" (each list's scores scaled to 0..1, then summed)


def rrf(lists: Iterable[tuple[Sequence[Hashable], float]], k: int = 60) -> dict[Hashable, float]:
    scores: dict[Hashable, float] = defaultdict(float)
    for ids, weight in lists:
        for rank, key in enumerate(ids):
            scores[key] += weight / (k + rank + 1)
    return dict(scores)


def page_order(chunk_ids: Sequence[Hashable], page_of: dict[Hashable, Hashable]) -> list[Hashable]:
    return list(dict.fromkeys(page_of[c] for c in chunk_ids))


def order_chunks(chunk_scores: dict[Hashable, float], page_scores: dict[Hashable, float],
                 page_of: dict[Hashable, Hashable], decay: float) -> list[Hashable]:
    """Chunks best first: each chunk scores its page's score, decayed by its place within the page."""
    by_page: dict[Hashable, list[Hashable]] = defaultdict(list)
    for cid in sorted(chunk_scores, key=lambda c: (-chunk_scores[c], str(c))):
        by_page[page_of[cid]].append(cid)
    final = {}
    for page, cids in by_page.items():
        base = page_scores.get(page, 0.0)
        for n, cid in enumerate(cids):
            final[cid] = (base * decay ** n, chunk_scores[cid])
    return sorted(final, key=lambda c: (final[c][0], final[c][1]), reverse=True)


Scored = list[tuple[Hashable, float]]  # best first


def _scaled(scored: Scored, from_min: bool) -> dict[Hashable, float]:
    """Scores to 0..1 within the list: BM25 relative to its best; cosine between worst and best."""
    if not scored:
        return {}
    hi = max(s for _, s in scored)
    lo = min(s for _, s in scored) if from_min else 0.0
    span = hi - lo
    return {key: (s - lo) / span if span > 0 else 1.0 for key, s in scored}


def fuse(chunk_lists: list[tuple[Scored, float, bool]], page_lists: list[tuple[Scored, float, bool]],
         page_of: dict[Hashable, Hashable], config: FusionConfig) -> tuple[dict[Hashable, float], dict[Hashable, float]]:
    """(chunk scores, page scores). Each list: (scored keys best first, weight, is it cosine)."""
    if config.mode == "rrf":
        chunks = rrf((([k for k, _ in scored], w) for scored, w, _ in chunk_lists), k=config.k)
        lists = [(page_order([k for k, _ in scored], page_of), w) for scored, w, _ in chunk_lists]
        lists += [([k for k, _ in scored], w) for scored, w, _ in page_lists]
        return chunks, rrf(lists, k=config.k)
    chunk_scores: dict[Hashable, float] = defaultdict(float)
    page_scores: dict[Hashable, float] = defaultdict(float)
    for scored, weight, cosine in chunk_lists:
        best_in_page: dict[Hashable, float] = {}
        for key, s in _scaled(scored, cosine).items():
            chunk_scores[key] += weight * s
            page = page_of[key]
            best_in_page[page] = max(best_in_page.get(page, 0.0), s)
        for page, s in best_in_page.items():
            page_scores[page] += weight * s
    for scored, weight, cosine in page_lists:
        for page, s in _scaled(scored, cosine).items():
            page_scores[page] += weight * s
    return dict(chunk_scores), dict(page_scores)


# A language folder ("en/guides/x.md", "docs/zh-CN/x.md") or suffix ("x.zh.md") marks one translation of a page.
_LANGUAGE_PART = re.compile(r"(^|/)(?:en|en-us|zh|zh-cn|zh-hans|zh_cn|cn)(?=/)|\.(?:en|zh|zh-cn)(?=\.[a-z0-9]+$)", re.I)


@functools.lru_cache(maxsize=65536)  # every search asks again for the same few hundred sources
def translation_key(source: str) -> str:
    """The page a source translates: its path with the language part taken out (itself when it has none)."""
    return _LANGUAGE_PART.sub(r"\1*", source, count=1)


def pool_translations(page_scores: dict[Hashable, float], key_of: dict[Hashable, str],
                      weight: float) -> dict[Hashable, float]:
    """Each page also gets `weight` × the best score of its translations: a bilingual site says the same
    thing twice, so evidence found in one language (a Chinese question matching the English page's
    prices) counts for the page in the other, and the two rank together."""
    if weight <= 0:
        return page_scores
    best: dict[str, list[tuple[float, Hashable]]] = defaultdict(list)
    for page, s in page_scores.items():
        best[key_of[page]].append((s, page))
    pooled = {}
    for page, s in page_scores.items():
        others = [o for o, other in best[key_of[page]] if other != page]
        pooled[page] = s + weight * max(others, default=0.0)
    return pooled
